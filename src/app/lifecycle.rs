//! Lifecycle transitions of a case. Each is one write transaction: load and authorise, check the
//! state (409) and the version (412), validate (422), then change the case, append its audit event
//! and queue its emails together.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::case_mail::{notify, To};
use super::cases::{expect_version, load_for, next_status, record, save, status_of, view, CaseView};
use super::AppContext;
use crate::db::cases::{self as repo, NewCondition, NewMilestone};
use crate::db::models::Application;
use crate::db::{catalogue, users, DbConn};
use crate::domain::account::Role;
use crate::domain::application::{
    check_approval, check_extension, check_submission, default_milestones, ApplicationForm, Approval,
    DerogationRequest, Postcode, ProvisionFacts, ZoneFacts,
};
use crate::domain::calendar::add_months;
use crate::domain::case::{CaseAction, Facts, Status, SCREENING_CRITERIA};
use crate::domain::monitoring::{ConditionStatus, MilestoneEvent, MilestoneKind, MilestoneStatus};
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::email::Mailer;
use crate::error::{AppError, AppResult};

/// The pieces every transition needs inside its transaction.
struct Tx<'a> {
    c: &'a mut DbConn,
    actor: Actor,
    mailer: &'a Mailer,
    now: NaiveDateTime,
}

impl Tx<'_> {
    fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// Loads the case for `action`, checking permission, state and version in that order.
    fn open(
        &mut self,
        id: i64,
        action: CaseAction,
        facts: Facts,
        version: i64,
    ) -> AppResult<(Application, Status, Status)> {
        let app = load_for(self.c, &self.actor, id, CaseRequest::Act(action))?;
        let from = status_of(&app);
        // The state an answer returns to is the case's own; callers need not supply it.
        let facts = Facts { resume: app.resume_status.as_deref().and_then(|s| s.parse().ok()), ..facts };
        let to = next_status(&app, action, facts)?;
        expect_version(&app, version)?;
        Ok((app, from, to))
    }

    fn finish(
        &mut self,
        mut app: Application,
        from: Status,
        to: Status,
        action: &str,
        details: serde_json::Value,
        public: bool,
    ) -> AppResult<Application> {
        app.status = to.as_str().to_string();
        save(self.c, &mut app, self.now)?;
        record(self.c, &app, Some(self.actor.user_id), action, from, to, details, public, self.now)?;
        Ok(app)
    }

    fn mail(&mut self, app: &Application, event: &str, to: &[To], headline: &str, message: &str) -> AppResult<()> {
        notify(self.c, self.mailer, app, event, &app.version.to_string(), to, headline, message, self.now)?;
        Ok(())
    }
}

/// Runs a transition in one write transaction and returns the case as the actor now sees it.
async fn run<F>(ctx: &AppContext, actor: &Actor, f: F) -> AppResult<CaseView>
where
    F: FnOnce(&mut Tx<'_>) -> AppResult<Application> + Send + 'static,
{
    let now = ctx.now();
    let actor = *actor;
    let mailer = ctx.mailer.clone();
    ctx.db
        .write(move |c| {
            let app = {
                let mut tx = Tx { c: &mut *c, actor, mailer: &mailer, now };
                f(&mut tx)?
            };
            view(c, &actor, app)
        })
        .await
}

fn form_of(c: &mut DbConn, app: &Application) -> AppResult<(ApplicationForm, Vec<ProvisionFacts>)> {
    let requested = repo::requested(c, app.id)?;
    let form = ApplicationForm {
        title: app.title.clone(),
        summary: app.summary.clone(),
        intervention: app.intervention.as_deref().and_then(|i| i.parse().ok()),
        zone_id: app.zone_id,
        site_address: app.site_address.clone(),
        site_postcode: app.site_postcode.as_deref().and_then(|p| Postcode::parse(p).ok()),
        proposed_start_date: app.proposed_start_date,
        proposed_duration_months: app.proposed_duration_months,
        estimated_annual_co2e_tonnes: app.estimated_annual_co2e_tonnes,
        community_ownership_pct: app.community_ownership_pct,
        innovation_statement: app.innovation_statement.clone(),
        need_for_derogation: app.need_for_derogation.clone(),
        safeguards: app.safeguards.clone(),
        exit_plan: app.exit_plan.clone(),
        derogations: requested
            .iter()
            .map(|(r, p)| DerogationRequest {
                provision_code: p.code.clone(),
                justification: r.justification.clone(),
                scope: r.scope.clone(),
            })
            .collect(),
    };
    let provisions = requested
        .into_iter()
        .map(|(_, p)| ProvisionFacts {
            id: p.id,
            code: p.code,
            max_trial_months: p.max_trial_months,
            retired: p.retired_at.is_some(),
        })
        .collect();
    Ok((form, provisions))
}

fn zone_facts(c: &mut DbConn, zone_id: Option<i64>) -> AppResult<Option<ZoneFacts>> {
    let Some(id) = zone_id else { return Ok(None) };
    let Some(z) = catalogue::find_zone(c, id)? else { return Ok(None) };
    let allowed = catalogue::allowed_codes(c, &[id])?.into_iter().map(|(_, code)| code).collect();
    Ok(Some(ZoneFacts {
        id: z.id,
        is_open: z.is_open,
        window_opens_on: z.window_opens_on,
        window_closes_on: z.window_closes_on,
        min_community_ownership_pct: z.min_community_ownership_pct,
        allowed_provisions: allowed,
    }))
}

pub async fn submit(ctx: &AppContext, actor: &Actor, id: i64, version: i64) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Submit, Facts::default(), version)?;
        let (form, provisions) = form_of(tx.c, &app)?;
        let zone = zone_facts(tx.c, app.zone_id)?;
        check_submission(&form, zone.as_ref(), &provisions, tx.today()).into_result()?;
        let year = chrono::Datelike::year(&tx.today());
        let reference = repo::next_reference(tx.c, year)?;
        app.reference = Some(reference.clone());
        app.submitted_at = Some(tx.now);
        // The applicant's kind as it was when they applied, for the inclusion statistics.
        if let Some(org) = app.organisation_id {
            app.applicant_kind = users::find_organisation(tx.c, org)?.map(|o| o.kind);
        }
        let app = tx.finish(app, from, to, "application.submitted", json!({ "reference": reference }), true)?;
        tx.mail(&app, "submitted", &[To::Author], "Your application has been received", &format!(
            "Your application has the reference {reference}. An inspector will screen it; we will email you when something needs you."
        ))?;
        tx.mail(&app, "awaiting_assignment", &[To::AllInspectors], "A new application is waiting for an inspector", "")?;
        Ok(app)
    })
    .await
}

pub async fn withdraw(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    reason: Option<String>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Withdraw, Facts::default(), version)?;
        app.closed_at = Some(tx.now);
        close_pause(&mut app, tx.now);
        let app = tx.finish(app, from, to, "application.withdrawn", json!({ "reason": reason }), true)?;
        tx.mail(
            &app,
            "withdrawn",
            &[To::Author, To::AssignedInspector],
            "The application has been withdrawn",
            reason.as_deref().unwrap_or(""),
        )?;
        Ok(app)
    })
    .await
}

pub async fn assign(ctx: &AppContext, actor: &Actor, id: i64, version: i64, inspector_id: i64) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Assign, Facts::default(), version)?;
        let inspector = users::find_user(tx.c, inspector_id)?
            .filter(|u| u.role == Role::Inspector.as_str() && u.disabled_at.is_none())
            .ok_or_else(|| AppError::validation("inspector_id", "must be an active inspector"))?;
        let previous = app.assigned_inspector_id;
        app.assigned_inspector_id = Some(inspector.id);
        let app = tx.finish(
            app,
            from,
            to,
            "application.assigned",
            json!({ "inspector_id": inspector.id, "inspector": inspector.display_name, "previous_inspector_id": previous }),
            true,
        )?;
        tx.mail(&app, "assigned", &[To::AssignedInspector], "An application has been assigned to you", "")?;
        Ok(app)
    })
    .await
}

/// One screening criterion as recorded.
#[derive(Debug, Clone)]
pub struct CriterionResult {
    pub criterion: String,
    pub met: bool,
    pub note: String,
}

pub fn check_criteria(criteria: &[CriterionResult]) -> FieldErrors {
    let mut e = FieldErrors::new();
    for (i, c) in criteria.iter().enumerate() {
        if !SCREENING_CRITERIA.contains(&c.criterion.as_str()) {
            e.add(format!("criteria[{i}].criterion"), format!("must be one of {}", SCREENING_CRITERIA.join(", ")));
        } else if criteria.iter().filter(|x| x.criterion == c.criterion).count() > 1 {
            e.add(format!("criteria[{i}].criterion"), "is recorded twice");
        }
    }
    for name in SCREENING_CRITERIA {
        if !criteria.iter().any(|c| c.criterion == name) {
            e.add("criteria", format!("{name} is not recorded; all seven criteria are required"));
        }
    }
    e
}

pub async fn screen(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    criteria: Vec<CriterionResult>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let all_met = criteria.iter().all(|c| c.met);
        let (mut app, from, to) = tx.open(id, CaseAction::Screen, Facts { all_criteria_met: all_met, resume: None }, version)?;
        check_criteria(&criteria).into_result()?;
        for c in &criteria {
            repo::insert_screening(tx.c, app.id, &c.criterion, if c.met { "met" } else { "not_met" }, &c.note, tx.actor.user_id, tx.now)?;
        }
        let unmet: Vec<String> = criteria
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{}: {}", c.criterion.replace('_', " "), c.note))
            .collect();
        if to == Status::Refused {
            app.decision = Some("refused".into());
            app.decision_reasons = Some(format!("The application did not pass screening.\n{}", unmet.join("\n")));
            app.decided_at = Some(tx.now);
            app.closed_at = Some(tx.now);
        }
        let details = json!({
            "criteria": criteria.iter().map(|c| json!({"criterion": c.criterion, "outcome": if c.met {"met"} else {"not_met"}})).collect::<Vec<_>>()
        });
        let app = tx.finish(app, from, to, "application.screened", details, true)?;
        if to == Status::Refused {
            let reasons = app.decision_reasons.clone().unwrap_or_default();
            tx.mail(&app, "decided", &[To::Author], "Your application has been refused", &reasons)?;
        }
        Ok(app)
    })
    .await
}

fn close_pause(app: &mut Application, now: NaiveDateTime) {
    if let Some(since) = app.paused_since.take() {
        app.paused_seconds += (now - since).num_seconds().max(0);
    }
}

pub async fn request_information(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    question: String,
    due_on: Option<NaiveDate>,
) -> AppResult<CaseView> {
    let holidays = ctx.settings.holidays();
    let days = ctx.settings.calendar.information_request_working_days;
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::RequestInformation, Facts::default(), version)?;
        let due = due_on.unwrap_or_else(|| holidays.add_working_days(tx.today(), days));
        if due <= tx.today() {
            return Err(AppError::validation("due_on", "must be after today"));
        }
        let request = repo::insert_information_request(tx.c, app.id, &question, due, tx.actor.user_id, tx.now)?;
        app.resume_status = Some(from.as_str().to_string());
        app.paused_since = Some(tx.now);
        let app = tx.finish(
            app,
            from,
            to,
            "information.requested",
            json!({ "request_id": request.id, "question": question, "due_on": due }),
            true,
        )?;
        tx.mail(
            &app,
            "information_requested",
            &[To::Author],
            "The inspector needs more information",
            &format!("{question}\n\nPlease answer by {}.", due.format("%-d %B %Y")),
        )?;
        Ok(app)
    })
    .await
}

pub async fn answer(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    request_id: i64,
    answer: String,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Answer, Facts::default(), version)?;
        let open = repo::information_requests(tx.c, app.id)?.into_iter().find(|r| r.id == request_id);
        match open {
            None => return Err(AppError::NotFound("no such information request on this application".into())),
            Some(r) if r.answered_at.is_some() => {
                return Err(AppError::conflict("this information request has already been answered"))
            }
            Some(_) => {}
        }
        if !repo::answer_information_request(tx.c, request_id, &answer, tx.actor.user_id, tx.now)? {
            return Err(AppError::conflict("this information request has already been answered"));
        }
        close_pause(&mut app, tx.now);
        app.resume_status = None;
        let app = tx.finish(app, from, to, "information.answered", json!({ "request_id": request_id }), true)?;
        tx.mail(
            &app,
            "information_answered",
            &[To::AssignedInspector],
            "The applicant has answered your question",
            &answer,
        )?;
        Ok(app)
    })
    .await
}

pub async fn approve(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    approval: Approval,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Approve, Facts::default(), version)?;
        let requested = repo::requested(tx.c, app.id)?;
        let facts: Vec<ProvisionFacts> = requested
            .iter()
            .map(|(_, p)| ProvisionFacts { id: p.id, code: p.code.clone(), max_trial_months: p.max_trial_months, retired: false })
            .collect();
        let existing = repo::conditions(tx.c, app.id)?;
        check_approval(&approval, &facts, !existing.is_empty(), tx.today()).into_result()?;
        for g in &approval.grants {
            if let Some((r, _)) = requested.iter().find(|(_, p)| p.code == g.provision_code) {
                repo::grant(tx.c, r.id, &g.limits, approval.trial_end_date)?;
            }
        }
        for c in &approval.conditions {
            repo::insert_condition(
                tx.c,
                &NewCondition {
                    application_id: app.id,
                    category: c.category.as_str().into(),
                    description: c.description.clone(),
                    metric: c.metric.clone(),
                    target_value: c.target_value,
                    unit: c.unit.clone(),
                    due_on: c.due_on,
                    status: ConditionStatus::Pending.as_str().into(),
                    version: 1,
                    created_at: tx.now,
                    updated_at: tx.now,
                },
            )?;
        }
        for (kind, title, due) in default_milestones(approval.trial_start_date, approval.trial_end_date) {
            repo::insert_milestone(
                tx.c,
                &NewMilestone {
                    application_id: app.id,
                    kind: kind.as_str().into(),
                    title,
                    due_on: due,
                    status: MilestoneStatus::Scheduled.as_str().into(),
                    version: 1,
                    created_at: tx.now,
                    updated_at: tx.now,
                },
            )?;
        }
        app.decision = Some("approved".into());
        app.decision_reasons = Some(approval.reasons.clone());
        app.decided_at = Some(tx.now);
        app.trial_start_date = Some(approval.trial_start_date);
        app.trial_end_date = Some(approval.trial_end_date);
        let details = json!({
            "reasons": approval.reasons,
            "trial_start_date": approval.trial_start_date,
            "trial_end_date": approval.trial_end_date,
            "granted": approval.grants.iter().map(|g| json!({"provision_code": g.provision_code, "limits": g.limits})).collect::<Vec<_>>(),
            "conditions": approval.conditions.len(),
        });
        let app = tx.finish(app, from, to, "application.approved", details, true)?;
        tx.mail(&app, "decided", &[To::Author, To::Followers], "The application has been approved", &approval.reasons)?;
        Ok(app)
    })
    .await
}

fn reasons_required(reasons: &str) -> AppResult<()> {
    if reasons.trim().is_empty() {
        return Err(AppError::validation("reasons", "is required"));
    }
    Ok(())
}

pub async fn refuse(ctx: &AppContext, actor: &Actor, id: i64, version: i64, reasons: String) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Refuse, Facts::default(), version)?;
        reasons_required(&reasons)?;
        app.decision = Some("refused".into());
        app.decision_reasons = Some(reasons.clone());
        app.decided_at = Some(tx.now);
        app.closed_at = Some(tx.now);
        let app = tx.finish(app, from, to, "application.refused", json!({ "reasons": reasons }), true)?;
        tx.mail(&app, "decided", &[To::Author], "Your application has been refused", &reasons)?;
        Ok(app)
    })
    .await
}

pub async fn start(ctx: &AppContext, actor: &Actor, id: i64, version: i64) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Start, Facts::default(), version)?;
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
        let app = tx.finish(app, from, to, "trial.started", json!({}), true)?;
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
    version: i64,
    action: CaseAction,
    reasons: String,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, action, Facts::default(), version)?;
        reasons_required(&reasons)?;
        let (kind, event, headline) = match action {
            CaseAction::Suspend => ("suspension", "suspended", "The trial has been suspended"),
            CaseAction::Reinstate => ("reinstatement", "reinstated", "The trial has been reinstated"),
            _ => ("revocation", "revoked", "The trial's derogations have been revoked"),
        };
        repo::insert_enforcement(tx.c, app.id, kind, &reasons, None, tx.actor.user_id, tx.now)?;
        if to == Status::Revoked {
            app.closed_at = Some(tx.now);
        }
        let app = tx.finish(app, from, to, &format!("trial.{event}"), json!({ "reasons": reasons }), true)?;
        tx.mail(&app, event, &[To::Author, To::Followers], headline, &reasons)?;
        Ok(app)
    })
    .await
}

pub async fn extend(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    new_end: NaiveDate,
    reasons: String,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Extend, Facts::default(), version)?;
        reasons_required(&reasons)?;
        let (Some(start), Some(end)) = (app.trial_start_date, app.trial_end_date) else {
            return Err(AppError::conflict("the trial has no dates to extend"));
        };
        let granted: Vec<ProvisionFacts> = repo::requested(tx.c, app.id)?
            .into_iter()
            .filter(|(r, _)| r.granted)
            .map(|(_, p)| ProvisionFacts {
                id: p.id,
                code: p.code,
                max_trial_months: p.max_trial_months,
                retired: false,
            })
            .collect();
        check_extension(start, end, new_end, &granted).into_result()?;
        repo::insert_enforcement(tx.c, app.id, "extension", &reasons, Some(new_end), tx.actor.user_id, tx.now)?;
        repo::set_granted_until(tx.c, app.id, new_end)?;
        // The final report and exit move with the end of the trial.
        for m in repo::milestones(tx.c, app.id)? {
            let status: MilestoneStatus = m.status.parse().unwrap_or(MilestoneStatus::Scheduled);
            let due = match m.kind.parse::<MilestoneKind>() {
                Ok(MilestoneKind::FinalReport) if m.due_on == end => new_end,
                Ok(MilestoneKind::Exit) if m.due_on == add_months(end, 1) => add_months(new_end, 1),
                _ => continue,
            };
            if status.is_open() {
                reschedule(tx.c, m.id, due, tx.now)?;
            }
        }
        app.trial_end_date = Some(new_end);
        let app = tx.finish(
            app,
            from,
            to,
            "trial.extended",
            json!({ "reasons": reasons, "from": end, "to": new_end }),
            true,
        )?;
        tx.mail(
            &app,
            "extended",
            &[To::Author, To::Followers],
            &format!("The trial has been extended to {}", new_end.format("%-d %B %Y")),
            &reasons,
        )?;
        Ok(app)
    })
    .await
}

fn reschedule(c: &mut DbConn, milestone_id: i64, due: NaiveDate, now: NaiveDateTime) -> AppResult<()> {
    use crate::db::schema::milestones;
    use diesel::prelude::*;
    diesel::update(milestones::table.find(milestone_id))
        .set((
            milestones::due_on.eq(due),
            milestones::version.eq(milestones::version + 1),
            milestones::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// A recommendation for one derogated provision.
#[derive(Debug, Clone)]
pub struct RecommendationInput {
    pub provision_code: String,
    pub recommendation: String,
    pub rationale: String,
}

#[derive(Debug, Clone)]
pub struct EvaluationInput {
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub recommendations: Vec<RecommendationInput>,
}

pub async fn complete(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    version: i64,
    evaluation: EvaluationInput,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Complete, Facts::default(), version)?;
        let final_accepted = repo::milestones(tx.c, app.id)?
            .iter()
            .any(|m| m.kind == MilestoneKind::FinalReport.as_str() && m.status == MilestoneStatus::Accepted.as_str());
        if !final_accepted {
            return Err(AppError::Conflict {
                detail: "the trial cannot be completed until its final report has been accepted".into(),
                errors: Vec::new(),
                extra: Some(json!({ "current_status": from })),
            });
        }
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
                repo::insert_recommendation(tx.c, saved.id, app.id, p.id, &r.recommendation, &r.rationale)?;
            }
        }
        app.closed_at = Some(tx.now);
        let details = json!({
            "recommendations": evaluation.recommendations.iter().map(|r| json!({"provision_code": r.provision_code, "recommendation": r.recommendation})).collect::<Vec<_>>()
        });
        let app = tx.finish(app, from, to, "trial.completed", details, true)?;
        tx.mail(&app, "completed", &[To::Author, To::Followers], "The trial is complete", &evaluation.outcomes)?;
        Ok(app)
    })
    .await
}

/// The author reports on a milestone (or resubmits after a revision request).
pub async fn report_milestone(
    ctx: &AppContext,
    actor: &Actor,
    milestone_id: i64,
    version: Option<i64>,
    report: String,
) -> AppResult<CaseView> {
    milestone_event(
        ctx,
        actor,
        milestone_id,
        version,
        CaseRequest::ReportMilestone,
        Some(MilestoneEvent::SubmitReport),
        report,
    )
    .await
}

/// The assigned inspector accepts a report or asks for a revision. `accept` is None when the
/// outcome sent was not understood (answered with 422 once the actor is known to be allowed).
pub async fn review_milestone(
    ctx: &AppContext,
    actor: &Actor,
    milestone_id: i64,
    version: Option<i64>,
    accept: Option<bool>,
    note: String,
) -> AppResult<CaseView> {
    let event = accept.map(|a| if a { MilestoneEvent::Accept } else { MilestoneEvent::RequestRevision });
    milestone_event(ctx, actor, milestone_id, version, CaseRequest::ReviewMilestone, event, note).await
}

async fn milestone_event(
    ctx: &AppContext,
    actor: &Actor,
    milestone_id: i64,
    version: Option<i64>,
    request: CaseRequest,
    event: Option<MilestoneEvent>,
    text: String,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let m = repo::find_milestone(tx.c, milestone_id)?.ok_or_else(|| AppError::NotFound("no such milestone".into()))?;
        let app = load_for(tx.c, &tx.actor, m.application_id, request).map_err(|e| match e {
            AppError::NotFound(_) => AppError::NotFound("no such milestone".into()),
            other => other,
        })?;
        let case_status = status_of(&app);
        if !matches!(case_status, Status::Active | Status::Suspended) {
            return Err(AppError::Conflict {
                detail: format!("milestones can be reported and reviewed while the trial is active or suspended; it is {case_status}"),
                errors: Vec::new(),
                extra: Some(json!({ "current_status": case_status })),
            });
        }
        let current: MilestoneStatus = m.status.parse().unwrap_or(MilestoneStatus::Scheduled);
        let next = match event {
            Some(ev) => Some(crate::domain::monitoring::milestone_transition(current, ev).map_err(|e| AppError::Conflict {
                detail: e.to_string(),
                errors: Vec::new(),
                extra: Some(json!({ "current_status": current })),
            })?),
            None => None,
        };
        let version = version.ok_or(AppError::PreconditionRequired)?;
        if m.version != version {
            return Err(AppError::PreconditionFailed { current_version: m.version });
        }
        let mut errors = FieldErrors::new();
        let text_field = if request == CaseRequest::ReportMilestone { "report" } else { "note" };
        if next.is_none() {
            errors.add("outcome", "must be accepted or revision_requested");
        }
        let text = match crate::domain::application::text(&text, crate::domain::application::MAX_LONG_TEXT) {
            Ok(t) => t,
            Err(m) => {
                errors.add(text_field, if text.trim().is_empty() { "is required".to_string() } else { m });
                String::new()
            }
        };
        errors.into_result()?;
        let (Some(event), Some(next)) = (event, next) else {
            return Err(AppError::validation("outcome", "must be accepted or revision_requested"));
        };
        let (report, review) = if event == MilestoneEvent::SubmitReport {
            (Some((text.as_str(), tx.now)), None)
        } else {
            (None, Some((text.as_str(), tx.now)))
        };
        if !repo::update_milestone(tx.c, m.id, version, next.as_str(), report, review, tx.now)? {
            return Err(AppError::PreconditionFailed { current_version: m.version + 1 });
        }
        crate::db::audit::append(
            tx.c,
            crate::db::audit::Entry {
                stream: super::cases::case_stream(app.id),
                actor_user_id: Some(tx.actor.user_id),
                action: &format!("milestone.{}", event.as_str()),
                from_status: Some(current.as_str()),
                to_status: Some(next.as_str()),
                details: json!({ "milestone_id": m.id, "title": m.title, "text": text }),
                public: true,
                at: tx.now,
            },
        )?;
        let key = format!("{}:{}", m.id, version);
        if event == MilestoneEvent::SubmitReport {
            notify(tx.c, tx.mailer, &app, "milestone_reported", &key, &[To::AssignedInspector], &format!("A report has been submitted: {}", m.title), &text, tx.now)?;
        } else {
            let headline = if next == MilestoneStatus::Accepted {
                format!("Your report has been accepted: {}", m.title)
            } else {
                format!("Please revise your report: {}", m.title)
            };
            notify(tx.c, tx.mailer, &app, "milestone_reviewed", &key, &[To::Author], &headline, &text, tx.now)?;
        }
        Ok(app)
    })
    .await
}
