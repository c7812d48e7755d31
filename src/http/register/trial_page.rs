//! The trial page as JSON (`GET /register/{reference}`): the decision notice and everything that
//! followed it (derogations, conditions, milestones, enforcement, observations, evaluation), as
//! public DTOs.

use actix_web::get;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::notice::{PublicInformationRequest, PublicProposal, PublicScreening};
use super::{cacheable, RegisterEntryResponse};
use crate::app::register::{self, TrialRecord};
use crate::app::AppContext;
use crate::domain::community::{AttestationStance, ObservationKind};
use crate::domain::decision::RecommendationKind;
use crate::domain::monitoring::{ConditionCategory, ConditionStatus, EnforcementKind, MilestoneKind, MilestoneStatus};
use crate::error::{AppError, AppResult};
use crate::http::dto::utc;

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDerogation {
    pub provision_code: String,
    pub provision_title: String,
    pub legal_reference: String,
    pub granted: bool,
    pub limits: Option<String>,
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAttestation {
    pub stance: AttestationStance,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// A file sent with evidence: its kind and size. Its name is left out (it may name a person);
/// the file itself is served to logged-in users only, at `url`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvidenceFile {
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    /// `GET` with a token (`/api/v1/evidence/{id}/file`); the anonymous public gets `401`.
    pub url: String,
}

/// The evidence sent last against a condition, which members confirm or dispute: what the
/// innovator wrote, the value reported against the target, and whether a file came with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvidence {
    pub id: i64,
    pub body: String,
    pub reported_value: Option<f64>,
    pub submitted_on: NaiveDate,
    pub file: Option<PublicEvidenceFile>,
}

impl From<crate::db::models::Evidence> for PublicEvidence {
    fn from(e: crate::db::models::Evidence) -> Self {
        let file = e.file_sha256.is_some().then(|| PublicEvidenceFile {
            content_type: e.file_type.clone(),
            size_bytes: e.file_size,
            url: format!("/api/v1/evidence/{}/file", e.id),
        });
        PublicEvidence {
            id: e.id,
            body: e.body,
            reported_value: e.reported_value,
            submitted_on: e.created_at.date(),
            file,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicConditionResponse {
    /// Confirm or dispute its evidence with this id (`POST /api/v1/conditions/{id}/attestations`).
    pub id: i64,
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: ConditionStatus,
    /// The value the inspector last verified.
    pub verified_value: Option<f64>,
    /// Why the inspector found the condition met although the verified value is below its target.
    pub met_below_target_reason: Option<String>,
    pub confirmations: usize,
    pub disputes: usize,
    pub attestations: Vec<PublicAttestation>,
    /// The evidence sent last, if any: what an attestation confirms or disputes.
    pub evidence: Option<PublicEvidence>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMilestone {
    pub id: i64,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: MilestoneStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEnforcement {
    pub kind: EnforcementKind,
    pub reasons: String,
    pub new_end_date: Option<NaiveDate>,
    pub on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReply {
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicObservation {
    pub id: i64,
    pub kind: ObservationKind,
    pub body: String,
    pub at: DateTime<Utc>,
    pub replies: Vec<PublicReply>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRecommendation {
    pub provision_code: String,
    pub recommendation: RecommendationKind,
    pub rationale: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvaluation {
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub recommendations: Vec<PublicRecommendation>,
}

/// A trial page: the decision notice and everything that followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialResponse {
    #[serde(flatten)]
    pub entry: RegisterEntryResponse,
    pub decision_reasons: Option<String>,
    pub inspector: Option<String>,
    pub derogations: Vec<PublicDerogation>,
    pub conditions: Vec<PublicConditionResponse>,
    pub milestones: Vec<PublicMilestone>,
    pub enforcement_actions: Vec<PublicEnforcement>,
    pub observations: Vec<PublicObservation>,
    pub evaluation: Option<PublicEvaluation>,
    /// What the applicant proposed.
    pub proposal: PublicProposal,
    /// Each screening criterion's outcome (empty before screening).
    pub screening: Vec<PublicScreening>,
    /// The inspector's questions and the applicant's answers, with the files the inspector
    /// published; email addresses, phone numbers and full postcodes are removed.
    pub information_requests: Vec<PublicInformationRequest>,
}

impl From<TrialRecord> for TrialResponse {
    fn from(t: TrialRecord) -> Self {
        let decision_reasons = t.entry.app.decision_reasons.clone();
        let proposal = PublicProposal::from(&t.entry.app);
        let reference = t.entry.app.reference.clone().unwrap_or_default();
        TrialResponse {
            proposal,
            screening: t.screening.into_iter().map(Into::into).collect(),
            information_requests: t.information.into_iter().map(|e| super::notice::exchange(&reference, e)).collect(),
            entry: t.entry.into(),
            decision_reasons,
            inspector: t.inspector_name,
            derogations: t
                .derogations
                .into_iter()
                .map(|(r, p)| PublicDerogation {
                    provision_code: p.code,
                    provision_title: p.title,
                    legal_reference: p.legal_reference,
                    granted: r.granted,
                    limits: r.granted_limits,
                    until: r.granted_until,
                })
                .collect(),
            conditions: t
                .conditions
                .into_iter()
                .map(|c| PublicConditionResponse {
                    id: c.condition.id,
                    met_below_target_reason: match (c.condition.status, c.verified_value) {
                        (ConditionStatus::Met, Some(v)) if v < c.condition.target_value => {
                            c.condition.status_reason.clone()
                        }
                        _ => None,
                    },
                    category: c.condition.category,
                    description: c.condition.description,
                    metric: c.condition.metric,
                    target_value: c.condition.target_value,
                    unit: c.condition.unit,
                    due_on: c.condition.due_on,
                    status: c.condition.status,
                    verified_value: c.verified_value,
                    evidence: c.latest_evidence.map(PublicEvidence::from),
                    confirmations: c.confirmations,
                    disputes: c.disputes,
                    attestations: c
                        .attestation_comments
                        .into_iter()
                        .map(|(stance, comment, at)| PublicAttestation { stance, comment, at: utc(at) })
                        .collect(),
                })
                .collect(),
            milestones: t
                .milestones
                .into_iter()
                .map(|m| PublicMilestone { id: m.id, kind: m.kind, title: m.title, due_on: m.due_on, status: m.status })
                .collect(),
            enforcement_actions: t
                .enforcement
                .into_iter()
                .map(|e| PublicEnforcement {
                    kind: e.kind,
                    reasons: e.reasons,
                    new_end_date: e.new_end_date,
                    on: e.created_at.date(),
                })
                .collect(),
            observations: t
                .observations
                .into_iter()
                .map(|o| PublicObservation {
                    id: o.observation.id,
                    kind: o.observation.kind,
                    body: o.text().to_string(),
                    at: utc(o.observation.created_at),
                    replies: o
                        .replies
                        .into_iter()
                        .map(|r| PublicReply { body: r.body, at: utc(r.created_at) })
                        .collect(),
                })
                .collect(),
            evaluation: t.evaluation.map(|(e, recs)| PublicEvaluation {
                outcomes: e.outcomes,
                lessons: e.lessons,
                reported_annual_co2e_tonnes: e.reported_annual_co2e_tonnes,
                recommendations: recs
                    .into_iter()
                    .map(|(r, p)| PublicRecommendation {
                        provision_code: p.code,
                        recommendation: r.recommendation,
                        rationale: r.rationale,
                    })
                    .collect(),
            }),
        }
    }
}

/// A trial page (or refusal notice) by reference, e.g. `SBX-2027-00001`, or id.
#[utoipa::path(tag = "register", params(("reference" = String, Path, description = "Reference or id")),
    responses((status = 200, body = TrialResponse)))]
#[get("/register/{reference}")]
pub async fn trial(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let record = register::trial(&ctx, reference.into_inner()).await?;
    let body = serde_json::to_vec(&TrialResponse::from(record)).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}
