//! A seeded case's audit trail: hash-chained events kept in memory while the case is built, each
//! step's new status given by the lifecycle itself ([`transition`]), so that seeding appends
//! every event without reading the chain back and can only record moves the service would make.

use chrono::NaiveDateTime;
use serde_json::json;

use super::rows::Rows;
use super::SeedError;
use crate::db::audit;
use crate::db::models::NewAuditEvent;
use crate::domain::case::{transition, CaseAction, Facts, NotAllowed, Status};

/// A case's audit chain so far, and the status it has led to.
pub(super) struct Chain {
    stream: String,
    seq: i64,
    prev: String,
    status: Status,
    events: Vec<NewAuditEvent>,
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
            stream: format!("application:{case}"),
            seq: 0,
            prev: audit::GENESIS.to_string(),
            status: Status::Draft,
            events: Vec::new(),
        };
        chain.record(author, "application.created", Status::Draft, at);
        chain
    }

    /// Where the chain has led.
    pub(super) fn status(&self) -> Status {
        self.status
    }

    /// Records `actor` taking `action` at `at`, to wherever the lifecycle says it leads.
    pub(super) fn step(&mut self, actor: i64, action: CaseAction, at: NaiveDateTime) -> Result<(), NotAllowed> {
        self.step_with(actor, action, Facts::default(), at)
    }

    /// Records `actor` screening the case at `at`: on to assessment if every criterion was met,
    /// else refused.
    pub(super) fn screen(&mut self, actor: i64, all_criteria_met: bool, at: NaiveDateTime) -> Result<(), NotAllowed> {
        self.step_with(actor, CaseAction::Screen, Facts { all_criteria_met, resume: None }, at)
    }

    fn step_with(&mut self, actor: i64, action: CaseAction, facts: Facts, at: NaiveDateTime) -> Result<(), NotAllowed> {
        let to = transition(self.status, action, facts)?;
        self.record(actor, event_name(action), to, at);
        Ok(())
    }

    /// Appends one event from the current status to `to`, linked to the one before.
    fn record(&mut self, actor: i64, action: &str, to: Status, at: NaiveDateTime) {
        let at = crate::db::truncate(at);
        let (actor, from) = (Some(actor), self.status.as_str());
        let details = json!({ "seeded": true }).to_string();
        self.seq += 1;
        let hash = audit::event_hash(
            &self.prev,
            &self.stream,
            self.seq,
            actor,
            action,
            Some(from),
            Some(to.as_str()),
            &details,
            true,
            at,
        );
        self.events.push(NewAuditEvent {
            stream: self.stream.clone(),
            seq: self.seq,
            actor_user_id: actor,
            action: action.to_string(),
            from_status: Some(from.to_string()),
            to_status: Some(to.as_str().to_string()),
            details,
            public: true,
            created_at: at,
            prev_hash: std::mem::replace(&mut self.prev, hash.clone()),
            hash,
        });
        self.status = to;
    }

    /// Adds the chain to the batch, once it is known to lead to `state`, the status the case
    /// was seeded in.
    pub(super) fn finish(self, rows: &mut Rows, state: Status) -> Result<(), SeedError> {
        if self.status != state {
            return Err(SeedError(format!(
                "{} is seeded as {state} but its audit trail leads to {}",
                self.stream, self.status
            )));
        }
        rows.audit.extend(self.events);
        Ok(())
    }
}
