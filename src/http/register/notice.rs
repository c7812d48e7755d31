//! The parts of a decision notice that say what was proposed and how it was assessed: the
//! proposal, the screening, and the information requests with their answers and the files the
//! inspector published (downloadable from the register, `GET /register/{reference}/documents/{id}`).

use actix_web::get;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::register::PublicExchange;
use crate::app::{documents, AppContext};
use crate::db::models::{Application, InformationRequestAttachment, Screening};
use crate::domain::decision::{CriterionOutcome, ScreeningCriterion};
use crate::error::AppResult;
use crate::http::dto::utc;

/// What the applicant proposed, as they wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicProposal {
    pub summary: Option<String>,
    /// What is new about the trial.
    pub innovation: Option<String>,
    /// Why the planning rule blocks it.
    pub need_for_derogation: Option<String>,
    pub safeguards: Option<String>,
    pub exit_plan: Option<String>,
    pub proposed_start_date: Option<NaiveDate>,
    pub proposed_duration_months: Option<i32>,
}

impl From<&Application> for PublicProposal {
    fn from(a: &Application) -> Self {
        PublicProposal {
            summary: a.summary.clone(),
            innovation: a.innovation_statement.clone(),
            need_for_derogation: a.need_for_derogation.clone(),
            safeguards: a.safeguards.clone(),
            exit_plan: a.exit_plan.clone(),
            proposed_start_date: a.proposed_start_date,
            proposed_duration_months: a.proposed_duration_months,
        }
    }
}

/// One screening criterion's outcome, with the inspector's note (personal data removed).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicScreening {
    pub criterion: ScreeningCriterion,
    pub outcome: CriterionOutcome,
    pub note: String,
}

impl From<Screening> for PublicScreening {
    fn from(s: Screening) -> Self {
        PublicScreening { criterion: s.criterion, outcome: s.outcome, note: s.note }
    }
}

/// A file the inspector published with the notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDocument {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Download it here.
    pub url: String,
}

/// A question the inspector asked and the applicant's answer, email addresses, phone numbers and
/// full postcodes removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicInformationRequest {
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub documents: Vec<PublicDocument>,
}

/// The address of a published file of the case `reference`.
pub fn document_url(reference: &str, id: i64) -> String {
    format!("/api/v1/register/{reference}/documents/{id}")
}

pub fn exchange(reference: &str, e: PublicExchange) -> PublicInformationRequest {
    let document = |f: InformationRequestAttachment| PublicDocument {
        url: document_url(reference, f.id),
        id: f.id,
        file_name: f.file_name,
        content_type: f.content_type,
        size_bytes: f.size_bytes,
    };
    PublicInformationRequest {
        question: e.request.question,
        asked_at: utc(e.request.requested_at),
        answer: e.request.answer,
        answered_at: e.request.answered_at.map(utc),
        documents: e.documents.into_iter().map(document).collect(),
    }
}

/// A file published with a decision notice (`404` for any other file, or a case not on the
/// register).
#[utoipa::path(tag = "register",
    params(("reference" = String, Path, description = "Reference or id"), ("id" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file, as it was sent", content_type = "application/octet-stream")))]
#[get("/register/{reference}/documents/{id}")]
pub async fn published_document(ctx: web::Data<AppContext>, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    let (file, bytes) = documents::public_document(&ctx, reference, id).await?;
    Ok(crate::http::upload::download(&file.file_name, &file.content_type, bytes))
}
