//! Applications: create and edit drafts, read, list the queue, read the history. The lifecycle
//! transitions are in `lifecycle.rs`; both share the helpers here.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{AppContext, Page, PageRequest};
use crate::db::cases::{self as repo, CaseFilter, NewApplication};
use crate::db::models::*;
use crate::db::{audit, catalogue, users, DbConn};
use crate::domain::account::Role;
use crate::domain::application::ApplicationForm;
use crate::domain::case::{allowed_actions, transition, CaseAction, Facts, Status};
use crate::domain::policy::{authorize, authorize_case, Action, Actor, CaseFacts, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

pub fn case_stream(id: i64) -> String {
    format!("application:{id}")
}

pub fn status_of(app: &Application) -> Status {
    app.status.parse().unwrap_or(Status::Draft)
}

pub fn facts_of(app: &Application) -> CaseFacts {
    CaseFacts { author_id: app.author_id, assigned_inspector_id: app.assigned_inspector_id, status: status_of(app) }
}

/// Loads a case, refusing (404 for those who may not know it exists) before anything else.
pub fn load_for(c: &mut DbConn, actor: &Actor, id: i64, request: CaseRequest) -> AppResult<Application> {
    let app = repo::find_application(c, id)?.ok_or_else(not_found)?;
    let what = match request {
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
    };
    authorize_case(Some(actor), request, &facts_of(&app)).map_err(|r| match AppError::refused(r, &what) {
        AppError::NotFound(_) => not_found(),
        other => other,
    })?;
    Ok(app)
}

pub fn not_found() -> AppError {
    AppError::NotFound("no such application".into())
}

pub fn expect_version(app: &Application, expected: i64) -> AppResult<()> {
    if app.version == expected {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed { current_version: app.version })
    }
}

/// The next status, or a 409 naming the current state and what is allowed now.
pub fn next_status(app: &Application, action: CaseAction, facts: Facts) -> AppResult<Status> {
    transition(status_of(app), action, facts).map_err(|e| AppError::Conflict {
        detail: e.to_string(),
        errors: Vec::new(),
        extra: Some(json!({
            "current_status": e.current,
            "allowed_actions": e.allowed,
        })),
    })
}

/// Saves the case at the version it was read, or answers 412.
pub fn save(c: &mut DbConn, app: &mut Application, now: NaiveDateTime) -> AppResult<()> {
    let read_at = app.version;
    if !repo::save_application(c, app, read_at, now)? {
        let current = repo::find_application(c, app.id)?.map(|a| a.version).unwrap_or(read_at);
        return Err(AppError::PreconditionFailed { current_version: current });
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn record(
    c: &mut DbConn,
    app: &Application,
    actor: Option<i64>,
    action: &str,
    from: Status,
    to: Status,
    details: serde_json::Value,
    public: bool,
    now: NaiveDateTime,
) -> AppResult<()> {
    audit::append(
        c,
        audit::Entry {
            stream: case_stream(app.id),
            actor_user_id: actor,
            action,
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            details,
            public,
            at: now,
        },
    )?;
    Ok(())
}

/// Everything about a case that its full record shows.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub app: Application,
    pub author: Option<User>,
    pub organisation: Option<Organisation>,
    pub zone: Option<Zone>,
    pub inspector: Option<User>,
    pub requested: Vec<(RequestedDerogation, Provision)>,
    pub screening: Vec<Screening>,
    pub information_requests: Vec<InformationRequest>,
    pub conditions: Vec<Condition>,
    pub milestones: Vec<Milestone>,
    pub enforcement: Vec<EnforcementAction>,
    pub evaluation: Option<(Evaluation, Vec<(Recommendation, Provision)>)>,
    /// What the viewer may do now.
    pub allowed_actions: Vec<CaseAction>,
}

pub fn view(c: &mut DbConn, actor: &Actor, app: Application) -> AppResult<CaseView> {
    let facts = facts_of(&app);
    let allowed = allowed_actions(facts.status)
        .into_iter()
        .filter(|a| authorize_case(Some(actor), CaseRequest::Act(*a), &facts).is_ok())
        .collect();
    Ok(CaseView {
        author: users::find_user(c, app.author_id)?,
        organisation: match app.organisation_id {
            Some(o) => users::find_organisation(c, o)?,
            None => None,
        },
        zone: match app.zone_id {
            Some(z) => catalogue::find_zone(c, z)?,
            None => None,
        },
        inspector: match app.assigned_inspector_id {
            Some(i) => users::find_user(c, i)?,
            None => None,
        },
        requested: repo::requested(c, app.id)?,
        screening: repo::screenings(c, app.id)?,
        information_requests: repo::information_requests(c, app.id)?,
        conditions: repo::conditions(c, app.id)?,
        milestones: repo::milestones(c, app.id)?,
        enforcement: repo::enforcement_actions(c, app.id)?,
        evaluation: repo::evaluation(c, app.id)?,
        allowed_actions: allowed,
        app,
    })
}

/// Copies the form onto the row and resolves the requested provisions (unknown codes are named).
fn apply_form(c: &mut DbConn, app: &mut Application, form: &ApplicationForm) -> AppResult<Vec<(i64, String, String)>> {
    app.title = form.title.clone();
    app.summary = form.summary.clone();
    app.intervention = form.intervention.map(|i| i.as_str().to_string());
    app.zone_id = form.zone_id;
    app.site_address = form.site_address.clone();
    app.site_postcode = form.site_postcode.as_ref().map(|p| p.full.clone());
    app.postcode_district = form.site_postcode.as_ref().map(|p| p.district.clone());
    app.proposed_start_date = form.proposed_start_date;
    app.proposed_duration_months = form.proposed_duration_months;
    app.estimated_annual_co2e_tonnes = form.estimated_annual_co2e_tonnes;
    app.community_ownership_pct = form.community_ownership_pct;
    app.innovation_statement = form.innovation_statement.clone();
    app.need_for_derogation = form.need_for_derogation.clone();
    app.safeguards = form.safeguards.clone();
    app.exit_plan = form.exit_plan.clone();
    let mut errors = FieldErrors::new();
    if let Some(z) = form.zone_id {
        if catalogue::find_zone(c, z)?.is_none() {
            errors.add("zone_id", "no such zone");
        }
    }
    let codes: Vec<String> = form.derogations.iter().map(|d| d.provision_code.clone()).collect();
    let found = catalogue::provisions_by_codes(c, &codes)?;
    let mut rows = Vec::new();
    for (i, d) in form.derogations.iter().enumerate() {
        match found.iter().find(|p| p.code == d.provision_code) {
            Some(p) => rows.push((p.id, d.justification.clone(), d.scope.clone())),
            None => errors.add(
                format!("requested_derogations[{i}].provision_code"),
                format!("'{}' is not in the provisions catalogue", d.provision_code),
            ),
        }
    }
    errors.into_result()?;
    Ok(rows)
}

pub async fn create(ctx: &AppContext, actor: &Actor, form: ApplicationForm) -> AppResult<CaseView> {
    authorize(Some(actor), Action::CreateApplication).map_err(|r| AppError::refused(r, "create an application"))?;
    let now = ctx.now();
    let actor = *actor;
    ctx.db
        .write(move |c| {
            let author =
                users::find_user(c, actor.user_id)?.ok_or_else(|| AppError::Unauthenticated("log in again".into()))?;
            let organisation = match author.organisation_id {
                Some(o) => users::find_organisation(c, o)?,
                None => None,
            };
            let mut app = repo::insert_application(
                c,
                &NewApplication {
                    author_id: actor.user_id,
                    organisation_id: author.organisation_id,
                    applicant_kind: organisation.map(|o| o.kind),
                    status: Status::Draft.as_str().into(),
                    title: form.title.clone(),
                    paused_seconds: 0,
                    version: 0,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            let rows = apply_form(c, &mut app, &form)?;
            save(c, &mut app, now)?;
            repo::replace_requested(c, app.id, &rows)?;
            record(
                c,
                &app,
                Some(actor.user_id),
                "application.created",
                Status::Draft,
                Status::Draft,
                json!({}),
                true,
                now,
            )?;
            view(c, &actor, app)
        })
        .await
}

pub async fn update_draft(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    form: ApplicationForm,
) -> AppResult<CaseView> {
    let now = ctx.now();
    let actor = *actor;
    ctx.db
        .write(move |c| {
            let mut app = load_for(c, &actor, id, CaseRequest::Act(CaseAction::Edit))?;
            next_status(&app, CaseAction::Edit, Facts::default())?;
            expect_version(&app, expected_version)?;
            let rows = apply_form(c, &mut app, &form)?;
            save(c, &mut app, now)?;
            repo::replace_requested(c, app.id, &rows)?;
            record(
                c,
                &app,
                Some(actor.user_id),
                "application.edited",
                Status::Draft,
                Status::Draft,
                json!({}),
                true,
                now,
            )?;
            view(c, &actor, app)
        })
        .await
}

pub async fn get(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<CaseView> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Read)?;
            view(c, &actor, app)
        })
        .await
}

/// One row of a list: the case with its organisation's name.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub app: Application,
    pub organisation_name: Option<String>,
}

pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    mut filter: CaseFilter,
    page: PageRequest,
) -> AppResult<Page<CaseSummary>> {
    authorize(Some(actor), Action::ListApplications).map_err(|r| AppError::refused(r, "list applications"))?;
    if actor.role == Role::Innovator {
        filter.author_id = Some(actor.user_id);
    } else {
        filter.exclude_drafts = true;
    }
    let cap = ctx.settings.lists.total_count_cap;
    let keep = ctx.settings.lists.capped_count_seconds;
    let (counts, now) = (ctx.capped_counts.clone(), ctx.now());
    ctx.db
        .run(move |c| {
            let rows = repo::list_applications(c, &filter, page.offset(), page.per_page)?;
            let key = format!("applications {filter:?}");
            let counted = counts.count(key, now, keep, cap, || repo::count_applications(c, &filter, cap))?;
            let org_ids: Vec<i64> = rows.iter().filter_map(|a| a.organisation_id).collect();
            let names = users::organisation_names(c, &org_ids)?;
            let items = rows
                .into_iter()
                .map(|app| CaseSummary {
                    organisation_name: app.organisation_id.and_then(|o| names.get(&o).cloned()),
                    app,
                })
                .collect();
            Ok::<_, AppError>(Page::new(items, page, counted, cap))
        })
        .await
}

/// An audit event as the history shows it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub event: AuditEvent,
    pub actor_name: Option<String>,
}

pub async fn history(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<Vec<HistoryEntry>> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::ReadHistory)?;
            let staff = matches!(actor.role, Role::Inspector | Role::Admin);
            let events: Vec<_> =
                audit::stream_events(c, &case_stream(app.id))?.into_iter().filter(|e| staff || e.public).collect();
            let actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
            let names = users::display_names(c, &actor_ids)?;
            Ok(events
                .into_iter()
                .map(|e| HistoryEntry { actor_name: e.actor_user_id.and_then(|u| names.get(&u).cloned()), event: e })
                .collect())
        })
        .await
}

/// The checks a change makes before its body is read, in the order a client should hear about
/// them: may not know of it (404) or may not do it (403), not in this state (409), no `If-Match`
/// (428) or stale (412). The transaction that follows checks them all again.
pub async fn precheck(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    request: CaseRequest,
    version: Option<i64>,
) -> AppResult<i64> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, request)?;
            if let CaseRequest::Act(action) = request {
                let resume = app.resume_status.as_deref().and_then(|s| s.parse().ok());
                next_status(&app, action, Facts { all_criteria_met: true, resume })?;
            }
            let version = version.ok_or(AppError::PreconditionRequired)?;
            expect_version(&app, version)?;
            Ok(version)
        })
        .await
}

/// Checks only who may make `request` on a case (404/403), before its body is read.
pub async fn precheck_request(ctx: &AppContext, actor: &Actor, id: i64, request: CaseRequest) -> AppResult<()> {
    let actor = *actor;
    ctx.db.run(move |c| load_for(c, &actor, id, request).map(|_| ())).await
}
