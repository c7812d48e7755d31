//! The one shape of a change to a case, shared by every use-case that writes one: in a single
//! write transaction, load the case and hold it (the row is locked on PostgreSQL), ask the policy
//! once, check the state (`409`) and the version the client read (`428`/`412`), then the parsed
//! input (`422`), write, append the audit event and queue the emails. Because the case is held
//! from the first read, concurrent writers on one case take turns: each sees the other's result,
//! and the case's audit chain grows one link at a time.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::case_mail::{notify, To};
use super::AppContext;
use crate::config::Settings;
use crate::db::cases as repo;
use crate::db::models::Application;
use crate::db::{audit, DbConn};
use crate::domain::case::{transition, CaseAction, Facts, Status};
use crate::domain::clock::clock_runs;
use crate::domain::policy::{authorize_case, Actor, CaseFacts, CaseRequest};
use crate::email::Mailer;
use crate::error::{AppError, AppResult};

/// The version a change was based on, as the client sent it (`If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Nothing sent: the change is refused with `428`.
    Missing,
    /// The version read.
    Version(i64),
    /// A well-formed tag that names no version of ours: it never matches (`412`).
    Unmatchable,
}

impl Expected {
    /// `428` when nothing was sent, `412` when the record has moved on since it was read.
    pub fn check(self, current: i64) -> AppResult<()> {
        match self {
            Expected::Missing => Err(AppError::PreconditionRequired),
            Expected::Version(v) if v == current => Ok(()),
            _ => Err(AppError::PreconditionFailed { current_version: current }),
        }
    }
}

/// The case's audit stream.
pub fn case_stream(id: i64) -> String {
    format!("application:{id}")
}

pub fn facts_of(app: &Application) -> CaseFacts {
    CaseFacts { author_id: app.author_id, assigned_inspector_id: app.assigned_inspector_id, status: app.status }
}

fn describe(request: CaseRequest) -> String {
    match request {
        CaseRequest::Act(a) => a.as_str().replace('_', " ") + " this application",
        CaseRequest::Read => "read this application".into(),
        CaseRequest::ReadHistory => "read this application's history".into(),
        CaseRequest::ReportMilestone => "report on this trial's milestones".into(),
        CaseRequest::ReviewMilestone => "review this trial's milestones".into(),
        CaseRequest::Monitor => "monitor this trial".into(),
        CaseRequest::SubmitEvidence => "submit evidence for this trial".into(),
        CaseRequest::Observe => "post on this trial".into(),
        CaseRequest::Reply => "reply on this trial".into(),
        CaseRequest::Moderate => "moderate observations".into(),
        CaseRequest::ReadPublicTrial => "read this trial".into(),
        CaseRequest::PublishDocument => "publish this case's files".into(),
        CaseRequest::Report => "report observations on this trial".into(),
    }
}

/// Asks the policy whether `actor` may make `request` on `app`. Those who may not know the case
/// exists are told `missing` (a 404 in the record's own words).
pub fn authorize(actor: &Actor, request: CaseRequest, app: &Application, missing: &'static str) -> AppResult<()> {
    authorize_case(Some(actor), request, &facts_of(app)).map_err(|r| match AppError::refused(r, &describe(request)) {
        AppError::NotFound(_) => AppError::NotFound(missing.into()),
        other => other,
    })
}

pub const NO_SUCH_APPLICATION: &str = "no such application";

/// The pieces a change needs inside its transaction.
pub struct Tx<'a> {
    pub c: &'a mut DbConn,
    pub actor: Actor,
    pub mailer: &'a Mailer,
    pub settings: &'a Settings,
    pub now: NaiveDateTime,
}

impl Tx<'_> {
    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// Loads and holds the case, then asks the policy (`404`/`403`).
    pub fn case(&mut self, id: i64, request: CaseRequest) -> AppResult<Application> {
        self.case_as(id, request, NO_SUCH_APPLICATION)
    }

    /// As [`Tx::case`], for a request made through one of the case's records (a condition, a
    /// milestone, an observation): refusals of those who may not know it say `missing`.
    pub fn case_as(&mut self, id: i64, request: CaseRequest, missing: &'static str) -> AppResult<Application> {
        let app = repo::lock_application(self.c, id)?.ok_or_else(|| AppError::NotFound(missing.into()))?;
        authorize(&self.actor, request, &app, missing)?;
        Ok(app)
    }

    /// Loads and holds the case for a lifecycle `action`, checking in the documented order:
    /// permission, then the state (`409` naming what is allowed now), then the version.
    pub fn open(
        &mut self,
        id: i64,
        action: CaseAction,
        facts: Facts,
        expected: Expected,
    ) -> AppResult<(Application, Status, Status)> {
        let app = self.case(id, CaseRequest::Act(action))?;
        let from = app.status;
        // The state an answer returns to is the case's own.
        let to = next_status(from, action, Facts { resume: app.resume_status, ..facts })?;
        expected.check(app.version)?;
        Ok((app, from, to))
    }

    /// Saves the case at the version it was read (its version goes up by one).
    pub fn save(&mut self, app: &mut Application) -> AppResult<()> {
        let read_at = app.version;
        if !repo::save_application(self.c, app, read_at, self.now)? {
            return Err(AppError::PreconditionFailed { current_version: read_at + 1 });
        }
        Ok(())
    }

    /// Moves the case to `to`, saves it and appends the transition's audit event.
    pub fn finish(
        &mut self,
        mut app: Application,
        from: Status,
        to: Status,
        action: &str,
        details: serde_json::Value,
    ) -> AppResult<Application> {
        app.status = to;
        if clock_runs(from) || clock_runs(to) {
            let rules = super::cases::ClockRules::new(self.settings, self.today());
            let requests = repo::information_requests(self.c, app.id)?;
            app.target_decision_on = super::cases::kept_target(&app, &requests, &rules);
        }
        self.save(&mut app)?;
        self.record(&app, action, Some(from.as_str()), Some(to.as_str()), details, true)?;
        Ok(app)
    }

    /// Appends an event to the case's audit chain. `public` events are shown to the author.
    pub fn record(
        &mut self,
        app: &Application,
        action: &str,
        from: Option<&str>,
        to: Option<&str>,
        details: serde_json::Value,
        public: bool,
    ) -> AppResult<()> {
        audit::append(
            self.c,
            audit::Entry {
                stream: case_stream(app.id),
                actor_user_id: Some(self.actor.user_id),
                action,
                from_status: from,
                to_status: to,
                details,
                public,
                at: self.now,
            },
        )?;
        // Whatever the change was, what awaits review may have changed with it.
        repo::refresh_needs_review(self.c, app.id, app.id)?;
        Ok(())
    }

    /// Queues an event's emails, once per `key` (the case's version by default).
    pub fn mail_keyed(
        &mut self,
        app: &Application,
        event: &str,
        key: &str,
        to: &[To],
        headline: &str,
        message: &str,
    ) -> AppResult<()> {
        notify(self.c, self.mailer, app, event, key, to, headline, message, None, self.now)?;
        Ok(())
    }

    /// As [`Tx::mail`], with `extra` added to the email's context (see [`notify`]).
    pub fn mail_with(
        &mut self,
        app: &Application,
        event: &str,
        to: &[To],
        headline: &str,
        message: &str,
        extra: serde_json::Value,
    ) -> AppResult<()> {
        let key = app.version.to_string();
        notify(self.c, self.mailer, app, event, &key, to, headline, message, Some(&extra), self.now)?;
        Ok(())
    }

    /// Queues a transition's emails (one delivery per case version).
    pub fn mail(&mut self, app: &Application, event: &str, to: &[To], headline: &str, message: &str) -> AppResult<()> {
        self.mail_keyed(app, event, &app.version.to_string(), to, headline, message)
    }
}

/// The next status, or a `409` naming the current state and what is allowed now.
pub fn next_status(from: Status, action: CaseAction, facts: Facts) -> AppResult<Status> {
    transition(from, action, facts).map_err(|e| AppError::Conflict {
        detail: e.to_string(),
        errors: Vec::new(),
        extra: Some(json!({
            "current_status": e.current,
            "allowed_actions": e.allowed,
        })),
    })
}

/// A `409` for a record that is not in a state that allows the change.
pub fn conflict(detail: String, current: &str) -> AppError {
    AppError::Conflict { detail, errors: Vec::new(), extra: Some(json!({ "current_status": current })) }
}

/// Runs `f` in one write transaction with the request's actor and clock.
pub async fn write<T, F>(ctx: &AppContext, actor: &Actor, f: F) -> AppResult<T>
where
    F: FnOnce(&mut Tx<'_>) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let now = ctx.now();
    let actor = *actor;
    let mailer = ctx.mailer.clone();
    let settings = ctx.settings.clone();
    ctx.db
        .write(move |c| {
            let mut tx = Tx { c, actor, mailer: &mailer, settings: &settings, now };
            f(&mut tx)
        })
        .await
}
