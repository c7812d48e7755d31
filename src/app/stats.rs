//! The public statistics: inclusion, spatial spread, timeliness, compliance, carbon and community
//! ownership. Each figure carries its definition; all are computed from the database.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::{avg, count, count_star, sql, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde::Serialize;

use super::AppContext;
use crate::db::schema::{applications, conditions, enforcement_actions, evaluations, milestones, zones};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

const PUBLIC_TRIALS: [&str; 5] = ["approved", "active", "suspended", "revoked", "completed"];

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
    pub conditions_by_status: Figure<BTreeMap<String, i64>>,
    #[schema(value_type = Object)]
    pub enforcement_actions: Figure<BTreeMap<String, i64>>,
    #[schema(value_type = Object)]
    pub carbon: Figure<Carbon>,
    #[schema(value_type = Object)]
    pub community_ownership: Figure<Ownership>,
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank - 1).copied()
}

pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The 1-based nearest rank of the `p`th percentile of `n` values.
pub fn percentile_rank(n: i64, p: f64) -> Option<i64> {
    (n > 0).then(|| (((p / 100.0) * n as f64).ceil() as i64).clamp(1, n))
}

/// The median of `n` sorted values, reading only the middle one or two by their offset.
fn median_by_rank(n: i64, read: &mut impl FnMut(i64, i64) -> QueryResult<Vec<f64>>) -> QueryResult<Option<f64>> {
    if n == 0 {
        return Ok(None);
    }
    let middle = if n % 2 == 1 { read(n / 2, 1)? } else { read(n / 2 - 1, 2)? };
    Ok(median(&middle))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn compute(c: &mut DbConn, now: NaiveDateTime) -> QueryResult<Stats> {
    // Inclusion.
    let submitted: Vec<(Option<String>, i64)> = applications::table
        .filter(applications::reference.is_not_null())
        .group_by(applications::applicant_kind)
        .select((applications::applicant_kind, count_star()))
        .load(c)?;
    let decided: Vec<(Option<String>, Option<String>, i64)> = applications::table
        .filter(applications::decision.is_not_null())
        .group_by((applications::applicant_kind, applications::decision))
        .select((applications::applicant_kind, applications::decision, count_star()))
        .load(c)?;
    let kind_name = |k: &Option<String>| k.clone().unwrap_or_else(|| "individual".into());
    let mut inclusion: BTreeMap<String, InclusionRow> = BTreeMap::new();
    for (kind, n) in submitted {
        let name = kind_name(&kind);
        inclusion
            .entry(name.clone())
            .or_insert(InclusionRow {
                applicant_kind: name,
                applications: 0,
                decided: 0,
                approved: 0,
                approval_rate: None,
            })
            .applications += n;
    }
    for (kind, decision, n) in decided {
        let name = kind_name(&kind);
        let row = inclusion.entry(name.clone()).or_insert(InclusionRow {
            applicant_kind: name,
            applications: 0,
            decided: 0,
            approved: 0,
            approval_rate: None,
        });
        row.decided += n;
        if decision.as_deref() == Some("approved") {
            row.approved += n;
        }
    }
    let inclusion: Vec<InclusionRow> = inclusion
        .into_values()
        .map(|mut r| {
            r.approval_rate = (r.decided > 0).then(|| round2(r.approved as f64 / r.decided as f64));
            r
        })
        .collect();

    // Spatial spread.
    let by_zone: Vec<(Option<i64>, i64)> = applications::table
        .filter(applications::status.eq_any(PUBLIC_TRIALS))
        .group_by(applications::zone_id)
        .select((applications::zone_id, count_star()))
        .load(c)?;
    let zone_rows: Vec<(i64, String, String, String)> =
        zones::table.select((zones::id, zones::name, zones::lpa_code, zones::lpa_name)).load(c)?;
    let mut trials_by_zone = Vec::new();
    let mut by_lpa: BTreeMap<String, PlaceRow> = BTreeMap::new();
    for (zone_id, n) in by_zone {
        let Some((_, name, code, lpa)) = zone_rows.iter().find(|z| Some(z.0) == zone_id) else { continue };
        trials_by_zone.push(PlaceRow { name: name.clone(), code: code.clone(), trials: n });
        by_lpa.entry(code.clone()).or_insert(PlaceRow { name: lpa.clone(), code: code.clone(), trials: 0 }).trials += n;
    }
    trials_by_zone.sort_by(|a, b| b.trials.cmp(&a.trials).then(a.name.cmp(&b.name)));
    let mut trials_by_lpa: Vec<PlaceRow> = by_lpa.into_values().collect();
    trials_by_lpa.sort_by(|a, b| b.trials.cmp(&a.trials).then(a.name.cmp(&b.name)));

    // Timeliness: the median and 90th percentile are read in the database, by rank, so that no
    // column of the whole table is ever loaded here.
    let decided = || {
        applications::table
            .filter(applications::decided_at.is_not_null())
            .filter(applications::submitted_at.is_not_null())
    };
    let decisions: i64 = decided().count().get_result(c)?;
    let seconds_sql = match c {
        DbConn::Pg(_) => {
            "GREATEST(0, CAST(EXTRACT(EPOCH FROM (decided_at - submitted_at)) AS BIGINT) - paused_seconds)"
        }
        DbConn::Sqlite(_) => {
            "MAX(0, CAST(ROUND((julianday(decided_at) - julianday(submitted_at)) * 86400) AS INTEGER) - paused_seconds)"
        }
    };
    let mut decision_days = |offset: i64, n: i64| -> QueryResult<Vec<f64>> {
        let secs: Vec<i64> = decided()
            .select(sql::<BigInt>(seconds_sql))
            .order(sql::<BigInt>(seconds_sql))
            .offset(offset)
            .limit(n)
            .load(c)?;
        Ok(secs.into_iter().map(|s| s as f64 / 86_400.0).collect())
    };
    let median_days = median_by_rank(decisions, &mut decision_days)?;
    let p90_days = match percentile_rank(decisions, 90.0) {
        Some(rank) => decision_days(rank - 1, 1)?.first().copied(),
        None => None,
    };
    let on_time_sql = match c {
        DbConn::Pg(_) => "CAST(reported_at AS DATE) <= due_on",
        DbConn::Sqlite(_) => "date(reported_at) <= due_on",
    };
    let on_time: i64 = milestones::table
        .filter(milestones::status.eq("accepted"))
        .filter(milestones::reported_at.is_not_null())
        .filter(sql::<Bool>(on_time_sql))
        .count()
        .get_result(c)?;
    let accepted: i64 = milestones::table.filter(milestones::status.eq("accepted")).count().get_result(c)?;
    let overdue: i64 = milestones::table.filter(milestones::status.eq("overdue")).count().get_result(c)?;

    // Compliance.
    let conditions_by_status: BTreeMap<String, i64> = conditions::table
        .group_by(conditions::status)
        .select((conditions::status, count_star()))
        .load::<(String, i64)>(c)?
        .into_iter()
        .collect();
    let enforcement: BTreeMap<String, i64> = enforcement_actions::table
        .group_by(enforcement_actions::kind)
        .select((enforcement_actions::kind, count_star()))
        .load::<(String, i64)>(c)?
        .into_iter()
        .collect();

    // Carbon.
    let (estimated_sum, trials_estimated): (Option<f64>, i64) = applications::table
        .filter(applications::status.eq_any(["active", "completed"]))
        .select((sum(applications::estimated_annual_co2e_tonnes), count(applications::estimated_annual_co2e_tonnes)))
        .get_result(c)?;
    let (reported_sum, trials_reported): (Option<f64>, i64) = evaluations::table
        .select((sum(evaluations::reported_annual_co2e_tonnes), count(evaluations::reported_annual_co2e_tonnes)))
        .get_result(c)?;

    // Community ownership.
    let owned = || {
        applications::table
            .filter(applications::status.eq_any(PUBLIC_TRIALS))
            .filter(applications::community_ownership_pct.is_not_null())
    };
    let (owned_trials, mean_pct): (i64, Option<f64>) =
        owned().select((count_star(), avg(applications::community_ownership_pct))).get_result(c)?;
    let median_pct = median_by_rank(owned_trials, &mut |offset, n| {
        owned()
            .select(applications::community_ownership_pct.assume_not_null())
            .order(applications::community_ownership_pct.asc())
            .offset(offset)
            .limit(n)
            .load::<f64>(c)
    })?;

    Ok(Stats {
        computed_at: now.and_utc(),
        inclusion: Figure {
            definition: "Per applicant kind (the kind of the applicant's organisation when they submitted): applications submitted, applications decided (approved or refused, including refusals at screening), approvals, and approvals ÷ decisions.",
            value: inclusion,
        },
        trials_by_zone: Figure {
            definition: "Public trials (approved, active, suspended, revoked or completed) per sandbox zone.",
            value: trials_by_zone,
        },
        trials_by_planning_authority: Figure {
            definition: "Public trials per local planning authority, over all its zones.",
            value: trials_by_lpa,
        },
        timeliness: Figure {
            definition: "Days to decision: calendar days from submission to decision less the days spent waiting for requested information; median and 90th percentile (nearest rank) over all decisions. Milestones on time: accepted reports submitted on or before their due date; late: accepted after it, or overdue.",
            value: Timeliness {
                decisions: decisions as usize,
                median_days: median_days.map(round2),
                p90_days: p90_days.map(round2),
                milestones_on_time: on_time,
                milestones_late: accepted - on_time + overdue,
            },
        },
        conditions_by_status: Figure {
            definition: "Community-benefit conditions of all trials by status: pending, evidence_submitted, met, overdue, breached, waived.",
            value: conditions_by_status,
        },
        enforcement_actions: Figure {
            definition: "Enforcement actions taken, by kind (suspension, reinstatement, revocation, extension).",
            value: enforcement,
        },
        carbon: Figure {
            definition: "Estimated: the sum of applicants' estimated annual carbon savings (tCO2e) of active and completed trials. Reported: the sum of the annual savings reported in completed trials' evaluations.",
            value: Carbon {
                estimated_annual_tco2e: round2(estimated_sum.unwrap_or(0.0)),
                reported_annual_tco2e: round2(reported_sum.unwrap_or(0.0)),
                trials_estimated,
                trials_reported,
            },
        },
        community_ownership: Figure {
            definition: "The community-ownership share (%) offered by public trials: mean and median.",
            value: Ownership {
                trials: owned_trials as usize,
                mean_pct: mean_pct.map(round2),
                median_pct: median_pct.map(round2),
            },
        },
    })
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
    let fresh = ctx.db.run(move |c| compute(c, now).map_err(AppError::from)).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_medians() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(percentile(&v, 50.0), Some(5.0));
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(percentile(&[], 90.0), None);
        assert_eq!(percentile(&[4.0], 90.0), Some(4.0));
    }

    #[test]
    fn ranks_read_in_the_database_agree_with_the_sorted_values() {
        for n in 0..12usize {
            let sorted: Vec<f64> = (0..n).map(|i| (i * i) as f64 / 3.0).collect();
            let mut read = |offset: i64, k: i64| -> QueryResult<Vec<f64>> {
                Ok(sorted.iter().skip(offset as usize).take(k as usize).copied().collect())
            };
            assert_eq!(median_by_rank(n as i64, &mut read).unwrap(), median(&sorted), "median of {n}");
            let p90 = percentile_rank(n as i64, 90.0).map(|r| sorted[r as usize - 1]);
            assert_eq!(p90, percentile(&sorted, 90.0), "p90 of {n}");
        }
    }
}

/// One trial's finding about a provision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub reference: String,
    pub title: String,
    pub recommendation: crate::domain::decision::RecommendationKind,
    pub rationale: String,
    pub outcomes: String,
    pub lessons: String,
}

/// What every completed trial found about one provision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearningEntry {
    pub provision_code: String,
    pub provision_title: String,
    pub legal_reference: String,
    /// Recommendation → number of trials.
    pub tally: BTreeMap<String, i64>,
    /// How many trials made a finding about this provision (the sum of the tally).
    pub findings_total: i64,
    /// The most recent findings, newest first (at most `FINDINGS_PER_PROVISION`).
    pub findings: Vec<Finding>,
}

/// How many findings each provision shows; the tally counts them all.
pub const FINDINGS_PER_PROVISION: i64 = 20;

/// Trial reference and title; recommendation, rationale, outcomes and lessons.
type FindingRow = (Option<String>, String, crate::domain::decision::RecommendationKind, String, String, String);

/// What completed trials found, per provision: the tally of every recommendation, and the most
/// recent findings. Counted and limited in the database, so its cost does not grow with the
/// number of evaluations.
pub async fn learning(ctx: &AppContext) -> AppResult<Vec<LearningEntry>> {
    use crate::db::schema::{provisions, recommendations};
    ctx.db
        .run(move |c| {
            let completed = || {
                recommendations::table
                    .inner_join(applications::table.on(applications::id.eq(recommendations::application_id)))
                    .filter(applications::status.eq("completed"))
            };
            let tallies: Vec<(i64, crate::domain::decision::RecommendationKind, i64)> = completed()
                .group_by((recommendations::provision_id, recommendations::recommendation))
                .select((recommendations::provision_id, recommendations::recommendation, count_star()))
                .load(c)?;
            let mut by_provision: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
            for (pid, rec, n) in tallies {
                by_provision.entry(pid).or_default().insert(rec.as_str().to_string(), n);
            }
            let found: Vec<(i64, String, String, String)> = provisions::table
                .filter(provisions::id.eq_any(by_provision.keys().copied().collect::<Vec<_>>()))
                .order(provisions::code.asc())
                .select((provisions::id, provisions::code, provisions::title, provisions::legal_reference))
                .load(c)?;
            let mut out = Vec::with_capacity(found.len());
            for (pid, code, title, legal) in found {
                let rows: Vec<FindingRow> = completed()
                    .inner_join(evaluations::table.on(evaluations::id.eq(recommendations::evaluation_id)))
                    .filter(recommendations::provision_id.eq(pid))
                    .order(recommendations::id.desc())
                    .limit(FINDINGS_PER_PROVISION)
                    .select((
                        applications::reference,
                        applications::title,
                        recommendations::recommendation,
                        recommendations::rationale,
                        evaluations::outcomes,
                        evaluations::lessons,
                    ))
                    .load(c)?;
                let tally = by_provision.remove(&pid).unwrap_or_default();
                out.push(LearningEntry {
                    provision_code: code,
                    provision_title: title,
                    legal_reference: legal,
                    findings_total: tally.values().sum(),
                    tally,
                    findings: rows
                        .into_iter()
                        .map(|(reference, title, recommendation, rationale, outcomes, lessons)| Finding {
                            reference: reference.unwrap_or_default(),
                            title,
                            recommendation,
                            rationale,
                            outcomes,
                            lessons,
                        })
                        .collect(),
                });
            }
            Ok::<_, AppError>(out)
        })
        .await
}
