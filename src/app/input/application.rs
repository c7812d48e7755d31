//! An application as the innovator writes it: the whole draft in one body (`POST` and `PUT
//! /api/v1/applications`), parsed into the domain's [`ApplicationForm`].

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{describe_serde_error, optional_text, parse_required, Field, Parsed};
use crate::app::catalogue::parse_code;
use crate::domain::application::{
    number_in, text, ApplicationForm, DerogationRequest, Postcode, MAX_CO2E_TONNES, MAX_DEROGATIONS,
    MAX_DURATION_MONTHS, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE,
};
use crate::domain::case::Intervention;
use crate::domain::FieldErrors;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerogationRequestBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "code")]
    pub provision_code: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub justification: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub scope: Field<String>,
}

/// An application as the innovator writes it. Drafts may leave fields out; submission needs them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 200)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub summary: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<Intervention>)]
    pub intervention: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Field<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 500)]
    pub site_address: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "postcode")]
    pub site_postcode: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub proposed_start_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 120)]
    pub proposed_duration_months: Field<i64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 10000000)]
    pub estimated_annual_co2e_tonnes: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub community_ownership_pct: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub innovation_statement: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub need_for_derogation: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub safeguards: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub exit_plan: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<DerogationRequestBody>>, max_items = 20)]
    pub requested_derogations: Field<Vec<serde_json::Value>>,
}

impl ApplicationRequest {
    /// The draft as the use-cases take it; drafts may leave fields out, submission checks them.
    pub fn parse(self) -> Parsed<ApplicationForm> {
        let mut e = FieldErrors::new();
        let title = parse_required(self.title, &mut e, "title", |s| text(s, MAX_TITLE));
        let mut form = ApplicationForm {
            title: title.unwrap_or_default(),
            summary: optional_text(self.summary, &mut e, "summary", MAX_LONG_TEXT),
            intervention: match self.intervention.optional(&mut e, "intervention") {
                Some(Some(i)) => e.check("intervention", i.parse::<Intervention>()),
                _ => None,
            },
            zone_id: self.zone_id.optional(&mut e, "zone_id").flatten(),
            site_address: optional_text(self.site_address, &mut e, "site_address", MAX_SHORT_TEXT),
            site_postcode: match self.site_postcode.optional(&mut e, "site_postcode") {
                Some(Some(p)) => e.check("site_postcode", Postcode::parse(&p)),
                _ => None,
            },
            proposed_start_date: self.proposed_start_date.optional(&mut e, "proposed_start_date").flatten(),
            proposed_duration_months: match self.proposed_duration_months.optional(&mut e, "proposed_duration_months") {
                Some(Some(m)) if (1..=MAX_DURATION_MONTHS as i64).contains(&m) => Some(m as i32),
                Some(Some(_)) => {
                    e.add(
                        "proposed_duration_months",
                        format!("must be a whole number of months from 1 to {MAX_DURATION_MONTHS}"),
                    );
                    None
                }
                _ => None,
            },
            estimated_annual_co2e_tonnes: match self
                .estimated_annual_co2e_tonnes
                .optional(&mut e, "estimated_annual_co2e_tonnes")
            {
                Some(Some(v)) => e.check("estimated_annual_co2e_tonnes", number_in(v, 0.0, MAX_CO2E_TONNES)),
                _ => None,
            },
            community_ownership_pct: match self.community_ownership_pct.optional(&mut e, "community_ownership_pct") {
                Some(Some(v)) => e.check("community_ownership_pct", number_in(v, 0.0, 100.0)),
                _ => None,
            },
            innovation_statement: optional_text(
                self.innovation_statement,
                &mut e,
                "innovation_statement",
                MAX_LONG_TEXT,
            ),
            need_for_derogation: optional_text(self.need_for_derogation, &mut e, "need_for_derogation", MAX_LONG_TEXT),
            safeguards: optional_text(self.safeguards, &mut e, "safeguards", MAX_LONG_TEXT),
            exit_plan: optional_text(self.exit_plan, &mut e, "exit_plan", MAX_LONG_TEXT),
            derogations: Vec::new(),
        };
        if let Some(Some(list)) = self.requested_derogations.optional(&mut e, "requested_derogations") {
            if list.len() > MAX_DEROGATIONS {
                e.add("requested_derogations", format!("at most {MAX_DEROGATIONS} derogations"));
            }
            for (i, value) in list.into_iter().take(MAX_DEROGATIONS).enumerate() {
                let prefix = format!("requested_derogations[{i}]");
                let body: DerogationRequestBody = match serde_json::from_value(value) {
                    Ok(b) => b,
                    Err(err) => {
                        e.add(prefix, describe_serde_error(&err.to_string()));
                        continue;
                    }
                };
                let code = parse_required(body.provision_code, &mut e, &format!("{prefix}.provision_code"), parse_code);
                let justification =
                    parse_required(body.justification, &mut e, &format!("{prefix}.justification"), |s| {
                        text(s, MAX_LONG_TEXT)
                    });
                let scope = parse_required(body.scope, &mut e, &format!("{prefix}.scope"), |s| text(s, MAX_LONG_TEXT));
                if let (Some(provision_code), Some(justification), Some(scope)) = (code, justification, scope) {
                    form.derogations.push(DerogationRequest { provision_code, justification, scope });
                }
            }
        }
        if e.is_empty() {
            Ok(form)
        } else {
            Err(e)
        }
    }
}

fn given<T>(v: Option<T>) -> Field<T> {
    v.map(Field::Value).unwrap_or(Field::Null)
}

impl From<&ApplicationForm> for ApplicationRequest {
    /// The body that would give this form: how a page that edits part of a draft sends the
    /// rest unchanged through the same parse.
    fn from(f: &ApplicationForm) -> Self {
        ApplicationRequest {
            title: Field::Value(f.title.clone()),
            summary: given(f.summary.clone()),
            intervention: given(f.intervention.map(|i| i.as_str().to_string())),
            zone_id: given(f.zone_id),
            site_address: given(f.site_address.clone()),
            site_postcode: given(f.site_postcode.as_ref().map(|p| p.full.clone())),
            proposed_start_date: given(f.proposed_start_date),
            proposed_duration_months: given(f.proposed_duration_months.map(i64::from)),
            estimated_annual_co2e_tonnes: given(f.estimated_annual_co2e_tonnes),
            community_ownership_pct: given(f.community_ownership_pct),
            innovation_statement: given(f.innovation_statement.clone()),
            need_for_derogation: given(f.need_for_derogation.clone()),
            safeguards: given(f.safeguards.clone()),
            exit_plan: given(f.exit_plan.clone()),
            requested_derogations: Field::Value(
                f.derogations
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "provision_code": d.provision_code, "justification": d.justification, "scope": d.scope,
                        })
                    })
                    .collect(),
            ),
        }
    }
}
