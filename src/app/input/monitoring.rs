//! Trials in operation: conditions, evidence and its review, the milestone schedule, reports and
//! their review.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{finish, optional_text, parse_required, required_long_text, Field, Parsed};
use crate::domain::application::{number_in, text, ConditionInput, MAX_CO2E_TONNES, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::domain::monitoring::{ConditionCategory, EvidenceVerdict, MilestoneKind, ReviewOutcome};
use crate::domain::FieldErrors;

/// The longest unit of a condition's metric ("GBP", "tCO2e", "households").
pub const MAX_UNIT: usize = 50;
/// The largest target or reported value.
pub const MAX_VALUE: f64 = 1e12;

/// `prefix.name`, or `name` at the top of a body.
pub fn field_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A community-benefit condition as the inspector sets it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionBody {
    #[serde(default)]
    #[schema(required = true, value_type = ConditionCategory)]
    pub category: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub description: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 500)]
    pub metric: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = f64, minimum = 0)]
    pub target_value: Field<f64>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 50)]
    pub unit: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = NaiveDate)]
    pub due_on: Field<NaiveDate>,
}

impl ConditionBody {
    pub fn parse(self) -> Parsed<ConditionInput> {
        let mut e = FieldErrors::new();
        let c = self.parse_into("", &mut e);
        finish(e, c)
    }

    /// Parses the condition, naming its fields under `prefix` (`conditions[2]` in an approval).
    pub fn parse_into(self, prefix: &str, e: &mut FieldErrors) -> Option<ConditionInput> {
        let f = |name: &str| field_name(prefix, name);
        let category = parse_required(self.category, e, &f("category"), |s| s.parse::<ConditionCategory>());
        let description = parse_required(self.description, e, &f("description"), |s| text(s, MAX_LONG_TEXT));
        let metric = parse_required(self.metric, e, &f("metric"), |s| text(s, MAX_SHORT_TEXT));
        let target = self
            .target_value
            .required(e, &f("target_value"))
            .and_then(|v| e.check(&f("target_value"), number_in(v, 0.0, MAX_VALUE)));
        let unit = parse_required(self.unit, e, &f("unit"), |s| text(s, MAX_UNIT));
        let due = self.due_on.required(e, &f("due_on"));
        Some(ConditionInput {
            category: category?,
            description: description?,
            metric: metric?,
            target_value: target?,
            unit: unit?,
            due_on: due?,
        })
    }
}

/// Evidence against a condition. The multipart form sends the same two fields (as text) and a
/// file.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub body: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub reported_value: Field<f64>,
}

/// Evidence as the use-case takes it (the file, when there is one, is read separately).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceText {
    pub body: String,
    pub reported_value: Option<f64>,
}

impl EvidenceBody {
    /// The raw struct of a multipart form's text fields.
    pub fn from_form(body: Option<String>, reported_value: Option<String>) -> Self {
        EvidenceBody {
            body: body.map(Field::Value).unwrap_or_default(),
            reported_value: match reported_value.as_deref().map(str::trim) {
                None | Some("") => Field::Missing,
                Some(v) => v.parse::<f64>().map(Field::Value).unwrap_or(Field::Invalid("must be a number".into())),
            },
        }
    }

    pub fn parse(self) -> Parsed<EvidenceText> {
        let mut e = FieldErrors::new();
        let body = required_long_text(self.body, &mut e, "body");
        let reported_value = match self.reported_value.optional(&mut e, "reported_value") {
            Some(Some(v)) => e.check("reported_value", number_in(v, -MAX_CO2E_TONNES, MAX_VALUE)),
            _ => None,
        };
        let parsed = body.map(|body| EvidenceText { body, reported_value });
        finish(e, parsed)
    }
}

/// The inspector's verdict on a condition's latest evidence.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    #[serde(default)]
    #[schema(required = true, value_type = EvidenceVerdict)]
    pub outcome: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub note: Field<String>,
    /// Required to mark a condition met when the evidence's value is below its target; published
    /// with the decision.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub below_target_reason: Field<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub met: bool,
    pub note: String,
    pub below_target_reason: Option<String>,
}

impl VerifyBody {
    pub fn parse(self) -> Parsed<Verification> {
        let mut e = FieldErrors::new();
        let met = parse_required(self.outcome, &mut e, "outcome", |s| s.parse::<EvidenceVerdict>())
            .map(|v| v == EvidenceVerdict::Met);
        let note = required_long_text(self.note, &mut e, "note");
        let below_target_reason = optional_text(self.below_target_reason, &mut e, "below_target_reason", MAX_LONG_TEXT);
        let parsed = match (met, note) {
            (Some(met), Some(note)) => Some(Verification { met, note, below_target_reason }),
            _ => None,
        };
        finish(e, parsed)
    }
}

/// Reasons for a change that must be explained, published with it: refusal, suspension,
/// reinstatement, revocation, a condition's breach or waiver, a milestone's waiver.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonsBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub reasons: Field<String>,
}

impl ReasonsBody {
    pub fn parse(self) -> Parsed<String> {
        let mut e = FieldErrors::new();
        let r = required_long_text(self.reasons, &mut e, "reasons");
        finish(e, r)
    }
}

/// A milestone added to a trial's schedule, or (`PATCH`) its new title or due date.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneBody {
    #[serde(default)]
    #[schema(required = true, value_type = MilestoneKind)]
    pub kind: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 500)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = NaiveDate)]
    pub due_on: Field<NaiveDate>,
}

/// A new milestone: the same value as one of an approval's schedule.
pub use crate::domain::application::MilestoneInput as NewMilestoneInput;

/// What a reschedule changes; either may be left out.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneChange {
    pub title: Option<String>,
    pub due_on: Option<NaiveDate>,
}

impl MilestoneBody {
    pub fn parse_new(self) -> Parsed<NewMilestoneInput> {
        let mut e = FieldErrors::new();
        let parsed = self.parse_into("", &mut e);
        finish(e, parsed)
    }

    /// Parses a new milestone, naming its fields under `prefix` (`milestones[1]` in an approval).
    pub fn parse_into(self, prefix: &str, e: &mut FieldErrors) -> Option<NewMilestoneInput> {
        let f = |name: &str| field_name(prefix, name);
        let kind = parse_required(self.kind, e, &f("kind"), |s| s.parse::<MilestoneKind>());
        let title = parse_required(self.title, e, &f("title"), |s| text(s, MAX_SHORT_TEXT));
        let due = self.due_on.required(e, &f("due_on"));
        Some(NewMilestoneInput { kind: kind?, title: title?, due_on: due? })
    }

    pub fn parse_change(self) -> Parsed<MilestoneChange> {
        let mut e = FieldErrors::new();
        if !self.kind.is_missing() {
            e.add("kind", "cannot be changed; waive this milestone and add another");
        }
        let title = match self.title.optional(&mut e, "title") {
            Some(Some(t)) => e.check("title", text(&t, MAX_SHORT_TEXT)),
            _ => None,
        };
        let due_on = self.due_on.optional(&mut e, "due_on").flatten();
        finish(e, Some(MilestoneChange { title, due_on }))
    }
}

/// The author's report on a milestone.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneReportBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub report: Field<String>,
}

impl MilestoneReportBody {
    pub fn parse(self) -> Parsed<String> {
        let mut e = FieldErrors::new();
        let r = required_long_text(self.report, &mut e, "report");
        finish(e, r)
    }
}

/// The assigned inspector's review of a milestone report.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneReviewBody {
    #[serde(default)]
    #[schema(required = true, value_type = ReviewOutcome)]
    pub outcome: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub note: Field<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub accept: bool,
    pub note: String,
}

impl MilestoneReviewBody {
    pub fn parse(self) -> Parsed<Review> {
        let mut e = FieldErrors::new();
        let accept = parse_required(self.outcome, &mut e, "outcome", |s| s.parse::<ReviewOutcome>())
            .map(|o| o == ReviewOutcome::Accepted);
        let note = required_long_text(self.note, &mut e, "note");
        let parsed = match (accept, note) {
            (Some(accept), Some(note)) => Some(Review { accept, note }),
            _ => None,
        };
        finish(e, parsed)
    }
}
