//! The account page: one's details, notification preferences, password, and sessions.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::account::{new_password, Empty};
use super::forms::{invalid, page, redirect, Form};
use super::session::SignedIn;
use crate::app::accounts::{self, sessions};
use crate::app::case_mail::PREFERENCES;
use crate::app::community;
use crate::app::input::community::PreferencesBody;
use crate::app::AppContext;
use crate::error::{AppError, AppResult};

pub const TEMPLATES: &[(&str, &str)] =
    crate::page_templates!["account.html", "change_password.html", "notifications.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(web::get().to(account_page)))
        .service(web::resource("/account/password").route(web::get().to(password_page)).route(web::post().to(password)))
        .service(
            web::resource("/account/notifications")
                .route(web::get().to(notifications_page))
                .route(web::post().to(notifications)),
        )
        .service(web::resource("/account/sign-out-everywhere").route(web::post().to(sign_out_everywhere)));
}

/// What each preference is about, as the page says it.
fn preference_text(name: &str) -> (&'static str, &'static str) {
    match name {
        "case_updates" => ("Updates on your cases", "Information requests, decisions, evidence reviews"),
        "new_cases" => ("New cases awaiting assignment", "For inspectors"),
        "reminders" => ("Reminders", "Milestones and conditions that are due soon or overdue"),
        "community" => ("Community activity", "Observations, replies and disputed evidence on your trials"),
        "followed_trials" => ("Trials and zones you follow", "Decisions and changes to them"),
        _ => ("Other", ""),
    }
}

async fn account_page(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let actor = *who.actor();
    let account = accounts::account(&ctx, actor.user_id).await?;
    let preferences = community::preferences(&ctx, &actor).await?;
    let list = sessions::list(&ctx, &actor).await?;
    let current = who.session.id;
    let sessions: Vec<_> = list
        .iter()
        .map(|s| {
            json!({
                "this": s.id == current, "signed_in": s.created_at, "last_used": s.last_seen_at,
                "device": s.user_agent.as_deref().map(device).unwrap_or("Unknown browser"),
            })
        })
        .collect();
    let on: Vec<_> = preferences.iter().filter(|(_, on)| *on).map(|(n, _)| preference_text(n).0).collect();
    page(
        &who.visitor,
        "account.html",
        json!({
            "account": {
                "name": account.user.display_name, "email": account.user.email, "role": account.user.role.as_str(),
                "verified": account.user.email_verified_at.is_some(),
                "organisation": account.organisation.as_ref().map(|o| json!({"name": o.name, "kind": o.kind.as_str()})),
            },
            "preferences_on": on,
            "sessions": sessions,
        }),
    )
}

/// A short name for the browser a session was started in.
fn device(agent: &str) -> &'static str {
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(k, _)| agent.contains(k))
        .map(|(_, n)| *n);
    match browser {
        Some(b) if agent.contains("Mobile") => match b {
            "Chrome" => "Chrome on a phone",
            "Safari" => "Safari on a phone",
            "Firefox" => "Firefox on a phone",
            _ => "A browser on a phone",
        },
        Some(b) => b,
        None => "Another program",
    }
}

async fn password_page(who: SignedIn) -> AppResult<HttpResponse> {
    page(&who.visitor, "change_password.html", json!({}))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

const LABELS: &[(&str, &str)] = &[
    ("current_password", "The current password"),
    ("new_password", "Your new password"),
    ("confirm_password", "The confirmation"),
];

async fn password(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    Form(f): Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let wanted = new_password(&f.new_password, &f.confirm_password);
    match sessions::change_password(&ctx, who.actor(), f.current_password, wanted).await {
        Ok(user) => {
            let agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
            let message = "Your password has been changed. You have been signed out on every other device".to_string();
            let session = sessions::start(&ctx, &user, agent, Some(message)).await?;
            who.visitor.begin(session);
            Ok(redirect("/account"))
        }
        Err(AppError::Validation(e)) => invalid(&who.visitor, "change_password.html", &e, LABELS, json!({})),
        Err(other) => Err(other),
    }
}

async fn notifications_page(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let preferences = community::preferences(&ctx, who.actor()).await?;
    page(&who.visitor, "notifications.html", json!({ "preferences": listed(&preferences) }))
}

fn listed(preferences: &[(String, bool)]) -> Vec<serde_json::Value> {
    preferences
        .iter()
        .map(|(name, on)| {
            let (text, hint) = preference_text(name);
            json!({ "value": name, "text": text, "hint": hint, "on": on })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    /// The categories left ticked; the others are turned off.
    #[serde(default)]
    categories: Vec<String>,
}

async fn notifications(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    Form(f): Form<PreferencesForm>,
) -> AppResult<HttpResponse> {
    let body =
        PreferencesBody::of(PREFERENCES.iter().map(|p| (p.to_string(), f.categories.iter().any(|c| c == p))).collect());
    community::set_preferences(&ctx, who.actor(), body.parse()).await?;
    super::forms::done(&ctx, &who.visitor, "/account", "Your notification preferences have been saved").await
}

async fn sign_out_everywhere(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    Form(_): Form<Empty>,
) -> AppResult<HttpResponse> {
    sessions::sign_out_everywhere(&ctx, who.actor()).await?;
    who.visitor.end();
    Ok(redirect("/sign-in?everywhere=1"))
}
