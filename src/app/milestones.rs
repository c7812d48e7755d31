//! A trial's review milestones: the assigned inspector adds, reschedules and waives them; the
//! author reports on them and the inspector accepts a report or asks for a revision. Each change
//! goes through [`Tx`] (case held; permission, state, version, then input) with its audit event
//! and emails.

use serde_json::json;

use super::case_mail::To;
use super::cases::CaseView;
use super::conditions::trial_in_operation;
use super::input::monitoring::{MilestoneChange, NewMilestoneInput, Review};
use super::input::Parsed;
use super::tx::{self, conflict, Expected, Tx};
use super::AppContext;
use crate::db::cases::{self as repo, NewMilestone};
use crate::db::models::{Application, Milestone};
use crate::db::monitoring::{self as monitoring_repo, MilestoneFields};
use crate::domain::case::Status;
use crate::domain::monitoring::{milestone_transition, MilestoneEvent, MilestoneStatus};
use crate::domain::policy::{Actor, CaseRequest};
use crate::error::{AppError, AppResult};

pub const NO_SUCH_MILESTONE: &str = "no such milestone";

fn find(tx: &mut Tx<'_>, id: i64) -> AppResult<Milestone> {
    repo::find_milestone(tx.c, id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_MILESTONE.into()))
}

/// Holds the milestone's case for `request` and reads the milestone again under that hold.
fn held(tx: &mut Tx<'_>, id: i64, request: CaseRequest) -> AppResult<(Milestone, Application)> {
    let case_id = find(tx, id)?.application_id;
    let app = tx.case_as(case_id, request, NO_SUCH_MILESTONE)?;
    Ok((find(tx, id)?, app))
}

fn step(current: MilestoneStatus, event: MilestoneEvent) -> AppResult<MilestoneStatus> {
    milestone_transition(current, event).map_err(|e| conflict(e.to_string(), current.as_str()))
}

pub async fn add(
    ctx: &AppContext,
    actor: &Actor,
    case_id: i64,
    input: Parsed<NewMilestoneInput>,
) -> AppResult<Milestone> {
    tx::write(ctx, actor, move |tx| {
        let app = tx.case(case_id, CaseRequest::Monitor)?;
        trial_in_operation(&app)?;
        let NewMilestoneInput { kind, title, due_on } = input?;
        if due_on < tx.today() {
            return Err(AppError::validation("due_on", "must not be in the past"));
        }
        let m = repo::insert_milestone(
            tx.c,
            &NewMilestone {
                application_id: app.id,
                kind,
                title: title.clone(),
                due_on,
                status: MilestoneStatus::Scheduled,
                version: 1,
                created_at: tx.now,
                updated_at: tx.now,
            },
        )?;
        let details = json!({ "milestone_id": m.id, "title": title, "due_on": due_on });
        tx.record(&app, "milestone.added", None, Some("scheduled"), details, true)?;
        Ok(m)
    })
    .await
}

pub async fn reschedule(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<MilestoneChange>,
) -> AppResult<Milestone> {
    tx::write(ctx, actor, move |tx| {
        let (m, app) = held(tx, id, CaseRequest::Monitor)?;
        trial_in_operation(&app)?;
        let status = m.status;
        if !status.is_open() {
            return Err(conflict(format!("a milestone that is {status} cannot be changed"), status.as_str()));
        }
        expected.check(m.version)?;
        let MilestoneChange { title, due_on } = input?;
        if let Some(d) = due_on {
            if d < tx.today() && d != m.due_on {
                return Err(AppError::validation("due_on", "must not be in the past"));
            }
        }
        let fields = MilestoneFields { title: title.unwrap_or(m.title.clone()), due_on: due_on.unwrap_or(m.due_on) };
        if !monitoring_repo::update_milestone_fields(tx.c, id, m.version, &fields, tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: m.version + 1 });
        }
        let details =
            json!({ "milestone_id": id, "title": fields.title, "due_on": fields.due_on, "previous_due_on": m.due_on });
        tx.record(&app, "milestone.rescheduled", Some(status.as_str()), Some(status.as_str()), details, true)?;
        find(tx, id)
    })
    .await
}

pub async fn waive(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    reasons: Parsed<String>,
) -> AppResult<Milestone> {
    tx::write(ctx, actor, move |tx| {
        let (m, app) = held(tx, id, CaseRequest::Monitor)?;
        trial_in_operation(&app)?;
        let next = step(m.status, MilestoneEvent::Waive)?;
        expected.check(m.version)?;
        let reasons = reasons?;
        if !repo::update_milestone(tx.c, id, m.version, next, None, Some((&reasons, tx.now)), tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: m.version + 1 });
        }
        let details = json!({ "milestone_id": id, "reasons": reasons });
        tx.record(&app, "milestone.waived", Some(m.status.as_str()), Some(next.as_str()), details, true)?;
        let headline = format!("Milestone waived: {}", m.title);
        tx.mail_keyed(&app, "milestone_waived", &id.to_string(), &[To::Author], &headline, &reasons)?;
        find(tx, id)
    })
    .await
}

/// Reports and reviews happen while the trial is active or suspended.
fn reportable(app: &Application) -> AppResult<()> {
    let s = app.status;
    if matches!(s, Status::Active | Status::Suspended) {
        Ok(())
    } else {
        Err(conflict(
            format!("milestones can be reported and reviewed while the trial is active or suspended; it is {s}"),
            s.as_str(),
        ))
    }
}

/// The author reports on a milestone (or resubmits after a revision request).
pub async fn report(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    report: Parsed<String>,
) -> AppResult<CaseView> {
    tx::write(ctx, actor, move |tx| {
        let (m, app) = held(tx, id, CaseRequest::ReportMilestone)?;
        reportable(&app)?;
        let next = step(m.status, MilestoneEvent::SubmitReport)?;
        expected.check(m.version)?;
        let text = report?;
        if !repo::update_milestone(tx.c, m.id, m.version, next, Some((&text, tx.now)), None, tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: m.version + 1 });
        }
        let details = json!({ "milestone_id": m.id, "title": m.title, "text": text });
        tx.record(&app, "milestone.submit_report", Some(m.status.as_str()), Some(next.as_str()), details, true)?;
        let key = format!("{}:{}", m.id, m.version);
        let headline = format!("A report has been submitted: {}", m.title);
        tx.mail_keyed(&app, "milestone_reported", &key, &[To::AssignedInspector], &headline, &text)?;
        tx.case_view(app)
    })
    .await
}

/// The assigned inspector accepts a report or asks for a revision.
pub async fn review(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    review: Parsed<Review>,
) -> AppResult<CaseView> {
    tx::write(ctx, actor, move |tx| {
        let (m, app) = held(tx, id, CaseRequest::ReviewMilestone)?;
        reportable(&app)?;
        let accept = review.as_ref().map(|r| r.accept).unwrap_or(true);
        let event = if accept { MilestoneEvent::Accept } else { MilestoneEvent::RequestRevision };
        let next = step(m.status, event)?;
        expected.check(m.version)?;
        let Review { note, .. } = review?;
        if !repo::update_milestone(tx.c, m.id, m.version, next, None, Some((&note, tx.now)), tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: m.version + 1 });
        }
        let details = json!({ "milestone_id": m.id, "title": m.title, "text": note });
        let action = format!("milestone.{}", event.as_str());
        tx.record(&app, &action, Some(m.status.as_str()), Some(next.as_str()), details, true)?;
        let key = format!("{}:{}", m.id, m.version);
        let headline = if next == MilestoneStatus::Accepted {
            format!("Your report has been accepted: {}", m.title)
        } else {
            format!("Please revise your report: {}", m.title)
        };
        tx.mail_keyed(&app, "milestone_reviewed", &key, &[To::Author], &headline, &note)?;
        tx.case_view(app)
    })
    .await
}
