//! The public statistics: inclusion, spatial spread, timeliness, compliance, carbon and community
//! ownership. Each figure carries its definition; all are computed from the database.
//!
//! This module owns the shape of the statistics and when they are computed: the figures, the cache
//! shared by one process's requests and its refresh (stale while revalidate). The queries that
//! compute them, with the rank arithmetic they use, are in `compute`; the learning register (what
//! completed trials found per provision) is in `learning`.

mod compute;
mod learning;
mod series;

pub use compute::{median, percentile, percentile_rank};
pub use learning::{learning, Finding, LearningEntry, FINDINGS_PER_PROVISION};

use std::collections::BTreeMap;

use serde::Serialize;

use super::AppContext;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figure<T: Serialize> {
    pub definition: &'static str,
    pub value: T,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InclusionRow {
    pub applicant_kind: String,
    pub applications: i64,
    pub decided: i64,
    pub approved: i64,
    /// Approved ÷ decided; null when none is decided.
    pub approval_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceRow {
    pub name: String,
    pub code: String,
    pub trials: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeliness {
    pub decisions: usize,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    pub milestones_on_time: i64,
    pub milestones_late: i64,
    /// Per applicant kind: decisions made on or before the case's target decision date.
    pub within_target: Vec<WithinTargetRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WithinTargetRow {
    pub applicant_kind: String,
    pub decisions: i64,
    pub within_target: i64,
    /// Within target ÷ decisions; null when none is decided.
    pub share_within_target: Option<f64>,
}

/// Decisions in one calendar quarter by applicants of one kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuarterRow {
    /// The calendar quarter of the decisions, e.g. `2027-Q1` (January to March 2027).
    pub quarter: String,
    pub applicant_kind: String,
    /// Approvals and refusals.
    pub decided: i64,
    pub approved: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Carbon {
    pub estimated_annual_tco2e: f64,
    pub reported_annual_tco2e: f64,
    pub trials_estimated: i64,
    pub trials_reported: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ownership {
    pub trials: usize,
    pub mean_pct: Option<f64>,
    pub median_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub computed_at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = Object)]
    pub inclusion: Figure<Vec<InclusionRow>>,
    #[schema(value_type = Object)]
    pub trials_by_zone: Figure<Vec<PlaceRow>>,
    #[schema(value_type = Object)]
    pub trials_by_planning_authority: Figure<Vec<PlaceRow>>,
    #[schema(value_type = Object)]
    pub timeliness: Figure<Timeliness>,
    #[schema(value_type = Object)]
    pub decisions_by_quarter: Figure<Vec<QuarterRow>>,
    #[schema(value_type = Object)]
    pub conditions_by_status: Figure<BTreeMap<String, i64>>,
    #[schema(value_type = Object)]
    pub enforcement_actions: Figure<BTreeMap<String, i64>>,
    #[schema(value_type = Object)]
    pub carbon: Figure<Carbon>,
    #[schema(value_type = Object)]
    pub community_ownership: Figure<Ownership>,
}

/// The statistics last computed, shared by the requests of one process.
#[derive(Default)]
pub struct StatsCache {
    latest: std::sync::Mutex<Option<Stats>>,
    /// Held while the statistics are computed, so that one computation runs at a time.
    computing: tokio::sync::Mutex<()>,
}

impl StatsCache {
    fn latest(&self) -> Option<Stats> {
        self.latest.lock().ok().and_then(|s| s.clone())
    }
}

/// The statistics. With `stats.cache_seconds` > 0 they are computed at most once per that many
/// seconds, and never while a reader waits once a first copy exists: a reader who finds them
/// stale gets the copy it has while one background task computes the next (stale while
/// revalidate). With 0 every request computes them afresh (tests).
pub async fn stats(ctx: &AppContext) -> AppResult<Stats> {
    let now = ctx.now();
    let ttl = chrono::TimeDelta::seconds(ctx.settings.stats.cache_seconds);
    match ctx.stats_cache.latest() {
        Some(s) if now.and_utc() - s.computed_at < ttl => Ok(s),
        Some(s) if ttl > chrono::TimeDelta::zero() => {
            refresh_in_background(ctx);
            Ok(s)
        }
        _ => refresh(ctx).await,
    }
}

/// Computes the statistics and keeps them, unless a fresh copy exists by the time it is this
/// caller's turn (readers who queued behind the first computation take its result; with a cache
/// period of 0 no copy is ever fresh).
async fn refresh(ctx: &AppContext) -> AppResult<Stats> {
    let _one_at_a_time = ctx.stats_cache.computing.lock().await;
    let ttl = chrono::TimeDelta::seconds(ctx.settings.stats.cache_seconds);
    if let Some(s) = ctx.stats_cache.latest().filter(|s| ctx.now().and_utc() - s.computed_at < ttl) {
        return Ok(s);
    }
    let now = ctx.now();
    let fresh = ctx.db.run(move |c| compute::compute(c, now).map_err(AppError::from)).await?;
    if let Ok(mut latest) = ctx.stats_cache.latest.lock() {
        *latest = Some(fresh.clone());
    }
    Ok(fresh)
}

/// Starts computing the statistics in the background unless that is already under way; the
/// service calls it at start so that the first reader does not wait.
pub fn refresh_in_background(ctx: &AppContext) {
    if ctx.stats_cache.computing.try_lock().is_err() {
        return;
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = refresh(&ctx).await {
            tracing::warn!(error = %e, "statistics: background computation failed; the next reader retries");
        }
    });
}
