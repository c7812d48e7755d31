//! Computing the statistics from the database, and the rank arithmetic (median, nearest-rank
//! percentile) the computation reads by offset instead of loading whole columns.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::{avg, count, count_star, sql, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::{Carbon, Figure, InclusionRow, Ownership, PlaceRow, Stats, Timeliness, WithinTargetRow};
use crate::db::schema::{applications, conditions, enforcement_actions, evaluations, milestones, zones};
use crate::db::DbConn;

const PUBLIC_TRIALS: [&str; 5] = ["approved", "active", "suspended", "revoked", "completed"];

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

pub(super) fn compute(c: &mut DbConn, now: NaiveDateTime) -> QueryResult<Stats> {
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
    let within_sql = match c {
        DbConn::Pg(_) => "SUM(CASE WHEN CAST(decided_at AS DATE) <= target_decision_on THEN 1 ELSE 0 END)",
        DbConn::Sqlite(_) => "SUM(CASE WHEN date(decided_at) <= target_decision_on THEN 1 ELSE 0 END)",
    };
    let within_target: Vec<WithinTargetRow> = decided()
        .filter(applications::decision.is_not_null())
        .filter(applications::target_decision_on.is_not_null())
        .group_by(applications::applicant_kind)
        .select((applications::applicant_kind, count_star(), sql::<BigInt>(within_sql)))
        .order(applications::applicant_kind.asc())
        .load::<(Option<String>, i64, i64)>(c)?
        .into_iter()
        .map(|(kind, decisions, within)| WithinTargetRow {
            applicant_kind: kind.unwrap_or_else(|| "unknown".into()),
            decisions,
            within_target: within,
            share_within_target: (decisions > 0).then(|| round2(within as f64 / decisions as f64)),
        })
        .collect();
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

    let decisions_by_quarter = super::series::by_quarter(c)?;

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
            definition: "Days to decision: calendar days from submission to decision less the days spent waiting for requested information; median and 90th percentile (nearest rank) over all decisions. Milestones on time: accepted reports submitted on or before their due date; late: accepted after it, or overdue. Within target, per applicant kind: approvals and refusals made on or before the case's target decision date (submission plus the target working days, moved on by the working days spent waiting for information).",
            value: Timeliness {
                decisions: decisions as usize,
                median_days: median_days.map(round2),
                p90_days: p90_days.map(round2),
                milestones_on_time: on_time,
                milestones_late: accepted - on_time + overdue,
                within_target,
            },
        },
        decisions_by_quarter: Figure {
            definition: "Per calendar quarter of the decision and applicant kind: decisions (approvals and refusals, including refusals at screening) and approvals.",
            value: decisions_by_quarter,
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
