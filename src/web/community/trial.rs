//! The trial page (`/register/{ref}`) for whoever reads it. Signed out, it is the public page,
//! cacheable by anyone (`Cache-Control: public`, an ETag, `Vary: Cookie`) with "Sign in to
//! comment, follow or confirm". Signed in, it carries that person's controls and form token and
//! is never stored by a cache (`no-store`, set by the session layer for every signed-in page).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{sign_in_to, trial_path};
use crate::app::community_pages::{self, TrialPage, Viewer};
use crate::app::input::community::MAX_POST;
use crate::app::AppContext;
use crate::domain::policy::Refusal;
use crate::error::{AppError, AppResult};
use crate::http::register::{cacheable, TrialResponse};
use crate::web::forms::{merge, page_status};
use crate::web::render_string;
use crate::web::session::Visitor;

fn viewer_json(v: &Viewer, page: &TrialPage) -> Value {
    let why_not = match v.observe {
        Ok(()) => None,
        Err(Refusal::EmailUnverified) => Some("unverified"),
        Err(Refusal::Hidden) => Some("not_public"),
        Err(_) if v.actor.role == crate::domain::account::Role::Community => Some("not_public"),
        Err(_) => Some("role"),
    };
    let own: Vec<i64> = page
        .record
        .observations
        .iter()
        .filter(|o| o.observation.author_id == v.actor.user_id)
        .map(|o| o.observation.id)
        .collect();
    json!({
        "role": v.actor.role.as_str(),
        "trial_subscription": v.trial_subscription,
        "zone_subscription": v.zone_subscription,
        "can_observe": v.observe.is_ok(),
        "why_not": why_not,
        "can_reply": v.reply,
        "reported": v.reported,
        "own": own,
    })
}

/// What the trial page's templates read: the public trial (`t`, the JSON page's DTO) and, for a
/// signed-in reader, what they may do (`viewer`).
pub(crate) fn context(page: &TrialPage) -> AppResult<Value> {
    let reference = page.record.entry.app.reference.clone().unwrap_or_default();
    let t = serde_json::to_value(TrialResponse::from(page.record.clone())).map_err(AppError::internal)?;
    let path = trial_path(&reference);
    Ok(json!({
        "t": t,
        "viewer": page.viewer.as_ref().map(|v| viewer_json(v, page)),
        "public_trial": page.record.entry.app.status.is_public_trial(),
        "page_path": path,
        "sign_in": sign_in_to(&path),
        "max_post": MAX_POST,
        "form": {},
    }))
}

/// The trial page for `visitor`, with `extra` (a form's input and errors) and `status`.
pub(crate) async fn render(
    ctx: &AppContext,
    visitor: &Visitor,
    reference: String,
    status: StatusCode,
    extra: Value,
) -> AppResult<HttpResponse> {
    let actor = visitor.actor();
    let page = community_pages::trial(ctx, actor.as_ref(), reference).await?;
    let mut context = context(&page)?;
    merge(&mut context, extra);
    page_status(visitor, status, "trial.html", context)
}

/// `GET /register/{ref}`.
pub async fn show(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    visitor: Visitor,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    if visitor.session().is_some() {
        return render(&ctx, &visitor, reference, StatusCode::OK, json!({})).await;
    }
    // No such entry is a 404, a browser's "Page not found" page (`web::errors`).
    let page = community_pages::trial(&ctx, None, reference).await?;
    let body = render_string("trial.html", context(&page)?)?;
    // The same address is personal for those who are signed in: a shared cache keeps this copy
    // for requests without the session cookie only.
    Ok(cacheable(&req, "text/html; charset=utf-8", body.into_bytes(), vec![("Vary".into(), "Cookie".into())]))
}
