//! The trial: its start, enforcement (suspend, reinstate, revoke), extension and completion with
//! the evaluation.

use chrono::NaiveDate;
use serde_json::json;

use super::{provision_facts, run};
use crate::app::case_mail::To;
use crate::app::cases::{load_for, CaseView};
use crate::app::input::decision::{EvaluationInput, Extension};
use crate::app::input::Parsed;
use crate::app::tx::{conflict, next_status, Expected};
use crate::app::AppContext;
use crate::db::cases as repo;
use crate::db::models::Application;
use crate::db::monitoring as monitoring_repo;
use crate::db::DbConn;
use crate::domain::application::{check_extension, ProvisionFacts};
use crate::domain::calendar::add_months;
use crate::domain::case::{CaseAction, Facts, Status};
use crate::domain::monitoring::{EnforcementKind, MilestoneKind, MilestoneStatus};
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::email::human_date;
use crate::error::{AppError, AppResult};

pub async fn start(ctx: &AppContext, actor: &Actor, id: i64, expected: Expected) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Start, Facts::default(), expected)?;
        if let Some(start) = app.trial_start_date {
            if tx.today() < start {
                return Err(AppError::Conflict {
                    detail: format!("the trial cannot start before its start date, {start}"),
                    errors: Vec::new(),
                    extra: Some(json!({ "current_status": from, "trial_start_date": start })),
                });
            }
        }
        app.started_at = Some(tx.now);
        let app = tx.finish(app, from, to, "trial.started", json!({}))?;
        tx.mail(&app, "started", &[To::Author, To::AssignedInspector, To::Followers], "The trial has started", "")?;
        Ok(app)
    })
    .await
}

/// Suspend, reinstate or revoke: reasons required, recorded as an enforcement action.
pub async fn enforce(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    action: CaseAction,
    reasons: Parsed<String>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, action, Facts::default(), expected)?;
        let reasons = reasons?;
        let (kind, event, headline) = match action {
            CaseAction::Suspend => (EnforcementKind::Suspension, "suspended", "The trial has been suspended"),
            CaseAction::Reinstate => (EnforcementKind::Reinstatement, "reinstated", "The trial has been reinstated"),
            _ => (EnforcementKind::Revocation, "revoked", "The trial's derogations have been revoked"),
        };
        repo::insert_enforcement(tx.c, app.id, kind, &reasons, None, tx.actor.user_id, tx.now)?;
        if to == Status::Revoked {
            app.closed_at = Some(tx.now);
        }
        let app = tx.finish(app, from, to, &format!("trial.{event}"), json!({ "reasons": reasons }))?;
        tx.mail(&app, event, &[To::Author, To::Followers], headline, &reasons)?;
        Ok(app)
    })
    .await
}

/// The new end date checked against the trial's dates and its granted provisions; the current
/// end date.
fn check_extension_of(c: &mut DbConn, app: &Application, new_end: NaiveDate) -> AppResult<NaiveDate> {
    let (Some(start), Some(end)) = (app.trial_start_date, app.trial_end_date) else {
        return Err(AppError::conflict("the trial has no dates to extend"));
    };
    let granted: Vec<ProvisionFacts> = repo::requested(c, app.id)?
        .into_iter()
        .filter(|(r, _)| r.granted)
        .map(|(_, p)| ProvisionFacts { retired: false, ..provision_facts(p) })
        .collect();
    check_extension(start, end, new_end, &granted).into_result()?;
    Ok(end)
}

/// Whether [`extend`] would extend the trial with `input` now: the same checks in the same order
/// (permission, state, version, input), without writing, for the confirmation page.
pub async fn extension_allowed(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<Extension>,
) -> AppResult<Extension> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Act(CaseAction::Extend))?;
            next_status(app.status, CaseAction::Extend, Facts::default())?;
            expected.check(app.version)?;
            let input = input?;
            check_extension_of(c, &app, input.new_end_date)?;
            Ok(input)
        })
        .await
}

pub async fn extend(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    input: Parsed<Extension>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Extend, Facts::default(), expected)?;
        let Extension { new_end_date: new_end, reasons } = input?;
        let end = check_extension_of(tx.c, &app, new_end)?;
        repo::insert_enforcement(
            tx.c,
            app.id,
            EnforcementKind::Extension,
            &reasons,
            Some(new_end),
            tx.actor.user_id,
            tx.now,
        )?;
        repo::set_granted_until(tx.c, app.id, new_end)?;
        // The final report and exit move with the end of the trial.
        for m in repo::milestones(tx.c, app.id)? {
            let due = match m.kind {
                MilestoneKind::FinalReport if m.due_on == end => new_end,
                MilestoneKind::Exit if m.due_on == add_months(end, 1) => add_months(new_end, 1),
                _ => continue,
            };
            if m.status.is_open() {
                monitoring_repo::move_milestone(tx.c, m.id, due, tx.now)?;
            }
        }
        app.trial_end_date = Some(new_end);
        let app =
            tx.finish(app, from, to, "trial.extended", json!({ "reasons": reasons, "from": end, "to": new_end }))?;
        tx.mail(
            &app,
            "extended",
            &[To::Author, To::Followers],
            &format!("The trial has been extended to {}", human_date(new_end)),
            &reasons,
        )?;
        Ok(app)
    })
    .await
}

pub async fn complete(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    evaluation: Parsed<EvaluationInput>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Complete, Facts::default(), expected)?;
        let final_accepted = repo::milestones(tx.c, app.id)?
            .iter()
            .any(|m| m.kind == MilestoneKind::FinalReport && m.status == MilestoneStatus::Accepted);
        if !final_accepted {
            return Err(conflict(
                "the trial cannot be completed until its final report has been accepted".into(),
                from.as_str(),
            ));
        }
        let evaluation = evaluation?;
        let granted: Vec<_> = repo::requested(tx.c, app.id)?.into_iter().filter(|(r, _)| r.granted).map(|(_, p)| p).collect();
        let mut e = FieldErrors::new();
        for (i, r) in evaluation.recommendations.iter().enumerate() {
            if !granted.iter().any(|p| p.code == r.provision_code) {
                e.add(format!("recommendations[{i}].provision_code"), format!("'{}' was not derogated in this trial", r.provision_code));
            } else if evaluation.recommendations.iter().filter(|x| x.provision_code == r.provision_code).count() > 1 {
                e.add(format!("recommendations[{i}].provision_code"), "has more than one recommendation");
            }
        }
        for p in &granted {
            if !evaluation.recommendations.iter().any(|r| r.provision_code == p.code) {
                e.add("recommendations", format!("give a recommendation for {}", p.code));
            }
        }
        e.into_result()?;
        let saved = repo::insert_evaluation(
            tx.c,
            app.id,
            &evaluation.outcomes,
            &evaluation.lessons,
            evaluation.reported_annual_co2e_tonnes,
            tx.actor.user_id,
            tx.now,
        )?;
        for r in &evaluation.recommendations {
            if let Some(p) = granted.iter().find(|p| p.code == r.provision_code) {
                repo::insert_recommendation(tx.c, saved.id, app.id, p.id, r.recommendation, &r.rationale)?;
            }
        }
        app.closed_at = Some(tx.now);
        let details = json!({
            "recommendations": evaluation.recommendations.iter().map(|r| json!({"provision_code": r.provision_code, "recommendation": r.recommendation})).collect::<Vec<_>>()
        });
        let app = tx.finish(app, from, to, "trial.completed", details)?;
        tx.mail(&app, "completed", &[To::Author, To::Followers], "The trial is complete", &evaluation.outcomes)?;
        Ok(app)
    })
    .await
}
