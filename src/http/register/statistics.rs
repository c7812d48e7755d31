//! The public statistics (`GET /stats`) and the learning register (`GET /learning`), computed in
//! `app::stats` and served with the register's caching.

use actix_web::get;
use actix_web::{web, HttpRequest, HttpResponse};

use super::cacheable;
use crate::app::AppContext;
use crate::error::{AppError, AppResult};

/// Statistics: inclusion, spatial spread, timeliness, compliance, carbon and community ownership,
/// each with its definition and the time it was computed.
#[utoipa::path(tag = "register", responses((status = 200, body = crate::app::stats::Stats)))]
#[get("/stats")]
pub async fn stats(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let s = crate::app::stats::stats(&ctx).await?;
    let body = serde_json::to_vec(&s).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}

/// The learning register: per provision, every completed trial's recommendation and a tally.
#[utoipa::path(tag = "register", responses((status = 200, body = [crate::app::stats::LearningEntry])))]
#[get("/learning")]
pub async fn learning(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let l = crate::app::stats::learning(&ctx).await?;
    let body = serde_json::to_vec(&l).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}
