//! The inspector's decision (`approve`: the form, its conditions builder and milestone schedule,
//! the check page; refusal) and the trial's later actions (`trial`: start, suspend, reinstate,
//! revoke, extend, complete). Every action the public sees has a page saying what will be
//! published and who will be emailed before it is final: the form's input travels in hidden
//! fields to that page and back, so nothing is stored until the inspector confirms.
//!
//! Shared with `review`: the case header of every action page, the page shown when a change is
//! refused because the case moved on, and the two-step reasons form (refuse, suspend, reinstate,
//! revoke, breach, waive).

mod approve;
mod trial;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::app::cases::{self, CaseView};
use crate::app::input::monitoring::ReasonsBody;
use crate::app::input::Parsed;
use crate::app::tx::Expected;
use crate::app::{conditions, lifecycle, AppContext};
use crate::domain::case::CaseAction;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::web::applications::{expected, refusal_notice};
use crate::web::fields;
use crate::web::forms::{done, errors_json, field, merge, page_status, Pairs};
use crate::web::session::{SignedIn, Visitor};

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "casework/decision_macros.html",
    "casework/decision_notice.html",
    "casework/decision_reasons.html",
    "casework/decision_approve.html",
    "casework/decision_check.html",
    "casework/trial_start.html",
    "casework/trial_extend.html",
    "casework/trial_complete.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    approve::routes(cfg);
    trial::routes(cfg);
}

/// The short header of every action page: reference, title, status, and where it goes back to.
pub(super) fn header_json(view: &CaseView) -> Value {
    let app = &view.app;
    json!({
        "id": app.id, "reference": app.reference, "title": app.title, "status": app.status.as_str(),
        "version": app.version, "trial_start_date": app.trial_start_date, "trial_end_date": app.trial_end_date,
        "zone": view.zone.as_ref().map(|z| z.name.clone()),
        "applicant": view.author.as_ref().map(|a| a.display_name.clone()),
        "organisation": view.organisation.as_ref().map(|o| o.name.clone()),
        "register": app.reference.as_ref().map(|r| format!("/register/{r}")),
    })
}

pub(super) async fn load(ctx: &AppContext, who: &SignedIn, id: i64) -> AppResult<CaseView> {
    cases::get(ctx, who.actor(), id).await
}

/// The page for an action the viewer may not take on this case now: nothing to fill in.
pub(super) fn not_now(v: &Visitor, view: &CaseView, what: &str) -> AppResult<HttpResponse> {
    let notice = format!(
        "You cannot {what} now. The case is {}, and only its assigned inspector can do this at the right stage.",
        crate::web::format::label(view.app.status.as_str()).to_lowercase()
    );
    page_status(
        v,
        StatusCode::FORBIDDEN,
        "casework/decision_notice.html",
        json!({ "case": header_json(view), "notice": notice, "heading": "This cannot be done now" }),
    )
}

/// A change refused because the case or the record moved on since the page was opened: a page
/// saying so (nothing was saved). Anything else (not allowed: `403`) is the error page.
pub(super) async fn refused(ctx: &AppContext, who: &SignedIn, id: i64, e: AppError) -> AppResult<HttpResponse> {
    let Some(notice) = refusal_notice(&e) else { return Err(e) };
    let view = load(ctx, who, id).await?;
    page_status(
        &who.visitor,
        StatusCode::CONFLICT,
        "casework/decision_notice.html",
        json!({ "case": header_json(&view), "notice": notice, "heading": "Nothing was saved" }),
    )
}

/// What a form step asks for: `change` (back to the form with the input), `confirm` (make the
/// change), or anything else (`check`: show what will happen).
pub(super) fn step(p: &Pairs) -> &str {
    field(p, "action")
}

/// The changes made with published reasons, each with its two pages' words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Reasoned {
    Refuse,
    Suspend,
    Reinstate,
    Revoke,
    Breach { condition: i64 },
    Waive { condition: i64 },
}

impl Reasoned {
    /// What the two pages say: title, label, hint, what is published, who is emailed, the
    /// confirm button, a warning, and the banner after it is done.
    fn words(self) -> Value {
        let (title, label, published, emailed, button, done) = match self {
            Reasoned::Refuse => (
                "Refuse the application",
                "Reasons for refusing",
                "The refusal and these reasons will be published on the public register as the decision notice.",
                "The applicant will be emailed the decision and these reasons.",
                "Confirm and refuse",
                "Application refused",
            ),
            Reasoned::Suspend => (
                "Suspend the trial",
                "Why are you suspending the trial?",
                "The trial will show as suspended on the public register, with these reasons.",
                "The applicant and everyone following this trial or its zone will be emailed these reasons.",
                "Suspend the trial",
                "Trial suspended",
            ),
            Reasoned::Reinstate => (
                "Reinstate the trial",
                "Why are you reinstating the trial?",
                "The trial will show as active again on the public register, with these reasons.",
                "The applicant and everyone following this trial or its zone will be emailed these reasons.",
                "Reinstate the trial",
                "Trial reinstated",
            ),
            Reasoned::Revoke => (
                "Revoke the trial",
                "Why are you revoking the trial?",
                "The trial will show as revoked on the public register, with these reasons.",
                "The applicant and everyone following this trial or its zone will be emailed these reasons.",
                "Revoke the trial",
                "Trial revoked",
            ),
            Reasoned::Breach { .. } => (
                "Mark the condition as breached",
                "Why has the condition been breached?",
                "The condition will show as breached on the public register.",
                "The applicant and everyone following this trial or its zone will be emailed these reasons.",
                "Mark as breached",
                "Condition marked as breached",
            ),
            Reasoned::Waive { .. } => (
                "Waive the condition",
                "Why are you waiving the condition?",
                "The condition will show as waived on the public register.",
                "The applicant will be emailed these reasons.",
                "Waive the condition",
                "Condition waived",
            ),
        };
        let warning = match self {
            Reasoned::Revoke => {
                Some("Revoking is permanent. The trial's derogations end at once and the trial cannot be reinstated.")
            }
            Reasoned::Breach { .. } => Some("A breach cannot be undone."),
            _ => None,
        };
        json!({ "title": title, "label": label, "published": published, "emailed": emailed,
                "button": button, "done": done, "warning": warning,
                "danger": matches!(self, Reasoned::Revoke | Reasoned::Breach { .. } | Reasoned::Refuse) })
    }

    fn action(self) -> Option<CaseAction> {
        match self {
            Reasoned::Refuse => Some(CaseAction::Refuse),
            Reasoned::Suspend => Some(CaseAction::Suspend),
            Reasoned::Reinstate => Some(CaseAction::Reinstate),
            Reasoned::Revoke => Some(CaseAction::Revoke),
            Reasoned::Breach { .. } | Reasoned::Waive { .. } => None,
        }
    }

    async fn carry_out(
        self,
        ctx: &AppContext,
        who: &SignedIn,
        id: i64,
        expected: Expected,
        reasons: Parsed<String>,
    ) -> AppResult<()> {
        let actor = who.actor();
        match self {
            Reasoned::Refuse => lifecycle::refuse(ctx, actor, id, expected, reasons).await.map(|_| ()),
            Reasoned::Suspend | Reasoned::Reinstate | Reasoned::Revoke => {
                let action = self.action().unwrap_or(CaseAction::Suspend);
                lifecycle::enforce(ctx, actor, id, expected, action, reasons).await.map(|_| ())
            }
            Reasoned::Breach { condition } => {
                conditions::close(ctx, actor, condition, expected, true, reasons).await.map(|_| ())
            }
            Reasoned::Waive { condition } => {
                conditions::close(ctx, actor, condition, expected, false, reasons).await.map(|_| ())
            }
        }
    }
}

/// The reasons form and its confirmation page. `context` carries the header (`case`), the
/// form's address (`action_url`), the version it guards (`version`) and what it is about.
pub(super) fn reasons_page(
    v: &Visitor,
    which: Reasoned,
    context: Value,
    reasons: &str,
    confirming: bool,
    errors: Option<&FieldErrors>,
) -> AppResult<HttpResponse> {
    let mut context = context;
    merge(&mut context, json!({ "words": which.words(), "form": { "reasons": reasons }, "confirming": confirming }));
    let status = match errors {
        Some(e) => {
            merge(&mut context, errors_json(e, &[("reasons", "The statement of reasons")]));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::OK,
    };
    page_status(v, status, "casework/decision_reasons.html", context)
}

/// A posted reasons form: back to the form, on to the confirmation page, or (confirmed) the
/// change itself, then the case page with a banner.
pub(super) async fn reasons_post(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    which: Reasoned,
    context: Value,
    p: &Pairs,
) -> AppResult<HttpResponse> {
    let reasons = field(p, "reasons");
    let body = || ReasonsBody { reasons: fields::text(reasons) };
    match step(p) {
        "change" => reasons_page(&who.visitor, which, context, reasons, false, None),
        "confirm" => {
            let version = expected(Some(field(p, "version")));
            match which.carry_out(ctx, who, id, version, body().parse()).await {
                Ok(()) => {
                    let words = which.words();
                    let message = words["done"].as_str().unwrap_or("Done");
                    done(ctx, &who.visitor, &format!("/casework/{id}"), message).await
                }
                Err(AppError::Validation(e)) => reasons_page(&who.visitor, which, context, reasons, false, Some(&e)),
                Err(e) => refused(ctx, who, id, e).await,
            }
        }
        _ => match body().parse() {
            Ok(_) => reasons_page(&who.visitor, which, context, reasons, true, None),
            Err(e) => reasons_page(&who.visitor, which, context, reasons, false, Some(&e)),
        },
    }
}

/// The GET and POST of a case's reasons form (refuse, suspend, reinstate, revoke).
pub(super) async fn case_reasons_form(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    which: Reasoned,
    posted: Option<&Pairs>,
) -> AppResult<HttpResponse> {
    let view = load(ctx, who, id).await?;
    let context = json!({
        "case": header_json(&view),
        "action_url": format!("/casework/{id}/{}", which.action().and_then(super::action_path).unwrap_or("")),
        "version": posted.map(|p| json!(field(p, "version"))).unwrap_or(json!(view.app.version)),
    });
    match posted {
        Some(p) => reasons_post(ctx, who, id, which, context, p).await,
        None if which.action().is_some_and(|a| !view.allowed_actions.contains(&a)) => {
            not_now(&who.visitor, &view, which.words()["title"].as_str().unwrap_or("do this").to_lowercase().as_str())
        }
        None => reasons_page(&who.visitor, which, context, "", false, None),
    }
}
