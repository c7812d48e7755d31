//! Applications: create and edit drafts, read, list the queue, read the history. The lifecycle
//! transitions are in `lifecycle/`; every change goes through `tx.rs`.

use chrono::NaiveDate;
use serde_json::json;

use super::input::Parsed;
pub use super::tx::case_stream;
use super::tx::{self, facts_of, Expected, Tx};
use super::{AppContext, Page, PageRequest, Remember};
use crate::config::Settings;
use crate::db::cases::{self as repo, CaseFilter, NewApplication};
use crate::db::models::*;
use crate::db::{audit, catalogue, information, users, DbConn};
use crate::domain::account::Role;
use crate::domain::application::{ApplicationForm, DerogationRequest, Postcode};
use crate::domain::calendar::Holidays;
use crate::domain::case::{allowed_actions, CaseAction, Facts, Status};
use crate::domain::clock::{case_clock, clock_from_target, target_date, DecisionClock, Pause};
use crate::domain::policy::{authorize, authorize_case, Action, Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

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
    /// The files sent with the answers, each naming its request (without their bytes).
    pub information_attachments: Vec<InformationRequestAttachment>,
    pub conditions: Vec<Condition>,
    pub milestones: Vec<Milestone>,
    pub enforcement: Vec<EnforcementAction>,
    pub evaluation: Option<(Evaluation, Vec<(Recommendation, Provision)>)>,
    /// Where the case stands against its target decision date: `None` for a draft and for a case
    /// no longer awaiting a decision (see `domain::clock`).
    pub decision_clock: Option<DecisionClock>,
    /// What the viewer may do now.
    pub allowed_actions: Vec<CaseAction>,
}

/// What the decision clock is read against: the day, the target and the calendar.
#[derive(Debug, Clone)]
pub struct ClockRules<'a> {
    pub today: NaiveDate,
    pub target_working_days: u32,
    pub holidays: &'a Holidays,
}

impl<'a> ClockRules<'a> {
    pub fn new(settings: &'a Settings, today: NaiveDate) -> Self {
        ClockRules {
            today,
            target_working_days: settings.cases.decision_target_working_days,
            holidays: settings.holidays(),
        }
    }
}

impl Tx<'_> {
    /// The case as the transaction's actor sees it, on the transaction's day.
    pub fn case_view(&mut self, app: Application) -> AppResult<CaseView> {
        let rules = ClockRules::new(self.settings, self.today());
        view(self.c, &self.actor, app, &rules)
    }
}

/// The case's clock from its submission and its information requests.
fn clock_of(app: &Application, requests: &[InformationRequest], rules: &ClockRules) -> Option<DecisionClock> {
    let pauses: Vec<Pause> = requests
        .iter()
        .map(|r| Pause { raised_on: r.requested_at.date(), answered_on: r.answered_at.map(|a| a.date()) })
        .collect();
    let submitted_on = app.submitted_at.map(|s| s.date());
    case_clock(app.status, submitted_on, &pauses, rules.target_working_days, rules.today, rules.holidays)
}

/// The target decision date the case row keeps for the queue: `None` until it is submitted.
pub fn kept_target(app: &Application, requests: &[InformationRequest], rules: &ClockRules) -> Option<NaiveDate> {
    let submitted_on = app.submitted_at?.date();
    let pauses: Vec<Pause> = requests
        .iter()
        .map(|r| Pause { raised_on: r.requested_at.date(), answered_on: r.answered_at.map(|a| a.date()) })
        .collect();
    let decided_on = app.decided_at.map(|d| d.date());
    Some(target_date(submitted_on, decided_on, &pauses, rules.target_working_days, rules.today, rules.holidays))
}

/// Fills in the kept target of cases submitted before it was kept, a batch at a time; returns how
/// many were filled. Idempotent, so replicas starting together may both run it.
pub fn backfill_targets(c: &mut DbConn, settings: &Settings, today: NaiveDate) -> AppResult<usize> {
    let rules = ClockRules::new(settings, today);
    let mut filled = 0;
    loop {
        let batch = repo::missing_targets(c, 500)?;
        if batch.is_empty() {
            return Ok(filled);
        }
        for app in &batch {
            let requests = repo::information_requests(c, app.id)?;
            // A submitted case always has a target; the fallback only ends the loop on bad rows.
            let target = kept_target(app, &requests, &rules).unwrap_or(today);
            repo::set_target(c, app.id, target)?;
        }
        filled += batch.len();
    }
}

pub fn view(c: &mut DbConn, actor: &Actor, app: Application, rules: &ClockRules) -> AppResult<CaseView> {
    let facts = facts_of(&app);
    let information_requests = repo::information_requests(c, app.id)?;
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
        information_attachments: information::attachments_of_case(c, app.id)?,
        decision_clock: clock_of(&app, &information_requests, rules),
        information_requests,
        conditions: repo::conditions(c, app.id)?,
        milestones: repo::milestones(c, app.id)?,
        enforcement: repo::enforcement_actions(c, app.id)?,
        evaluation: repo::evaluation(c, app.id)?,
        allowed_actions: allowed,
        app,
    })
}

/// What the application says, as its author wrote it.
pub fn form_of(app: &Application, requested: &[(RequestedDerogation, Provision)]) -> ApplicationForm {
    ApplicationForm {
        title: app.title.clone(),
        summary: app.summary.clone(),
        intervention: app.intervention,
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
    }
}

impl CaseView {
    pub fn form(&self) -> ApplicationForm {
        form_of(&self.app, &self.requested)
    }
}

/// Copies the form onto the row and resolves the requested provisions (unknown codes are named).
fn apply_form(c: &mut DbConn, app: &mut Application, form: &ApplicationForm) -> AppResult<Vec<(i64, String, String)>> {
    app.title = form.title.clone();
    app.summary = form.summary.clone();
    app.intervention = form.intervention;
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

pub async fn create(ctx: &AppContext, actor: &Actor, form: Parsed<ApplicationForm>) -> AppResult<CaseView> {
    authorize(Some(actor), Action::CreateApplication).map_err(|r| AppError::refused(r, "create an application"))?;
    let form = form?;
    tx::write(ctx, actor, move |tx| {
        let author = users::find_user(tx.c, tx.actor.user_id)?
            .ok_or_else(|| AppError::Unauthenticated("log in again".into()))?;
        let organisation = match author.organisation_id {
            Some(o) => users::find_organisation(tx.c, o)?,
            None => None,
        };
        let mut app = repo::insert_application(
            tx.c,
            &NewApplication {
                author_id: author.id,
                organisation_id: author.organisation_id,
                applicant_kind: organisation.map(|o| o.kind),
                status: Status::Draft,
                title: form.title.clone(),
                paused_seconds: 0,
                version: 0,
                created_at: tx.now,
                updated_at: tx.now,
            },
        )?;
        let rows = apply_form(tx.c, &mut app, &form)?;
        tx.save(&mut app)?;
        repo::replace_requested(tx.c, app.id, &rows)?;
        tx.record(&app, "application.created", Some("draft"), Some("draft"), json!({}), true)?;
        tx.case_view(app)
    })
    .await
}

pub async fn update_draft(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    form: Parsed<ApplicationForm>,
) -> AppResult<CaseView> {
    tx::write(ctx, actor, move |tx| {
        let (mut app, _, _) = tx.open(id, CaseAction::Edit, Facts::default(), expected)?;
        let form = form?;
        let rows = apply_form(tx.c, &mut app, &form)?;
        tx.save(&mut app)?;
        repo::replace_requested(tx.c, app.id, &rows)?;
        tx.record(&app, "application.edited", Some("draft"), Some("draft"), json!({}), true)?;
        tx.case_view(app)
    })
    .await
}

/// Loads a case for a read, refusing those who may not know it exists (404) or may not read it.
pub fn load_for(c: &mut DbConn, actor: &Actor, id: i64, request: CaseRequest) -> AppResult<Application> {
    let app = repo::find_application(c, id)?.ok_or_else(|| AppError::NotFound(tx::NO_SUCH_APPLICATION.into()))?;
    tx::authorize(actor, request, &app, tx::NO_SUCH_APPLICATION)?;
    Ok(app)
}

pub async fn get(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<CaseView> {
    let (actor, settings, today) = (*actor, ctx.settings.clone(), ctx.now().date());
    ctx.db
        .run(move |c| {
            let app = load_for(c, &actor, id, CaseRequest::Read)?;
            view(c, &actor, app, &ClockRules::new(&settings, today))
        })
        .await
}

const NO_SUCH_FILE: &str = "no such file";

/// A file sent with an answer, with its bytes, for whoever may read its case's full record.
pub async fn information_attachment(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
) -> AppResult<(InformationRequestAttachment, Vec<u8>)> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            let not_found = || AppError::NotFound(NO_SUCH_FILE.into());
            let (attachment, case_id) = information::find_attachment(c, id)?.ok_or_else(not_found)?;
            let app = repo::find_application(c, case_id)?.ok_or_else(not_found)?;
            tx::authorize(&actor, CaseRequest::Read, &app, NO_SUCH_FILE)?;
            let bytes = information::attachment_bytes(c, id)?.ok_or_else(not_found)?;
            Ok((attachment, bytes))
        })
        .await
}

/// One row of a list: the case with the names it refers to and its decision clock (from the
/// target kept on the row).
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub app: Application,
    pub organisation_name: Option<String>,
    pub zone_name: Option<String>,
    pub inspector_name: Option<String>,
    pub decision_clock: Option<DecisionClock>,
}

pub async fn list(
    ctx: &AppContext,
    actor: &Actor,
    mut filter: CaseFilter,
    page: PageRequest,
) -> AppResult<Page<CaseSummary>> {
    authorize(Some(actor), Action::ListApplications).map_err(|r| AppError::refused(r, "list applications"))?;
    scope(actor, &mut filter);
    let cap = ctx.settings.lists.total_count_cap;
    let keep = ctx.settings.lists.capped_count_seconds;
    let (counts, now, settings) = (ctx.capped_counts.clone(), ctx.now(), ctx.settings.clone());
    ctx.db
        .run(move |c| {
            let rows = repo::list_applications(c, &filter, page.offset(), page.per_page)?;
            let key = format!("applications {filter:?}");
            let counted = counts
                .count(key, now, (keep, Remember::PastTheCap), cap, || repo::count_applications(c, &filter, cap))?;
            let items = summaries(c, rows, &ClockRules::new(&settings, now.date()))?;
            Ok::<_, AppError>(Page::new(items, page, counted, cap))
        })
        .await
}

/// What a viewer's lists hold: an innovator's own cases; for staff every case but drafts.
pub(super) fn scope(actor: &Actor, filter: &mut CaseFilter) {
    if actor.role == Role::Innovator {
        filter.author_id = Some(actor.user_id);
    } else {
        filter.exclude_drafts = true;
    }
}

/// List rows with the names they refer to, read for the whole page at once.
fn summaries(c: &mut DbConn, rows: Vec<Application>, rules: &ClockRules) -> AppResult<Vec<CaseSummary>> {
    let org_ids: Vec<i64> = rows.iter().filter_map(|a| a.organisation_id).collect();
    let zone_ids: Vec<i64> = rows.iter().filter_map(|a| a.zone_id).collect();
    let inspector_ids: Vec<i64> = rows.iter().filter_map(|a| a.assigned_inspector_id).collect();
    let orgs = users::organisation_names(c, &org_ids)?;
    let zones = catalogue::zone_names(c, &zone_ids)?;
    let inspectors = users::display_names(c, &inspector_ids)?;
    Ok(rows
        .into_iter()
        .map(|app| CaseSummary {
            organisation_name: app.organisation_id.and_then(|o| orgs.get(&o).cloned()),
            zone_name: app.zone_id.and_then(|z| zones.get(&z).cloned()),
            inspector_name: app.assigned_inspector_id.and_then(|i| inspectors.get(&i).cloned()),
            decision_clock: clock_from_target(
                app.status,
                app.target_decision_on,
                app.paused_since.map(|p| p.date()),
                rules.today,
                rules.holidays,
            ),
            app,
        })
        .collect())
}

/// What a case still asks of its author: its open information requests, its milestones and its
/// conditions.
#[derive(Debug, Clone, Default)]
pub struct CaseWork {
    pub open_requests: Vec<InformationRequest>,
    pub milestones: Vec<Milestone>,
    pub conditions: Vec<Condition>,
}

/// A list of cases (as [`list`]) with what each still asks of its author, read for the whole
/// page at once.
pub async fn list_with_work(
    ctx: &AppContext,
    actor: &Actor,
    filter: CaseFilter,
    page: PageRequest,
) -> AppResult<Page<(CaseSummary, CaseWork)>> {
    let found = list(ctx, actor, filter, page).await?;
    let ids: Vec<i64> = found.items.iter().map(|s| s.app.id).collect();
    let (requests, milestones, conditions) =
        ctx.db.run(move |c| repo::work_of(c, &ids).map_err(AppError::from)).await?;
    let Page { items, page, total, capped } = found;
    let items = items
        .into_iter()
        .map(|s| {
            let id = s.app.id;
            let work = CaseWork {
                open_requests: requests.iter().filter(|r| r.application_id == id).cloned().collect(),
                milestones: milestones.iter().filter(|m| m.application_id == id).cloned().collect(),
                conditions: conditions.iter().filter(|c| c.application_id == id).cloned().collect(),
            };
            (s, work)
        })
        .collect();
    Ok(Page { items, page, total, capped })
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
            history_of(c, &actor, &app)
        })
        .await
}

/// Public events that carry an observation's text (or a reply to it) show what the public page
/// shows: nothing while the observation is hidden or held, the redacted text once redacted. The
/// events themselves are untouched in the audit trail; only this reading of them changes.
fn withhold_moderated_text(c: &mut DbConn, case_id: i64, events: &mut [AuditEvent]) -> AppResult<()> {
    use super::community::public_text;
    if !events.iter().any(|e| matches!(e.action.as_str(), "observation.posted" | "observation.replied")) {
        return Ok(());
    }
    let observations: std::collections::HashMap<i64, Observation> =
        crate::db::community::observations_of(c, case_id)?.into_iter().map(|o| (o.id, o)).collect();
    for e in events.iter_mut() {
        let posted = match e.action.as_str() {
            "observation.posted" => true,
            "observation.replied" => false,
            _ => continue,
        };
        let mut details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
        let Some(obs) = details["observation_id"].as_i64().and_then(|id| observations.get(&id)) else { continue };
        let shown = match public_text(obs) {
            None => None,
            Some(text) if posted => Some(text.to_owned()),
            // A reply stays as written while its observation can be read.
            Some(_) => continue,
        };
        if shown.as_deref() == details["body"].as_str() {
            continue;
        }
        details["body"] = shown.map_or(serde_json::Value::Null, serde_json::Value::String);
        details["withheld"] = json!(true);
        e.details = details.to_string();
    }
    Ok(())
}

/// The history of a case `actor` may read the history of: staff see every event, others the
/// public ones.
pub(crate) fn history_of(c: &mut DbConn, actor: &Actor, app: &Application) -> AppResult<Vec<HistoryEntry>> {
    let staff = matches!(actor.role, Role::Inspector | Role::Admin);
    let mut events: Vec<_> =
        audit::stream_events(c, &case_stream(app.id))?.into_iter().filter(|e| staff || e.public).collect();
    if !staff {
        withhold_moderated_text(c, app.id, &mut events)?;
    }
    let actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
    let names = users::display_names(c, &actor_ids)?;
    Ok(events
        .into_iter()
        .map(|e| HistoryEntry { actor_name: e.actor_user_id.and_then(|u| names.get(&u).cloned()), event: e })
        .collect())
}
