//! Conditions of a trial over HTTP: the conditions and their evidence, the inspector's review of
//! it, breach and waiver, and evidence files.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, post, put};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::concurrency::{etag, IfMatch};
use super::dto::utc;
use super::extract::AuthUser;
use crate::app::conditions::{self, ConditionView};
use crate::app::input::monitoring::{ConditionBody, EvidenceBody, ReasonsBody, VerifyBody};
use crate::app::AppContext;
use crate::db::models::Evidence;
use crate::domain::monitoring::{ConditionCategory, ConditionStatus, EvidenceOutcome};
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_conditions)
        .service(add_condition)
        .service(get_condition)
        .service(update_condition)
        .service(remove_condition)
        .service(submit_evidence)
        .service(verify)
        .service(breach)
        .service(waive)
        .service(evidence_file);
}

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
    pub outcome: EvidenceOutcome,
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
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: ConditionStatus,
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

fn condition_response(v: ConditionView, status: StatusCode) -> HttpResponse {
    let version = v.condition.version;
    HttpResponse::build(status).insert_header((header::ETAG, etag(version))).json(ConditionDetail::from(v))
}

/// A trial's conditions with their evidence (the author and staff; anyone for a public trial).
#[utoipa::path(tag = "monitoring", security(("bearer" = [])), params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [ConditionDetail])))]
#[get("/applications/{id}/conditions")]
pub async fn list_conditions(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let list = conditions::list(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ConditionDetail::from).collect::<Vec<_>>()))
}

/// Add a community-benefit condition (assigned inspector), before or after approval.
#[utoipa::path(tag = "monitoring", request_body = ConditionBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = ConditionDetail)))]
#[post("/applications/{id}/conditions")]
pub async fn add_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ConditionBody>,
) -> AppResult<HttpResponse> {
    let v = conditions::add(&ctx, &user.0, id.into_inner(), body.into_inner().parse()).await?;
    Ok(condition_response(v, StatusCode::CREATED))
}

/// One condition with its evidence and its `ETag` (whoever may see its trial).
#[utoipa::path(tag = "monitoring", security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 200, body = ConditionDetail)))]
#[get("/conditions/{cid}")]
pub async fn get_condition(ctx: web::Data<AppContext>, user: AuthUser, cid: web::Path<i64>) -> AppResult<HttpResponse> {
    let v = conditions::get(&ctx, &user.0, cid.into_inner()).await?;
    Ok(condition_response(v, StatusCode::OK))
}

/// Replace an open condition's terms (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = ConditionBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail)))]
#[put("/conditions/{cid}")]
pub async fn update_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    cid: web::Path<i64>,
    body: web::Json<ConditionBody>,
) -> AppResult<HttpResponse> {
    let v = conditions::update(&ctx, &user.0, cid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(condition_response(v, StatusCode::OK))
}

/// Remove a condition that has no evidence (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 204, description = "Removed")))]
#[delete("/conditions/{cid}")]
pub async fn remove_condition(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    cid: web::Path<i64>,
) -> AppResult<HttpResponse> {
    conditions::remove(&ctx, &user.0, cid.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submit evidence against a condition (the author): JSON, or `multipart/form-data` with `body`,
/// `reported_value` and a `file` (PDF, PNG, JPEG, CSV, text or office document; 10 MiB by default).
#[utoipa::path(tag = "monitoring", request_body = EvidenceBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 201, body = ConditionDetail)))]
#[post("/conditions/{cid}/evidence")]
pub async fn submit_evidence(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    cid: web::Path<i64>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let cid = cid.into_inner();
    // Refuse before reading a large upload.
    conditions::evidence_allowed(&ctx, &user.0, cid).await?;
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (body, file) = if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(&req, &mut payload.into_inner())
            .await
            .map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        let form = super::upload::read_form(multipart, &ctx.settings.uploads).await?;
        (EvidenceBody::from_form(form.body, form.reported_value), form.file)
    } else if content_type.starts_with("application/json") {
        let bytes = read_limited(&mut payload, ctx.settings.http.json_limit_bytes).await?;
        let body: EvidenceBody = serde_json::from_slice(&bytes).map_err(|e| {
            if e.is_data() {
                AppError::validation("body", &crate::app::input::describe_serde_error(&e.to_string()))
            } else {
                AppError::BadRequest(format!("the body is not valid JSON: {e}"))
            }
        })?;
        (body, None)
    } else {
        return Err(AppError::UnsupportedMediaType("send evidence as application/json or multipart/form-data".into()));
    };
    let v = conditions::submit_evidence(&ctx, &user.0, cid, body.parse(), file).await?;
    Ok(condition_response(v, StatusCode::CREATED))
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
#[utoipa::path(tag = "monitoring", security(("bearer" = [])),
    params(("eid" = i64, Path, description = "Evidence id")),
    responses((status = 200, description = "The file")))]
#[get("/evidence/{eid}/file")]
pub async fn evidence_file(ctx: web::Data<AppContext>, user: AuthUser, eid: web::Path<i64>) -> AppResult<HttpResponse> {
    let (evidence, data) = conditions::evidence_file(&ctx, &user.0, eid.into_inner()).await?;
    let name = evidence.file_name.unwrap_or_else(|| "evidence".into());
    let content_type = evidence.file_type.unwrap_or_else(|| "application/octet-stream".into());
    Ok(super::upload::download(&name, &content_type, data))
}

/// Verify the latest evidence (`met`) or reject it with feedback (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = VerifyBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail)))]
#[post("/conditions/{cid}/verify")]
pub async fn verify(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    cid: web::Path<i64>,
    body: web::Json<VerifyBody>,
) -> AppResult<HttpResponse> {
    let v = conditions::verify(&ctx, &user.0, cid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(condition_response(v, StatusCode::OK))
}

/// Mark an open condition breached (assigned inspector, `If-Match`); followers are told.
#[utoipa::path(tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail)))]
#[post("/conditions/{cid}/breach")]
pub async fn breach(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    cid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let v = conditions::close(&ctx, &user.0, cid.into_inner(), if_match.0, true, body.into_inner().parse()).await?;
    Ok(condition_response(v, StatusCode::OK))
}

/// Waive an open condition with reasons (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id"), ("If-Match" = String, Header, description = "The condition's ETag")),
    responses((status = 200, body = ConditionDetail)))]
#[post("/conditions/{cid}/waive")]
pub async fn waive(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    cid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let v = conditions::close(&ctx, &user.0, cid.into_inner(), if_match.0, false, body.into_inner().parse()).await?;
    Ok(condition_response(v, StatusCode::OK))
}
