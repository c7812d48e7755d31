//! Lifecycle transitions of an application, from submission to the end of its trial. Each handler
//! hands the `If-Match` and the parsed body to its use-case, which checks them after permission
//! and state.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::post;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::case_dto::{case_response, CaseResponse};
use super::concurrency::IfMatch;
use super::extract::AuthUser;
use crate::app::input::decision::{
    AnswerBody, ApproveBody, AssignBody, CompleteBody, ExtendBody, InformationRequestBody, ScreeningBody, WithdrawBody,
};
use crate::app::input::monitoring::ReasonsBody;
use crate::app::lifecycle;
use crate::app::AppContext;
use crate::domain::case::CaseAction;
use crate::error::{AppError, AppResult};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(submit)
        .service(withdraw)
        .service(assign)
        .service(screening)
        .service(request_information)
        .service(answer)
        .service(approve)
        .service(refuse)
        .service(start)
        .service(suspend)
        .service(reinstate)
        .service(revoke)
        .service(extend)
        .service(complete);
}

fn ok(view: crate::app::cases::CaseView) -> AppResult<HttpResponse> {
    Ok(case_response(view, StatusCode::OK))
}

/// Submit a draft (its author, verified email, `If-Match`). Every problem is named at once.
#[utoipa::path(tag = "lifecycle", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/submit")]
pub async fn submit(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::submit(&ctx, &user.0, id.into_inner(), if_match.0).await?)
}

/// Withdraw an application before a decision (its author).
#[utoipa::path(tag = "lifecycle", request_body = WithdrawBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<WithdrawBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::withdraw(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// Assign (or reassign) an inspector (inspectors and admins). `submitted → screening`.
#[utoipa::path(tag = "lifecycle", request_body = AssignBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/assign")]
pub async fn assign(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<AssignBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::assign(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// Record the seven screening criteria (assigned inspector). All met → assessment; else refused.
#[utoipa::path(tag = "lifecycle", request_body = ScreeningBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/screening")]
pub async fn screening(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ScreeningBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::screen(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// An information request sent as `multipart/form-data` (read into the same raw input as a JSON
/// request).
#[derive(Debug, ToSchema)]
pub struct InformationRequestForm {
    /// The question.
    pub question: String,
    /// The date to answer by (`YYYY-MM-DD`); empty or absent for the default.
    pub due_on: Option<String>,
    /// Up to 5 files (PDF, PNG, JPEG, CSV, plain text or office documents, each at most
    /// `uploads.max_file_bytes`), recognised by their content.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub attachments: Option<Vec<Vec<u8>>>,
}

/// Ask the applicant for information (assigned inspector). The decision clock pauses. JSON
/// `{question, due_on}`, or `multipart/form-data` with the text fields `question` and `due_on` and
/// up to 5 files in `attachments`; the files are stored with the request (`sent_with: request`).
/// Every bad field is named (`422`) and nothing is stored.
#[utoipa::path(tag = "lifecycle", security(("bearer" = [])),
    request_body(content((InformationRequestBody = "application/json"), (InformationRequestForm = "multipart/form-data"))),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 201, body = CaseResponse)))]
#[post("/applications/{id}/information-requests")]
pub async fn request_information(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let id = id.into_inner();
    let mut payload = payload.into_inner();
    let body = if is_multipart(&req) {
        // Refuse before reading a large upload.
        lifecycle::request_information_allowed(&ctx, &user.0, id, if_match.0).await?;
        let multipart = Multipart::from_request(&req, &mut payload)
            .await
            .map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        super::upload::read_request_form(multipart, &ctx.settings.uploads).await?
    } else {
        web::Json::<InformationRequestBody>::from_request(&req, &mut payload).await?.into_inner()
    };
    let view = lifecycle::request_information(&ctx, &user.0, id, if_match.0, body.parse()).await?;
    Ok(case_response(view, StatusCode::CREATED))
}

/// An answer sent as `multipart/form-data` (read into the same raw input as a JSON answer).
#[derive(Debug, ToSchema)]
pub struct AnswerForm {
    /// The answer.
    pub answer: String,
    /// Up to 5 files (PDF, PNG, JPEG, CSV, plain text or office documents, each at most
    /// `uploads.max_file_bytes`), recognised by their content.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub attachments: Option<Vec<Vec<u8>>>,
}

/// Answer an information request (the author). The case returns to where it was. JSON `{answer}`,
/// or `multipart/form-data` with the text field `answer` and up to 5 files in `attachments`; the
/// files are stored with the answer. Every bad field is named (`422`) and nothing is stored.
#[utoipa::path(tag = "lifecycle", security(("bearer" = [])),
    request_body(content((AnswerBody = "application/json"), (AnswerForm = "multipart/form-data"))),
    params(("id" = i64, Path, description = "Application id"), ("rid" = i64, Path, description = "Information request id"),
        ("If-Match" = String, Header, description = "The application's ETag")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/information-requests/{rid}/answer")]
pub async fn answer(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    path: web::Path<(i64, i64)>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let (id, rid) = path.into_inner();
    let mut payload = payload.into_inner();
    let body = if is_multipart(&req) {
        // Refuse before reading a large upload.
        lifecycle::answer_allowed(&ctx, &user.0, id, if_match.0, rid).await?;
        let multipart = Multipart::from_request(&req, &mut payload)
            .await
            .map_err(|e| AppError::BadRequest(format!("the multipart body could not be read: {e}")))?;
        super::upload::read_answer_form(multipart, &ctx.settings.uploads).await?
    } else {
        web::Json::<AnswerBody>::from_request(&req, &mut payload).await?.into_inner()
    };
    Ok(ok(lifecycle::answer(&ctx, &user.0, id, if_match.0, rid, body.parse()).await?)?)
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Approve an application in assessment (assigned inspector): granted derogations (each with its
/// limits and an optional end date), trial dates, conditions and an optional milestone schedule in
/// one request; without a schedule the default milestones are created.
#[utoipa::path(tag = "lifecycle", request_body = ApproveBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/approve")]
pub async fn approve(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ApproveBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::approve(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// Refuse an application in assessment (assigned inspector), with published reasons.
#[utoipa::path(tag = "lifecycle", request_body = ReasonsBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/refuse")]
pub async fn refuse(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::refuse(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// Start an approved trial (its author or the assigned inspector), on or after its start date.
#[utoipa::path(tag = "lifecycle", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/start")]
pub async fn start(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::start(&ctx, &user.0, id.into_inner(), if_match.0).await?)
}

/// Suspend an active trial (assigned inspector), with reasons.
#[utoipa::path(tag = "lifecycle", request_body = ReasonsBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/suspend")]
pub async fn suspend(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::enforce(&ctx, &user.0, id.into_inner(), if_match.0, CaseAction::Suspend, body.into_inner().parse())
        .await?)
}

/// Reinstate a suspended trial (assigned inspector), with reasons.
#[utoipa::path(tag = "lifecycle", request_body = ReasonsBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/reinstate")]
pub async fn reinstate(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::enforce(&ctx, &user.0, id.into_inner(), if_match.0, CaseAction::Reinstate, body.into_inner().parse())
        .await?)
}

/// Revoke an active or suspended trial (assigned inspector), with reasons.
#[utoipa::path(tag = "lifecycle", request_body = ReasonsBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/revoke")]
pub async fn revoke(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::enforce(&ctx, &user.0, id.into_inner(), if_match.0, CaseAction::Revoke, body.into_inner().parse())
        .await?)
}

/// Extend an active trial within the provisions' longest trial (assigned inspector).
#[utoipa::path(tag = "lifecycle", request_body = ExtendBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/extend")]
pub async fn extend(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ExtendBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::extend(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}

/// Complete an active trial with its evaluation (assigned inspector). The final report must have
/// been accepted.
#[utoipa::path(tag = "lifecycle", request_body = CompleteBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse)))]
#[post("/applications/{id}/complete")]
pub async fn complete(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<CompleteBody>,
) -> AppResult<HttpResponse> {
    ok(lifecycle::complete(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse()).await?)
}
