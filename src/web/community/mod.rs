//! The community's pages: the trial page's controls for whoever reads it (follow the trial or its
//! zone, post an observation, reply, confirm or dispute a condition's evidence, report an
//! observation), what one follows (`/following`) and the public zone page (`/zones/{id}`).
//!
//! Every form builds the JSON endpoint's raw body, calls the same parse and use-case, and
//! redirects back to the trial page with a banner (post / redirect / get).

mod following;
mod posts;
mod reports;
pub mod trial;
mod zones;

use actix_web::web;
use serde_json::Value;

use crate::domain::FieldErrors;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates![
    "register/trial_errors.html",
    "register/trial_conditions.html",
    "register/trial_community.html",
    "register/quota.html",
    "register/report.html",
    "following.html",
    "zone.html",
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    posts::routes(cfg);
    reports::routes(cfg);
    following::routes(cfg);
    zones::routes(cfg);
}

/// The trial page's address.
pub(crate) fn trial_path(reference: &str) -> String {
    format!("/register/{}", url::form_urlencoded::byte_serialize(reference.as_bytes()).collect::<String>())
}

/// The sign-in page that comes back to `path` afterwards.
pub(crate) fn sign_in_to(path: &str) -> String {
    format!("/sign-in?next={}", url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>())
}

/// Rewrites a use-case's messages for a page: `rules` are (field, message starts with, the whole
/// sentence a person reads), and fields are renamed to the ids they have on the page
/// (`rename(field)`). Messages no rule matches keep their words after `label` of the field.
pub(crate) fn humane(
    errors: FieldErrors,
    rules: &[(&str, &str, &str)],
    labels: &[(&str, &str)],
    rename: impl Fn(&str) -> String,
) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        let text = rules
            .iter()
            .find(|(f, start, _)| *f == e.field && e.message.starts_with(start))
            .map(|(_, _, text)| text.to_string())
            .unwrap_or_else(|| match labels.iter().find(|(f, _)| *f == e.field) {
                Some((_, l)) => format!("{l} {}", e.message),
                None => crate::web::forms::capitalise(&e.message),
            });
        out.add(rename(&e.field), text);
    }
    out
}

/// The error summary and inline messages of errors already worded for people.
pub(crate) fn worded(errors: &FieldErrors) -> Value {
    crate::web::forms::errors_json(errors, &[])
}
