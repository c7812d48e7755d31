//! Reading request input so that every bad field is named at once: JSON bodies deserialize into
//! DTOs whose fields are [`Field`]s, which record a wrong type instead of failing the whole body;
//! the DTO's `parse` then collects every problem into one `422`.

use actix_web::error::{JsonPayloadError, QueryPayloadError};
use actix_web::{web, HttpRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::domain::FieldErrors;
use crate::error::AppError;

/// A JSON field as sent: absent, null, of the wrong shape, or a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Field<T> {
    #[default]
    Missing,
    Null,
    Invalid(String),
    Value(T),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if value.is_null() {
            return Ok(Field::Null);
        }
        Ok(match T::deserialize(value) {
            Ok(v) => Field::Value(v),
            Err(e) => Field::Invalid(describe_serde_error(&e.to_string())),
        })
    }
}

impl<T> Field<T> {
    /// The value of a required field, or an error recorded under `name`.
    pub fn required(self, errors: &mut FieldErrors, name: &str) -> Option<T> {
        match self {
            Field::Value(v) => Some(v),
            Field::Missing | Field::Null => {
                errors.add(name, "is required");
                None
            }
            Field::Invalid(m) => {
                errors.add(name, m);
                None
            }
        }
    }

    /// The value of an optional field: `Some(None)` when absent or null, `None` when invalid.
    pub fn optional(self, errors: &mut FieldErrors, name: &str) -> Option<Option<T>> {
        match self {
            Field::Value(v) => Some(Some(v)),
            Field::Missing | Field::Null => Some(None),
            Field::Invalid(m) => {
                errors.add(name, m);
                None
            }
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Field::Missing)
    }
}

/// Parses a required string field with a domain parser.
pub fn parse_required<T>(
    field: Field<String>,
    errors: &mut FieldErrors,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let raw = field.required(errors, name)?;
    errors.check(name, parse(&raw))
}

/// Turns serde's wording into something a person filling in a form understands.
pub fn describe_serde_error(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return format!("must be {expected}, not {got}");
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return format!("must be {expected}; {got} is not allowed");
        }
    }
    if msg.starts_with("invalid value: integer") || msg.contains("out of range") {
        return format!("is out of range ({msg})");
    }
    msg.to_string()
}

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

pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let detail = msg.strip_prefix("Query deserialize error: ").unwrap_or(&msg);
    let field = backticked(detail).unwrap_or("query").to_string();
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

/// `?page=&per_page=` as sent; bounded by [`crate::app::PageRequest`] limits in `page_request`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page (default 20, at most 100).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Dto {
        #[serde(default)]
        a: Field<String>,
        #[serde(default)]
        b: Field<i64>,
        #[serde(default)]
        c: Field<bool>,
    }

    #[test]
    fn every_bad_field_is_named() {
        let d: Dto = serde_json::from_str(r#"{"a": 5, "b": "x"}"#).unwrap();
        let mut e = FieldErrors::new();
        d.a.required(&mut e, "a");
        d.b.required(&mut e, "b");
        d.c.required(&mut e, "c");
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["a", "b", "c"]);
        assert_eq!(e.0[0].message, "must be a string, not integer `5`");
        assert_eq!(e.0[2].message, "is required");
    }
}
