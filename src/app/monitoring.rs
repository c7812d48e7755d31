//! Trials in operation: the assigned inspector manages conditions and the milestone schedule,
//! the innovator submits evidence, and the inspector verifies, rejects, marks breached or waives.
//! Every change is one transaction with its audit event (in the case's chain) and its emails.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::case_mail::{notify, To};
use super::cases::{load_for, status_of};
use super::AppContext;
use crate::db::cases::{self as case_repo, NewCondition, NewMilestone};
use crate::db::models::{Application, Condition, Evidence, Milestone};
use crate::db::monitoring::{self as repo, ConditionFields, MilestoneFields, NewEvidence};
use crate::db::{audit, DbConn};
use crate::domain::application::ConditionInput;
use crate::domain::case::Status;
use crate::domain::monitoring::{
    condition_transition, milestone_transition, ConditionEvent, ConditionStatus, MilestoneEvent, MilestoneKind,
    MilestoneStatus,
};
use crate::domain::policy::{Actor, CaseRequest};
use crate::error::{AppError, AppResult};

/// A condition with its evidence, newest first.
#[derive(Debug, Clone)]
pub struct ConditionView {
    pub condition: Condition,
    pub evidence: Vec<Evidence>,
}

fn conflict(detail: String, current: &str) -> AppError {
    AppError::Conflict { detail, errors: Vec::new(), extra: Some(json!({ "current_status": current })) }
}

fn stale(current_version: i64) -> AppError {
    AppError::PreconditionFailed { current_version }
}

#[allow(clippy::too_many_arguments)]
fn record(
    c: &mut DbConn,
    app: &Application,
    actor: i64,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
    details: serde_json::Value,
    now: NaiveDateTime,
) -> AppResult<()> {
    audit::append(
        c,
        audit::Entry {
            stream: super::cases::case_stream(app.id),
            actor_user_id: Some(actor),
            action,
            from_status: from,
            to_status: to,
            details,
            public: true,
            at: now,
        },
    )?;
    Ok(())
}

/// Conditions can be set from screening until the trial ends.
fn conditions_editable(app: &Application) -> AppResult<()> {
    let s = status_of(app);
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

fn trial_in_operation(app: &Application) -> AppResult<()> {
    let s = status_of(app);
    if matches!(s, Status::Approved | Status::Active | Status::Suspended) {
        Ok(())
    } else {
        Err(conflict(
            format!("this can be done while the trial is approved, active or suspended; it is {s}"),
            s.as_str(),
        ))
    }
}

/// Loads a condition and its case, checking who may do `request` with it.
fn load_condition(c: &mut DbConn, actor: &Actor, id: i64, request: CaseRequest) -> AppResult<(Condition, Application)> {
    let condition = repo::find_condition(c, id)?.ok_or_else(|| AppError::NotFound("no such condition".into()))?;
    let app = load_for(c, actor, condition.application_id, request).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("no such condition".into()),
        other => other,
    })?;
    Ok((condition, app))
}

fn condition_view(c: &mut DbConn, id: i64) -> AppResult<ConditionView> {
    let condition = repo::find_condition(c, id)?.ok_or_else(|| AppError::NotFound("no such condition".into()))?;
    let evidence = repo::evidence_for(c, id)?;
    Ok(ConditionView { condition, evidence })
}

pub async fn list_conditions(ctx: &AppContext, actor: &Actor, case_id: i64) -> AppResult<Vec<ConditionView>> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = match load_for(c, &actor, case_id, CaseRequest::Read) {
                Ok(app) => app,
                Err(_) => load_for(c, &actor, case_id, CaseRequest::ReadPublicTrial)?,
            };
            let mut out = Vec::new();
            for cond in case_repo::conditions(c, app.id)? {
                let evidence = repo::evidence_for(c, cond.id)?;
                out.push(ConditionView { condition: cond, evidence });
            }
            Ok(out)
        })
        .await
}

pub async fn add_condition(
    ctx: &AppContext,
    actor: &Actor,
    case_id: i64,
    input: ConditionInput,
) -> AppResult<ConditionView> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let app = load_for(c, &actor, case_id, CaseRequest::Monitor)?;
            conditions_editable(&app)?;
            let cond = case_repo::insert_condition(
                c,
                &NewCondition {
                    application_id: app.id,
                    category: input.category.as_str().into(),
                    description: input.description.clone(),
                    metric: input.metric.clone(),
                    target_value: input.target_value,
                    unit: input.unit.clone(),
                    due_on: input.due_on,
                    status: ConditionStatus::Pending.as_str().into(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            record(
                c,
                &app,
                actor.user_id,
                "condition.added",
                None,
                Some("pending"),
                json!({ "condition_id": cond.id, "description": cond.description }),
                now,
            )?;
            if status_of(&app).is_public_trial() {
                notify(
                    c,
                    &mailer,
                    &app,
                    "condition_added",
                    &cond.id.to_string(),
                    &[To::Author],
                    "A condition has been added to your trial",
                    &cond.description,
                    now,
                )?;
            }
            condition_view(c, cond.id)
        })
        .await
}

pub async fn update_condition(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    input: ConditionInput,
) -> AppResult<ConditionView> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::Monitor)?;
            conditions_editable(&app)?;
            let status: ConditionStatus = cond.status.parse().unwrap_or(ConditionStatus::Pending);
            if !status.is_open() {
                return Err(conflict(format!("a condition that is {status} cannot be changed"), status.as_str()));
            }
            if cond.version != version {
                return Err(stale(cond.version));
            }
            let fields = ConditionFields {
                category: input.category.as_str().into(),
                description: input.description.clone(),
                metric: input.metric.clone(),
                target_value: input.target_value,
                unit: input.unit.clone(),
                due_on: input.due_on,
            };
            if !repo::update_condition(c, id, version, &fields, now)? {
                return Err(stale(version + 1));
            }
            record(c, &app, actor.user_id, "condition.amended", Some(status.as_str()), Some(status.as_str()),
                json!({ "condition_id": id, "description": fields.description, "target_value": fields.target_value, "due_on": fields.due_on }), now)?;
            condition_view(c, id)
        })
        .await
}

pub async fn remove_condition(ctx: &AppContext, actor: &Actor, id: i64, version: i64) -> AppResult<()> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::Monitor)?;
            conditions_editable(&app)?;
            if cond.version != version {
                return Err(stale(cond.version));
            }
            if !repo::evidence_for(c, id)?.is_empty() {
                return Err(conflict(
                    "a condition with evidence cannot be removed; waive it instead".into(),
                    &cond.status,
                ));
            }
            if status_of(&app).is_public_trial() && case_repo::conditions(c, app.id)?.len() <= 1 {
                return Err(conflict("an approved trial keeps at least one condition".into(), &cond.status));
            }
            if !repo::delete_condition(c, id, version)? {
                return Err(stale(version + 1));
            }
            record(
                c,
                &app,
                actor.user_id,
                "condition.removed",
                Some(&cond.status),
                None,
                json!({ "condition_id": id, "description": cond.description }),
                now,
            )?;
            Ok(())
        })
        .await
}

/// Evidence as the innovator sends it.
#[derive(Debug, Clone)]
pub struct EvidenceInput {
    pub body: String,
    pub reported_value: Option<f64>,
    pub file: Option<EvidenceFile>,
}

#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub sha256: String,
}

pub async fn submit_evidence(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    input: EvidenceInput,
) -> AppResult<ConditionView> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::SubmitEvidence)?;
            trial_in_operation(&app)?;
            let status: ConditionStatus = cond.status.parse().unwrap_or(ConditionStatus::Pending);
            let next = condition_transition(status, ConditionEvent::SubmitEvidence)
                .map_err(|e| conflict(e.to_string(), status.as_str()))?;
            let file = input.file.as_ref();
            let ev = repo::insert_evidence(
                c,
                &NewEvidence {
                    application_id: app.id,
                    condition_id: id,
                    submitted_by: actor.user_id,
                    body: input.body.clone(),
                    reported_value: input.reported_value,
                    file_name: file.map(|f| f.name.clone()),
                    file_type: file.map(|f| f.content_type.clone()),
                    file_size: file.map(|f| f.data.len() as i64),
                    file_sha256: file.map(|f| f.sha256.clone()),
                    outcome: "pending".into(),
                    created_at: now,
                },
                file.map(|f| f.data.as_slice()),
            )?;
            if !repo::set_condition_status(c, id, cond.version, next.as_str(), None, now)? {
                return Err(stale(cond.version + 1));
            }
            record(c, &app, actor.user_id, "condition.evidence_submitted", Some(status.as_str()), Some(next.as_str()),
                json!({ "condition_id": id, "evidence_id": ev.id, "reported_value": ev.reported_value, "file": ev.file_name, "sha256": ev.file_sha256 }), now)?;
            notify(c, &mailer, &app, "evidence_submitted", &ev.id.to_string(), &[To::AssignedInspector],
                &format!("Evidence submitted: {}", cond.description), &input.body, now)?;
            condition_view(c, id)
        })
        .await
}

/// The inspector's verdict on the latest evidence: met, or rejected back to pending with feedback.
pub async fn verify(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    met: bool,
    note: String,
) -> AppResult<ConditionView> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::Monitor)?;
            trial_in_operation(&app)?;
            let status: ConditionStatus = cond.status.parse().unwrap_or(ConditionStatus::Pending);
            let event = if met { ConditionEvent::Verify } else { ConditionEvent::RejectEvidence };
            let next = condition_transition(status, event).map_err(|e| conflict(e.to_string(), status.as_str()))?;
            if cond.version != version {
                return Err(stale(cond.version));
            }
            let latest = repo::evidence_for(c, id)?
                .into_iter()
                .next()
                .ok_or_else(|| conflict("there is no evidence to review".into(), status.as_str()))?;
            repo::review_evidence(c, latest.id, if met { "verified" } else { "rejected" }, &note, actor.user_id, now)?;
            if !repo::set_condition_status(c, id, version, next.as_str(), Some(&note), now)? {
                return Err(stale(version + 1));
            }
            let action = if met { "condition.met" } else { "condition.evidence_rejected" };
            record(
                c,
                &app,
                actor.user_id,
                action,
                Some(status.as_str()),
                Some(next.as_str()),
                json!({ "condition_id": id, "evidence_id": latest.id, "note": note }),
                now,
            )?;
            let (event, headline) = if met {
                ("condition_met", format!("Condition met: {}", cond.description))
            } else {
                ("evidence_rejected", format!("Evidence not accepted: {}", cond.description))
            };
            notify(c, &mailer, &app, event, &latest.id.to_string(), &[To::Author], &headline, &note, now)?;
            condition_view(c, id)
        })
        .await
}

/// Marks an open condition breached (notifying followers) or waived. Reasons required.
pub async fn close_condition(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    breach: bool,
    reasons: String,
) -> AppResult<ConditionView> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::Monitor)?;
            trial_in_operation(&app)?;
            let status: ConditionStatus = cond.status.parse().unwrap_or(ConditionStatus::Pending);
            let event = if breach { ConditionEvent::Breach } else { ConditionEvent::Waive };
            let next = condition_transition(status, event).map_err(|e| conflict(e.to_string(), status.as_str()))?;
            if cond.version != version {
                return Err(stale(cond.version));
            }
            if reasons.trim().is_empty() {
                return Err(AppError::validation("reasons", "is required"));
            }
            if !repo::set_condition_status(c, id, version, next.as_str(), Some(&reasons), now)? {
                return Err(stale(version + 1));
            }
            let action = if breach { "condition.breached" } else { "condition.waived" };
            record(
                c,
                &app,
                actor.user_id,
                action,
                Some(status.as_str()),
                Some(next.as_str()),
                json!({ "condition_id": id, "reasons": reasons }),
                now,
            )?;
            if breach {
                notify(
                    c,
                    &mailer,
                    &app,
                    "condition_breached",
                    &id.to_string(),
                    &[To::Author, To::Followers],
                    &format!("Condition breached: {}", cond.description),
                    &reasons,
                    now,
                )?;
            } else {
                notify(
                    c,
                    &mailer,
                    &app,
                    "condition_waived",
                    &id.to_string(),
                    &[To::Author],
                    &format!("Condition waived: {}", cond.description),
                    &reasons,
                    now,
                )?;
            }
            condition_view(c, id)
        })
        .await
}

fn load_milestone(c: &mut DbConn, actor: &Actor, id: i64) -> AppResult<(Milestone, Application)> {
    let m = case_repo::find_milestone(c, id)?.ok_or_else(|| AppError::NotFound("no such milestone".into()))?;
    let app = load_for(c, actor, m.application_id, CaseRequest::Monitor).map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("no such milestone".into()),
        other => other,
    })?;
    Ok((m, app))
}

pub async fn add_milestone(
    ctx: &AppContext,
    actor: &Actor,
    case_id: i64,
    kind: MilestoneKind,
    title: String,
    due_on: NaiveDate,
) -> AppResult<Milestone> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let app = load_for(c, &actor, case_id, CaseRequest::Monitor)?;
            trial_in_operation(&app)?;
            if due_on < now.date() {
                return Err(AppError::validation("due_on", "must not be in the past"));
            }
            let m = case_repo::insert_milestone(
                c,
                &NewMilestone {
                    application_id: app.id,
                    kind: kind.as_str().into(),
                    title: title.clone(),
                    due_on,
                    status: MilestoneStatus::Scheduled.as_str().into(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            record(
                c,
                &app,
                actor.user_id,
                "milestone.added",
                None,
                Some("scheduled"),
                json!({ "milestone_id": m.id, "title": title, "due_on": due_on }),
                now,
            )?;
            Ok(m)
        })
        .await
}

pub async fn reschedule_milestone(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    title: Option<String>,
    due_on: Option<NaiveDate>,
) -> AppResult<Milestone> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let (m, app) = load_milestone(c, &actor, id)?;
            trial_in_operation(&app)?;
            let status: MilestoneStatus = m.status.parse().unwrap_or(MilestoneStatus::Scheduled);
            if !status.is_open() {
                return Err(conflict(format!("a milestone that is {status} cannot be changed"), status.as_str()));
            }
            if m.version != version {
                return Err(stale(m.version));
            }
            if let Some(d) = due_on {
                if d < now.date() && Some(d) != Some(m.due_on) {
                    return Err(AppError::validation("due_on", "must not be in the past"));
                }
            }
            let fields = MilestoneFields { title: title.unwrap_or(m.title.clone()), due_on: due_on.unwrap_or(m.due_on) };
            if !repo::update_milestone_fields(c, id, version, &fields, now)? {
                return Err(stale(version + 1));
            }
            record(c, &app, actor.user_id, "milestone.rescheduled", Some(status.as_str()), Some(status.as_str()),
                json!({ "milestone_id": id, "title": fields.title, "due_on": fields.due_on, "previous_due_on": m.due_on }), now)?;
            case_repo::find_milestone(c, id)?.ok_or_else(|| AppError::NotFound("no such milestone".into()))
        })
        .await
}

pub async fn waive_milestone(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    reasons: String,
) -> AppResult<Milestone> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let (m, app) = load_milestone(c, &actor, id)?;
            trial_in_operation(&app)?;
            let status: MilestoneStatus = m.status.parse().unwrap_or(MilestoneStatus::Scheduled);
            let next = milestone_transition(status, MilestoneEvent::Waive)
                .map_err(|e| conflict(e.to_string(), status.as_str()))?;
            if m.version != version {
                return Err(stale(m.version));
            }
            if reasons.trim().is_empty() {
                return Err(AppError::validation("reasons", "is required"));
            }
            if !case_repo::update_milestone(c, id, version, next.as_str(), None, Some((&reasons, now)), now)? {
                return Err(stale(version + 1));
            }
            record(
                c,
                &app,
                actor.user_id,
                "milestone.waived",
                Some(status.as_str()),
                Some(next.as_str()),
                json!({ "milestone_id": id, "reasons": reasons }),
                now,
            )?;
            notify(
                c,
                &mailer,
                &app,
                "milestone_waived",
                &id.to_string(),
                &[To::Author],
                &format!("Milestone waived: {}", m.title),
                &reasons,
                now,
            )?;
            case_repo::find_milestone(c, id)?.ok_or_else(|| AppError::NotFound("no such milestone".into()))
        })
        .await
}

/// Who may submit evidence, and whether the condition takes it now, checked before an upload is read.
pub async fn precheck_evidence(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<()> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let (cond, app) = load_condition(c, &actor, id, CaseRequest::SubmitEvidence)?;
            trial_in_operation(&app)?;
            let status: ConditionStatus = cond.status.parse().unwrap_or(ConditionStatus::Pending);
            condition_transition(status, ConditionEvent::SubmitEvidence)
                .map_err(|e| conflict(e.to_string(), status.as_str()))?;
            Ok(())
        })
        .await
}

/// Whether the actor may see a condition: the case's full record, or a public trial.
fn can_read_condition(c: &mut DbConn, actor: &Actor, id: i64) -> AppResult<(Condition, Application)> {
    load_condition(c, actor, id, CaseRequest::Read)
        .or_else(|_| load_condition(c, actor, id, CaseRequest::ReadPublicTrial))
}

pub async fn precheck_read_condition(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<()> {
    let actor = *actor;
    ctx.db.run(move |c| can_read_condition(c, &actor, id).map(|_| ())).await
}

/// An evidence file and its metadata, for anyone who may see its condition.
pub async fn evidence_file(ctx: &AppContext, actor: &Actor, evidence_id: i64) -> AppResult<(Evidence, Vec<u8>)> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let not_found = || AppError::NotFound("no such file".into());
            let e = repo::find_evidence(c, evidence_id)?.ok_or_else(not_found)?;
            can_read_condition(c, &actor, e.condition_id).map_err(|_| not_found())?;
            let data = repo::evidence_file(c, e.id)?.ok_or_else(not_found)?;
            Ok((e, data))
        })
        .await
}
