//! An approved case's trial: its approval (checked as the service checks one), its start, a
//! resident's observation, and then its suspension and revocation, or its completion with an
//! evaluation and a recommendation for each derogated provision. Its conditions and milestones are
//! in `monitoring.rs`.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;
use serde_json::json;

use super::case::TrialOutcome;
use super::chain::Chain;
use super::plan::{days, Plan};
use super::rows::{take, Rows};
use super::{s, SeedError, Seeder};
use crate::db::models::{EnforcementAction, Evaluation, Observation, Recommendation};
use crate::domain::application::{check_approval, Approval, ConditionInput, Grant, ProvisionFacts};
use crate::domain::calendar::add_months;
use crate::domain::case::{CaseAction, Facts, Status};
use crate::domain::community::{ObservationKind, Visibility};
use crate::domain::decision::RecommendationKind;
use crate::domain::monitoring::{ConditionCategory, EnforcementKind};

/// The conditions every seeded trial carries: category, description, unit and target. The first
/// is due half way through the trial, the second at its end.
const CONDITIONS: [(ConditionCategory, &str, &str, f64); 2] = [
    (ConditionCategory::CommunityFund, "Payments into the community fund", "GBP", 5000.0),
    (ConditionCategory::BillSavings, "Households with lower bills", "households", 40.0),
];

const APPROVAL_REASONS: &str = "Clear community benefit with safeguards.";
const SUSPENSION_REASONS: &str = "Community fund payments missed.";
const REVOCATION_REASONS: &str = "Breaches not remedied.";
const OUTCOMES: &str = "Conditions met; savings close to the estimate.";

impl Seeder<'_> {
    /// The approval the inspector made: the trial's dates, the first requested provision granted,
    /// the conditions and the default milestones.
    fn approval(&self, plan: &Plan<'_>) -> Approval {
        let conditions = CONDITIONS
            .iter()
            .enumerate()
            .map(|(i, (category, description, unit, target))| ConditionInput {
                category: *category,
                description: s(description),
                metric: s(description),
                target_value: *target,
                unit: s(unit),
                due_on: if i == 0 { add_months(plan.start, plan.months / 2) } else { plan.end },
            })
            .collect();
        Approval {
            reasons: s(APPROVAL_REASONS),
            trial_start_date: plan.start,
            trial_end_date: plan.end,
            grants: plan
                .requested
                .iter()
                .take(1)
                .map(|p| Grant { provision_code: p.1.clone(), limits: s("As proposed."), ends_on: None })
                .collect(),
            conditions,
            milestones: None,
        }
    }

    /// Seeds a public trial (the case approved, and in `plan.state`): approval, conditions and
    /// milestones, and unless it is only approved, its start and what followed.
    pub(super) fn trial(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        reference: Option<&str>,
        chain: &mut Chain,
    ) -> Result<TrialOutcome, SeedError> {
        let decided = plan.decided.ok_or_else(|| SeedError(format!("{} has a trial but no decision", plan.title)))?;
        let approval = self.approval(plan);
        let requested: Vec<ProvisionFacts> = plan
            .requested
            .iter()
            .map(|p| ProvisionFacts { id: p.0, code: p.1.clone(), max_trial_months: p.2, retired: false })
            .collect();
        let errors = check_approval(&approval, &requested, false, decided.date());
        if !errors.is_empty() {
            return Err(SeedError(format!("{} could not have been approved: {errors:?}", plan.title)));
        }
        let schedule = approval.schedule();
        let details = json!({
            "reasons": approval.reasons,
            "trial_start_date": approval.trial_start_date,
            "trial_end_date": approval.trial_end_date,
            "granted": approval.grants.iter().map(|g| json!({"provision_code": g.provision_code, "limits": g.limits,
                "ends_on": approval.trial_end_date})).collect::<Vec<_>>(),
            "conditions": approval.conditions.len(),
            "milestones": schedule.len(),
            "default_schedule": true,
        });
        chain.step_with(plan.inspector, CaseAction::Approve, Facts::default(), details, decided)?;
        self.conditions(rows, plan, id, &approval.conditions, chain)?;
        self.milestones(rows, plan, id, reference, &schedule, chain)?;
        let outcome = TrialOutcome { approval_reasons: Some(approval.reasons.clone()) };
        let Some(started) = plan.started else { return Ok(outcome) };
        chain.step(plan.author, CaseAction::Start, started)?;
        self.observation(rows, plan, id, started, chain);
        if let Some(at) = plan.suspended {
            self.enforcement(rows, plan, id, EnforcementKind::Suspension, SUSPENSION_REASONS, at);
            let details = json!({ "reasons": SUSPENSION_REASONS });
            chain.step_with(plan.inspector, CaseAction::Suspend, Facts::default(), details, at)?;
        }
        if let Some(at) = plan.revoked {
            self.enforcement(rows, plan, id, EnforcementKind::Revocation, REVOCATION_REASONS, at);
            let details = json!({ "reasons": REVOCATION_REASONS });
            chain.step_with(plan.inspector, CaseAction::Revoke, Facts::default(), details, at)?;
        }
        if let Some(at) = plan.completed {
            let recommendations = self.evaluation(rows, plan, id, at);
            let details = json!({ "recommendations": recommendations });
            chain.step_with(plan.inspector, CaseAction::Complete, Facts::default(), details, at)?;
        }
        if plan.state == Status::Completed && plan.completed.is_none() {
            return Err(SeedError(format!("{} is completed without a completion", plan.title)));
        }
        Ok(outcome)
    }

    /// Half the time, a resident's published observation a month after the start (if that has
    /// come while the trial is still running).
    fn observation(&mut self, rows: &mut Rows, plan: &Plan<'_>, id: i64, started: NaiveDateTime, chain: &mut Chain) {
        let at = started + days(30) + TimeDelta::hours(9);
        let until = plan.monitored_until().unwrap_or(self.now).min(self.now);
        if !self.rng.gen_bool(0.5) || at >= until {
            return;
        }
        let community = &self.people.community;
        let kind = ObservationKind::ALL[self.rng.gen_range(0..ObservationKind::ALL.len())];
        let body = "Quiet installation; we would like a public meeting.";
        let observation = Observation {
            id: take(&mut self.ids.observation),
            application_id: id,
            author_id: community[self.rng.gen_range(0..community.len())],
            kind,
            body: s(body),
            visibility: Visibility::Published,
            published_body: None,
            moderation_reason: None,
            moderated_by: None,
            moderated_at: None,
            version: 1,
            created_at: at,
            held_at: None,
        };
        let details = json!({ "observation_id": observation.id, "kind": kind, "body": body });
        chain.event(Some(observation.author_id), "observation.posted", None, Some("published"), details, at);
        rows.observations.push(observation);
    }

    /// The inspector's enforcement action of `kind` at `at`.
    fn enforcement(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        kind: EnforcementKind,
        reasons: &str,
        at: NaiveDateTime,
    ) {
        rows.enforcement.push(EnforcementAction {
            id: take(&mut self.ids.enforcement),
            application_id: id,
            kind,
            reasons: s(reasons),
            new_end_date: None,
            actor_id: plan.inspector,
            created_at: at,
        });
    }

    /// The inspector's evaluation of a completed trial at `at`, with a recommendation on each
    /// derogated (granted) provision, as completion requires; returns the recommendations as the
    /// audit event records them.
    fn evaluation(&mut self, rows: &mut Rows, plan: &Plan<'_>, id: i64, at: NaiveDateTime) -> Vec<serde_json::Value> {
        let evaluation = take(&mut self.ids.evaluation);
        rows.evaluations.push(Evaluation {
            id: evaluation,
            application_id: id,
            outcomes: s(OUTCOMES),
            lessons: s("Residents accepted the installation once they could see it working."),
            reported_annual_co2e_tonnes: Some((self.rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
            created_by: plan.inspector,
            created_at: at,
        });
        let mut recorded = Vec::new();
        for (provision, code, _) in plan.requested.iter().take(1) {
            let recommendation = RecommendationKind::ALL[self.rng.gen_range(0..RecommendationKind::ALL.len())];
            rows.recommendations.push(Recommendation {
                id: take(&mut self.ids.recommendation),
                evaluation_id: evaluation,
                application_id: id,
                provision_id: *provision,
                recommendation,
                rationale: s("What the trial found."),
            });
            recorded.push(json!({ "provision_code": code, "recommendation": recommendation }));
        }
        recorded
    }
}
