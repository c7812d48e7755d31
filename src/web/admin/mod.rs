//! The admins' pages: users (`/admin/users`), zones (`/admin/zones`), the provision catalogue
//! (`/admin/provisions`) and the email outbox's dead letters (`/admin/outbox`).
//!
//! Every page is for admins only: each calls a use-case that asks the policy first, so anyone
//! else gets the 403 page and a crafted form changes nothing. Every form builds the JSON
//! endpoint's raw input and calls the same parse and use-case.

mod outbox;
mod provisions;
mod users;
mod zones;

use actix_web::{web, HttpRequest};
use serde_json::{json, Value};

use crate::app::tx::Expected;
use crate::app::{Page, PageRequest};
use crate::domain::FieldErrors;
use crate::error::AppError;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "admin/nav.html",
    "admin/users.html",
    "admin/invite.html",
    "admin/user.html",
    "admin/disable.html",
    "admin/zones.html",
    "admin/zone.html",
    "admin/provisions.html",
    "admin/provision.html",
    "admin/outbox.html",
    "admin/pages.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    users::routes(cfg);
    zones::routes(cfg);
    provisions::routes(cfg);
    outbox::routes(cfg);
}

/// How many rows a list page shows.
const PER_PAGE: i64 = 20;

/// The page number asked for in `?page=`; anything that is not a page number is the first.
fn page_request(page: Option<&str>) -> PageRequest {
    let page = page.and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| (1..=100_000).contains(p)).unwrap_or(1);
    PageRequest { page, per_page: PER_PAGE }
}

/// The GOV.UK pagination of a list page: links to the previous and next pages, keeping the
/// page's other query parameters.
fn pagination<T>(req: &HttpRequest, result: &Page<T>) -> Value {
    let link = |n: i64| {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, v)| k != "page" && !v.is_empty())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("page".into(), n.to_string()));
        format!("{}?{}", req.path(), url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
    };
    let page = result.page.page;
    json!({
        "prev": (page > 1 && !result.past_end()).then(|| link(page - 1)),
        "next": result.has_next().then(|| link(page + 1)),
        "page": page,
        "last": result.last_page(),
        "total": result.total,
        "capped": result.capped,
        "first_page": (result.past_end()).then(|| link(1)),
    })
}

/// The version a form was rendered with, as the change's expectation.
fn expected(version: &str) -> Expected {
    match version.trim().parse::<i64>() {
        Ok(v) => Expected::Version(v),
        Err(_) => Expected::Missing,
    }
}

/// The field errors of a refused form: the parse's, or a conflict that names its field (an
/// email address or a code already taken).
fn form_errors(e: &AppError) -> Option<FieldErrors> {
    match e {
        AppError::Validation(errors) => Some(errors.clone()),
        AppError::Conflict { errors, .. } if !errors.is_empty() => Some(FieldErrors(errors.clone())),
        _ => None,
    }
}

/// What a page says when its change was refused because the record moved on meanwhile, or the
/// change cannot be made now (the use-case's own words).
fn refusal_notice(e: &AppError, what: &str) -> Option<String> {
    match e {
        AppError::PreconditionFailed { .. } | AppError::PreconditionRequired => Some(format!(
            "This {what} changed after you opened this page, perhaps in another tab. Nothing was saved: check it and try again."
        )),
        AppError::Conflict { detail, errors, .. } if errors.is_empty() => {
            Some(format!("{}. Nothing was changed.", crate::web::forms::capitalise(detail.trim_end_matches('.'))))
        }
        _ => None,
    }
}

/// A yes/no radio as the API's boolean: "true" or "false", nothing chosen is null.
fn boolean(s: &str) -> crate::app::input::Field<bool> {
    use crate::app::input::Field;
    match s.trim() {
        "true" => Field::Value(true),
        "false" => Field::Value(false),
        "" => Field::Null,
        _ => Field::Invalid("must be chosen from the options".into()),
    }
}
