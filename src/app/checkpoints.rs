//! The audit trail's daily checkpoints: made by the scheduler (or `sandbox audit-checkpoint`)
//! once a day, published at `GET /api/v1/audit/checkpoints` and in the register's feed.

use chrono::TimeDelta;

use super::AppContext;
use crate::db::checkpoints::{self as repo, Checkpoint};
use crate::error::{AppError, AppResult};

/// A checkpoint covers events recorded this long before it is made, so that a transaction still
/// under way then (whose events carry its start time) is either wholly in or wholly out.
pub const SETTLE_SECONDS: i64 = 60;

/// Makes today's checkpoint unless there is one. Returns it when this call made it.
pub async fn make_if_due(ctx: &AppContext) -> AppResult<Option<Checkpoint>> {
    let now = ctx.now();
    let day = now.date();
    if ctx.db.run(move |c| repo::exists_for_day(c, day).map_err(AppError::from)).await? {
        return Ok(None);
    }
    let up_to = now - TimeDelta::seconds(SETTLE_SECONDS);
    let digest = ctx.db.run(move |c| repo::digest_at(c, up_to).map_err(AppError::from)).await?;
    let made = ctx.db.write(move |c| repo::insert_for_day(c, day, now, up_to, &digest).map_err(AppError::from)).await?;
    if !made {
        return Ok(None);
    }
    Ok(ctx.db.run(|c| repo::latest(c, 1).map_err(AppError::from)).await?.into_iter().next())
}

/// The newest `limit` checkpoints.
pub async fn latest(ctx: &AppContext, limit: i64) -> AppResult<Vec<Checkpoint>> {
    ctx.db.run(move |c| repo::latest(c, limit).map_err(AppError::from)).await
}
