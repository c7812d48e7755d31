//! Server-rendered pages for people. They call the same `app` use-cases as the JSON API.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use minijinja::Environment;
use serde::Deserialize;
use serde_json::json;
use std::sync::LazyLock;

pub mod charts;
pub mod errors;
pub mod format;
pub mod info;
pub mod public;

use crate::app::{accounts, AppContext};
use crate::domain::account::NewPassword;
use crate::error::AppError;

/// Embeds page templates under their file names: `templates!["a.html", "b.html"]`.
#[macro_export]
macro_rules! page_templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

/// The layout and the pages this module serves itself. Each page module lists its own.
const TEMPLATES: &[(&str, &str)] =
    page_templates!["base.html", "verify_email.html", "reset_password.html", "home.html"];

/// Every module's templates, compiled once.
const ALL_TEMPLATES: &[&[(&str, &str)]] = &[TEMPLATES, public::TEMPLATES, errors::TEMPLATES, info::TEMPLATES];

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    format::register(&mut env);
    for (name, source) in ALL_TEMPLATES.iter().flat_map(|list| list.iter()) {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "page template does not compile");
        }
    }
    env
});

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/site.css").route(web::get().to(stylesheet)))
        .service(web::resource("/static/govuk/{file:.*}").route(web::get().to(govuk_asset)))
        .service(web::resource("/").route(web::get().to(public::home)))
        .service(web::resource("/register").route(web::get().to(public::register)))
        .service(web::resource("/register/{reference}").route(web::get().to(public::trial)))
        .service(web::resource("/stats").route(web::get().to(public::stats)))
        .service(web::resource("/learning").route(web::get().to(public::learning)))
        .configure(info::routes)
        .service(
            web::resource("/account/verify-email")
                .route(web::get().to(verify_page))
                .route(web::post().to(verify_submit)),
        )
        .service(
            web::resource("/account/reset-password")
                .route(web::get().to(reset_page))
                .route(web::post().to(reset_submit)),
        );
}

/// Renders a page; a broken template is an internal error, never a panic.
pub fn render(name: &str, context: serde_json::Value) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().content_type(ContentType::html()).body(render_string(name, context)?))
}

pub fn render_string(name: &str, context: serde_json::Value) -> Result<String, AppError> {
    PAGES
        .get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| AppError::internal(format!("page {name}: {e}")))
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("static/site.css"))
}

/// GOV.UK Frontend's stylesheet and images, vendored by `scripts/vendor-govuk-frontend.sh` and
/// embedded in the binary.
const GOVUK_ASSETS: [(&str, &str, &[u8]); 5] = [
    ("govuk-frontend.min.css", "text/css; charset=utf-8", include_bytes!("static/govuk/govuk-frontend.min.css")),
    ("assets/images/favicon.ico", "image/x-icon", include_bytes!("static/govuk/assets/images/favicon.ico")),
    ("assets/images/favicon.svg", "image/svg+xml", include_bytes!("static/govuk/assets/images/favicon.svg")),
    ("assets/images/govuk-icon-180.png", "image/png", include_bytes!("static/govuk/assets/images/govuk-icon-180.png")),
    ("assets/images/govuk-crest.svg", "image/svg+xml", include_bytes!("static/govuk/assets/images/govuk-crest.svg")),
];

async fn govuk_asset(file: web::Path<String>) -> HttpResponse {
    match GOVUK_ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

async fn verify_page(q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    render("verify_email.html", json!({ "token": q.token }))
}

async fn verify_submit(ctx: web::Data<AppContext>, form: web::Form<TokenQuery>) -> Result<HttpResponse, AppError> {
    match accounts::verify_email(&ctx, form.into_inner().token).await {
        Ok(account) => render("verify_email.html", json!({ "outcome": "done", "name": account.user.display_name })),
        Err(AppError::Validation(_)) => render(
            "verify_email.html",
            json!({ "outcome": "failed", "message": "This link is invalid, already used or expired." }),
        ),
        Err(e) => Err(e),
    }
}

async fn reset_page(q: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    render("reset_password.html", json!({ "token": q.token }))
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

async fn reset_submit(ctx: web::Data<AppContext>, form: web::Form<ResetForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let password = match NewPassword::parse(&form.new_password) {
        Ok(p) => p,
        Err(m) => {
            return render(
                "reset_password.html",
                json!({ "token": form.token, "errors": [format!("Your password {m}.")] }),
            );
        }
    };
    match accounts::confirm_password_reset(&ctx, form.token.clone(), password).await {
        Ok(()) => render("reset_password.html", json!({ "outcome": "done" })),
        Err(AppError::Validation(errors)) => {
            let messages: Vec<String> = errors
                .0
                .iter()
                .map(|e| {
                    if e.field == "token" {
                        "This link is invalid, already used or expired; ask for a new one.".to_string()
                    } else {
                        e.message.clone()
                    }
                })
                .collect();
            render("reset_password.html", json!({ "token": form.token, "errors": messages }))
        }
        Err(e) => Err(e),
    }
}
