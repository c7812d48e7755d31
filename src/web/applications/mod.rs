//! The innovator's pages: "Your applications", a draft as a task list (`draft`), and the case
//! page after submission with its forms (`case`).

mod case;
mod draft;
mod files;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::forms::page;
use super::session::SignedIn;
use crate::app::cases::{self, CaseView, CaseWork};
use crate::app::tx::Expected;
use crate::app::{AppContext, PageRequest};
use crate::db::cases::CaseFilter;
use crate::db::models::Application;
use crate::domain::case::Status;
use crate::domain::monitoring::{ConditionStatus, MilestoneStatus};
use crate::error::{AppError, AppResult};

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "applications/list.html",
    "applications/new.html",
    "applications/task_list.html",
    "applications/section.html",
    "applications/check_answers.html",
    "applications/submitted.html",
    "applications/case.html",
    "applications/answer.html",
    "applications/evidence.html",
    "applications/report.html",
    "applications/confirm.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/applications").route(web::get().to(list)));
    draft::routes(cfg);
    cfg.service(web::resource("/applications/{id}").route(web::get().to(show)));
    case::routes(cfg);
    files::routes(cfg);
    // Last: a draft's section pages, `/applications/{id}/{section}`.
    draft::section_routes(cfg);
}

/// The version a form was rendered with, as the change's expectation.
pub(crate) fn expected(version: Option<&str>) -> Expected {
    match version.and_then(|v| v.trim().parse::<i64>().ok()) {
        Some(v) => Expected::Version(v),
        None => Expected::Missing,
    }
}

/// The message a page shows when its change was refused because the case moved on meanwhile.
pub(crate) fn refusal_notice(e: &AppError) -> Option<&'static str> {
    match e {
        AppError::PreconditionFailed { .. } | AppError::PreconditionRequired => Some(
            "This application changed after you opened this page, perhaps in another tab. Nothing was saved: check it and try again.",
        ),
        AppError::Conflict { .. } => {
            Some("This cannot be done now: the application has moved on since you opened this page. Nothing was changed.")
        }
        _ => None,
    }
}

/// The case as its pages show it.
fn case_json(view: &CaseView) -> Value {
    let app = &view.app;
    json!({
        "id": app.id, "title": app.title, "status": app.status.as_str(), "reference": app.reference,
        "version": app.version, "submitted_at": app.submitted_at, "created_at": app.created_at,
        "updated_at": app.updated_at, "decided_at": app.decided_at,
        "zone": view.zone.as_ref().map(|z| json!({"id": z.id, "name": z.name, "authority": z.lpa_name,
            "min_ownership": z.min_community_ownership_pct})),
        "inspector": view.inspector.as_ref().map(|i| i.display_name.clone()),
        "organisation": view.organisation.as_ref().map(|o| o.name.clone()),
        "trial_start_date": app.trial_start_date, "trial_end_date": app.trial_end_date,
        "decision_reasons": app.decision_reasons,
        "allowed": view.allowed_actions.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    })
}

/// What the author should do next, and by when.
fn next_step(app: &Application, work: &CaseWork) -> (String, Option<chrono::NaiveDate>) {
    match app.status {
        Status::Draft => ("Finish the application and submit it".into(), None),
        Status::Submitted | Status::Screening | Status::Assessment => {
            ("Nothing: an inspector is considering it".into(), None)
        }
        Status::InformationRequested => {
            ("Answer the inspector's questions".into(), work.open_requests.iter().map(|r| r.due_on).min())
        }
        Status::Approved => ("Start the trial".into(), app.trial_start_date),
        Status::Active | Status::Suspended => {
            let milestone = work
                .milestones
                .iter()
                .filter(|m| m.reported_at.is_none() && m.status != MilestoneStatus::Waived)
                .min_by_key(|m| m.due_on);
            let condition = work
                .conditions
                .iter()
                .filter(|c| matches!(c.status, ConditionStatus::Pending | ConditionStatus::Overdue))
                .min_by_key(|c| c.due_on);
            match (milestone, condition) {
                (Some(m), Some(c)) if c.due_on < m.due_on => {
                    (format!("Send evidence: {}", c.description), Some(c.due_on))
                }
                (Some(m), _) => (format!("Report on {}", m.title.to_lowercase()), Some(m.due_on)),
                (None, Some(c)) => (format!("Send evidence: {}", c.description), Some(c.due_on)),
                (None, None) => ("Nothing due".into(), None),
            }
        }
        Status::Refused | Status::Withdrawn | Status::Revoked | Status::Completed => ("Nothing".into(), None),
    }
}

async fn list(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let page_request = PageRequest { page: 1, per_page: 100 };
    let found = cases::list_with_work(&ctx, who.actor(), CaseFilter::default(), page_request).await?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|(summary, work)| {
            let app = &summary.app;
            let (next, due) = next_step(app, work);
            json!({
                "case": { "id": app.id, "title": app.title, "reference": app.reference, "status": app.status.as_str() },
                "next": next, "due": due,
            })
        })
        .collect();
    page(&who.visitor, "applications/list.html", json!({ "rows": rows }))
}

async fn show(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = cases::get(&ctx, who.actor(), id.into_inner()).await?;
    if view.app.status == Status::Draft {
        draft::task_list(&who.visitor, &view, None)
    } else {
        case::case_page(&ctx, &who.visitor, &view, None, StatusCode::OK).await
    }
}

/// A page in the refused state: the message above the page as it now is.
fn with_notice(mut context: Value, notice: Option<&str>) -> Value {
    if let (Some(m), Some(n)) = (context.as_object_mut(), notice) {
        m.insert("notice".into(), json!(n));
    }
    context
}
