//! `/api/v1/applications`: drafts, the queue, the full record, its history and its milestones.

use actix_web::http::StatusCode;
use actix_web::{get, post, put};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::case_dto::{case_response, CaseResponse, CaseSummaryResponse, HistoryResponse, MilestoneResponse};
use super::concurrency::IfMatch;
use super::dto::list_response;
use super::extract::AuthUser;
use super::input::{query_flag, query_text, query_value, PageParams};
use crate::app::cases;
use crate::app::input::application::ApplicationRequest;
use crate::app::{AppContext, PageRequest};
use crate::config::ListSettings;
use crate::db::cases::{CaseFilter, CaseOrder, InspectorFilter};
use crate::domain::account::OrganisationKind;
use crate::domain::case::{Intervention, Status};
use crate::domain::FieldErrors;
use crate::error::AppResult;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(history)
        .service(milestones)
        .service(information_attachment)
        .service(publish_attachment);
}

/// Start a draft application (innovator).
#[utoipa::path(tag = "applications", request_body = ApplicationRequest, security(("bearer" = [])),
    responses((status = 201, body = CaseResponse)))]
#[post("/applications")]
pub async fn create(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<ApplicationRequest>,
) -> AppResult<HttpResponse> {
    let view = cases::create(&ctx, &user.0, body.into_inner().parse()).await?;
    Ok(case_response(view, StatusCode::CREATED))
}

/// Replace a draft (its author, `If-Match`). Only drafts can be edited.
#[utoipa::path(tag = "applications", request_body = ApplicationRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[put("/applications/{id}")]
pub async fn update(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ApplicationRequest>,
) -> AppResult<HttpResponse> {
    let view = cases::update_draft(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(case_response(view, StatusCode::OK))
}

/// Read an application's full record (its author; inspectors and admins once submitted).
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = CaseResponse)))]
#[get("/applications/{id}")]
pub async fn get(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = cases::get(&ctx, &user.0, id.into_inner()).await?;
    Ok(case_response(view, StatusCode::OK))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// Only cases in this status.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only cases in this zone (id).
    #[param(value_type = Option<i64>)]
    pub zone: Option<String>,
    /// `me`, `unassigned`, or an inspector's user id.
    #[param(value_type = Option<String>, format = "queue-inspector")]
    pub inspector: Option<String>,
    /// Only this intervention type.
    #[param(value_type = Option<Intervention>)]
    pub intervention: Option<String>,
    /// Only applicants of this kind.
    #[param(value_type = Option<OrganisationKind>)]
    pub applicant_kind: Option<String>,
    /// `true`: only cases awaiting a decision past their target date (clock running).
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// `true`: only cases with evidence, a milestone report or a dispute awaiting review.
    #[param(value_type = Option<bool>)]
    pub needs_review: Option<String>,
    /// `target`: oldest target decision date first (drafts, which have none, left out);
    /// `newest` (the default): newest first.
    #[param(inline, value_type = Option<QueueSort>)]
    pub sort: Option<String>,
    /// Text in the reference, title or organisation name (one line, at most 200 characters).
    #[param(value_type = Option<String>, format = "line-or-blank", max_length = 200)]
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Items per page.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

/// `inspector=`: `me`, `unassigned`, or a user id (digits; [`crate::domain::text_patterns::QUEUE_INSPECTOR`]).
pub fn inspector_filter(raw: &str, me: i64) -> Result<InspectorFilter, String> {
    match raw.trim() {
        "me" => Ok(InspectorFilter::Is(me)),
        "unassigned" => Ok(InspectorFilter::Unassigned),
        id if (1..=18).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) => {
            id.parse().map(InspectorFilter::Is).map_err(|_| "must be me, unassigned or a user id".into())
        }
        _ => Err("must be me, unassigned or a user id".into()),
    }
}

/// The orders of the queue (`sort`).
#[derive(Debug, Clone, Copy, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Only the document reads it.
pub enum QueueSort {
    Target,
    Newest,
}

impl QueueParams {
    /// The filter and page a queue request asks for, or every bad parameter named. The inspectors'
    /// queue page reads its query into the same struct and calls this.
    pub fn parse(
        self,
        me: i64,
        today: NaiveDate,
        lists: &ListSettings,
    ) -> Result<(CaseFilter, PageRequest), FieldErrors> {
        let p = self;
        let mut e = FieldErrors::new();
        let nonempty = |s: Option<String>| query_value(s.as_deref()).map(str::to_string);
        let status =
            nonempty(p.status).and_then(|s| e.check("status", s.parse::<Status>()).map(|s| s.as_str().to_string()));
        let zone_id = nonempty(p.zone)
            .and_then(|z| e.check("zone", z.parse::<i64>().map_err(|_| "must be a zone id".to_string())));
        let inspector = nonempty(p.inspector).and_then(|i| e.check("inspector", inspector_filter(&i, me)));
        let intervention = nonempty(p.intervention)
            .and_then(|i| e.check("intervention", i.parse::<Intervention>()).map(|i| i.as_str().to_string()));
        let applicant_kind = nonempty(p.applicant_kind)
            .and_then(|k| e.check("applicant_kind", k.parse::<OrganisationKind>()).map(|k| k.as_str().to_string()));
        let overdue = query_flag(p.overdue.as_deref(), "overdue", &mut e).unwrap_or(false);
        let needs_review = query_flag(p.needs_review.as_deref(), "needs_review", &mut e).unwrap_or(false);
        let order = match nonempty(p.sort).as_deref() {
            None | Some("newest") => CaseOrder::Newest,
            Some("target") => CaseOrder::Target,
            Some(_) => {
                e.add("sort", "must be target or newest");
                CaseOrder::Newest
            }
        };
        let q = query_text(p.q.as_deref(), "q", 200, &mut e);
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            e.add("q", "must be at most 200 characters");
        }
        let page =
            PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
        let overdue_on = overdue.then_some(today);
        let filter = CaseFilter {
            status,
            zone_id,
            inspector,
            intervention,
            q,
            applicant_kind,
            overdue_on,
            needs_review,
            order,
            ..CaseFilter::default()
        };
        e.into_result()?;
        Ok((filter, page))
    }
}

/// The applications you may see, newest first: an innovator's own; for inspectors and admins,
/// every submitted case (the queue).
#[utoipa::path(tag = "applications", params(QueueParams), security(("bearer" = [])),
    responses((status = 200, body = [CaseSummaryResponse])))]
#[get("/applications")]
pub async fn list(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<QueueParams>,
) -> AppResult<HttpResponse> {
    let (filter, page) = params.into_inner().parse(user.0.user_id, ctx.now().date(), &ctx.settings.lists)?;
    let result = cases::list(&ctx, &user.0, filter, page).await?;
    Ok(list_response(&req, result, CaseSummaryResponse::from))
}

/// The case's audit trail, oldest first (the author sees its public events).
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [HistoryResponse])))]
#[get("/applications/{id}/history")]
pub async fn history(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let entries = cases::history(&ctx, &user.0, id.into_inner()).await?;
    let body: Vec<HistoryResponse> = entries.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The case's review milestones, by due date.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [MilestoneResponse])))]
#[get("/applications/{id}/milestones")]
pub async fn milestones(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = cases::get(&ctx, &user.0, id.into_inner()).await?;
    let body: Vec<MilestoneResponse> = view.milestones.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Download a file sent with an answer to an information request (whoever may read the case's
/// full record), with its original name and detected type.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(("aid" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file")))]
#[get("/information-request-attachments/{aid}")]
pub async fn information_attachment(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    aid: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (attachment, bytes) = cases::information_attachment(&ctx, &user.0, aid.into_inner()).await?;
    Ok(super::upload::download(&attachment.file_name, &attachment.content_type, bytes))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicBody {
    /// `true` publishes the file with the decision notice; `false` withdraws it.
    pub public: bool,
}

/// Publish a file of an information request with the case's decision notice, or withdraw it
/// (the assigned inspector). Once the case is on the register, anyone can download a published
/// file from `GET /register/{reference}/documents/{id}`; its contents are published as they are.
#[utoipa::path(tag = "applications", security(("bearer" = [])), request_body = PublicBody,
    params(("aid" = i64, Path, description = "Attachment id")),
    responses((status = 200, body = super::case_dto::AttachmentResponse)))]
#[put("/information-request-attachments/{aid}/public")]
pub async fn publish_attachment(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    aid: web::Path<i64>,
    body: web::Json<PublicBody>,
) -> AppResult<HttpResponse> {
    let file = crate::app::documents::set_public(&ctx, &user.0, aid.into_inner(), body.into_inner().public).await?;
    Ok(HttpResponse::Ok().json(super::case_dto::AttachmentResponse::from(file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_inspector_pattern_is_the_rule() {
        let re = regex::Regex::new(crate::domain::text_patterns::QUEUE_INSPECTOR).unwrap();
        let long = "9".repeat(18);
        for s in ["me", " me ", "unassigned", "1", "42", long.as_str(), "0", "", "you", "-1", "+1", "1.5", "me2", "1 2"]
        {
            assert_eq!(re.is_match(s), inspector_filter(s, 7).is_ok(), "{s:?}");
        }
        assert!(!re.is_match(&"9".repeat(19)) && inspector_filter(&"9".repeat(19), 7).is_err());
    }
}
