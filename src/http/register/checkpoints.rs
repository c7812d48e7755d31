//! The audit trail's checkpoints (`GET /api/v1/audit/checkpoints`): one a day, each a dated
//! digest of every audit chain's head, for anyone to keep.

use actix_web::get;
use actix_web::{web, HttpRequest, HttpResponse};

use super::cacheable;
use crate::app::checkpoints;
use crate::app::AppContext;
use crate::db::checkpoints::Checkpoint;
use crate::error::{AppError, AppResult};

/// The newest 30 daily checkpoints of the audit trail, newest first. Each is SHA-256 over one line
/// per audit chain (`<stream> <seq> <hash>`, for the chain's last event recorded at or before
/// `up_to`). Keep one (save the object as a file); later, `sandbox verify-audit --against FILE`
/// recomputes it from the trail, and any event at or before `up_to` that was edited, removed or
/// forged since makes it differ.
#[utoipa::path(tag = "register",
    responses((status = 200, description = "The checkpoints, newest first", body = Vec<Checkpoint>)))]
#[get("/audit/checkpoints")]
pub async fn audit_checkpoints(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let items = checkpoints::latest(&ctx, 30).await?;
    let body = serde_json::to_vec(&items).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}
