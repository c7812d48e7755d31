//! Zones and provisions as admins send them (`/api/v1/zones`, `/api/v1/provisions` and the
//! admin pages), parsed once into what the catalogue's use-cases take.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{finish, parse_required, Field, Parsed};
use crate::app::catalogue::{parse_code, ProvisionPatch, ZonePatch};
use crate::db::catalogue::{ProvisionFields, ZoneFields};
use crate::domain::application::{number_in, text};
use crate::domain::FieldErrors;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "code")]
    pub code: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 300)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 500)]
    pub legal_reference: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 4000)]
    pub summary: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = i32, minimum = 1, maximum = 120)]
    pub max_trial_months: Field<i64>,
    /// PATCH only: retire (true) or restore (false).
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub retired: Field<bool>,
}

/// A provision to add to the catalogue.
#[derive(Debug, Clone)]
pub struct NewProvision {
    pub code: String,
    pub fields: ProvisionFields,
}

fn months(v: i64) -> Result<i32, String> {
    if (1..=120).contains(&v) {
        Ok(v as i32)
    } else {
        Err("must be a whole number of months from 1 to 120".into())
    }
}

/// A text a change may leave out (unchanged) but not empty.
fn changed_text(f: Field<String>, e: &mut FieldErrors, name: &str, max: usize) -> Option<String> {
    match f {
        Field::Missing => None,
        Field::Null => {
            e.add(name, "must not be empty");
            None
        }
        other => other.optional(e, name).flatten().and_then(|s| e.check(name, text(&s, max))),
    }
}

impl ProvisionRequest {
    /// A new provision: every field but `retired`.
    pub fn parse_new(self) -> Parsed<NewProvision> {
        let mut e = FieldErrors::new();
        let code = parse_required(self.code, &mut e, "code", parse_code);
        let title = parse_required(self.title, &mut e, "title", |s| text(s, 300));
        let legal_reference = parse_required(self.legal_reference, &mut e, "legal_reference", |s| text(s, 500));
        let summary = parse_required(self.summary, &mut e, "summary", |s| text(s, 4000));
        let max = self
            .max_trial_months
            .required(&mut e, "max_trial_months")
            .and_then(|m| e.check("max_trial_months", months(m)));
        if !self.retired.is_missing() {
            e.add("retired", "cannot be set when adding a provision");
        }
        let value = match (code, title, legal_reference, summary, max) {
            (Some(code), Some(title), Some(legal_reference), Some(summary), Some(max_trial_months)) => {
                Some(NewProvision {
                    code,
                    fields: ProvisionFields { title, legal_reference, summary, max_trial_months },
                })
            }
            _ => None,
        };
        finish(e, value)
    }

    /// A change: the fields sent replace the stored ones; the code never changes.
    pub fn parse_patch(self) -> Parsed<ProvisionPatch> {
        let mut e = FieldErrors::new();
        if !self.code.is_missing() {
            e.add("code", "cannot be changed; add a new provision and retire this one");
        }
        let patch = ProvisionPatch {
            title: changed_text(self.title, &mut e, "title", 300),
            legal_reference: changed_text(self.legal_reference, &mut e, "legal_reference", 500),
            summary: changed_text(self.summary, &mut e, "summary", 4000),
            max_trial_months: match self.max_trial_months {
                Field::Missing => None,
                other => {
                    other.required(&mut e, "max_trial_months").and_then(|m| e.check("max_trial_months", months(m)))
                }
            },
            retired: self.retired.optional(&mut e, "retired").flatten(),
        };
        finish(e, Some(patch))
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 200)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 20)]
    pub lpa_code: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 200)]
    pub lpa_name: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub climate_emergency_declared_on: Field<NaiveDate>,
    #[serde(default)]
    #[schema(required = true, value_type = bool)]
    pub open: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub window_opens_on: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub window_closes_on: Field<NaiveDate>,
    /// Absent or null: no minimum (0).
    #[serde(default)]
    #[schema(value_type = f64, minimum = 0, maximum = 100)]
    pub min_community_ownership_pct: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub allowed_provisions: Field<Vec<String>>,
}

/// A zone to create, with the codes of the provisions it allows.
#[derive(Debug, Clone)]
pub struct NewZone {
    pub fields: ZoneFields,
    pub allowed_provisions: Vec<String>,
}

fn codes(list: Vec<String>) -> Vec<String> {
    list.into_iter().map(|c| c.trim().to_uppercase()).collect()
}

fn min_ownership(f: Field<f64>, e: &mut FieldErrors) -> Option<f64> {
    match f.optional(e, "min_community_ownership_pct") {
        Some(Some(v)) => e.check("min_community_ownership_pct", number_in(v, 0.0, 100.0)),
        Some(None) => Some(0.0),
        None => None,
    }
}

impl ZoneRequest {
    pub fn parse_new(self) -> Parsed<NewZone> {
        let mut e = FieldErrors::new();
        let name = parse_required(self.name, &mut e, "name", |s| text(s, 200));
        let lpa_code = parse_required(self.lpa_code, &mut e, "lpa_code", |s| text(s, 20));
        let lpa_name = parse_required(self.lpa_name, &mut e, "lpa_name", |s| text(s, 200));
        let declared = self.climate_emergency_declared_on.optional(&mut e, "climate_emergency_declared_on");
        let open = self.open.required(&mut e, "open");
        let opens = self.window_opens_on.optional(&mut e, "window_opens_on");
        let closes = self.window_closes_on.optional(&mut e, "window_closes_on");
        let min = min_ownership(self.min_community_ownership_pct, &mut e);
        let allowed =
            self.allowed_provisions.optional(&mut e, "allowed_provisions").map(|o| codes(o.unwrap_or_default()));
        let value = match (name, lpa_code, lpa_name, declared, open, opens, closes, min, allowed) {
            (
                Some(name),
                Some(lpa_code),
                Some(lpa_name),
                Some(declared),
                Some(open),
                Some(opens),
                Some(closes),
                Some(min),
                Some(allowed),
            ) => Some(NewZone {
                fields: ZoneFields {
                    name,
                    lpa_code: lpa_code.to_uppercase(),
                    lpa_name,
                    climate_emergency_declared_on: declared,
                    is_open: open,
                    window_opens_on: opens,
                    window_closes_on: closes,
                    min_community_ownership_pct: min,
                },
                allowed_provisions: allowed,
            }),
            _ => None,
        };
        finish(e, value)
    }

    /// A change: absent fields stay as they are; a null date is cleared.
    pub fn parse_patch(self) -> Parsed<ZonePatch> {
        let mut e = FieldErrors::new();
        let date = |f: Field<NaiveDate>, e: &mut FieldErrors, name: &str| -> Option<Option<NaiveDate>> {
            match f {
                Field::Missing => None,
                other => other.optional(e, name),
            }
        };
        let patch = ZonePatch {
            name: changed_text(self.name, &mut e, "name", 200),
            lpa_code: changed_text(self.lpa_code, &mut e, "lpa_code", 20).map(|s| s.to_uppercase()),
            lpa_name: changed_text(self.lpa_name, &mut e, "lpa_name", 200),
            climate_emergency_declared_on: date(
                self.climate_emergency_declared_on,
                &mut e,
                "climate_emergency_declared_on",
            ),
            is_open: match self.open {
                Field::Missing => None,
                other => other.required(&mut e, "open"),
            },
            window_opens_on: date(self.window_opens_on, &mut e, "window_opens_on"),
            window_closes_on: date(self.window_closes_on, &mut e, "window_closes_on"),
            min_community_ownership_pct: match self.min_community_ownership_pct {
                Field::Missing => None,
                other => min_ownership(other, &mut e),
            },
            allowed_provisions: self.allowed_provisions.optional(&mut e, "allowed_provisions").flatten().map(codes),
        };
        finish(e, Some(patch))
    }
}
