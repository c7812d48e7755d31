//! Community-benefit conditions of a trial: the assigned inspector sets and amends them, the
//! innovator submits evidence, and the inspector verifies or rejects it, or marks the condition
//! breached or waived. Every change goes through [`Tx`]: the case is held, then permission, state,
//! version and input are checked in that order; the audit event (in the case's chain) and the
//! emails are written with the change.

use chrono::NaiveDate;
use serde_json::json;

use super::case_mail::To;
use super::input::monitoring::{EvidenceText, Verification};
use super::input::Parsed;
use super::tx::{self, conflict, Expected, Tx};
use super::AppContext;
use crate::db::cases::{self as case_repo, NewCondition};
use crate::db::models::{Application, Condition, Evidence};
use crate::db::monitoring::{self as repo, ConditionFields, NewEvidence};
use crate::db::DbConn;
use crate::domain::application::ConditionInput;
use crate::domain::case::Status;
use crate::domain::monitoring::{condition_transition, ConditionEvent, ConditionStatus, EvidenceOutcome};
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

pub const NO_SUCH_CONDITION: &str = "no such condition";

/// A condition with its evidence, newest first.
#[derive(Debug, Clone)]
pub struct ConditionView {
    pub condition: Condition,
    pub evidence: Vec<Evidence>,
}

/// An evidence file as uploaded, already checked for size and type.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub sha256: String,
}

/// Conditions can be set from screening until the trial ends.
fn conditions_editable(app: &Application) -> AppResult<()> {
    let s = app.status;
    if matches!(
        s,
        Status::Screening
            | Status::InformationRequested
            | Status::Assessment
            | Status::Approved
            | Status::Active
            | Status::Suspended
    ) {
        Ok(())
    } else {
        Err(conflict(format!("conditions cannot be changed when the application is {s}"), s.as_str()))
    }
}

/// A 422 naming `due_on` when a condition cannot be due then (see
/// [`crate::domain::monitoring::condition_due_problem`]).
fn due_date_fits(app: &Application, due_on: NaiveDate, today: NaiveDate, current: Option<NaiveDate>) -> AppResult<()> {
    match crate::domain::monitoring::condition_due_problem(due_on, app.trial_start_date, today, current) {
        Some(problem) => {
            let mut e = FieldErrors::new();
            e.add("due_on", problem);
            Err(e.into())
        }
        None => Ok(()),
    }
}

/// Evidence and its review happen while the trial is approved, active or suspended.
pub fn trial_in_operation(app: &Application) -> AppResult<()> {
    let s = app.status;
    if matches!(s, Status::Approved | Status::Active | Status::Suspended) {
        Ok(())
    } else {
        Err(conflict(
            format!("this can be done while the trial is approved, active or suspended; it is {s}"),
            s.as_str(),
        ))
    }
}

fn find(c: &mut DbConn, id: i64) -> AppResult<Condition> {
    repo::find_condition(c, id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_CONDITION.into()))
}

/// Holds the condition's case for `request` and reads the condition again under that hold.
fn held(tx: &mut Tx<'_>, id: i64, request: CaseRequest) -> AppResult<(Condition, Application)> {
    let case_id = find(tx.c, id)?.application_id;
    let app = tx.case_as(case_id, request, NO_SUCH_CONDITION)?;
    Ok((find(tx.c, id)?, app))
}

/// Holds the condition's case for `request`, then checks in the documented order: the trial in
/// operation and the condition's lifecycle (`409`), then the version (`428`/`412`) when the change
/// needs one. Returns the condition, its case and the condition's next status.
fn open(
    tx: &mut Tx<'_>,
    id: i64,
    request: CaseRequest,
    event: ConditionEvent,
    expected: Option<Expected>,
) -> AppResult<(Condition, Application, ConditionStatus)> {
    let (cond, app) = held(tx, id, request)?;
    trial_in_operation(&app)?;
    let next = condition_transition(cond.status, event).map_err(|e| conflict(e.to_string(), cond.status.as_str()))?;
    if let Some(expected) = expected {
        expected.check(cond.version)?;
    }
    Ok((cond, app, next))
}

/// Moves the condition to `next` at the version it was read (`412` if it moved meanwhile).
fn set_status(tx: &mut Tx<'_>, cond: &Condition, next: ConditionStatus, reason: Option<&str>) -> AppResult<()> {
    if !repo::set_condition_status(tx.c, cond.id, cond.version, next, reason, tx.now)? {
        return Err(AppError::PreconditionFailed { current_version: cond.version + 1 });
    }
    Ok(())
}

fn view(c: &mut DbConn, id: i64) -> AppResult<ConditionView> {
    let condition = find(c, id)?;
    let evidence = repo::evidence_for(c, id)?;
    Ok(ConditionView { condition, evidence })
}

/// Reads a condition through its case: the full record's readers, or anyone for a public trial.
fn readable(actor: &Actor, app: &Application, missing: &'static str) -> AppResult<()> {
    tx::authorize(actor, CaseRequest::Read, app, missing)
        .or_else(|_| tx::authorize(actor, CaseRequest::ReadPublicTrial, app, missing))
}

pub async fn list(ctx: &AppContext, actor: &Actor, case_id: i64) -> AppResult<Vec<ConditionView>> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = case_repo::find_application(c, case_id)?
                .ok_or_else(|| AppError::NotFound(tx::NO_SUCH_APPLICATION.into()))?;
            readable(&actor, &app, tx::NO_SUCH_APPLICATION)?;
            let conditions = case_repo::conditions(c, app.id)?;
            let evidence = repo::evidence_of_case(c, app.id)?;
            Ok(conditions
                .into_iter()
                .map(|cond| ConditionView {
                    evidence: evidence.iter().filter(|e| e.condition_id == cond.id).cloned().collect(),
                    condition: cond,
                })
                .collect())
        })
        .await
}

/// The condition, when `actor` may see its case (the full record's readers, or anyone for a
/// public trial).
pub(crate) fn readable_condition(c: &mut DbConn, actor: &Actor, id: i64) -> AppResult<Condition> {
    let cond = find(c, id)?;
    let app = case_repo::find_application(c, cond.application_id)?
        .ok_or_else(|| AppError::NotFound(NO_SUCH_CONDITION.into()))?;
    readable(actor, &app, NO_SUCH_CONDITION)?;
    Ok(cond)
}

/// One condition with its evidence, for anyone who may see its case.
pub async fn get(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<ConditionView> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let condition = readable_condition(c, &actor, id)?;
            let evidence = repo::evidence_for(c, id)?;
            Ok(ConditionView { condition, evidence })
        })
        .await
}

pub async fn add(
    ctx: &AppContext,
    actor: &Actor,
    case_id: i64,
    input: Parsed<ConditionInput>,
) -> AppResult<ConditionView> {
    tx::write(ctx, actor, move |tx| {
        let app = tx.case(case_id, CaseRequest::Monitor)?;
        conditions_editable(&app)?;
        let input = input?;
        due_date_fits(&app, input.due_on, tx.now.date(), None)?;
        let cond = case_repo::insert_condition(
            tx.c,
            &NewCondition {
                application_id: app.id,
                category: input.category,
                description: input.description.clone(),
                metric: input.metric.clone(),
                target_value: input.target_value,
                unit: input.unit.clone(),
                due_on: input.due_on,
                status: ConditionStatus::Pending,
                version: 1,
                created_at: tx.now,
                updated_at: tx.now,
            },
        )?;
        let details = json!({ "condition_id": cond.id, "description": cond.description });
        tx.record(&app, "condition.added", None, Some("pending"), details, true)?;
        if app.status.is_public_trial() {
            tx.mail_keyed(
                &app,
                "condition_added",
                &cond.id.to_string(),
                &[To::Author],
                "A condition has been added to your trial",
                &cond.description,
            )?;
        }
        view(tx.c, cond.id)
    })
    .await
}

pub async fn update(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<ConditionInput>,
) -> AppResult<ConditionView> {
    tx::write(ctx, actor, move |tx| {
        let (cond, app) = held(tx, id, CaseRequest::Monitor)?;
        conditions_editable(&app)?;
        let status = cond.status;
        if !status.is_open() {
            return Err(conflict(format!("a condition that is {status} cannot be changed"), status.as_str()));
        }
        expected.check(cond.version)?;
        let input = input?;
        due_date_fits(&app, input.due_on, tx.now.date(), Some(cond.due_on))?;
        let fields = ConditionFields {
            category: input.category,
            description: input.description.clone(),
            metric: input.metric.clone(),
            target_value: input.target_value,
            unit: input.unit.clone(),
            due_on: input.due_on,
        };
        if !repo::update_condition(tx.c, id, cond.version, &fields, tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: cond.version + 1 });
        }
        let details = json!({ "condition_id": id, "description": fields.description, "target_value": fields.target_value, "due_on": fields.due_on });
        tx.record(&app, "condition.amended", Some(status.as_str()), Some(status.as_str()), details, true)?;
        view(tx.c, id)
    })
    .await
}

pub async fn remove(ctx: &AppContext, actor: &Actor, id: i64, expected: Expected) -> AppResult<()> {
    tx::write(ctx, actor, move |tx| {
        let (cond, app) = held(tx, id, CaseRequest::Monitor)?;
        conditions_editable(&app)?;
        if !repo::evidence_for(tx.c, id)?.is_empty() {
            return Err(conflict(
                "a condition with evidence cannot be removed; waive it instead".into(),
                cond.status.as_str(),
            ));
        }
        if app.status.is_public_trial() && case_repo::conditions(tx.c, app.id)?.len() <= 1 {
            return Err(conflict("an approved trial keeps at least one condition".into(), cond.status.as_str()));
        }
        expected.check(cond.version)?;
        if !repo::delete_condition(tx.c, id, cond.version)? {
            return Err(AppError::PreconditionFailed { current_version: cond.version + 1 });
        }
        let details = json!({ "condition_id": id, "description": cond.description });
        tx.record(&app, "condition.removed", Some(cond.status.as_str()), None, details, true)?;
        Ok(())
    })
    .await
}

/// Who may submit evidence, and whether the condition takes it now: checked before an upload is
/// read, so that a refused request costs nothing. The write checks it all again.
pub async fn evidence_allowed(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<()> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let cond = find(c, id)?;
            let app = case_repo::find_application(c, cond.application_id)?
                .ok_or_else(|| AppError::NotFound(NO_SUCH_CONDITION.into()))?;
            tx::authorize(&actor, CaseRequest::SubmitEvidence, &app, NO_SUCH_CONDITION)?;
            trial_in_operation(&app)?;
            condition_transition(cond.status, ConditionEvent::SubmitEvidence)
                .map_err(|e| conflict(e.to_string(), cond.status.as_str()))?;
            Ok(())
        })
        .await
}

pub async fn submit_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    input: Parsed<EvidenceText>,
    file: Option<EvidenceFile>,
) -> AppResult<ConditionView> {
    tx::write(ctx, actor, move |tx| {
        let (cond, app, next) = open(tx, id, CaseRequest::SubmitEvidence, ConditionEvent::SubmitEvidence, None)?;
        let status = cond.status;
        let input = input?;
        let file = file.as_ref();
        let ev = repo::insert_evidence(
            tx.c,
            &NewEvidence {
                application_id: app.id,
                condition_id: id,
                submitted_by: tx.actor.user_id,
                body: input.body.clone(),
                reported_value: input.reported_value,
                file_name: file.map(|f| f.name.clone()),
                file_type: file.map(|f| f.content_type.clone()),
                file_size: file.map(|f| f.data.len() as i64),
                file_sha256: file.map(|f| f.sha256.clone()),
                outcome: EvidenceOutcome::Pending,
                created_at: tx.now,
            },
            file.map(|f| f.data.as_slice()),
        )?;
        set_status(tx, &cond, next, None)?;
        let details = json!({ "condition_id": id, "evidence_id": ev.id, "reported_value": ev.reported_value, "file": ev.file_name, "sha256": ev.file_sha256 });
        tx.record(&app, "condition.evidence_submitted", Some(status.as_str()), Some(next.as_str()), details, true)?;
        tx.mail_keyed(
            &app,
            "evidence_submitted",
            &ev.id.to_string(),
            &[To::AssignedInspector],
            &format!("Evidence submitted: {}", cond.description),
            &input.body,
        )?;
        view(tx.c, id)
    })
    .await
}

/// The inspector's verdict on the latest evidence: met, or rejected back to pending with feedback.
/// A condition is met below its target only with a reason, which is published with it.
pub async fn verify(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<Verification>,
) -> AppResult<ConditionView> {
    tx::write(ctx, actor, move |tx| {
        let met = input.as_ref().map(|v| v.met).unwrap_or(true);
        let event = if met { ConditionEvent::Verify } else { ConditionEvent::RejectEvidence };
        let (cond, app, next) = open(tx, id, CaseRequest::Monitor, event, Some(expected))?;
        let status = cond.status;
        let Verification { met, note, below_target_reason } = input?;
        let latest = repo::evidence_for(tx.c, id)?
            .into_iter()
            .next()
            .ok_or_else(|| conflict("there is no evidence to review".into(), status.as_str()))?;
        let below_target = met && latest.reported_value.is_some_and(|v| v < cond.target_value);
        if below_target && below_target_reason.is_none() {
            return Err(AppError::validation(
                "below_target_reason",
                &format!(
                    "the evidence reports {} against a target of {} {}; give the reason it is met all the same",
                    latest.reported_value.unwrap_or_default(),
                    cond.target_value,
                    cond.unit
                ),
            ));
        }
        let below_target_reason = below_target_reason.filter(|_| below_target);
        let outcome = if met { EvidenceOutcome::Verified } else { EvidenceOutcome::Rejected };
        repo::review_evidence(tx.c, latest.id, outcome, &note, tx.actor.user_id, tx.now)?;
        set_status(tx, &cond, next, Some(below_target_reason.as_deref().unwrap_or(&note)))?;
        let action = if met { "condition.met" } else { "condition.evidence_rejected" };
        let details = json!({
            "condition_id": id, "evidence_id": latest.id, "note": note,
            "reported_value": latest.reported_value, "target_value": cond.target_value,
            "below_target_reason": below_target_reason,
        });
        tx.record(&app, action, Some(status.as_str()), Some(next.as_str()), details, true)?;
        let (event, headline) = if met {
            ("condition_met", format!("Condition met: {}", cond.description))
        } else {
            ("evidence_rejected", format!("Evidence not accepted: {}", cond.description))
        };
        tx.mail_keyed(&app, event, &latest.id.to_string(), &[To::Author], &headline, &note)?;
        view(tx.c, id)
    })
    .await
}

/// Marks an open condition breached (notifying followers) or waived. Reasons required.
pub async fn close(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    breach: bool,
    reasons: Parsed<String>,
) -> AppResult<ConditionView> {
    tx::write(ctx, actor, move |tx| {
        let event = if breach { ConditionEvent::Breach } else { ConditionEvent::Waive };
        let (cond, app, next) = open(tx, id, CaseRequest::Monitor, event, Some(expected))?;
        let status = cond.status;
        let reasons = reasons?;
        set_status(tx, &cond, next, Some(&reasons))?;
        let action = if breach { "condition.breached" } else { "condition.waived" };
        let details = json!({ "condition_id": id, "reasons": reasons });
        tx.record(&app, action, Some(status.as_str()), Some(next.as_str()), details, true)?;
        let key = id.to_string();
        if breach {
            let headline = format!("Condition breached: {}", cond.description);
            tx.mail_keyed(&app, "condition_breached", &key, &[To::Author, To::Followers], &headline, &reasons)?;
        } else {
            let headline = format!("Condition waived: {}", cond.description);
            tx.mail_keyed(&app, "condition_waived", &key, &[To::Author], &headline, &reasons)?;
        }
        view(tx.c, id)
    })
    .await
}

/// An evidence file and its metadata, for anyone who may see its condition.
pub async fn evidence_file(ctx: &AppContext, actor: &Actor, evidence_id: i64) -> AppResult<(Evidence, Vec<u8>)> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let not_found = || AppError::NotFound("no such file".into());
            let e = repo::find_evidence(c, evidence_id)?.ok_or_else(not_found)?;
            let app = case_repo::find_application(c, e.application_id)?.ok_or_else(not_found)?;
            readable(&actor, &app, "no such file")?;
            let data = repo::evidence_file(c, e.id)?.ok_or_else(not_found)?;
            Ok((e, data))
        })
        .await
}
