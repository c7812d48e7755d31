//! How the framework's own input errors are answered: a body too large (`413`), of the wrong type
//! (`415`), not JSON (`400`), or of the wrong shape (`422` naming the field); bad query strings and
//! paths. The request bodies themselves and their parsing are in `app::input`.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{web, HttpRequest};
use serde::Deserialize;

use crate::app::input::describe_serde_error;

use crate::domain::FieldErrors;
use crate::error::AppError;

/// Finds the field named in a message such as "unknown field `x`, expected ..." or
/// "missing field `x`".
fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

/// Maps JSON body errors to problems: 413 too large, 415 wrong type, 400 malformed, 422 with
/// the field for anything else.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => {
            AppError::PayloadTooLarge(format!("the body is {length} bytes; the limit is {limit}"))
        }
        JsonPayloadError::Overflow { limit } => {
            AppError::PayloadTooLarge(format!("the body is larger than the limit of {limit} bytes"))
        }
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) => {
            use serde_json::error::Category;
            match e.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    AppError::BadRequest(format!("the body is not valid JSON: {e}"))
                }
                Category::Data => {
                    let msg = e.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                    if msg.starts_with("unknown field") {
                        let field = backticked(&msg).unwrap_or("body").to_string();
                        AppError::validation(&field, "is not a field of this request")
                    } else if msg.starts_with("missing field") {
                        let field = backticked(&msg).unwrap_or("body").to_string();
                        AppError::validation(&field, "is required")
                    } else {
                        AppError::validation("body", &describe_serde_error(&msg))
                    }
                }
            }
        }
        JsonPayloadError::Payload(p) => AppError::BadRequest(format!("the body could not be read: {p}")),
        other => AppError::BadRequest(format!("the body could not be read: {other}")),
    };
    app.into()
}

/// The parameter named when a query string has one its struct does not take.
pub fn unknown_parameter(err: &QueryPayloadError) -> Option<String> {
    let msg = err.to_string();
    let detail = msg.strip_prefix("Query deserialize error: ").unwrap_or(&msg);
    detail.starts_with("unknown field").then(|| backticked(detail).unwrap_or("query").to_string())
}

/// A query parameter the address does not take is a `400` naming it (and the ones it takes);
/// one of the wrong shape is a `422`.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let detail = msg.strip_prefix("Query deserialize error: ").unwrap_or(&msg);
    let field = backticked(detail).unwrap_or("query").to_string();
    if unknown_parameter(&err).is_some() {
        let known: Vec<&str> = detail.split(", expected ").nth(1).unwrap_or("").split('`').skip(1).step_by(2).collect();
        return AppError::BadRequest(format!(
            "`{field}` is not a query parameter of this address; it takes {}",
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        ))
        .into();
    }
    AppError::Validation(FieldErrors::single(field, describe_serde_error(detail))).into()
}

pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::NotFound("there is nothing at this address".into()).into()
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(json_error)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(query_error)
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(path_error)
}

/// A query parameter as the lists read it: surrounding spaces dropped, and an empty value the same
/// as none (a form's unchosen filter), as the OpenAPI document says of every query parameter.
pub fn query_value(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|v| !v.is_empty())
}

/// A free-text query parameter: one line of at most `max` characters as sent (the document's
/// `line-or-blank` pattern and `maxLength`), trimmed; blank or left out is `None`.
pub fn query_text(raw: Option<&str>, name: &str, max: usize, errors: &mut FieldErrors) -> Option<String> {
    let raw = raw?;
    if raw.chars().count() > max {
        errors.add(name, format!("must be at most {max} characters"));
        return None;
    }
    if raw.trim().is_empty() {
        return None;
    }
    errors.check(name, crate::domain::account::short_text(raw, max))
}

/// A `true`/`false` query parameter; empty or left out is `None`.
pub fn query_flag(raw: Option<&str>, name: &str, errors: &mut FieldErrors) -> Option<bool> {
    match query_value(raw) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.add(name, "must be true or false");
            None
        }
    }
}

/// `?page=&per_page=` as sent; bounded by [`crate::app::PageRequest`] limits in `page_request`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Items per page (default 20, at most 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

impl PageParams {
    pub fn parse(&self, errors: &mut FieldErrors, default: i64, max: i64) -> crate::app::PageRequest {
        let mut number = |name: &str, raw: &Option<String>, dflt: i64, hi: i64| -> i64 {
            match raw.as_deref().map(str::trim) {
                None | Some("") => dflt,
                Some(s) => match s.parse::<i64>() {
                    Ok(n) if (1..=hi).contains(&n) => n,
                    _ => {
                        errors.add(name, format!("must be a whole number from 1 to {hi}"));
                        dflt
                    }
                },
            }
        };
        let per_page = number("per_page", &self.per_page, default, max);
        let page = number("page", &self.page, 1, 1_000_000);
        crate::app::PageRequest { page, per_page }
    }
}
