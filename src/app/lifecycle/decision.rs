//! Screening, information requests and their answers, and the decision: approval with its
//! derogations, conditions and milestones, or refusal.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::{close_pause, run};
use crate::app::case_mail::{approval_details, To};
use crate::app::cases::{load_for, CaseView};
use crate::app::input::decision::{AnswerInput, InformationRequestInput};
use crate::app::input::files::UploadedFile;
use crate::app::input::Parsed;
use crate::app::tx::{next_status, Expected};
use crate::app::AppContext;
use crate::db::cases::{self as repo, NewCondition, NewMilestone};
use crate::db::information::{self, NewAttachment};
use crate::db::models::{Application, InformationRequest};
use crate::db::DbConn;
use crate::domain::application::{check_approval, Approval, ProvisionFacts};
use crate::domain::case::{CaseAction, Facts, Status};
use crate::domain::decision::{AttachmentSide, CriterionOutcome, CriterionResult, Decision};
use crate::domain::monitoring::{ConditionStatus, MilestoneStatus};
use crate::domain::policy::{Actor, CaseRequest};
use crate::email::human_date;
use crate::error::{AppError, AppResult};

pub async fn screen(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    criteria: Parsed<Vec<CriterionResult>>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let all_met = criteria.as_ref().map(|c| c.iter().all(|c| c.met)).unwrap_or(true);
        let facts = Facts { all_criteria_met: all_met, resume: None };
        let (mut app, from, to) = tx.open(id, CaseAction::Screen, facts, expected)?;
        let criteria = criteria?;
        for c in &criteria {
            let outcome = if c.met { CriterionOutcome::Met } else { CriterionOutcome::NotMet };
            repo::insert_screening(tx.c, app.id, c.criterion, outcome, &c.note, tx.actor.user_id, tx.now)?;
        }
        let unmet: Vec<String> = criteria
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{}: {}", c.criterion.as_str().replace('_', " "), c.note))
            .collect();
        if to == Status::Refused {
            app.decision = Some(Decision::Refused);
            app.decision_reasons = Some(format!("The application did not pass screening.\n{}", unmet.join("\n")));
            app.decided_at = Some(tx.now);
            app.closed_at = Some(tx.now);
        }
        let details = json!({
            "criteria": criteria.iter().map(|c| json!({"criterion": c.criterion, "outcome": if c.met {"met"} else {"not_met"}})).collect::<Vec<_>>()
        });
        let app = tx.finish(app, from, to, "application.screened", details)?;
        if to == Status::Refused {
            let reasons = app.decision_reasons.clone().unwrap_or_default();
            tx.mail(&app, "decided", &[To::Author], "Your application has been refused", &reasons)?;
        }
        Ok(app)
    })
    .await
}

/// Whether `actor` may ask for information now, at the version they read: checked before an
/// upload is read, so that a refused request costs nothing. [`request_information`] checks it all
/// again.
pub async fn request_information_allowed(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
) -> AppResult<()> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Act(CaseAction::RequestInformation))?;
            next_status(app.status, CaseAction::RequestInformation, Facts::default())?;
            expected.check(app.version)
        })
        .await
}

pub async fn request_information(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<InformationRequestInput>,
) -> AppResult<CaseView> {
    let holidays = ctx.settings.holidays().clone();
    let days = ctx.settings.calendar.information_request_working_days;
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::RequestInformation, Facts::default(), expected)?;
        let InformationRequestInput { question, due_on, attachments } = input?;
        let due: NaiveDate = due_on.unwrap_or_else(|| holidays.add_working_days(tx.today(), days));
        if due <= tx.today() {
            return Err(AppError::validation("due_on", "must be after today"));
        }
        let request = repo::insert_information_request(tx.c, app.id, &question, due, tx.actor.user_id, tx.now)?;
        let stored = store_files(tx.c, request.id, &attachments, AttachmentSide::Request, tx.now)?;
        app.resume_status = Some(from);
        app.paused_since = Some(tx.now);
        let app = tx.finish(
            app,
            from,
            to,
            "information.requested",
            json!({ "request_id": request.id, "question": question, "due_on": due,
                    "attachment_count": stored.len(), "attachments": stored }),
        )?;
        tx.mail(
            &app,
            "information_requested",
            &[To::Author],
            "The inspector needs more information",
            &format!("{question}{}\n\nPlease answer by {}.", attached(&attachments), human_date(due)),
        )?;
        Ok(app)
    })
    .await
}

/// Stores the files of a request, sent with its question or its answer, and returns them as the
/// audit event records them.
fn store_files(
    c: &mut DbConn,
    request_id: i64,
    files: &[UploadedFile],
    side: AttachmentSide,
    now: NaiveDateTime,
) -> AppResult<Vec<serde_json::Value>> {
    let mut stored = Vec::new();
    for file in files {
        let row = information::insert_attachment(
            c,
            &NewAttachment {
                information_request_id: request_id,
                file_name: &file.name,
                content_type: &file.content_type,
                size_bytes: file.size(),
                sha256: &file.sha256,
                bytes: &file.data,
                created_at: now,
                sent_with: side,
            },
        )?;
        stored.push(json!({
            "attachment_id": row.id, "file_name": row.file_name, "content_type": row.content_type,
            "size_bytes": row.size_bytes, "sha256": row.sha256,
        }));
    }
    Ok(stored)
}

/// The line an email adds for the files sent with it: "\n\nAttached: a.pdf, b.png." or nothing.
fn attached(files: &[UploadedFile]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    format!("\n\nAttached: {}.", names.join(", "))
}

/// The open request `request_id` of the case, or `404`/`409`.
fn open_request(c: &mut DbConn, app: &Application, request_id: i64) -> AppResult<InformationRequest> {
    match repo::information_requests(c, app.id)?.into_iter().find(|r| r.id == request_id) {
        None => Err(AppError::NotFound("no such information request on this application".into())),
        Some(r) if r.answered_at.is_some() => {
            Err(AppError::conflict("this information request has already been answered"))
        }
        Some(r) => Ok(r),
    }
}

/// Whether `actor` may answer the request now, at the version they read: checked before an upload
/// is read, so that a refused request costs nothing. [`answer`] checks it all again.
pub async fn answer_allowed(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    request_id: i64,
) -> AppResult<()> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Act(CaseAction::Answer))?;
            next_status(app.status, CaseAction::Answer, Facts { resume: app.resume_status, ..Facts::default() })?;
            expected.check(app.version)?;
            open_request(c, &app, request_id).map(|_| ())
        })
        .await
}

/// The author answers an open information request, with the files sent with the answer: the
/// answer, its attachments, its audit event and the inspector's email are written together.
pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    request_id: i64,
    input: Parsed<AnswerInput>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Answer, Facts::default(), expected)?;
        open_request(tx.c, &app, request_id)?;
        let AnswerInput { answer, attachments } = input?;
        if !repo::answer_information_request(tx.c, request_id, &answer, tx.actor.user_id, tx.now)? {
            return Err(AppError::conflict("this information request has already been answered"));
        }
        let stored = store_files(tx.c, request_id, &attachments, AttachmentSide::Answer, tx.now)?;
        close_pause(&mut app, tx.now);
        app.resume_status = None;
        let details = json!({ "request_id": request_id, "attachment_count": stored.len(), "attachments": stored });
        let app = tx.finish(app, from, to, "information.answered", details)?;
        let message = format!("{answer}{}", attached(&attachments));
        tx.mail(
            &app,
            "information_answered",
            &[To::AssignedInspector],
            "The applicant has answered your question",
            &message,
        )?;
        Ok(app)
    })
    .await
}

/// The approval checked against what the case requested and the conditions it already has.
fn check_approval_of(c: &mut DbConn, app: &Application, approval: &Approval, today: NaiveDate) -> AppResult<()> {
    let facts: Vec<ProvisionFacts> = repo::requested(c, app.id)?
        .into_iter()
        .map(|(_, p)| ProvisionFacts { id: p.id, code: p.code, max_trial_months: p.max_trial_months, retired: false })
        .collect();
    let existing = repo::conditions(c, app.id)?;
    check_approval(approval, &facts, !existing.is_empty(), today).into_result()?;
    Ok(())
}

/// Whether [`approve`] would approve the case with `approval` now: the same checks in the same
/// order (permission, state, version, input), without writing. The page shows its check page
/// only for an approval that would be made.
pub async fn approval_allowed(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    approval: Parsed<Approval>,
) -> AppResult<Approval> {
    let actor = *actor;
    let today = ctx.now().date();
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Act(CaseAction::Approve))?;
            next_status(app.status, CaseAction::Approve, Facts::default())?;
            expected.check(app.version)?;
            let approval = approval?;
            check_approval_of(c, &app, &approval, today)?;
            Ok(approval)
        })
        .await
}

pub async fn approve(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    approval: Parsed<Approval>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Approve, Facts::default(), expected)?;
        let approval = approval?;
        check_approval_of(tx.c, &app, &approval, tx.today())?;
        let requested = repo::requested(tx.c, app.id)?;
        for g in &approval.grants {
            if let Some((r, _)) = requested.iter().find(|(_, p)| p.code == g.provision_code) {
                repo::grant(tx.c, r.id, &g.limits, g.ends_on.unwrap_or(approval.trial_end_date))?;
            }
        }
        for c in &approval.conditions {
            repo::insert_condition(
                tx.c,
                &NewCondition {
                    application_id: app.id,
                    category: c.category,
                    description: c.description.clone(),
                    metric: c.metric.clone(),
                    target_value: c.target_value,
                    unit: c.unit.clone(),
                    due_on: c.due_on,
                    status: ConditionStatus::Pending,
                    version: 1,
                    created_at: tx.now,
                    updated_at: tx.now,
                },
            )?;
        }
        for m in approval.schedule() {
            repo::insert_milestone(
                tx.c,
                &NewMilestone {
                    application_id: app.id,
                    kind: m.kind,
                    title: m.title,
                    due_on: m.due_on,
                    status: MilestoneStatus::Scheduled,
                    version: 1,
                    created_at: tx.now,
                    updated_at: tx.now,
                },
            )?;
        }
        app.decision = Some(Decision::Approved);
        app.decision_reasons = Some(approval.reasons.clone());
        app.decided_at = Some(tx.now);
        app.trial_start_date = Some(approval.trial_start_date);
        app.trial_end_date = Some(approval.trial_end_date);
        let details = json!({
            "reasons": approval.reasons,
            "trial_start_date": approval.trial_start_date,
            "trial_end_date": approval.trial_end_date,
            "granted": approval.grants.iter().map(|g| json!({"provision_code": g.provision_code, "limits": g.limits,
                "ends_on": g.ends_on.unwrap_or(approval.trial_end_date)})).collect::<Vec<_>>(),
            "conditions": approval.conditions.len(),
            "milestones": approval.schedule().len(),
            "default_schedule": approval.milestones.is_none(),
        });
        let app = tx.finish(app, from, to, "application.approved", details)?;
        // The email lists what was just decided, as stored (with any conditions set before).
        let (conditions, milestones) = (repo::conditions(tx.c, app.id)?, repo::milestones(tx.c, app.id)?);
        let extra = approval_details(approval.trial_start_date, approval.trial_end_date, &conditions, &milestones);
        let headline = "The application has been approved";
        tx.mail_with(&app, "decided", &[To::Author, To::Followers], headline, &approval.reasons, extra)?;
        Ok(app)
    })
    .await
}

pub async fn refuse(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    reasons: Parsed<String>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Refuse, Facts::default(), expected)?;
        let reasons = reasons?;
        app.decision = Some(Decision::Refused);
        app.decision_reasons = Some(reasons.clone());
        app.decided_at = Some(tx.now);
        app.closed_at = Some(tx.now);
        let app = tx.finish(app, from, to, "application.refused", json!({ "reasons": reasons }))?;
        tx.mail(&app, "decided", &[To::Author], "Your application has been refused", &reasons)?;
        Ok(app)
    })
    .await
}
