//! Liveness and readiness.

use actix_web::get;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::Problem;
use crate::app::AppContext;
use crate::error::{AppError, AppResult};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The service can reach its database.
#[utoipa::path(tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "The database cannot be reached", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(ctx: web::Data<AppContext>) -> AppResult<HttpResponse> {
    if ctx.db.ping().await {
        Ok(HttpResponse::Ok().json(Health { status: "ready" }))
    } else {
        Err(AppError::Unavailable("database ping failed".into()))
    }
}
