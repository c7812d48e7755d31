//! What an application says, and the checks made when it is submitted, approved or extended.
//! Every check collects all of its problems, so that a person can fix them at once.
//!
//! This module owns the limits and the application form with the facts the checks are given about
//! its zone and provisions. The values a form is made of (postcode, text, numbers) are in `values`;
//! the submission check in `submission`; the approval and extension checks and the milestone
//! schedule an approval creates in `decision`.

mod decision;
pub mod sections;
mod submission;
mod values;

pub use decision::{
    check_approval, check_extension, default_milestones, Approval, ConditionInput, Grant, MilestoneInput,
    EXIT_GRACE_MONTHS,
};
pub use submission::check_submission;
pub use values::{number_in, text, Postcode};

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::case::Intervention;

pub const MAX_TITLE: usize = 200;
pub const MAX_SHORT_TEXT: usize = 500;
pub const MAX_LONG_TEXT: usize = 10_000;
pub const MAX_DURATION_MONTHS: i32 = 120;
pub const MAX_CO2E_TONNES: f64 = 10_000_000.0;
pub const MAX_DEROGATIONS: usize = 20;
pub const MAX_CONDITIONS: usize = 50;

/// One requested derogation as the innovator writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DerogationRequest {
    pub provision_code: String,
    pub justification: String,
    pub scope: String,
}

/// The innovator's application. A draft may leave fields empty; submission requires them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplicationForm {
    pub title: String,
    pub summary: Option<String>,
    pub intervention: Option<Intervention>,
    pub zone_id: Option<i64>,
    pub site_address: Option<String>,
    pub site_postcode: Option<Postcode>,
    pub proposed_start_date: Option<NaiveDate>,
    pub proposed_duration_months: Option<i32>,
    pub estimated_annual_co2e_tonnes: Option<f64>,
    pub community_ownership_pct: Option<f64>,
    pub innovation_statement: Option<String>,
    pub need_for_derogation: Option<String>,
    pub safeguards: Option<String>,
    pub exit_plan: Option<String>,
    pub derogations: Vec<DerogationRequest>,
}

/// What submission needs to know about the chosen zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneFacts {
    pub id: i64,
    pub is_open: bool,
    pub window_opens_on: Option<NaiveDate>,
    pub window_closes_on: Option<NaiveDate>,
    pub min_community_ownership_pct: f64,
    pub allowed_provisions: BTreeSet<String>,
}

impl ZoneFacts {
    pub fn accepting_on(&self, day: NaiveDate) -> Result<(), String> {
        if !self.is_open {
            return Err("the zone is closed to applications".into());
        }
        if let Some(opens) = self.window_opens_on {
            if day < opens {
                return Err(format!("the zone's application window opens on {opens}"));
            }
        }
        if let Some(closes) = self.window_closes_on {
            if day > closes {
                return Err(format!("the zone's application window closed on {closes}"));
            }
        }
        Ok(())
    }
}

/// What the checks need to know about a provision.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionFacts {
    pub id: i64,
    pub code: String,
    pub max_trial_months: i32,
    pub retired: bool,
}

/// Helpers the checks' tests share.
#[cfg(test)]
mod fixtures {
    use super::*;

    pub(super) fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub(super) fn provision(code: &str, months: i32) -> ProvisionFacts {
        ProvisionFacts { id: 1, code: code.into(), max_trial_months: months, retired: false }
    }
}
