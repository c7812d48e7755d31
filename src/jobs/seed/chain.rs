//! A seeded case's audit trail: every event the service would have recorded, kept in memory while
//! the case is built and hash-chained once it is complete, in time order (the case's lifecycle
//! and its conditions', milestones' and community's events interleave). Each lifecycle step's new
//! status is given by the lifecycle itself ([`transition`]), so that seeding appends every event
//! without reading the chain back and can only record moves the service would make.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::rows::Rows;
use super::SeedError;
use crate::db::audit;
use crate::db::models::NewAuditEvent;
use crate::domain::case::{transition, CaseAction, Facts, NotAllowed, Status};
use crate::domain::clock::clock_runs;

/// An event waiting to be chained.
struct Pending {
    at: NaiveDateTime,
    actor: Option<i64>,
    action: String,
    from: Option<String>,
    to: Option<String>,
    details: Value,
}

/// A case's audit events so far, the status its lifecycle has led to, and what that lifecycle
/// left on the case row: its version (one more for each step) and the time of its last change.
pub(super) struct Chain {
    stream: String,
    status: Status,
    steps: i64,
    last_step: NaiveDateTime,
    /// The day of the last step that started, moved or stopped the decision clock.
    clock_day: Option<NaiveDate>,
    events: Vec<Pending>,
}

/// The audit action the service records for a lifecycle action.
fn event_name(action: CaseAction) -> &'static str {
    match action {
        CaseAction::Edit => "application.edited",
        CaseAction::Submit => "application.submitted",
        CaseAction::Withdraw => "application.withdrawn",
        CaseAction::Assign => "application.assigned",
        CaseAction::Screen => "application.screened",
        CaseAction::RequestInformation => "information.requested",
        CaseAction::Answer => "information.answered",
        CaseAction::Approve => "application.approved",
        CaseAction::Refuse => "application.refused",
        CaseAction::Start => "trial.started",
        CaseAction::Suspend => "trial.suspended",
        CaseAction::Reinstate => "trial.reinstated",
        CaseAction::Revoke => "trial.revoked",
        CaseAction::Extend => "trial.extended",
        CaseAction::Complete => "trial.completed",
    }
}

impl Chain {
    /// Opens case `case`'s chain with its creation by `author`: `application.created`, from draft
    /// to draft, as the service records it.
    pub(super) fn new(case: i64, author: i64, at: NaiveDateTime) -> Self {
        let mut chain = Chain {
            stream: crate::app::cases::case_stream(case),
            status: Status::Draft,
            steps: 0,
            last_step: at,
            clock_day: None,
            events: Vec::new(),
        };
        let draft = Some(Status::Draft.as_str());
        chain.event(Some(author), "application.created", draft, draft, json!({}), at);
        chain
    }

    /// Where the lifecycle has led.
    pub(super) fn status(&self) -> Status {
        self.status
    }

    /// The case row's version: one for its creation and one for each step since.
    pub(super) fn version(&self) -> i64 {
        1 + self.steps
    }

    /// When the case row last changed.
    pub(super) fn last_step(&self) -> NaiveDateTime {
        self.last_step
    }

    /// The day the decision clock was last started, moved or stopped (kept on the case row as its
    /// target as of that day).
    pub(super) fn clock_day(&self) -> Option<NaiveDate> {
        self.clock_day
    }

    /// Records `actor` taking `action` at `at`, to wherever the lifecycle says it leads.
    pub(super) fn step(&mut self, actor: i64, action: CaseAction, at: NaiveDateTime) -> Result<(), NotAllowed> {
        self.step_with(actor, action, Facts::default(), json!({}), at)
    }

    /// As [`Chain::step`], with what the event's details record and the facts the lifecycle
    /// needs (whether screening passed, the status an answer resumes).
    pub(super) fn step_with(
        &mut self,
        actor: i64,
        action: CaseAction,
        facts: Facts,
        details: Value,
        at: NaiveDateTime,
    ) -> Result<(), NotAllowed> {
        let from = self.status;
        let to = transition(from, action, facts)?;
        self.event(Some(actor), event_name(action), Some(from.as_str()), Some(to.as_str()), details, at);
        self.status = to;
        self.steps += 1;
        self.last_step = at;
        if clock_runs(from) || clock_runs(to) {
            self.clock_day = Some(at.date());
        }
        Ok(())
    }

    /// Records an event that is not a step of the case's lifecycle (a condition's, a
    /// milestone's, the community's): `actor` is `None` for the scheduler.
    pub(super) fn event(
        &mut self,
        actor: Option<i64>,
        action: &str,
        from: Option<&str>,
        to: Option<&str>,
        details: Value,
        at: NaiveDateTime,
    ) {
        self.events.push(Pending {
            at: crate::db::truncate(at),
            actor,
            action: action.to_string(),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            details,
        });
    }

    /// Adds the chain to the batch, in time order and hash-linked, once it is known to lead to
    /// `state`, the status the case was seeded in.
    pub(super) fn finish(mut self, rows: &mut Rows, state: Status) -> Result<(), SeedError> {
        if self.status != state {
            return Err(SeedError(format!(
                "{} is seeded as {state} but its audit trail leads to {}",
                self.stream, self.status
            )));
        }
        self.events.sort_by_key(|e| e.at);
        let mut prev = audit::GENESIS.to_string();
        for (i, e) in self.events.into_iter().enumerate() {
            let seq = i as i64 + 1;
            let mut details = e.details;
            if let Value::Object(map) = &mut details {
                map.insert("seeded".into(), Value::Bool(true));
            }
            let details = details.to_string();
            let hash = audit::event_hash(
                &prev,
                &self.stream,
                seq,
                e.actor,
                &e.action,
                e.from.as_deref(),
                e.to.as_deref(),
                &details,
                true,
                e.at,
            );
            rows.audit.push(NewAuditEvent {
                stream: self.stream.clone(),
                seq,
                actor_user_id: e.actor,
                action: e.action,
                from_status: e.from,
                to_status: e.to,
                details,
                public: true,
                created_at: e.at,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
        }
        Ok(())
    }
}
