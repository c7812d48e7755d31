//! An approved case's trial: its approval, community-benefit conditions (with evidence and
//! residents' attestations), review milestones, start, a resident's observation, and then its
//! suspension and revocation, or its completion with an evaluation and a recommendation.
//!
//! Condition and milestone statuses are reached by replaying what happened to them through
//! their lifecycles ([`condition_transition`], [`milestone_transition`]), so that a seeded status
//! is always one the service could have reached.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;

use super::case::Plan;
use super::chain::Chain;
use super::rows::{take, Rows};
use super::{s, SeedError, Seeder};
use crate::db::models::{
    Attestation, Condition, EnforcementAction, Evaluation, Evidence, Milestone, Observation, Recommendation,
};
use crate::domain::application::default_milestones;
use crate::domain::case::{CaseAction, Status};
use crate::domain::community::{AttestationStance, ObservationKind, Visibility};
use crate::domain::decision::RecommendationKind;
use crate::domain::monitoring::{
    condition_transition, milestone_transition, ConditionCategory, ConditionEvent as CE, ConditionStatus,
    EnforcementKind, EvidenceOutcome, MilestoneEvent as ME, MilestoneStatus,
};

/// The conditions every seeded trial carries: category, description, unit and target.
const CONDITIONS: [(ConditionCategory, &str, &str, f64); 2] = [
    (ConditionCategory::CommunityFund, "Payments into the community fund", "GBP", 5000.0),
    (ConditionCategory::BillSavings, "Households with lower bills", "households", 40.0),
];

// What has happened to a condition since it was set (`pending`), event by event.
const CONDITION_PENDING: &[CE] = &[];
const CONDITION_EVIDENCED: &[CE] = &[CE::SubmitEvidence];
const CONDITION_MET: &[CE] = &[CE::SubmitEvidence, CE::Verify];
const CONDITION_OVERDUE: &[CE] = &[CE::MarkOverdue];
const CONDITION_WAIVED: &[CE] = &[CE::Waive];
const CONDITION_BREACHED: &[CE] = &[CE::Breach];

/// An active trial's conditions, each history equally likely.
const ACTIVE_CONDITIONS: [&[CE]; 5] =
    [CONDITION_PENDING, CONDITION_EVIDENCED, CONDITION_MET, CONDITION_OVERDUE, CONDITION_WAIVED];

// What has happened to a milestone since it was scheduled, event by event.
const MILESTONE_SCHEDULED: &[ME] = &[];
const MILESTONE_SUBMITTED: &[ME] = &[ME::SubmitReport];
const MILESTONE_ACCEPTED: &[ME] = &[ME::SubmitReport, ME::Accept];
const MILESTONE_OVERDUE: &[ME] = &[ME::MarkOverdue];

/// A running trial's milestone once its date has passed: half accepted, a quarter overdue, a
/// quarter reported and awaiting review.
const PAST_MILESTONES: [&[ME]; 4] = [MILESTONE_ACCEPTED, MILESTONE_ACCEPTED, MILESTONE_OVERDUE, MILESTONE_SUBMITTED];

/// A condition's status after `history`.
fn condition_status(history: &[CE]) -> Result<ConditionStatus, SeedError> {
    Ok(history.iter().try_fold(ConditionStatus::Pending, |status, event| condition_transition(status, *event))?)
}

/// A milestone's status after `history`.
fn milestone_status(history: &[ME]) -> Result<MilestoneStatus, SeedError> {
    Ok(history.iter().try_fold(MilestoneStatus::Scheduled, |status, event| milestone_transition(status, *event))?)
}

impl Seeder<'_> {
    /// Seeds a public trial (the case approved, and in `plan.state`): approval, conditions and
    /// milestones, and unless it is only approved, its start and what followed.
    pub(super) fn trial(&mut self, rows: &mut Rows, plan: &Plan<'_>, chain: &mut Chain) -> Result<(), SeedError> {
        chain.step(plan.inspector, CaseAction::Approve, plan.decided_at)?;
        for (i, condition) in CONDITIONS.iter().enumerate() {
            self.condition(rows, plan, i, condition)?;
        }
        self.milestones(rows, plan)?;
        if plan.state == Status::Approved {
            return Ok(());
        }
        let started = plan.start.and_hms_opt(9, 0, 0).unwrap_or_default();
        chain.step(plan.author, CaseAction::Start, started)?;
        self.observation(rows, plan, started);
        match plan.state {
            Status::Suspended | Status::Revoked => {
                let at = started + TimeDelta::days(120);
                self.enforcement(rows, plan, EnforcementKind::Suspension, "Community fund payments missed.", at);
                chain.step(plan.inspector, CaseAction::Suspend, at)?;
                if plan.state == Status::Revoked {
                    let at = at + TimeDelta::days(30);
                    self.enforcement(rows, plan, EnforcementKind::Revocation, "Breaches not remedied.", at);
                    chain.step(plan.inspector, CaseAction::Revoke, at)?;
                }
            }
            Status::Completed => {
                let at = plan.end.and_hms_opt(12, 0, 0).unwrap_or_default();
                self.evaluation(rows, plan, at);
                chain.step(plan.inspector, CaseAction::Complete, at)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// What has happened to the trial's `i`th condition: all met once a trial has completed;
    /// the first breached and the second overdue where it was suspended; anything while active.
    fn condition_history(&mut self, state: Status, i: usize) -> &'static [CE] {
        match state {
            Status::Completed => CONDITION_MET,
            Status::Suspended | Status::Revoked if i == 0 => CONDITION_BREACHED,
            Status::Suspended | Status::Revoked => CONDITION_OVERDUE,
            Status::Active => ACTIVE_CONDITIONS[self.rng.gen_range(0..ACTIVE_CONDITIONS.len())],
            _ => CONDITION_PENDING,
        }
    }

    /// The trial's `i`th condition, due 180 days after the start and 120 more for each after the
    /// first, with its evidence if any was submitted.
    fn condition(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        i: usize,
        (category, description, unit, target): &(ConditionCategory, &str, &str, f64),
    ) -> Result<(), SeedError> {
        let history = self.condition_history(plan.state, i);
        let mut status = condition_status(history)?;
        let due_on = plan.start + TimeDelta::days(180 + 120 * i as i64);
        // As the daily scheduler pass would have left it: nothing pending is past its date.
        if status == ConditionStatus::Pending && due_on < self.today && plan.state != Status::Approved {
            status = condition_transition(status, CE::MarkOverdue)?;
        }
        let id = take(&mut self.ids.condition);
        rows.conditions.push(Condition {
            id,
            application_id: plan.id,
            category: *category,
            description: s(description),
            metric: s(description),
            target_value: *target,
            unit: s(unit),
            due_on,
            status,
            status_reason: None,
            version: 1,
            created_at: plan.decided_at,
            updated_at: plan.decided_at,
        });
        if matches!(status, ConditionStatus::Met | ConditionStatus::EvidenceSubmitted) {
            self.evidence(rows, plan, id, *target, status == ConditionStatus::Met);
        }
        Ok(())
    }

    /// The author's evidence for condition `condition`, verified if `verified`, and perhaps a
    /// resident's attestation of it (mostly confirming).
    fn evidence(&mut self, rows: &mut Rows, plan: &Plan<'_>, condition: i64, target: f64, verified: bool) {
        let id = take(&mut self.ids.evidence);
        rows.evidence.push(Evidence {
            id,
            application_id: plan.id,
            condition_id: condition,
            submitted_by: plan.author,
            body: s("Statement attached."),
            reported_value: Some((target * self.rng.gen_range(0.8..1.3_f64)).round()),
            file_name: None,
            file_type: None,
            file_size: None,
            file_sha256: None,
            outcome: if verified { EvidenceOutcome::Verified } else { EvidenceOutcome::Pending },
            feedback: None,
            reviewed_by: verified.then_some(plan.inspector),
            reviewed_at: verified.then_some(plan.decided_at + TimeDelta::days(205)),
            created_at: plan.decided_at + TimeDelta::days(200),
        });
        if !self.rng.gen_bool(0.4) {
            return;
        }
        let stance = if self.rng.gen_bool(0.8) { AttestationStance::Confirm } else { AttestationStance::Dispute };
        let community = &self.people.community;
        rows.attestations.push(Attestation {
            id: take(&mut self.ids.attestation),
            application_id: plan.id,
            condition_id: condition,
            evidence_id: Some(id),
            user_id: community[self.rng.gen_range(0..community.len())],
            stance,
            comment: s(if stance == AttestationStance::Confirm {
                "Our group saw the payment."
            } else {
                "Nothing has reached us yet."
            }),
            created_at: plan.decided_at + TimeDelta::days(210),
        });
    }

    /// The trial's default milestones: all accepted once it has completed, those past their date
    /// drawn from [`PAST_MILESTONES`], the rest scheduled.
    fn milestones(&mut self, rows: &mut Rows, plan: &Plan<'_>) -> Result<(), SeedError> {
        for (kind, title, due) in default_milestones(plan.start, plan.end) {
            let history = match plan.state {
                Status::Completed => MILESTONE_ACCEPTED,
                _ if due < self.today => PAST_MILESTONES[self.rng.gen_range(0..PAST_MILESTONES.len())],
                _ => MILESTONE_SCHEDULED,
            };
            let status = milestone_status(history)?;
            let reported = history.contains(&ME::SubmitReport);
            let accepted = status == MilestoneStatus::Accepted;
            let reported_at = reported
                .then(|| (due - TimeDelta::days(self.rng.gen_range(-5..10))).and_hms_opt(12, 0, 0).unwrap_or_default());
            rows.milestones.push(Milestone {
                id: take(&mut self.ids.milestone),
                application_id: plan.id,
                kind,
                title,
                due_on: due,
                status,
                report: reported.then(|| s("Progress as planned.")),
                reported_at,
                review_note: accepted.then(|| s("Accepted.")),
                reviewed_at: accepted.then_some(reported_at.unwrap_or(plan.decided_at)),
                version: 1,
                created_at: plan.decided_at,
                updated_at: plan.decided_at,
            });
        }
        Ok(())
    }

    /// Half the time, a resident's published observation a month after the start.
    fn observation(&mut self, rows: &mut Rows, plan: &Plan<'_>, started: NaiveDateTime) {
        if !self.rng.gen_bool(0.5) {
            return;
        }
        let community = &self.people.community;
        rows.observations.push(Observation {
            id: take(&mut self.ids.observation),
            application_id: plan.id,
            author_id: community[self.rng.gen_range(0..community.len())],
            kind: ObservationKind::ALL[self.rng.gen_range(0..ObservationKind::ALL.len())],
            body: s("Quiet installation; we would like a public meeting."),
            visibility: Visibility::Published,
            published_body: None,
            moderation_reason: None,
            moderated_by: None,
            moderated_at: None,
            version: 1,
            created_at: started + TimeDelta::days(30),
            held_at: None,
        });
    }

    /// The inspector's enforcement action of `kind` at `at`.
    fn enforcement(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        kind: EnforcementKind,
        reasons: &str,
        at: NaiveDateTime,
    ) {
        rows.enforcement.push(EnforcementAction {
            id: take(&mut self.ids.enforcement),
            application_id: plan.id,
            kind,
            reasons: s(reasons),
            new_end_date: None,
            actor_id: plan.inspector,
            created_at: at,
        });
    }

    /// The inspector's evaluation of a completed trial at `at`, with a recommendation on the
    /// zone's first provision.
    fn evaluation(&mut self, rows: &mut Rows, plan: &Plan<'_>, at: NaiveDateTime) {
        let id = take(&mut self.ids.evaluation);
        rows.evaluations.push(Evaluation {
            id,
            application_id: plan.id,
            outcomes: s("Conditions met; savings close to the estimate."),
            lessons: s("Residents accepted the installation once they could see it working."),
            reported_annual_co2e_tonnes: Some((self.rng.gen_range(5.0..400.0_f64) * 10.0).round() / 10.0),
            created_by: plan.inspector,
            created_at: at,
        });
        if let Some((provision, _, _)) = plan.allowed.first() {
            rows.recommendations.push(Recommendation {
                id: take(&mut self.ids.recommendation),
                evaluation_id: id,
                application_id: plan.id,
                provision_id: *provision,
                recommendation: RecommendationKind::ALL[self.rng.gen_range(0..RecommendationKind::ALL.len())],
                rationale: s("What the trial found."),
            });
        }
    }
}
