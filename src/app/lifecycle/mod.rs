//! Lifecycle transitions of a case, each one write transaction through [`Tx::open`]: load and
//! hold the case, check permission (`404`/`403`), state (`409`) and version (`428`/`412`), then
//! the parsed input (`422`); change the case, append its audit event and queue its emails.
//! Submission and assignment are here; the decision in `decision.rs`; the trial in `trial.rs`.

mod decision;
mod trial;

pub use decision::{
    answer, answer_allowed, approval_allowed, approve, refuse, request_information, request_information_allowed, screen,
};
pub use trial::{complete, enforce, extend, extension_allowed, start};

use chrono::NaiveDateTime;
use serde_json::json;

use super::case_mail::To;
use super::cases::CaseView;
use super::input::Parsed;
use super::tx::{self, Expected, Tx};
use super::AppContext;
use crate::db::cases as repo;
use crate::db::models::Application;
use crate::db::{catalogue, users, DbConn};
use crate::domain::account::Role;
use crate::domain::application::{check_submission, ApplicationForm, ProvisionFacts, ZoneFacts};
use crate::domain::case::{CaseAction, Facts};
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};

/// Runs a transition in one write transaction and returns the case as the actor now sees it.
async fn run<F>(ctx: &AppContext, actor: &Actor, f: F) -> AppResult<CaseView>
where
    F: FnOnce(&mut Tx<'_>) -> AppResult<Application> + Send + 'static,
{
    tx::write(ctx, actor, move |tx| {
        let app = f(tx)?;
        tx.case_view(app)
    })
    .await
}

/// Ends the pause of the decision clock, if it is paused.
fn close_pause(app: &mut Application, now: NaiveDateTime) {
    if let Some(since) = app.paused_since.take() {
        app.paused_seconds += (now - since).num_seconds().max(0);
    }
}

/// The stored draft as the domain's form, with its requested provisions.
fn form_of(c: &mut DbConn, app: &Application) -> AppResult<(ApplicationForm, Vec<ProvisionFacts>)> {
    let requested = repo::requested(c, app.id)?;
    let form = crate::app::cases::form_of(app, &requested);
    let provisions = requested.into_iter().map(|(_, p)| provision_facts(p)).collect();
    Ok((form, provisions))
}

fn provision_facts(p: crate::db::models::Provision) -> ProvisionFacts {
    ProvisionFacts { id: p.id, code: p.code, max_trial_months: p.max_trial_months, retired: p.retired_at.is_some() }
}

fn zone_facts(c: &mut DbConn, zone_id: Option<i64>) -> AppResult<Option<ZoneFacts>> {
    let Some(id) = zone_id else { return Ok(None) };
    let Some(z) = catalogue::find_zone(c, id)? else { return Ok(None) };
    let allowed = catalogue::allowed_codes(c, &[id])?.into_iter().map(|(_, code)| code).collect();
    Ok(Some(crate::app::catalogue::zone_facts(&z, allowed)))
}

/// What the submission receipt says happens next.
pub const SUBMISSION_NEXT_STEPS: [&str; 4] = [
    "An inspector will be assigned to your application and will screen it against the sandbox's criteria.",
    "The inspector may ask you for more information. We will email you if they do, with the date to answer by.",
    "You will usually get a decision within 8 weeks.",
    "We will email you when the decision is made.",
];

pub async fn submit(ctx: &AppContext, actor: &Actor, id: i64, expected: Expected) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Submit, Facts::default(), expected)?;
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
        let app = tx.finish(app, from, to, "application.submitted", json!({ "reference": reference }))?;
        tx.mail_with(
            &app,
            "submitted",
            &[To::Author],
            "Your application has been received",
            &format!("Your application has the reference {reference}."),
            json!({ "next_steps": SUBMISSION_NEXT_STEPS }),
        )?;
        tx.mail(
            &app,
            "awaiting_assignment",
            &[To::AllInspectors],
            "A new application is waiting for an inspector",
            "",
        )?;
        Ok(app)
    })
    .await
}

pub async fn withdraw(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    reason: Parsed<Option<String>>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Withdraw, Facts::default(), expected)?;
        let reason = reason?;
        app.closed_at = Some(tx.now);
        close_pause(&mut app, tx.now);
        let app = tx.finish(app, from, to, "application.withdrawn", json!({ "reason": reason }))?;
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

pub async fn assign(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    expected: Expected,
    inspector_id: Parsed<i64>,
) -> AppResult<CaseView> {
    run(ctx, actor, move |tx| {
        let (mut app, from, to) = tx.open(id, CaseAction::Assign, Facts::default(), expected)?;
        let inspector_id = inspector_id?;
        let inspector = users::find_user(tx.c, inspector_id)?
            .filter(|u| u.role == Role::Inspector && u.disabled_at.is_none())
            .ok_or_else(|| AppError::validation("inspector_id", "must be an active inspector"))?;
        let previous = app.assigned_inspector_id;
        app.assigned_inspector_id = Some(inspector.id);
        let app = tx.finish(
            app,
            from,
            to,
            "application.assigned",
            json!({ "inspector_id": inspector.id, "inspector": inspector.display_name, "previous_inspector_id": previous }),
        )?;
        tx.mail(&app, "assigned", &[To::AssignedInspector], "An application has been assigned to you", "")?;
        Ok(app)
    })
    .await
}
