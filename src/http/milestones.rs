//! A trial's milestone schedule over HTTP: add, reschedule and waive (the assigned inspector),
//! report (the author) and review (the assigned inspector).

use actix_web::http::{header, StatusCode};
use actix_web::{patch, post};
use actix_web::{web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::case_dto::{case_response, CaseResponse, MilestoneResponse};
use super::concurrency::{etag, IfMatch};
use super::extract::AuthUser;
use crate::app::input::monitoring::{MilestoneBody, MilestoneReportBody, MilestoneReviewBody, ReasonsBody};
use crate::app::milestones;
use crate::app::AppContext;
use crate::db::models::Milestone;
use crate::error::AppResult;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(add_milestone)
        .service(update_milestone)
        .service(waive_milestone)
        .service(report_milestone)
        .service(review_milestone);
}

fn milestone_response(m: Milestone, status: StatusCode) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, etag(m.version))).json(MilestoneResponse::from(m))
}

/// Add a milestone to a trial's schedule (assigned inspector).
#[utoipa::path(tag = "monitoring", request_body = MilestoneBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = MilestoneResponse)))]
#[post("/applications/{id}/milestones")]
pub async fn add_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<MilestoneBody>,
) -> AppResult<HttpResponse> {
    let m = milestones::add(&ctx, &user.0, id.into_inner(), body.into_inner().parse_new()).await?;
    Ok(milestone_response(m, StatusCode::CREATED))
}

/// Change a milestone's title or due date (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = MilestoneBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's ETag")),
    responses((status = 200, body = MilestoneResponse)))]
#[patch("/milestones/{mid}")]
pub async fn update_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    mid: web::Path<i64>,
    body: web::Json<MilestoneBody>,
) -> AppResult<HttpResponse> {
    let m =
        milestones::reschedule(&ctx, &user.0, mid.into_inner(), if_match.0, body.into_inner().parse_change()).await?;
    Ok(milestone_response(m, StatusCode::OK))
}

/// Waive an open milestone with reasons (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = ReasonsBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's ETag")),
    responses((status = 200, body = MilestoneResponse)))]
#[post("/milestones/{mid}/waive")]
pub async fn waive_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    mid: web::Path<i64>,
    body: web::Json<ReasonsBody>,
) -> AppResult<HttpResponse> {
    let m = milestones::waive(&ctx, &user.0, mid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(milestone_response(m, StatusCode::OK))
}

/// Submit a milestone report (the author, `If-Match` with the milestone's version).
#[utoipa::path(tag = "monitoring", request_body = MilestoneReportBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's version")),
    responses((status = 200, body = CaseResponse)))]
#[post("/milestones/{mid}/report")]
pub async fn report_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    mid: web::Path<i64>,
    body: web::Json<MilestoneReportBody>,
) -> AppResult<HttpResponse> {
    let view = milestones::report(&ctx, &user.0, mid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(case_response(view, StatusCode::OK))
}

/// Accept a milestone report or ask for a revision (assigned inspector, `If-Match`).
#[utoipa::path(tag = "monitoring", request_body = MilestoneReviewBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's version")),
    responses((status = 200, body = CaseResponse)))]
#[post("/milestones/{mid}/review")]
pub async fn review_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    mid: web::Path<i64>,
    body: web::Json<MilestoneReviewBody>,
) -> AppResult<HttpResponse> {
    let view = milestones::review(&ctx, &user.0, mid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(case_response(view, StatusCode::OK))
}
