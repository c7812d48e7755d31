//! The learning register: per provision, what every completed trial recommended (a tally) and its
//! most recent findings.

use std::collections::BTreeMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::app::AppContext;
use crate::db::schema::{applications, evaluations};
use crate::error::{AppError, AppResult};

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
