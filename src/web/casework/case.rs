//! The inspector's case page: a summary (status, applicant, zone, the assigned inspector with
//! "Assign to me" and "Change", the decision clock and the actions the viewer may take now) above
//! tabs (Application · Screening · Information requests · Decision · Monitoring · Community ·
//! History); and the staff downloads of a case's files. The forms are in the submodules: assign
//! (`assign`), screening with its check page (`screening`), request information (`information`).

mod assign;
mod documents;
mod information;
mod screening;
mod tabs;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::app::case_file::{self, CaseFile};
use crate::app::cases::{self, CaseView};
use crate::app::{conditions, AppContext};
use crate::domain::account::Role;
use crate::domain::case::CaseAction;
use crate::error::{AppError, AppResult};
use crate::http::upload::download;
use crate::web::applications::{refusal_notice, with_notice};
use crate::web::format::days_left;
use crate::web::forms::page_status;
use crate::web::session::SignedIn;

use super::action_path;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "casework/case.html",
    "casework/case_assign.html",
    "casework/case_screening.html",
    "casework/case_screening_check.html",
    "casework/case_request_information.html",
    "casework/case_document.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/casework/{id}").route(web::get().to(show)))
        .service(web::resource("/casework/{id}/attachments/{aid}").route(web::get().to(attachment)))
        .service(web::resource("/casework/{id}/evidence/{eid}").route(web::get().to(evidence_file)));
    assign::routes(cfg);
    screening::routes(cfg);
    information::routes(cfg);
    documents::routes(cfg);
}

/// What the button or link of each action says.
fn action_text(action: CaseAction) -> &'static str {
    match action {
        CaseAction::Assign => "Change the inspector",
        CaseAction::Screen => "Screen the application",
        CaseAction::RequestInformation => "Request information",
        CaseAction::Approve => "Approve",
        CaseAction::Refuse => "Refuse",
        CaseAction::Start => "Start the trial",
        CaseAction::Suspend => "Suspend the trial",
        CaseAction::Reinstate => "Reinstate the trial",
        CaseAction::Revoke => "Revoke the trial",
        CaseAction::Extend => "Extend the trial",
        CaseAction::Complete => "Complete the trial",
        CaseAction::Edit | CaseAction::Submit | CaseAction::Withdraw | CaseAction::Answer => "",
    }
}

/// Where the case stands against its target decision date, in words.
fn clock_text(view: &CaseView) -> Option<String> {
    let c = view.decision_clock.as_ref()?;
    Some(if c.paused {
        "Clock paused while the applicant answers".to_string()
    } else if c.working_days_left < 0 {
        let n = c.working_days_left.unsigned_abs();
        format!("Overdue by {n} working {}", if n == 1 { "day" } else { "days" })
    } else {
        days_left(c.working_days_left)
    })
}

/// The case as every casework page shows it at the top: what it is, who has it and what the
/// viewer may do now.
pub(super) fn summary_json(view: &CaseView, who: &SignedIn) -> Value {
    let app = &view.app;
    let me = who.actor();
    let assignable = view.allowed_actions.contains(&CaseAction::Assign);
    let actions: Vec<Value> = view
        .allowed_actions
        .iter()
        .filter(|a| **a != CaseAction::Assign)
        .filter_map(|a| {
            action_path(*a).map(|p| json!({ "text": action_text(*a), "href": format!("/casework/{}/{p}", app.id) }))
        })
        .collect();
    json!({
        "id": app.id, "title": app.title, "reference": app.reference, "status": app.status.as_str(),
        "version": app.version, "submitted_at": app.submitted_at,
        "organisation": view.organisation.as_ref().map(|o| json!({ "name": o.name, "kind": o.kind.as_str() })),
        "applicant": view.author.as_ref().map(|u| u.display_name.clone()),
        "zone": view.zone.as_ref().map(|z| json!({ "name": z.name, "authority": z.lpa_name })),
        "inspector": view.inspector.as_ref().map(|i| json!({ "id": i.id, "name": i.display_name })),
        "assignable": assignable,
        "assign_to_me": assignable && me.role == Role::Inspector && app.assigned_inspector_id != Some(me.user_id),
        "clock": view.decision_clock.as_ref().map(|c| json!({ "target": c.target, "paused": c.paused,
            "text": clock_text(view), "overdue": !c.paused && c.working_days_left < 0 })),
        "actions": actions,
        "allowed": view.allowed_actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    })
}

async fn show(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    case_page(&ctx, &who, id.into_inner(), None, StatusCode::OK).await
}

/// The case page, with `notice` at the top when a change was refused.
pub(super) async fn case_page(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let file: CaseFile = case_file::case_file(ctx, who.actor(), id).await?;
    let context =
        json!({ "case": summary_json(&file.view, who), "tabs": tabs::tabs_json(&file, publishes(&file.view, who)) });
    page_status(&who.visitor, status, "casework/case.html", with_notice(context, notice))
}

/// Whether the viewer may publish the case's files with the decision notice (the policy's answer,
/// for the links on the case page and the confirmation page behind them).
pub(super) fn publishes(view: &CaseView, who: &SignedIn) -> bool {
    crate::domain::policy::authorize_case(
        Some(who.actor()),
        crate::domain::policy::CaseRequest::PublishDocument,
        &crate::app::tx::facts_of(&view.app),
    )
    .is_ok()
}

/// A refused change: the case page as it now is, with what happened said at the top; any other
/// refusal (`403`, `404`) as its error page.
pub(super) async fn refused(ctx: &AppContext, who: &SignedIn, id: i64, e: AppError) -> AppResult<HttpResponse> {
    match refusal_notice(&e) {
        Some(notice) => case_page(ctx, who, id, Some(notice), StatusCode::CONFLICT).await,
        None => Err(e),
    }
}

/// The case for a form page: staff only (`403` for anyone else), as the viewer sees it.
pub(super) async fn load(ctx: &AppContext, who: &SignedIn, id: i64) -> AppResult<CaseView> {
    if !matches!(who.actor().role, Role::Inspector | Role::Admin) {
        return Err(AppError::Forbidden("only inspectors and admins work on cases".into()));
    }
    cases::get(ctx, who.actor(), id).await
}

/// The file of a case (an inspector's, sent with a question, or the applicant's, with an answer).
async fn attachment(ctx: web::Data<AppContext>, who: SignedIn, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (_, aid) = path.into_inner();
    let (a, data) = cases::information_attachment(&ctx, who.actor(), aid).await?;
    Ok(download(&a.file_name, &a.content_type, data))
}

/// The file sent as evidence against one of the case's conditions.
async fn evidence_file(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (id, eid) = path.into_inner();
    let (e, data) = conditions::evidence_file(&ctx, who.actor(), eid).await?;
    if e.application_id != id {
        return Err(AppError::NotFound("no such file".into()));
    }
    let name = e.file_name.clone().unwrap_or_else(|| "evidence".into());
    let content_type = e.file_type.clone().unwrap_or_else(|| "application/octet-stream".into());
    Ok(download(&name, &content_type, data))
}
