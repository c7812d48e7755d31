//! Server-rendered pages for people. They call the same `app` use-cases as the JSON API.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use minijinja::Environment;
use std::sync::LazyLock;

pub mod account;
pub mod admin;
pub mod applications;
pub mod casework;
pub mod charts;
pub mod community;
pub mod errors;
pub mod events;
pub mod fields;
pub mod format;
pub mod forms;
pub mod info;
pub mod pagination;
pub mod profile;
pub mod public;
pub mod session;
pub mod upload;

use crate::error::AppError;

/// Embeds page templates under their file names: `templates!["a.html", "b.html"]`.
#[macro_export]
macro_rules! page_templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/templates/", $name)))),*]
    };
}

/// The layout and the pages this module serves itself. Each page module lists its own.
const TEMPLATES: &[(&str, &str)] =
    page_templates!["base.html", "macros.html", "verify_email.html", "reset_password.html", "home.html"];

/// Every module's templates, compiled once.
const ALL_TEMPLATES: &[&[(&str, &str)]] = &[
    TEMPLATES,
    public::TEMPLATES,
    errors::TEMPLATES,
    info::TEMPLATES,
    account::TEMPLATES,
    profile::TEMPLATES,
    applications::TEMPLATES,
    admin::TEMPLATES,
    community::TEMPLATES,
];

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    format::register(&mut env);
    for (name, source) in ALL_TEMPLATES.iter().chain(casework::TEMPLATES).flat_map(|list| list.iter()) {
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
        .service(web::resource("/register/{reference}").route(web::get().to(community::trial::show)))
        .service(web::resource("/register/{reference}/documents/{id}").route(web::get().to(public::document)))
        .service(web::resource("/stats").route(web::get().to(public::stats)))
        .service(web::resource("/learning").route(web::get().to(public::learning)))
        .configure(info::routes)
        .configure(account::routes)
        .configure(profile::routes)
        .configure(applications::routes)
        .configure(casework::routes)
        .configure(admin::routes)
        .configure(community::routes);
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
