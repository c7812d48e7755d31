//! A trial's community-benefit conditions and review milestones, as their histories and the
//! scheduler's passes left them.
//!
//! What people did (evidence submitted and verified, reports made and accepted, conditions waived
//! or breached) is planned first; [`replay`] then runs it through the record's lifecycle together
//! with the scheduler, which marks a record overdue on its first pass after the due date (and
//! again after any later step that leaves it open past its due date), as long as the trial is
//! monitored. A step the lifecycle no longer allows is not taken. Every step is an audit event as
//! the service records it, and every milestone reminder the scheduler would have sent for a
//! milestone now within its reminder window is in the outbox as sent, under the scheduler's key:
//! so a pass straight after seeding finds nothing to mark and nothing to send.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use rand::Rng;
use serde_json::json;

use super::chain::Chain;
use super::plan::{at, days, Plan};
use super::rows::{take, Rows, SentEmail};
use super::{s, SeedError, Seeder};
use crate::app::case_mail::{dedup_key, reminder_key};
use crate::db::models::{Attestation, Condition, Evidence, Milestone};
use crate::db::monitoring::MONITORED;
use crate::domain::application::{ConditionInput, MilestoneInput};
use crate::domain::case::Status;
use crate::domain::community::AttestationStance;
use crate::domain::monitoring::{
    condition_check_on, condition_transition, condition_visit, milestone_check_on, milestone_transition,
    milestone_visit, past_due, reminder_threshold, ConditionEvent as CE, ConditionStatus, EvidenceOutcome,
    MilestoneEvent as ME, MilestoneKind, MilestoneStatus, NotAllowed,
};
use crate::email::{human_date, DeliveryStatus};

/// Where the scheduler's next look at a row stands after its passes up to `today`: the look it
/// was given when written, if that is still to come; else the one its last look gave it.
fn settled(
    written: Option<NaiveDate>,
    today: NaiveDate,
    look: impl FnOnce() -> Option<NaiveDate>,
) -> Option<NaiveDate> {
    match written {
        Some(day) if day > today => Some(day),
        _ => look(),
    }
}

/// One step of a record's history: when, by whom (`None`: the scheduler), what, and the status
/// it moved from and to.
struct Step<S, E> {
    at: NaiveDateTime,
    actor: Option<i64>,
    event: E,
    from: S,
    to: S,
}

/// How long after a step the scheduler's next pass comes (its interval, by default).
const PASS: TimeDelta = TimeDelta::minutes(5);

/// The history of a record due on `due`, created at `created` in `initial`, after the `planned`
/// steps (time, actor, event; in time order) taken up to `now` while the trial ran (before
/// `closed`), with the scheduler's `mark` wherever it finds the record `markable` past its due
/// date. Returns the final status and every step taken.
#[allow(clippy::too_many_arguments)]
fn replay<S: Copy, E: Copy>(
    initial: S,
    planned: &[(NaiveDateTime, Option<i64>, E)],
    transition: fn(S, E) -> Result<S, NotAllowed<S, E>>,
    markable: fn(S) -> bool,
    mark: E,
    due: NaiveDate,
    created: NaiveDateTime,
    closed: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> (S, Vec<Step<S, E>>) {
    let first_pass = at(due + days(1), 0);
    let until = closed.unwrap_or(now).min(now);
    let (mut status, mut since, mut steps) = (initial, created, Vec::new());
    // The scheduler's pass that finds the record open and past due, by `by` (inclusive).
    let pass = |status: S, since: NaiveDateTime, by: NaiveDateTime| -> Option<NaiveDateTime> {
        let t = first_pass.max(since + PASS).min(now);
        (markable(status) && t <= by && closed.is_none_or(|c| t < c) && past_due(due, t.date())).then_some(t)
    };
    for &(t, actor, event) in planned {
        if t >= until {
            break;
        }
        if let Some(m) = pass(status, since, t) {
            if let Ok(to) = transition(status, mark) {
                steps.push(Step { at: m, actor: None, event: mark, from: status, to });
                (status, since) = (to, m);
            }
        }
        if let Ok(to) = transition(status, event) {
            steps.push(Step { at: t, actor, event, from: status, to });
            (status, since) = (to, t);
        }
    }
    if let Some(m) = pass(status, since, now) {
        if let Ok(to) = transition(status, mark) {
            steps.push(Step { at: m, actor: None, event: mark, from: status, to });
            status = to;
        }
    }
    (status, steps)
}

fn condition_open(s: ConditionStatus) -> bool {
    matches!(s, ConditionStatus::Pending | ConditionStatus::EvidenceSubmitted)
}

fn milestone_open(s: MilestoneStatus) -> bool {
    matches!(s, MilestoneStatus::Scheduled | MilestoneStatus::RevisionRequested)
}

impl Seeder<'_> {
    /// What people did about the trial's condition due on `due`: met on time once a trial has
    /// completed; the first breached just before a suspension, the second left to go overdue;
    /// and while active, met on time, evidence awaiting verification (only before the due date,
    /// as a later one would have been marked overdue), nothing yet, or waived.
    fn condition_plan(&mut self, plan: &Plan<'_>, i: usize, due: NaiveDate) -> Vec<(NaiveDateTime, Option<i64>, CE)> {
        let Some(started) = plan.started else { return Vec::new() };
        let (author, inspector) = (Some(plan.author), Some(plan.inspector));
        let rng = &mut self.rng;
        let evidence = (at(due - days(rng.gen_range(1..30)), 12)).max(started + days(1));
        let verified = (evidence + days(rng.gen_range(1..6))).min(at(due, 17)).max(evidence + TimeDelta::hours(1));
        let on_time = vec![(evidence, author, CE::SubmitEvidence), (verified, inspector, CE::Verify)];
        match plan.state {
            Status::Completed => on_time,
            Status::Suspended | Status::Revoked if i == 0 => match plan.suspended {
                Some(suspended) => vec![(suspended - TimeDelta::hours(1), inspector, CE::Breach)],
                None => Vec::new(),
            },
            Status::Active => match rng.gen_range(0..6) {
                0..=2 => on_time,
                3 if past_due(due, self.today) => on_time,
                3 => vec![(evidence, author, CE::SubmitEvidence)],
                4 => Vec::new(),
                _ => {
                    let last = (self.now.min(at(due + days(20), 12)) - started).num_days().max(11);
                    vec![(started + days(rng.gen_range(10..last)), inspector, CE::Waive)]
                }
            },
            _ => Vec::new(),
        }
    }

    /// The trial's conditions as approved, each with its history, evidence and attestations.
    pub(super) fn conditions(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        conditions: &[ConditionInput],
        chain: &mut Chain,
    ) -> Result<(), SeedError> {
        let decided = plan.decided.unwrap_or(self.now);
        for (i, c) in conditions.iter().enumerate() {
            let condition = take(&mut self.ids.condition);
            let planned = self.condition_plan(plan, i, c.due_on);
            let closed = plan.monitored_until();
            let (status, steps) = replay(
                ConditionStatus::Pending,
                &planned,
                condition_transition,
                condition_open,
                CE::MarkOverdue,
                c.due_on,
                decided,
                closed,
                self.now,
            );
            let mut reason = None;
            let mut evidence: Option<usize> = None;
            for (k, step) in steps.iter().enumerate() {
                let (from, to) = (Some(step.from.as_str()), Some(step.to.as_str()));
                match step.event {
                    CE::MarkOverdue => {
                        let details = json!({ "condition_id": condition, "due_on": c.due_on });
                        chain.event(None, "condition.overdue", from, to, details, step.at);
                        reason = None;
                    }
                    CE::SubmitEvidence => {
                        let verified = steps.get(k + 1).is_some_and(|n| n.event == CE::Verify);
                        let low = if verified { 1.0 } else { 0.8 };
                        let value =
                            (c.target_value * self.rng.gen_range(low..1.3_f64)).round().max(c.target_value * low);
                        let ev = take(&mut self.ids.evidence);
                        rows.evidence.push(Evidence {
                            id: ev,
                            application_id: id,
                            condition_id: condition,
                            submitted_by: plan.author,
                            body: s("Statement attached."),
                            reported_value: Some(value),
                            file_name: None,
                            file_type: None,
                            file_size: None,
                            file_sha256: None,
                            outcome: EvidenceOutcome::Pending,
                            feedback: None,
                            reviewed_by: None,
                            reviewed_at: None,
                            created_at: step.at,
                        });
                        evidence = Some(rows.evidence.len() - 1);
                        let details = json!({ "condition_id": condition, "evidence_id": ev, "reported_value": value,
                                              "file": null, "sha256": null });
                        chain.event(step.actor, "condition.evidence_submitted", from, to, details, step.at);
                        reason = None;
                    }
                    CE::Verify => {
                        let Some(e) = evidence.and_then(|e| rows.evidence.get_mut(e)) else { continue };
                        e.outcome = EvidenceOutcome::Verified;
                        e.reviewed_by = Some(plan.inspector);
                        e.reviewed_at = Some(step.at);
                        e.feedback = Some(s("Statement checked."));
                        let details = json!({ "condition_id": condition, "evidence_id": e.id, "note": "Statement checked.",
                            "reported_value": e.reported_value, "target_value": c.target_value, "below_target_reason": null });
                        chain.event(step.actor, "condition.met", from, to, details, step.at);
                        reason = Some(s("Statement checked."));
                    }
                    CE::Waive | CE::Breach | CE::RejectEvidence => {
                        let (action, why) = match step.event {
                            CE::Breach => ("condition.breached", SUSPENSION_BREACH),
                            _ => ("condition.waived", "The benefit is delivered another way."),
                        };
                        chain.event(
                            step.actor,
                            action,
                            from,
                            to,
                            json!({ "condition_id": condition, "reasons": why }),
                            step.at,
                        );
                        reason = Some(s(why));
                    }
                }
            }
            let updated = steps.last().map(|s| s.at).unwrap_or(decided);
            let monitored = MONITORED.contains(&plan.state.as_str());
            let check = settled(condition_check_on(status, c.due_on), self.today, || {
                condition_visit(status, monitored, c.due_on, self.today).1
            });
            rows.conditions.push(Condition {
                id: condition,
                application_id: id,
                category: c.category,
                description: c.description.clone(),
                metric: c.metric.clone(),
                target_value: c.target_value,
                unit: c.unit.clone(),
                due_on: c.due_on,
                status,
                status_reason: reason,
                version: 1 + steps.len() as i64,
                created_at: decided,
                updated_at: updated,
                scheduler_check_on: check,
            });
            self.attestations(rows, plan, id, condition, chain);
        }
        Ok(())
    }

    /// Perhaps a resident's attestation (mostly confirming) of each piece of evidence, a few days
    /// after it was sent, if that has come while the trial is running.
    fn attestations(&mut self, rows: &mut Rows, plan: &Plan<'_>, id: i64, condition: i64, chain: &mut Chain) {
        let until = plan.monitored_until().unwrap_or(self.now).min(self.now);
        let sent: Vec<(i64, NaiveDateTime)> = rows
            .evidence
            .iter()
            .rev()
            .take_while(|e| e.condition_id == condition)
            .map(|e| (e.id, e.created_at))
            .collect();
        for (evidence, sent_at) in sent {
            let at = sent_at + days(self.rng.gen_range(1..10));
            if !self.rng.gen_bool(0.4) || at >= until {
                continue;
            }
            let stance = if self.rng.gen_bool(0.8) { AttestationStance::Confirm } else { AttestationStance::Dispute };
            let comment = if stance == AttestationStance::Confirm {
                "Our group saw the payment."
            } else {
                "Nothing has reached us yet."
            };
            let community = &self.people.community;
            let attestation = Attestation {
                id: take(&mut self.ids.attestation),
                application_id: id,
                condition_id: condition,
                evidence_id: Some(evidence),
                user_id: community[self.rng.gen_range(0..community.len())],
                stance,
                comment: s(comment),
                created_at: at,
            };
            let details = json!({ "condition_id": condition, "evidence_id": evidence, "attestation_id": attestation.id,
                                  "comment": comment });
            chain.event(Some(attestation.user_id), "condition.attested", None, Some(stance.as_str()), details, at);
            rows.attestations.push(attestation);
        }
    }

    /// What the author and inspector did about a milestone due on `due`: every report made and
    /// accepted once a trial has completed; while it runs, reported on time and accepted (or
    /// awaiting review), reported late after the scheduler marked it overdue, or not yet.
    fn milestone_plan(&mut self, plan: &Plan<'_>, due: NaiveDate) -> Vec<(NaiveDateTime, Option<i64>, ME)> {
        let Some(started) = plan.started else { return Vec::new() };
        let (author, inspector) = (Some(plan.author), Some(plan.inspector));
        let rng = &mut self.rng;
        let on_time = at(due - days(rng.gen_range(0..7)), 12).max(started + TimeDelta::hours(1));
        let late = at(due + days(rng.gen_range(3..30)), 12);
        let (report, accept) = match plan.state {
            Status::Completed => (Some(on_time), Some(rng.gen_range(1..5))),
            Status::Active | Status::Suspended | Status::Revoked => match rng.gen_range(0..8) {
                0..=3 => (Some(on_time), Some(rng.gen_range(1..10))),
                4 => (Some(on_time), None),
                5 => (Some(late), Some(rng.gen_range(1..10))),
                6 => (Some(late), None),
                _ => (None, None),
            },
            _ => (None, None),
        };
        let mut planned = Vec::new();
        if let Some(reported) = report {
            planned.push((reported, author, ME::SubmitReport));
            if let Some(after) = accept {
                planned.push((at((reported + days(after)).date(), 16), inspector, ME::Accept));
            }
        }
        planned
    }

    /// The trial's milestones as scheduled on approval, each with its history, and the reminders
    /// already sent for those now within their reminder window.
    pub(super) fn milestones(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        reference: Option<&str>,
        schedule: &[MilestoneInput],
        chain: &mut Chain,
    ) -> Result<(), SeedError> {
        let decided = plan.decided.unwrap_or(self.now);
        let mut final_accepted = false;
        for m in schedule {
            let milestone = take(&mut self.ids.milestone);
            let planned = self.milestone_plan(plan, m.due_on);
            let (status, steps) = replay(
                MilestoneStatus::Scheduled,
                &planned,
                milestone_transition,
                milestone_open,
                ME::MarkOverdue,
                m.due_on,
                decided,
                plan.monitored_until(),
                self.now,
            );
            let (mut reported_at, mut reviewed_at) = (None, None);
            for step in &steps {
                let (from, to) = (Some(step.from.as_str()), Some(step.to.as_str()));
                let (action, details) = match step.event {
                    ME::MarkOverdue => (
                        "milestone.overdue",
                        json!({ "milestone_id": milestone, "title": m.title, "due_on": m.due_on }),
                    ),
                    ME::SubmitReport => {
                        reported_at = Some(step.at);
                        (
                            "milestone.submit_report",
                            json!({ "milestone_id": milestone, "title": m.title, "text": REPORT }),
                        )
                    }
                    _ => {
                        reviewed_at = Some(step.at);
                        (
                            "milestone.accept",
                            json!({ "milestone_id": milestone, "title": m.title, "text": "Accepted." }),
                        )
                    }
                };
                chain.event(step.actor, action, from, to, details, step.at);
            }
            final_accepted |= m.kind == MilestoneKind::FinalReport && status == MilestoneStatus::Accepted;
            let accepted = status == MilestoneStatus::Accepted;
            let monitored = MONITORED.contains(&plan.state.as_str());
            let check = settled(milestone_check_on(status, m.due_on), self.today, || {
                milestone_visit(status, monitored, m.due_on, self.today, &self.rules.reminder_days).next
            });
            rows.milestones.push(Milestone {
                id: milestone,
                application_id: id,
                kind: m.kind,
                title: m.title.clone(),
                due_on: m.due_on,
                status,
                report: reported_at.map(|_| s(REPORT)),
                reported_at,
                review_note: accepted.then(|| s("Accepted.")),
                reviewed_at: reviewed_at.filter(|_| accepted),
                version: 1 + steps.len() as i64,
                created_at: decided,
                updated_at: steps.last().map(|s| s.at).unwrap_or(decided),
                scheduler_check_on: check,
            });
            if matches!(
                status,
                MilestoneStatus::Scheduled | MilestoneStatus::RevisionRequested | MilestoneStatus::Overdue
            ) {
                self.reminders(rows, plan, id, reference, milestone, m, decided);
            }
        }
        if plan.state == Status::Completed && !final_accepted {
            return Err(SeedError(format!("{} was completed before its final report was accepted", plan.title)));
        }
        Ok(())
    }

    /// The reminders the scheduler has sent for milestone `milestone` awaiting its report: one
    /// for each reminder day reached since the trial was approved, if its due date is now within
    /// the reminder window and the trial is monitored. Sent on the first pass of the day it was
    /// reached, under the key the scheduler deduplicates by.
    #[allow(clippy::too_many_arguments)]
    fn reminders(
        &mut self,
        rows: &mut Rows,
        plan: &Plan<'_>,
        id: i64,
        reference: Option<&str>,
        milestone: i64,
        m: &MilestoneInput,
        decided: NaiveDateTime,
    ) {
        let days_before = &self.rules.reminder_days;
        let (Some(longest), true) = (days_before.last(), MONITORED.contains(&plan.state.as_str())) else { return };
        if reminder_threshold((m.due_on - self.today).num_days(), days_before).is_none() {
            return;
        }
        let Some((email, name)) = self.people.contacts.get(&plan.author) else { return };
        let mut sent: Vec<i64> = Vec::new();
        let mut next = (m.due_on - days(*longest)).max(decided.date());
        while next <= self.today {
            let day = next;
            next += days(1);
            let days_left = (m.due_on - day).num_days();
            if let Some(threshold) = reminder_threshold(days_left, days_before).filter(|t| !sent.contains(t)) {
                sent.push(threshold);
                let sent_at = at(day, 0).max(decided + PASS).min(self.now);
                let mailer = &self.rules.mailer;
                let context = json!({
                    "display_name": name,
                    "headline": format!("{} is due in {days_left} day{}", m.title, if days_left == 1 { "" } else { "s" }),
                    "reference": reference.map(str::to_string).unwrap_or_else(|| format!("draft {id}")),
                    "title": plan.title,
                    "message": format!("Due on {}. Submit the report from your trial's page.", human_date(m.due_on)),
                    "preferences_link": null,
                    "link": mailer.link(&format!("/applications/{id}")),
                });
                let Ok(rendered) = mailer.render("case_event", context) else { continue };
                rows.emails.push(SentEmail {
                    dedup_key: dedup_key(id, "milestone_reminder", &reminder_key(milestone, threshold), plan.author),
                    user_id: Some(plan.author),
                    to_address: email.clone(),
                    category: s("case.milestone_reminder"),
                    subject: rendered.subject,
                    body_text: rendered.text,
                    body_html: rendered.html,
                    message_id: mailer.new_message_id(),
                    status: DeliveryStatus::Sent,
                    attempts: 1,
                    next_attempt_at: sent_at,
                    created_at: sent_at,
                    sent_at: Some(sent_at),
                });
            }
        }
    }
}

const REPORT: &str = "Progress as planned.";
const SUSPENSION_BREACH: &str = "Community fund payments missed.";

#[cfg(test)]
#[path = "monitoring_tests.rs"]
mod tests;
