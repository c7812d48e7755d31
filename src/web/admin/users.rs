//! Users: the list (filter by role and status, search by email or name, pages), inviting an
//! inspector or admin, a user's page with their role and access, and disabling after a
//! confirmation page. Changes go through `users::change_access`, whose protections (not
//! oneself, not the last admin) come back as the page's error.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{form_errors, page_request, pagination, refusal_notice};
use crate::app::accounts::Account;
use crate::app::input::users::{CreateUserRequest, UpdateUserRequest};
use crate::app::input::Field;
use crate::app::{users, AppContext};
use crate::db::users::UserFilter;
use crate::domain::account::Role;
use crate::error::AppResult;
use crate::web::fields;
use crate::web::format::label;
use crate::web::forms::{done, errors_json, field, invalid, merge, page, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").route(web::get().to(home)))
        .service(web::resource("/admin/users").route(web::get().to(list)))
        .service(web::resource("/admin/users/invite").route(web::get().to(invite_page)).route(web::post().to(invite)))
        .service(web::resource("/admin/users/{id}").route(web::get().to(show)))
        .service(web::resource("/admin/users/{id}/role").route(web::post().to(change_role)))
        .service(
            web::resource("/admin/users/{id}/disable")
                .route(web::get().to(disable_page))
                .route(web::post().to(disable)),
        )
        .service(web::resource("/admin/users/{id}/enable").route(web::post().to(enable)));
}

async fn home() -> HttpResponse {
    crate::web::forms::redirect("/admin/users")
}

/// The roles a person can be given, as radio options.
fn roles(only_staff: bool) -> Vec<Value> {
    Role::ALL
        .iter()
        .filter(|r| !only_staff || matches!(r, Role::Inspector | Role::Admin))
        .map(|r| json!({ "value": r.as_str(), "text": label(r.as_str()) }))
        .collect()
}

fn user_json(a: &Account) -> Value {
    let u = &a.user;
    json!({
        "id": u.id, "name": u.display_name, "email": u.email, "role": u.role.as_str(),
        "disabled": u.disabled_at.is_some(), "disabled_at": u.disabled_at,
        "verified": u.email_verified_at.is_some(), "has_password": u.password_hash.is_some(),
        "organisation": a.organisation.as_ref().map(|o| o.name.clone()),
        "created_at": u.created_at, "updated_at": u.updated_at,
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    role: Option<String>,
    status: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

async fn list(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let role = q.role.as_deref().and_then(|r| r.parse::<Role>().ok());
    let disabled = match q.status.as_deref() {
        Some("active") => Some(false),
        Some("disabled") => Some(true),
        _ => None,
    };
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let filter = UserFilter { role: role.map(|r| r.as_str().to_string()), q: text.clone(), disabled };
    let found = users::list(&ctx, who.actor(), filter, page_request(q.page.as_deref())).await?;
    let pages = pagination(&req, &found);
    let rows: Vec<Value> = found.items.iter().map(user_json).collect();
    let context = json!({
        "users": rows, "pages": pages, "roles": roles(false),
        "filter": { "role": role.map(|r| r.as_str()), "status": q.status.unwrap_or_default(), "q": text.unwrap_or_default() },
        "filtered": role.is_some() || disabled.is_some() || !q.q.unwrap_or_default().trim().is_empty(),
    });
    page(&who.visitor, "admin/users.html", context)
}

const INVITE_LABELS: &[(&str, &str)] =
    &[("email", "The email address"), ("display_name", "The full name"), ("role", "The role")];

fn invite_context(pairs: &Pairs) -> Value {
    json!({
        "roles": roles(true),
        "form": { "email": field(pairs, "email"), "display_name": field(pairs, "display_name"), "role": field(pairs, "role") },
    })
}

async fn invite_page(who: SignedIn) -> AppResult<HttpResponse> {
    users::must_manage(who.actor())?;
    page(&who.visitor, "admin/invite.html", invite_context(&Vec::new()))
}

async fn invite(ctx: web::Data<AppContext>, who: SignedIn, Form(pairs): Form<Pairs>) -> AppResult<HttpResponse> {
    let body = CreateUserRequest {
        email: fields::text(field(&pairs, "email")),
        display_name: fields::text(field(&pairs, "display_name")),
        role: fields::text(field(&pairs, "role")),
        password: Field::Missing,
        organisation_id: Field::Missing,
    };
    match users::create(&ctx, who.actor(), body.parse()).await {
        Ok(account) => {
            let message = format!(
                "{} has been invited as {}. We have emailed {} a link to choose a password.",
                account.user.display_name,
                label(account.user.role.as_str()).to_lowercase(),
                account.user.email
            );
            done(&ctx, &who.visitor, &format!("/admin/users/{}", account.user.id), message).await
        }
        Err(e) => match form_errors(&e) {
            Some(errors) => invalid(&who.visitor, "admin/invite.html", &errors, INVITE_LABELS, invite_context(&pairs)),
            None => Err(e),
        },
    }
}

/// A user's page, with an error above it when a change was refused.
async fn user_page(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    refused: Option<(&str, String)>,
) -> AppResult<HttpResponse> {
    let account = users::get(ctx, who.actor(), id).await?;
    let mut context = json!({
        "u": user_json(&account), "roles": roles(false), "me": account.user.id == who.actor().user_id,
    });
    let status = match refused {
        Some((field, message)) => {
            merge(
                &mut context,
                json!({ "errors": [{ "text": message, "href": format!("#{field}") }], "error": { field: message } }),
            );
            StatusCode::CONFLICT
        }
        None => StatusCode::OK,
    };
    page_status(&who.visitor, status, "admin/user.html", context)
}

async fn show(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    user_page(&ctx, &who, id.into_inner(), None).await
}

/// Sends a change through the API's parse and use-case; a refusal shows on the page it came from.
async fn change(
    ctx: &AppContext,
    who: &SignedIn,
    id: i64,
    body: UpdateUserRequest,
    field_id: &str,
    message: impl FnOnce(&Account) -> String,
) -> AppResult<HttpResponse> {
    match users::change_access(ctx, who.actor(), id, body.parse()).await {
        Ok(account) => done(ctx, &who.visitor, &format!("/admin/users/{id}"), message(&account)).await,
        Err(e) => {
            if let Some(errors) = form_errors(&e) {
                let text = errors_json(&errors, &[("role", "The role")]);
                let first = text["errors"][0]["text"].as_str().unwrap_or("Check the form").to_string();
                return user_page(ctx, who, id, Some((field_id, first))).await;
            }
            match refusal_notice(&e, "account") {
                Some(notice) => user_page(ctx, who, id, Some((field_id, notice))).await,
                None => Err(e),
            }
        }
    }
}

async fn change_role(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let body = UpdateUserRequest { disabled: Field::Missing, role: fields::text(field(&pairs, "role")) };
    change(&ctx, &who, id.into_inner(), body, "role", |a| {
        format!("{} is now {}", a.user.display_name, with_article(&label(a.user.role.as_str())))
    })
    .await
}

/// "an administrator", "a community member".
fn with_article(role_label: &str) -> String {
    let lower = role_label.to_lowercase();
    if lower.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {lower}")
    } else {
        format!("a {lower}")
    }
}

async fn disable_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let account = users::get(&ctx, who.actor(), id.into_inner()).await?;
    page(&who.visitor, "admin/disable.html", json!({ "u": user_json(&account) }))
}

async fn disable(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(_): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let body = UpdateUserRequest { disabled: Field::Value(true), role: Field::Missing };
    change(&ctx, &who, id.into_inner(), body, "access", |a| {
        format!("{}'s account has been disabled: they have been signed out and cannot sign in", a.user.display_name)
    })
    .await
}

async fn enable(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(_): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let body = UpdateUserRequest { disabled: Field::Value(false), role: Field::Missing };
    change(&ctx, &who, id.into_inner(), body, "access", |a| {
        format!("{}'s account has been enabled: they can sign in again", a.user.display_name)
    })
    .await
}
