//! Trials in operation over HTTP: conditions and evidence, the milestone schedule, observations,
//! attestations, subscriptions and notification preferences.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::{ConditionBody, MilestoneResponse};
use super::concurrency::{etag, if_match};
use super::dto::utc;
use super::extract::{AuthUser, MaybeAuthUser};
use super::input::{parse_required, Field};
use crate::app::community::{self, ObservationView, Target, OBSERVATION_KINDS};
use crate::app::monitoring::{self, ConditionView, EvidenceInput};
use crate::app::AppContext;
use crate::db::models::{Attestation, Evidence, Subscription};
use crate::domain::application::{number_in, text, ConditionInput, MAX_CO2E_TONNES, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::domain::monitoring::{ConditionCategory, MilestoneKind};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult, Problem};

// ------------------------------------------------------------- conditions and evidence

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    pub id: i64,
    pub body: String,
    pub reported_value: Option<f64>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub file_sha256: Option<String>,
    /// Where to download the file, when there is one.
    pub file_url: Option<String>,
    /// `pending`, `verified` or `rejected`.
    pub outcome: String,
    pub feedback: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

impl From<Evidence> for EvidenceResponse {
    fn from(e: Evidence) -> Self {
        EvidenceResponse {
            file_url: e.file_name.as_ref().map(|_| format!("/api/v1/evidence/{}/file", e.id)),
            id: e.id,
            body: e.body,
            reported_value: e.reported_value,
            file_name: e.file_name,
            file_type: e.file_type,
            file_size: e.file_size,
            file_sha256: e.file_sha256,
            outcome: e.outcome,
            feedback: e.feedback,
            submitted_at: utc(e.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionDetail {
    pub id: i64,
    pub category: String,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: String,
    /// Why it was rejected, breached or waived.
    pub status_reason: Option<String>,
    pub evidence: Vec<EvidenceResponse>,
    pub version: i64,
}

impl From<ConditionView> for ConditionDetail {
    fn from(v: ConditionView) -> Self {
        let c = v.condition;
        ConditionDetail {
            id: c.id,
            category: c.category,
            description: c.description,
            metric: c.metric,
            target_value: c.target_value,
            unit: c.unit,
            due_on: c.due_on,
            status: c.status,
            status_reason: c.status_reason,
            evidence: v.evidence.into_iter().map(Into::into).collect(),
            version: c.version,
        }
    }
}

fn condition_response(v: ConditionView, status: actix_web::http::StatusCode) -> HttpResponse {
    let version = v.condition.version;
    HttpResponse::build(status).insert_header((header::ETAG, etag(version))).json(ConditionDetail::from(v))
}

fn parse_condition(c: ConditionBody) -> Result<ConditionInput, FieldErrors> {
    let mut e = FieldErrors::new();
    let category = parse_required(c.category, &mut e, "category", |s| s.parse::<ConditionCategory>());
    let description = parse_required(c.description, &mut e, "description", |s| text(s, MAX_LONG_TEXT));
    let metric = parse_required(c.metric, &mut e, "metric", |s| text(s, MAX_SHORT_TEXT));
    let target =
        c.target_value.required(&mut e, "target_value").and_then(|v| e.check("target_value", number_in(v, 0.0, 1e12)));
    let unit = parse_required(c.unit, &mut e, "unit", |s| text(s, 50));
    let due = c.due_on.required(&mut e, "due_on");
    match (category, description, metric, target, unit, due) {
        (Some(category), Some(description), Some(metric), Some(target_value), Some(unit), Some(due_on))
            if e.is_empty() =>
        {
            Ok(ConditionInput { category, description, metric, target_value, unit, due_on })
        }
        _ => Err(e),
    }
}

/// A trial's conditions with their evidence (the author and staff; anyone for a public trial).
#[utoipa::path(get, path = "/api/v1/applications/{id}/conditions", tag = "monitoring", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [ConditionDetail]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list_conditions(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let list = monitoring::list_conditions(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ConditionDetail::from).collect::<Vec<_>>()))
}

/// Add a community-benefit condition (assigned inspector), before or after approval.
#[utoipa::path(post, path = "/api/v1/applications/{id}/conditions", tag = "monitoring", request_body = ConditionBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = ConditionDetail), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ConditionBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    crate::app::cases::precheck_request(&ctx, &user.0, id, crate::domain::policy::CaseRequest::Monitor).await?;
    let input = parse_condition(body.into_inner())?;
    let v = monitoring::add_condition(&ctx, &user.0, id, input).await?;
    Ok(condition_response(v, actix_web::http::StatusCode::CREATED))
}

/// Replace an open condition's terms (assigned inspector, `If-Match`).
#[utoipa::path(put, path = "/api/v1/conditions/{cid}", tag = "monitoring", request_body = ConditionBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json")))]
pub async fn update_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    body: web::Json<ConditionBody>,
) -> AppResult<HttpResponse> {
    let input = parse_condition(body.into_inner())?;
    let v = monitoring::update_condition(&ctx, &user.0, cid.into_inner(), if_match(&req)?, input).await?;
    Ok(condition_response(v, actix_web::http::StatusCode::OK))
}

/// Remove a condition that has no evidence (assigned inspector, `If-Match`).
#[utoipa::path(delete, path = "/api/v1/conditions/{cid}", tag = "monitoring", security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 204, description = "Removed"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn remove_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
) -> AppResult<HttpResponse> {
    monitoring::remove_condition(&ctx, &user.0, cid.into_inner(), if_match(&req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub body: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub reported_value: Field<f64>,
}

/// Submit evidence against a condition (the author): JSON, or `multipart/form-data` with `body`,
/// `reported_value` and a `file` (PDF, PNG, JPEG, CSV, text or office document; 10 MiB by default).
#[utoipa::path(post, path = "/api/v1/conditions/{cid}/evidence", tag = "monitoring", request_body = EvidenceBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 201, body = ConditionDetail), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn submit_evidence(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let cid = cid.into_inner();
    // Refuse before reading a large upload.
    monitoring::precheck_evidence(&ctx, &user.0, cid).await?;
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let input = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(&req, &mut payload.into_inner())
            .await
            .map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        let form = super::upload::read_form(multipart, ctx.settings.uploads.max_file_bytes).await?;
        let mut e = FieldErrors::new();
        let body = match form.body.as_deref() {
            Some(b) => e.check("body", text(b, MAX_LONG_TEXT)),
            None => {
                e.add("body", "is required");
                None
            }
        };
        let reported_value = match form.reported_value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => match v.parse::<f64>() {
                Ok(n) => e.check("reported_value", number_in(n, -MAX_CO2E_TONNES, 1e12)),
                Err(_) => {
                    e.add("reported_value", "must be a number");
                    None
                }
            },
            None => None,
        };
        e.into_result()?;
        EvidenceInput { body: body.unwrap_or_default(), reported_value, file: form.file }
    } else if content_type.starts_with("application/json") {
        let bytes = read_limited(&mut payload, ctx.settings.http.json_limit_bytes).await?;
        let b: EvidenceBody = serde_json::from_slice(&bytes).map_err(|e| {
            if e.is_data() {
                AppError::validation("body", &super::input::describe_serde_error(&e.to_string()))
            } else {
                AppError::BadRequest(format!("the body is not valid JSON: {e}"))
            }
        })?;
        let mut e = FieldErrors::new();
        let body = parse_required(b.body, &mut e, "body", |s| text(s, MAX_LONG_TEXT));
        let reported_value = match b.reported_value.optional(&mut e, "reported_value") {
            Some(Some(v)) => e.check("reported_value", number_in(v, -MAX_CO2E_TONNES, 1e12)),
            _ => None,
        };
        e.into_result()?;
        EvidenceInput { body: body.unwrap_or_default(), reported_value, file: None }
    } else {
        return Err(AppError::UnsupportedMediaType("send evidence as application/json or multipart/form-data".into()));
    };
    let v = monitoring::submit_evidence(&ctx, &user.0, cid, input).await?;
    Ok(condition_response(v, actix_web::http::StatusCode::CREATED))
}

async fn read_limited(payload: &mut web::Payload, limit: usize) -> AppResult<Vec<u8>> {
    use futures_util::StreamExt;
    let mut data = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the body could not be read: {e}")))?;
        if data.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(format!("the body is larger than the limit of {limit} bytes")));
        }
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Download an evidence file, with its original name and detected type.
#[utoipa::path(get, path = "/api/v1/evidence/{eid}/file", tag = "monitoring", security(("bearer" = [])),
    params(("eid" = i64, Path, description = "Evidence id")),
    responses((status = 200, description = "The file"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn evidence_file(ctx: web::Data<AppContext>, user: AuthUser, eid: web::Path<i64>) -> AppResult<HttpResponse> {
    let (evidence, data) = monitoring::evidence_file(&ctx, &user.0, eid.into_inner()).await?;
    let name = evidence.file_name.unwrap_or_else(|| "evidence".into());
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    Ok(HttpResponse::Ok()
        .content_type(evidence.file_type.unwrap_or_else(|| "application/octet-stream".into()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(data))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// `met` or `rejected`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub outcome: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub note: Field<String>,
}

/// Verify the latest evidence (`met`) or reject it with feedback (assigned inspector, `If-Match`).
#[utoipa::path(post, path = "/api/v1/conditions/{cid}/verify", tag = "monitoring", request_body = VerifyBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    body: web::Json<VerifyBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let met = parse_required(b.outcome, &mut e, "outcome", |s| match s {
        "met" => Ok(true),
        "rejected" => Ok(false),
        _ => Err("must be met or rejected".to_string()),
    });
    let note = parse_required(b.note, &mut e, "note", |s| text(s, MAX_LONG_TEXT));
    e.into_result()?;
    let v = monitoring::verify(
        &ctx,
        &user.0,
        cid.into_inner(),
        if_match(&req)?,
        met.unwrap_or(false),
        note.unwrap_or_default(),
    )
    .await?;
    Ok(condition_response(v, actix_web::http::StatusCode::OK))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonsBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub reasons: Field<String>,
}

fn reasons(b: ReasonsBody) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let r = parse_required(b.reasons, &mut e, "reasons", |s| text(s, MAX_LONG_TEXT));
    e.into_result()?;
    Ok(r.unwrap_or_default())
}

/// Mark an open condition breached (assigned inspector, `If-Match`); followers are told.
#[utoipa::path(post, path = "/api/v1/conditions/{cid}/breach", tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn breach(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let r = reasons(body.into_inner())?;
    let v = monitoring::close_condition(&ctx, &user.0, cid.into_inner(), if_match(&req)?, true, r).await?;
    Ok(condition_response(v, actix_web::http::StatusCode::OK))
}

/// Waive an open condition with reasons (assigned inspector, `If-Match`).
#[utoipa::path(post, path = "/api/v1/conditions/{cid}/waive", tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn waive(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let r = reasons(body.into_inner())?;
    let v = monitoring::close_condition(&ctx, &user.0, cid.into_inner(), if_match(&req)?, false, r).await?;
    Ok(condition_response(v, actix_web::http::StatusCode::OK))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationResponse {
    pub id: i64,
    pub condition_id: i64,
    pub evidence_id: Option<i64>,
    /// `confirm` or `dispute`.
    pub stance: String,
    pub comment: String,
    pub at: DateTime<Utc>,
}

impl From<Attestation> for AttestationResponse {
    fn from(a: Attestation) -> Self {
        AttestationResponse {
            id: a.id,
            condition_id: a.condition_id,
            evidence_id: a.evidence_id,
            stance: a.stance,
            comment: a.comment,
            at: utc(a.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationBody {
    /// `confirm` or `dispute`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub stance: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub comment: Field<String>,
}

/// Confirm or dispute a condition's latest evidence (verified community members, public trials).
#[utoipa::path(post, path = "/api/v1/conditions/{cid}/attestations", tag = "community", request_body = AttestationBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 201, body = AttestationResponse), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn attest(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    cid: web::Path<i64>,
    body: web::Json<AttestationBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let dispute = parse_required(b.stance, &mut e, "stance", |s| match s {
        "confirm" => Ok(false),
        "dispute" => Ok(true),
        _ => Err("must be confirm or dispute".to_string()),
    });
    let comment = parse_required(b.comment, &mut e, "comment", |s| text(s, 4000));
    e.into_result()?;
    let a = community::attest(&ctx, &user.0, cid.into_inner(), dispute.unwrap_or(false), comment.unwrap_or_default())
        .await?;
    Ok(HttpResponse::Created().json(AttestationResponse::from(a)))
}

/// A condition's attestations (anyone who may see the condition).
#[utoipa::path(get, path = "/api/v1/conditions/{cid}/attestations", tag = "community", params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 200, body = [AttestationResponse])))]
pub async fn attestations(ctx: web::Data<AppContext>, user: AuthUser, cid: web::Path<i64>) -> AppResult<HttpResponse> {
    let cid = cid.into_inner();
    monitoring::precheck_read_condition(&ctx, &user.0, cid).await?;
    let list = community::attestations(&ctx, cid).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(AttestationResponse::from).collect::<Vec<_>>()))
}

// ------------------------------------------------------------- milestones

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    #[serde(default)]
    #[schema(value_type = Option<MilestoneKind>)]
    pub kind: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Field<NaiveDate>,
}

/// Add a milestone to a trial's schedule (assigned inspector).
#[utoipa::path(post, path = "/api/v1/applications/{id}/milestones", tag = "monitoring", request_body = MilestoneBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = MilestoneResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<MilestoneBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    crate::app::cases::precheck_request(&ctx, &user.0, id, crate::domain::policy::CaseRequest::Monitor).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let kind = parse_required(b.kind, &mut e, "kind", |s| s.parse::<MilestoneKind>());
    let title = parse_required(b.title, &mut e, "title", |s| text(s, MAX_SHORT_TEXT));
    let due = b.due_on.required(&mut e, "due_on");
    e.into_result()?;
    let (Some(kind), Some(title), Some(due)) = (kind, title, due) else {
        return Err(AppError::BadRequest("invalid milestone".into()));
    };
    let m = monitoring::add_milestone(&ctx, &user.0, id, kind, title, due).await?;
    Ok(HttpResponse::Created().insert_header((header::ETAG, etag(m.version))).json(MilestoneResponse::from(m)))
}

/// Change a milestone's title or due date (assigned inspector, `If-Match`).
#[utoipa::path(patch, path = "/api/v1/milestones/{mid}", tag = "monitoring", request_body = MilestoneBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's ETag")),
    responses((status = 200, body = MilestoneResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json")))]
pub async fn update_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    mid: web::Path<i64>,
    body: web::Json<MilestoneBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    if !b.kind.is_missing() {
        e.add("kind", "cannot be changed; waive this milestone and add another");
    }
    let title = match b.title.optional(&mut e, "title") {
        Some(Some(t)) => e.check("title", text(&t, MAX_SHORT_TEXT)),
        _ => None,
    };
    let due = b.due_on.optional(&mut e, "due_on").flatten();
    e.into_result()?;
    let m = monitoring::reschedule_milestone(&ctx, &user.0, mid.into_inner(), if_match(&req)?, title, due).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(m.version))).json(MilestoneResponse::from(m)))
}

/// Waive an open milestone with reasons (assigned inspector, `If-Match`).
#[utoipa::path(post, path = "/api/v1/milestones/{mid}/waive", tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's ETag")),
    responses((status = 200, body = MilestoneResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn waive_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    mid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let r = reasons(body.into_inner())?;
    let m = monitoring::waive_milestone(&ctx, &user.0, mid.into_inner(), if_match(&req)?, r).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(m.version))).json(MilestoneResponse::from(m)))
}

// ------------------------------------------------------------- observations

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyResponse {
    pub id: i64,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationResponse {
    pub id: i64,
    /// `comment`, `concern` or `support`.
    pub kind: String,
    /// The text as published (redacted where a moderator removed personal data).
    pub body: String,
    /// `published`, `redacted` or (inspectors only) `hidden`.
    pub visibility: String,
    /// Inspectors and admins: the text as the member wrote it, and the moderation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_reason: Option<String>,
    pub replies: Vec<ReplyResponse>,
    pub at: DateTime<Utc>,
    pub version: i64,
}

impl From<ObservationView> for ObservationResponse {
    fn from(v: ObservationView) -> Self {
        let body = v.text().to_string();
        let o = v.observation;
        let moderator = v.moderator_view;
        ObservationResponse {
            id: o.id,
            kind: o.kind,
            body: if moderator { o.published_body.clone().unwrap_or_else(|| o.body.clone()) } else { body },
            visibility: o.visibility,
            original_body: moderator.then(|| o.body.clone()),
            moderation_reason: if moderator { o.moderation_reason } else { None },
            replies: v
                .replies
                .into_iter()
                .map(|r| ReplyResponse { id: r.id, body: r.body, at: utc(r.created_at) })
                .collect(),
            at: utc(o.created_at),
            version: o.version,
        }
    }
}

/// Observations on a trial: published ones for everyone; inspectors also see hidden ones and originals.
#[utoipa::path(get, path = "/api/v1/applications/{id}/observations", tag = "community", params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [ObservationResponse]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn observations(
    ctx: web::Data<AppContext>,
    user: MaybeAuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let list = community::observations(&ctx, user.0.as_ref(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ObservationResponse::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationBody {
    /// `comment`, `concern` or `support`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub kind: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub body: Field<String>,
}

/// Post an observation on a public trial (verified community members; a quota per hour applies).
#[utoipa::path(post, path = "/api/v1/applications/{id}/observations", tag = "community", request_body = ObservationBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = ObservationResponse), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn post_observation(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ObservationBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    crate::app::cases::precheck_request(&ctx, &user.0, id, crate::domain::policy::CaseRequest::Observe).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let kind = parse_required(b.kind, &mut e, "kind", |s| {
        if OBSERVATION_KINDS.contains(&s) {
            Ok(s.to_string())
        } else {
            Err(format!("must be one of {}", OBSERVATION_KINDS.join(", ")))
        }
    });
    let text_body = parse_required(b.body, &mut e, "body", |s| text(s, 4000));
    e.into_result()?;
    let v =
        community::post_observation(&ctx, &user.0, id, kind.unwrap_or_default(), text_body.unwrap_or_default()).await?;
    Ok(HttpResponse::Created().json(ObservationResponse::from(v)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub body: Field<String>,
}

/// Reply to an observation (the trial's innovator, or an inspector).
#[utoipa::path(post, path = "/api/v1/observations/{oid}/replies", tag = "community", request_body = ReplyBody, security(("bearer" = [])),
    params(("oid" = i64, Path, description = "Observation id")),
    responses((status = 201, body = ReplyResponse), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn reply(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    oid: web::Path<i64>,
    body: web::Json<ReplyBody>,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let text_body = parse_required(body.into_inner().body, &mut e, "body", |s| text(s, 4000));
    e.into_result()?;
    let r = community::reply(&ctx, &user.0, oid.into_inner(), text_body.unwrap_or_default()).await?;
    Ok(HttpResponse::Created().json(ReplyResponse { id: r.id, body: r.body, at: utc(r.created_at) }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateBody {
    /// `hide` or `redact`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub action: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub reason: Field<String>,
    /// With `redact`: the text to publish instead.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub redacted_body: Field<String>,
}

/// Hide an observation or publish a redacted text (inspectors and admins, `If-Match`).
#[utoipa::path(post, path = "/api/v1/observations/{oid}/moderate", tag = "community", request_body = ModerateBody, security(("bearer" = [])),
    params(("oid" = i64, Path, description = "Observation id"), ("If-Match" = String, Header, description = "The observation's version")),
    responses((status = 200, body = ObservationResponse), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn moderate(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    oid: web::Path<i64>,
    body: web::Json<ModerateBody>,
) -> AppResult<HttpResponse> {
    // Only staff moderate; the use-case checks the observation's trial again.
    if !matches!(user.0.role, crate::domain::account::Role::Inspector | crate::domain::account::Role::Admin) {
        return Err(AppError::Forbidden("only inspectors and admins moderate observations".into()));
    }
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let action = parse_required(b.action, &mut e, "action", |s| match s {
        "hide" | "redact" => Ok(s.to_string()),
        _ => Err("must be hide or redact".to_string()),
    });
    let reason = parse_required(b.reason, &mut e, "reason", |s| text(s, 2000));
    let redacted = match b.redacted_body.optional(&mut e, "redacted_body") {
        Some(Some(t)) => e.check("redacted_body", text(&t, 4000)),
        _ => None,
    };
    if action.as_deref() == Some("redact") && redacted.is_none() && !e.0.iter().any(|f| f.field == "redacted_body") {
        e.add("redacted_body", "is required to redact");
    }
    e.into_result()?;
    let redacted = if action.as_deref() == Some("redact") { redacted } else { None };
    let v = community::moderate(&ctx, &user.0, oid.into_inner(), if_match(&req)?, redacted, reason.unwrap_or_default())
        .await?;
    Ok(HttpResponse::Ok().json(ObservationResponse::from(v)))
}

// ------------------------------------------------------------- subscriptions and preferences

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionResponse {
    pub id: i64,
    pub application_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<Subscription> for SubscriptionResponse {
    fn from(s: Subscription) -> Self {
        SubscriptionResponse {
            id: s.id,
            application_id: s.application_id,
            zone_id: s.zone_id,
            created_at: utc(s.created_at),
        }
    }
}

/// What you follow.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "community", security(("bearer" = [])), responses((status = 200, body = [SubscriptionResponse])))]
pub async fn subscriptions(ctx: web::Data<AppContext>, user: AuthUser) -> AppResult<HttpResponse> {
    let list = community::subscriptions(&ctx, &user.0).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(SubscriptionResponse::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowBody {
    /// A trial to follow…
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub application_id: Field<i64>,
    /// …or a zone.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Field<i64>,
}

/// Follow a trial or a zone; its events reach you by email (any logged-in user).
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "community", request_body = FollowBody, security(("bearer" = [])),
    responses((status = 201, body = SubscriptionResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn follow(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<FollowBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let app = b.application_id.optional(&mut e, "application_id").flatten();
    let zone = b.zone_id.optional(&mut e, "zone_id").flatten();
    let target = match (app, zone) {
        (Some(a), None) => Some(Target::Trial(a)),
        (None, Some(z)) => Some(Target::Zone(z)),
        _ => {
            if e.is_empty() {
                e.add("body", "send application_id or zone_id (one of them)");
            }
            None
        }
    };
    e.into_result()?;
    let Some(target) = target else { return Err(AppError::BadRequest("nothing to follow".into())) };
    let s = community::follow(&ctx, &user.0, target).await?;
    Ok(HttpResponse::Created().json(SubscriptionResponse::from(s)))
}

/// Stop following.
#[utoipa::path(delete, path = "/api/v1/subscriptions/{id}", tag = "community", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Stopped"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn unfollow(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    community::unfollow(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PreferencesBody {
    /// Category → on/off. Categories: `case_updates`, `new_cases`, `reminders`, `community`,
    /// `followed_trials`. Security mail (verification, password reset) is always sent.
    #[schema(value_type = Object)]
    pub categories: serde_json::Map<String, serde_json::Value>,
}

fn preferences_body(list: Vec<(String, bool)>) -> PreferencesBody {
    PreferencesBody { categories: list.into_iter().map(|(k, v)| (k, serde_json::Value::Bool(v))).collect() }
}

/// Which optional emails you receive.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "accounts", security(("bearer" = [])), responses((status = 200, body = PreferencesBody)))]
pub async fn preferences(ctx: web::Data<AppContext>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(preferences_body(community::preferences(&ctx, &user.0).await?)))
}

/// Turn optional emails on or off.
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "accounts", request_body = PreferencesBody, security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn set_preferences(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<PreferencesBody>,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let mut wanted = Vec::new();
    for (k, v) in body.into_inner().categories {
        match v.as_bool() {
            Some(b) => wanted.push((k, b)),
            None => e.add(format!("categories.{k}"), "must be true or false"),
        }
    }
    e.into_result()?;
    Ok(HttpResponse::Ok().json(preferences_body(community::set_preferences(&ctx, &user.0, wanted).await?)))
}
