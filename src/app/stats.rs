//! The public statistics: inclusion, spatial spread, timeliness, compliance, carbon and community
//! ownership. Each figure carries its definition; all are computed from the database.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
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

    // Timeliness.
    let clocks: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>, i64)> = applications::table
        .filter(applications::decided_at.is_not_null())
        .filter(applications::submitted_at.is_not_null())
        .select((applications::submitted_at, applications::decided_at, applications::paused_seconds))
        .load(c)?;
    let mut days: Vec<f64> = clocks
        .into_iter()
        .filter_map(|(s, d, paused)| Some(((d? - s?).num_seconds() - paused).max(0) as f64 / 86_400.0))
        .collect();
    days.sort_by(|a, b| a.total_cmp(b));
    let on_time: i64 = milestones::table
        .filter(milestones::status.eq("accepted"))
        .filter(milestones::reported_at.is_not_null())
        .select((milestones::due_on, milestones::reported_at))
        .load::<(chrono::NaiveDate, Option<NaiveDateTime>)>(c)?
        .into_iter()
        .filter(|(due, at)| at.is_some_and(|t| t.date() <= *due))
        .count() as i64;
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
    let estimated: Vec<Option<f64>> = applications::table
        .filter(applications::status.eq_any(["active", "completed"]))
        .select(applications::estimated_annual_co2e_tonnes)
        .load(c)?;
    let reported: Vec<Option<f64>> = evaluations::table.select(evaluations::reported_annual_co2e_tonnes).load(c)?;

    // Community ownership.
    let mut shares: Vec<f64> = applications::table
        .filter(applications::status.eq_any(PUBLIC_TRIALS))
        .select(applications::community_ownership_pct)
        .load::<Option<f64>>(c)?
        .into_iter()
        .flatten()
        .collect();
    shares.sort_by(|a, b| a.total_cmp(b));

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
                decisions: days.len(),
                median_days: median(&days).map(round2),
                p90_days: percentile(&days, 90.0).map(round2),
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
                estimated_annual_tco2e: round2(estimated.iter().flatten().sum()),
                reported_annual_tco2e: round2(reported.iter().flatten().sum()),
                trials_estimated: estimated.iter().flatten().count() as i64,
                trials_reported: reported.iter().flatten().count() as i64,
            },
        },
        community_ownership: Figure {
            definition: "The community-ownership share (%) offered by public trials: mean and median.",
            value: Ownership {
                trials: shares.len(),
                mean_pct: (!shares.is_empty()).then(|| round2(shares.iter().sum::<f64>() / shares.len() as f64)),
                median_pct: median(&shares).map(round2),
            },
        },
    })
}

/// The statistics, recomputed at most every `stats.cache_seconds` (each figure shows when).
pub async fn stats(ctx: &AppContext) -> AppResult<Stats> {
    let now = ctx.now();
    let ttl = chrono::TimeDelta::seconds(ctx.settings.stats.cache_seconds);
    if let Ok(cached) = ctx.stats_cache.lock() {
        if let Some(s) = cached.as_ref().filter(|s| now.and_utc() - s.computed_at < ttl) {
            return Ok(s.clone());
        }
    }
    let fresh = ctx.db.run(move |c| compute(c, now).map_err(AppError::from)).await?;
    if let Ok(mut cached) = ctx.stats_cache.lock() {
        *cached = Some(fresh.clone());
    }
    Ok(fresh)
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
}

/// One trial's finding about a provision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub reference: String,
    pub title: String,
    /// `make_permanent`, `amend`, `do_not_adopt` or `inconclusive`.
    pub recommendation: String,
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
    pub findings: Vec<Finding>,
}

/// Provision code, title and reference; trial reference and title; recommendation, rationale,
/// outcomes and lessons.
type LearningRow = (String, String, String, Option<String>, String, String, String, String, String);

pub async fn learning(ctx: &AppContext) -> AppResult<Vec<LearningEntry>> {
    use crate::db::schema::{provisions, recommendations};
    ctx.db
        .run(move |c| {
            let rows: Vec<LearningRow> = recommendations::table
                .inner_join(provisions::table)
                .inner_join(applications::table.on(applications::id.eq(recommendations::application_id)))
                .inner_join(evaluations::table.on(evaluations::id.eq(recommendations::evaluation_id)))
                .filter(applications::status.eq("completed"))
                .order((provisions::code.asc(), recommendations::id.asc()))
                .select((
                    provisions::code,
                    provisions::title,
                    provisions::legal_reference,
                    applications::reference,
                    applications::title,
                    recommendations::recommendation,
                    recommendations::rationale,
                    evaluations::outcomes,
                    evaluations::lessons,
                ))
                .load(c)?;
            let mut out: Vec<LearningEntry> = Vec::new();
            for (code, title, legal, reference, trial_title, rec, rationale, outcomes, lessons) in rows {
                if out.last().map(|e| e.provision_code != code).unwrap_or(true) {
                    out.push(LearningEntry {
                        provision_code: code.clone(),
                        provision_title: title,
                        legal_reference: legal,
                        tally: BTreeMap::new(),
                        findings: Vec::new(),
                    });
                }
                if let Some(entry) = out.last_mut() {
                    *entry.tally.entry(rec.clone()).or_default() += 1;
                    entry.findings.push(Finding {
                        reference: reference.unwrap_or_default(),
                        title: trial_title,
                        recommendation: rec,
                        rationale,
                        outcomes,
                        lessons,
                    });
                }
            }
            Ok::<_, AppError>(out)
        })
        .await
}
