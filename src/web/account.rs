//! Signing in and out, creating an account, confirming an email address, and forgotten
//! passwords: the pages before (and at the edge of) a session. The account page itself is in
//! `profile`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::fields::text;
use super::forms::{errors_json, invalid, merge, page, page_status, redirect, start_page, Form};
use super::session::{local_next, Visitor};
use crate::app::accounts::{self, sessions};
use crate::app::input::accounts::RegisterRequest;
use crate::app::input::Field;
use crate::app::AppContext;
use crate::domain::account::{EmailAddress, NewPassword, OrganisationKind};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::http::extract::client_address;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "sign_in.html",
    "signed_out.html",
    "create_account.html",
    "check_email.html",
    "forgot_password.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/sign-in").route(web::get().to(sign_in_page)).route(web::post().to(sign_in)))
        .service(web::resource("/sign-out").route(web::get().to(sign_out_page)).route(web::post().to(sign_out)))
        .service(web::resource("/signed-out").route(web::get().to(signed_out)))
        .service(web::resource("/create-account").route(web::get().to(create_page)).route(web::post().to(create)))
        .service(web::resource("/create-account/check-your-email").route(web::get().to(check_email_registered)))
        .service(web::resource("/forgot-password").route(web::get().to(forgot_page)).route(web::post().to(forgot)))
        .service(web::resource("/forgot-password/check-your-email").route(web::get().to(check_email_reset)))
        .service(web::resource("/account/verify-email").route(web::get().to(verify_page)).route(web::post().to(verify)))
        .service(
            web::resource("/account/reset-password").route(web::get().to(reset_page)).route(web::post().to(reset)),
        );
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string)
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    everywhere: Option<String>,
}

async fn sign_in_page(v: Visitor, q: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    let next = local_next(q.next.as_deref());
    if let Some(s) = v.session() {
        return Ok(redirect(next.as_deref().unwrap_or(start_page(s.actor.role))));
    }
    page(&v, "sign_in.html", json!({ "next": next, "form": {}, "everywhere": q.everywhere.is_some() }))
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

const SIGN_IN_LABELS: &[(&str, &str)] = &[("email", "Email address"), ("password", "Password")];

async fn sign_in(
    ctx: web::Data<AppContext>,
    v: Visitor,
    req: HttpRequest,
    Form(f): Form<SignInForm>,
) -> AppResult<HttpResponse> {
    let next = local_next(f.next.as_deref());
    let kept = json!({ "next": next, "form": { "email": f.email } });
    let mut e = FieldErrors::new();
    if f.email.trim().is_empty() {
        e.add("email", "is required");
    }
    if f.password.is_empty() {
        e.add("password", "is required");
    }
    if !e.is_empty() {
        return invalid(&v, "sign_in.html", &e, SIGN_IN_LABELS, kept);
    }
    match sessions::sign_in(&ctx, f.email, f.password, client_address(&req), user_agent(&req)).await {
        Ok(session) => {
            let to = next.unwrap_or_else(|| start_page(session.role).to_string());
            v.begin(session);
            Ok(redirect(&to))
        }
        Err(AppError::Unauthenticated(_)) => {
            let mut e = FieldErrors::new();
            e.add("email", "Enter the email address and password of your account; one of them is not right");
            let mut context = kept;
            merge(&mut context, errors_json(&e, &[]));
            page_status(&v, StatusCode::UNAUTHORIZED, "sign_in.html", context)
        }
        Err(AppError::TooManyRequests { retry_after_seconds, .. }) => {
            let minutes = retry_after_seconds.div_ceil(60);
            let mut e = FieldErrors::new();
            let unit = if minutes == 1 { "minute" } else { "minutes" };
            e.add("email", format!("There have been too many attempts to sign in. Try again in {minutes} {unit}"));
            let mut context = kept;
            merge(&mut context, errors_json(&e, &[]));
            let mut res = page_status(&v, StatusCode::TOO_MANY_REQUESTS, "sign_in.html", context)?;
            if let Ok(h) = header::HeaderValue::from_str(&retry_after_seconds.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, h);
            }
            Ok(res)
        }
        Err(other) => Err(other),
    }
}

async fn sign_out_page(v: Visitor) -> AppResult<HttpResponse> {
    if v.session().is_none() {
        return Ok(redirect("/signed-out"));
    }
    page(&v, "signed_out.html", json!({ "confirm": true }))
}

#[derive(Deserialize)]
pub struct Empty {}

async fn sign_out(ctx: web::Data<AppContext>, v: Visitor, Form(_): Form<Empty>) -> AppResult<HttpResponse> {
    if let Some(s) = v.session() {
        sessions::sign_out(&ctx, s.id).await?;
    }
    v.end();
    Ok(redirect("/signed-out"))
}

async fn signed_out(v: Visitor) -> AppResult<HttpResponse> {
    page(&v, "signed_out.html", json!({}))
}

/// The create-account form as posted; its fields are named as the API's body names them, so
/// that the errors of the one parse land on them.
#[derive(Deserialize, Default)]
pub struct CreateAccountForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "organisation.name")]
    organisation_name: String,
    #[serde(default, rename = "organisation.kind")]
    organisation_kind: String,
    #[serde(default, rename = "organisation.registration_number")]
    registration_number: String,
}

impl CreateAccountForm {
    /// The API's registration body from the form. An innovator always answers for their
    /// organisation; a community member has none.
    fn request(&self) -> RegisterRequest {
        let organisation = (self.role == "innovator").then(|| {
            let given = |s: &String| (!s.trim().is_empty()).then(|| s.clone());
            Field::Value(json!({
                "name": given(&self.organisation_name),
                "kind": given(&self.organisation_kind),
                "registration_number": (!self.registration_number.trim().is_empty()).then_some(&self.registration_number),
            }))
        });
        RegisterRequest {
            email: text(&self.email),
            password: if self.password.is_empty() { Field::Missing } else { Field::Value(self.password.clone()) },
            display_name: text(&self.display_name),
            role: text(&self.role),
            organisation: organisation.unwrap_or(Field::Missing),
        }
    }

    fn kept(&self) -> serde_json::Value {
        json!({ "form": {
            "role": self.role, "display_name": self.display_name, "email": self.email,
            "organisation_name": self.organisation_name, "organisation_kind": self.organisation_kind,
            "registration_number": self.registration_number,
        }})
    }
}

const CREATE_LABELS: &[(&str, &str)] = &[
    ("role", "Who you are"),
    ("display_name", "Your name"),
    ("email", "Email address"),
    ("password", "Password"),
    ("organisation", "Organisation"),
    ("organisation.name", "Organisation name"),
    ("organisation.kind", "Kind of organisation"),
    ("organisation.registration_number", "Registration number"),
];

fn create_context(form: &CreateAccountForm) -> serde_json::Value {
    let mut context = form.kept();
    let kinds: Vec<_> = OrganisationKind::ALL
        .iter()
        .map(|k| json!({ "value": k.as_str(), "text": super::format::label(k.as_str()) }))
        .collect();
    merge(&mut context, json!({ "kinds": kinds }));
    context
}

async fn create_page(v: Visitor) -> AppResult<HttpResponse> {
    page(&v, "create_account.html", create_context(&CreateAccountForm::default()))
}

async fn create(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    v: Visitor,
    Form(f): Form<CreateAccountForm>,
) -> AppResult<HttpResponse> {
    let result = match f.request().parse() {
        Ok(registration) => accounts::register(&ctx, registration, client_address(&req)).await.map(|_| ()),
        Err(e) => Err(AppError::Validation(e)),
    };
    match result {
        Ok(()) => Ok(redirect("/create-account/check-your-email")),
        Err(AppError::Validation(e)) => invalid(&v, "create_account.html", &e, CREATE_LABELS, create_context(&f)),
        Err(AppError::Conflict { .. }) => {
            let mut e = FieldErrors::new();
            e.add("email", "is already registered: sign in, or reset your password if you have forgotten it");
            invalid(&v, "create_account.html", &e, CREATE_LABELS, create_context(&f))
        }
        Err(other) => Err(other),
    }
}

async fn check_email_registered(v: Visitor) -> AppResult<HttpResponse> {
    page(&v, "check_email.html", json!({ "purpose": "verify" }))
}

async fn check_email_reset(v: Visitor) -> AppResult<HttpResponse> {
    page(&v, "check_email.html", json!({ "purpose": "reset" }))
}

async fn forgot_page(v: Visitor) -> AppResult<HttpResponse> {
    page(&v, "forgot_password.html", json!({ "form": {} }))
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    v: Visitor,
    Form(f): Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let email = match EmailAddress::parse(&f.email) {
        Ok(email) => email,
        Err(message) => {
            let mut e = FieldErrors::new();
            e.add("email", message);
            let form = json!({ "form": { "email": f.email } });
            return invalid(&v, "forgot_password.html", &e, &[("email", "Email address")], form);
        }
    };
    accounts::request_password_reset(&ctx, email, client_address(&req)).await?;
    Ok(redirect("/forgot-password/check-your-email"))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn verify_page(v: Visitor, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    page(&v, "verify_email.html", json!({ "token": q.token }))
}

/// Confirms the address and signs the person in: the link in their mailbox proves who they are.
async fn verify(
    ctx: web::Data<AppContext>,
    v: Visitor,
    req: HttpRequest,
    Form(f): Form<TokenQuery>,
) -> AppResult<HttpResponse> {
    match accounts::verify_email(&ctx, f.token).await {
        Ok(account) => {
            let message = "Your email address is confirmed and you are signed in".to_string();
            let session = sessions::start(&ctx, &account.user, user_agent(&req), Some(message)).await?;
            let to = start_page(session.role);
            v.begin(session);
            Ok(redirect(to))
        }
        Err(AppError::Validation(_)) => {
            page_status(&v, StatusCode::UNPROCESSABLE_ENTITY, "verify_email.html", json!({ "failed": true }))
        }
        Err(e) => Err(e),
    }
}

async fn reset_page(v: Visitor, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    page(&v, "reset_password.html", json!({ "token": q.token }))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

const PASSWORD_LABELS: &[(&str, &str)] = &[
    ("new_password", "Your new password"),
    ("confirm_password", "The confirmation"),
    ("current_password", "The password"),
];

/// The new password, checked as the API checks it, and its confirmation.
pub fn new_password(given: &str, confirm: &str) -> Result<NewPassword, FieldErrors> {
    let mut e = FieldErrors::new();
    let password = e.check("new_password", NewPassword::parse(given));
    if given != confirm {
        e.add("confirm_password", "does not match the new password");
    }
    match password {
        Some(p) if e.is_empty() => Ok(p),
        _ => Err(e),
    }
}

async fn reset(ctx: web::Data<AppContext>, v: Visitor, Form(f): Form<ResetForm>) -> AppResult<HttpResponse> {
    let kept = json!({ "token": f.token });
    let password = match new_password(&f.new_password, &f.confirm_password) {
        Ok(p) => p,
        Err(e) => return invalid(&v, "reset_password.html", &e, PASSWORD_LABELS, kept),
    };
    match accounts::confirm_password_reset(&ctx, f.token.clone(), password).await {
        Ok(()) => page(&v, "reset_password.html", json!({ "done": true })),
        Err(AppError::Validation(e)) if e.0.iter().any(|x| x.field == "token") => {
            page_status(&v, StatusCode::UNPROCESSABLE_ENTITY, "reset_password.html", json!({ "failed": true }))
        }
        Err(AppError::Validation(e)) => invalid(&v, "reset_password.html", &e, PASSWORD_LABELS, kept),
        Err(other) => Err(other),
    }
}
