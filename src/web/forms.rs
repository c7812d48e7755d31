//! Forms: reading a posted form once its token and origin are checked, turning a use-case's
//! [`FieldErrors`] into the GOV.UK error summary and inline messages, and rendering a page for
//! a visitor (their name, their form token and the message the last action left).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::session::{Visitor, CSRF_FIELD};
use crate::app::accounts::sessions;
use crate::app::AppContext;
use crate::domain::account::Role;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

/// The largest form body a page takes (files come as multipart, not through here).
const FORM_LIMIT: usize = 256 * 1024;

/// A posted form whose token and origin were checked, read into `T` (repeated names become
/// lists). A form that fails the checks is refused with `403` before `T` is looked at.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        let visitor = Visitor::extract(&req);
        Box::pin(async move {
            let visitor = visitor.await?;
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            let body = body.await.map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
            if body.len() > FORM_LIMIT {
                return Err(AppError::PayloadTooLarge("the form is too large".into()));
            }
            let pairs: Vec<(String, String)> =
                if is_form { url::form_urlencoded::parse(&body).into_owned().collect() } else { Vec::new() };
            let token = pairs.iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.as_str()).unwrap_or("");
            visitor.check_form(&req, token)?;
            let rest = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().filter(|(k, _)| k != CSRF_FIELD))
                .finish();
            serde_html_form::from_str::<T>(&rest)
                .map(Form)
                .map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))
        })
    }
}

/// A field's id on a page, from its name in [`FieldErrors`] (`requested_derogations[0].scope`
/// becomes `requested_derogations-0-scope`).
pub fn field_id(name: &str) -> String {
    name.replace("].", "-").replace(['[', '.'], "-").replace(']', "")
}

/// The error summary and inline messages for a page: each error names its field by the label
/// the page gives it. `labels` maps a field name to how a sentence begins ("Title", "Postcode").
pub fn errors_json(errors: &FieldErrors, labels: &[(&str, &str)]) -> Value {
    let mut list = Vec::new();
    let mut by_field = serde_json::Map::new();
    for e in &errors.0 {
        let label = labels.iter().find(|(f, _)| *f == e.field).map(|(_, l)| l.to_string());
        let text = match label {
            Some(l) => format!("{l} {}", e.message),
            None => capitalise(&e.message),
        };
        let id = field_id(&e.field);
        by_field.entry(id.clone()).or_insert_with(|| Value::String(text.clone()));
        list.push(json!({ "text": text, "href": format!("#{id}") }));
    }
    json!({ "errors": list, "error": by_field })
}

/// A form's fields as posted, in order (a name may repeat: checkboxes).
pub type Pairs = Vec<(String, String)>;

/// The first value posted under `name`, or "".
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// Adds the keys of `from` (an object) to `into` (an object).
pub fn merge(into: &mut Value, from: Value) {
    if let (Some(m), Value::Object(f)) = (into.as_object_mut(), from) {
        m.extend(f);
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Where a person lands after signing in.
pub fn start_page(role: Role) -> &'static str {
    match role {
        Role::Innovator => "/applications",
        Role::Inspector | Role::Admin => "/casework",
        Role::Community => "/account",
    }
}

/// The layout's view of the visitor: their name and role, their form token, and the message
/// the last action left for this page.
fn visitor_json(v: &Visitor) -> Value {
    let token = v.csrf_token();
    match v.session() {
        Some(s) => json!({
            "csrf_token": token,
            "user": { "name": s.display_name, "email": s.email, "role": s.actor.role.as_str(),
                      "start": start_page(s.actor.role) },
            "flash": s.flash,
        }),
        None => json!({ "csrf_token": token }),
    }
}

/// Renders a page for a visitor with a status.
pub fn page_status(v: &Visitor, status: StatusCode, name: &str, context: Value) -> AppResult<HttpResponse> {
    let mut merged = visitor_json(v);
    merge(&mut merged, json!({ "errors": [], "error": {} }));
    merge(&mut merged, context);
    let body = super::render_string(name, merged)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// Renders a page for a visitor (`200`).
pub fn page(v: &Visitor, name: &str, context: Value) -> AppResult<HttpResponse> {
    page_status(v, StatusCode::OK, name, context)
}

/// A page showing the errors of a form: `422` with the summary, the inline messages and the
/// input kept (the handler passes the input back in `context`).
pub fn invalid(
    v: &Visitor,
    name: &str,
    errors: &FieldErrors,
    labels: &[(&str, &str)],
    context: Value,
) -> AppResult<HttpResponse> {
    let mut context = context;
    merge(&mut context, errors_json(errors, labels));
    page_status(v, StatusCode::UNPROCESSABLE_ENTITY, name, context)
}

/// See other: the end of every successful form (post / redirect / get).
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// Leaves `message` for the next page the visitor opens, then sends them to `to`.
pub async fn done(ctx: &AppContext, v: &Visitor, to: &str, message: impl Into<String>) -> AppResult<HttpResponse> {
    if let Some(s) = v.session() {
        sessions::flash(ctx, s.id, message.into()).await?;
    }
    Ok(redirect(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_are_valid_fragment_ids() {
        assert_eq!(field_id("title"), "title");
        assert_eq!(field_id("requested_derogations[0].scope"), "requested_derogations-0-scope");
        assert_eq!(field_id("organisation.name"), "organisation-name");
    }

    #[test]
    fn errors_name_their_field_by_its_label() {
        let mut e = FieldErrors::new();
        e.add("title", "is required");
        e.add("site_postcode", "must be a full UK postcode");
        let j = errors_json(&e, &[("title", "Title")]);
        assert_eq!(j["errors"][0]["text"], "Title is required");
        assert_eq!(j["errors"][0]["href"], "#title");
        assert_eq!(j["errors"][1]["text"], "Must be a full UK postcode");
        assert_eq!(j["error"]["title"], "Title is required");
    }
}
