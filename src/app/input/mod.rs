//! Input as clients send it, and the one parse of each into the values a use-case takes.
//!
//! Every raw struct here is plain data: its fields are [`Field`]s, which record a missing value
//! or a wrong type instead of failing the whole body, so that its `parse` names every bad field
//! at once. The JSON API deserializes bodies into these structs; the pages build the same structs
//! from their forms. A use-case receives the [`Parsed`] result and answers its errors (`422`) only
//! after it has loaded the record, checked permission, state and version, in that order.

pub mod accounts;
pub mod application;
pub mod catalogue;
pub mod community;
pub mod decision;
pub mod files;
pub mod monitoring;
pub mod users;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::domain::application::{text, MAX_LONG_TEXT};
use crate::domain::FieldErrors;

/// An input parsed into the values a use-case takes, or every problem with it.
pub type Parsed<T> = Result<T, FieldErrors>;

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

/// An optional text field: absent, null and blank are all "not given".
pub fn optional_text(f: Field<String>, e: &mut FieldErrors, name: &str, max: usize) -> Option<String> {
    match f.optional(e, name) {
        Some(Some(s)) if s.trim().is_empty() => None,
        Some(Some(s)) => e.check(name, text(&s, max)),
        _ => None,
    }
}

/// A required text of at most [`MAX_LONG_TEXT`] characters.
pub fn required_long_text(f: Field<String>, e: &mut FieldErrors, name: &str) -> Option<String> {
    parse_required(f, e, name, |s| text(s, MAX_LONG_TEXT))
}

/// Parses the elements of a list field one by one, so that every bad element is named
/// (`name[i].field`). At most `max` elements are read; more is an error on the list.
pub fn each<T: DeserializeOwned>(
    list: Vec<serde_json::Value>,
    name: &str,
    max: usize,
    e: &mut FieldErrors,
    mut parse: impl FnMut(T, &str, &mut FieldErrors),
) {
    if list.len() > max {
        e.add(name, format!("at most {max}"));
    }
    for (i, value) in list.into_iter().take(max).enumerate() {
        let prefix = format!("{name}[{i}]");
        match serde_json::from_value::<T>(value) {
            Ok(item) => parse(item, &prefix, e),
            Err(err) => e.add(prefix, describe_serde_error(&err.to_string())),
        }
    }
}

/// The value when every field parsed, or the errors.
pub fn finish<T>(e: FieldErrors, value: Option<T>) -> Parsed<T> {
    match value {
        Some(v) if e.is_empty() => Ok(v),
        _ if !e.is_empty() => Err(e),
        _ => Err(FieldErrors::single("body", "is not valid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

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
