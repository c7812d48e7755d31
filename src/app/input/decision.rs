//! The inspector's and the author's moves on a case: assignment, screening, information requests
//! and answers, approval and refusal, enforcement, extension, withdrawal and the evaluation.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::files::{parse_files, RawFile, UploadedFile};
use super::monitoring::{ConditionBody, MilestoneBody};
use super::{each, finish, optional_text, parse_required, required_long_text, Field, Parsed};
use crate::app::catalogue::parse_code;
use crate::domain::application::{
    number_in, text, Approval, Grant, MAX_CO2E_TONNES, MAX_CONDITIONS, MAX_DEROGATIONS, MAX_LONG_TEXT,
};
use crate::domain::decision::{
    check_screening, CriterionOutcome, CriterionResult, RecommendationKind, ScreeningCriterion,
};
use crate::domain::FieldErrors;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[serde(default)]
    #[schema(required = true, value_type = i64)]
    pub inspector_id: Field<i64>,
}

impl AssignBody {
    pub fn parse(self) -> Parsed<i64> {
        let mut e = FieldErrors::new();
        let id = self.inspector_id.required(&mut e, "inspector_id");
        finish(e, id)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    /// One of the seven screening criteria.
    #[serde(default)]
    #[schema(required = true, value_type = ScreeningCriterion)]
    pub criterion: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = CriterionOutcome)]
    pub outcome: Field<String>,
    /// Required when the criterion is not met.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub note: Field<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningBody {
    /// All seven criteria, each once.
    #[serde(default)]
    #[schema(required = true, value_type = Vec<CriterionBody>)]
    pub criteria: Field<Vec<serde_json::Value>>,
}

impl ScreeningBody {
    pub fn parse(self) -> Parsed<Vec<CriterionResult>> {
        let mut e = FieldErrors::new();
        let list = self.criteria.required(&mut e, "criteria").unwrap_or_default();
        let mut criteria = Vec::new();
        each(list, "criteria", ScreeningCriterion::ALL.len() * 2, &mut e, |c: CriterionBody, p, e| {
            let criterion =
                parse_required(c.criterion, e, &format!("{p}.criterion"), |s| s.parse::<ScreeningCriterion>());
            let outcome = parse_required(c.outcome, e, &format!("{p}.outcome"), |s| s.parse::<CriterionOutcome>());
            let note = match c.note.optional(e, &format!("{p}.note")) {
                Some(Some(n)) if n.trim().is_empty() => Some(String::new()),
                Some(Some(n)) => e.check(&format!("{p}.note"), text(&n, MAX_LONG_TEXT)),
                _ => Some(String::new()),
            };
            if let (Some(criterion), Some(outcome), Some(note)) = (criterion, outcome, note) {
                if outcome == CriterionOutcome::NotMet && note.is_empty() {
                    e.add(format!("{p}.note"), "explain why the criterion is not met");
                }
                criteria.push(CriterionResult { criterion, met: outcome == CriterionOutcome::Met, note });
            }
        });
        for err in check_screening(&criteria).0 {
            e.add(err.field, err.message);
        }
        finish(e, Some(criteria))
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationRequestBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub question: Field<String>,
    /// Defaults to `calendar.information_request_working_days` (15) working days from today.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Field<NaiveDate>,
    /// The files of a form, sent with the question (a JSON body has none).
    #[serde(skip)]
    pub attachments: Vec<RawFile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InformationRequestInput {
    pub question: String,
    pub due_on: Option<NaiveDate>,
    /// The inspector's files, stored with the request.
    pub attachments: Vec<UploadedFile>,
}

impl InformationRequestBody {
    pub fn parse(self) -> Parsed<InformationRequestInput> {
        let mut e = FieldErrors::new();
        let question = required_long_text(self.question, &mut e, "question");
        let due_on = self.due_on.optional(&mut e, "due_on").flatten();
        let attachments = parse_files(self.attachments, "attachments", MAX_ATTACHMENTS, "attachment", &mut e);
        finish(e, question.map(|question| InformationRequestInput { question, due_on, attachments }))
    }
}

/// The most milestones an approval's schedule may have.
pub const MAX_MILESTONES: usize = 60;

/// The most files one question or one answer may carry.
pub const MAX_ATTACHMENTS: usize = 5;

/// The author's answer to an information request: JSON `{answer}`, or a form with the text field
/// `answer` and up to 5 files in `attachments` (`MAX_ATTACHMENTS`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub answer: Field<String>,
    /// The files of a form (a JSON body has none).
    #[serde(skip)]
    pub attachments: Vec<RawFile>,
}

/// An answer and the files sent with it.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerInput {
    pub answer: String,
    pub attachments: Vec<UploadedFile>,
}

impl AnswerBody {
    pub fn parse(self) -> Parsed<AnswerInput> {
        let mut e = FieldErrors::new();
        let answer = required_long_text(self.answer, &mut e, "answer");
        let attachments = parse_files(self.attachments, "attachments", MAX_ATTACHMENTS, "attachment", &mut e);
        finish(e, answer.map(|answer| AnswerInput { answer, attachments }))
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "code")]
    pub provision_code: Field<String>,
    /// The limits the derogation is granted within.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub limits: Field<String>,
    /// When the derogation ends: after the trial starts, within the provision's longest trial and
    /// not after the trial ends. The trial's end date when not given.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Field<NaiveDate>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub reasons: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = NaiveDate)]
    pub trial_start_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(required = true, value_type = NaiveDate)]
    pub trial_end_date: Field<NaiveDate>,
    /// The derogations granted: a subset of those requested.
    #[serde(default)]
    #[schema(required = true, value_type = Vec<GrantBody>)]
    pub derogations: Field<Vec<serde_json::Value>>,
    /// At least one community-benefit condition.
    #[serde(default)]
    #[schema(value_type = Vec<ConditionBody>)]
    pub conditions: Field<Vec<serde_json::Value>>,
    /// The milestone schedule (each `kind`, `title`, `due_on`), due within the trial (an exit up to
    /// a month after it) and with a final report. When not given, the default schedule: an
    /// interim report every 3 months, a final report at the end and an exit a month after.
    #[serde(default)]
    #[schema(value_type = Option<Vec<MilestoneBody>>)]
    pub milestones: Field<Vec<serde_json::Value>>,
}

impl ApproveBody {
    pub fn parse(self) -> Parsed<Approval> {
        let mut e = FieldErrors::new();
        let reasons = required_long_text(self.reasons, &mut e, "reasons");
        let start = self.trial_start_date.required(&mut e, "trial_start_date");
        let end = self.trial_end_date.required(&mut e, "trial_end_date");
        let mut grants = Vec::new();
        let derogations = self.derogations.required(&mut e, "derogations").unwrap_or_default();
        each(derogations, "derogations", MAX_DEROGATIONS, &mut e, |g: GrantBody, p, e| {
            let code = parse_required(g.provision_code, e, &format!("{p}.provision_code"), parse_code);
            let limits = optional_text(g.limits, e, &format!("{p}.limits"), MAX_LONG_TEXT).unwrap_or_default();
            let ends_on = g.ends_on.optional(e, &format!("{p}.ends_on")).flatten();
            if let Some(provision_code) = code {
                grants.push(Grant { provision_code, limits, ends_on });
            }
        });
        let mut conditions = Vec::new();
        let list = self.conditions.optional(&mut e, "conditions").flatten().unwrap_or_default();
        each(list, "conditions", MAX_CONDITIONS, &mut e, |c: ConditionBody, p, e| {
            conditions.extend(c.parse_into(p, e));
        });
        let milestones = self.milestones.optional(&mut e, "milestones").flatten().map(|list| {
            let mut schedule = Vec::new();
            each(list, "milestones", MAX_MILESTONES, &mut e, |m: MilestoneBody, p, e| {
                schedule.extend(m.parse_into(p, e));
            });
            schedule
        });
        let parsed = match (reasons, start, end) {
            (Some(reasons), Some(trial_start_date), Some(trial_end_date)) => {
                Some(Approval { reasons, trial_start_date, trial_end_date, grants, conditions, milestones })
            }
            _ => None,
        };
        finish(e, parsed)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// Optional.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 10000)]
    pub reason: Field<String>,
}

impl WithdrawBody {
    pub fn parse(self) -> Parsed<Option<String>> {
        let mut e = FieldErrors::new();
        let r = optional_text(self.reason, &mut e, "reason", MAX_LONG_TEXT);
        finish(e, Some(r))
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    #[serde(default)]
    #[schema(required = true, value_type = NaiveDate)]
    pub new_end_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub reasons: Field<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub new_end_date: NaiveDate,
    pub reasons: String,
}

impl ExtendBody {
    pub fn parse(self) -> Parsed<Extension> {
        let mut e = FieldErrors::new();
        let new_end = self.new_end_date.required(&mut e, "new_end_date");
        let reasons = required_long_text(self.reasons, &mut e, "reasons");
        let parsed = match (new_end, reasons) {
            (Some(new_end_date), Some(reasons)) => Some(Extension { new_end_date, reasons }),
            _ => None,
        };
        finish(e, parsed)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "code")]
    pub provision_code: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = RecommendationKind)]
    pub recommendation: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub rationale: Field<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub outcomes: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 10000)]
    pub lessons: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub reported_annual_co2e_tonnes: Field<f64>,
    /// One per derogated provision.
    #[serde(default)]
    #[schema(required = true, value_type = Vec<RecommendationBody>)]
    pub recommendations: Field<Vec<serde_json::Value>>,
}

/// A recommendation for one derogated provision.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendationInput {
    pub provision_code: String,
    pub recommendation: RecommendationKind,
    pub rationale: String,
}

/// The evaluation that completes a trial.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationInput {
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub recommendations: Vec<RecommendationInput>,
}

impl CompleteBody {
    pub fn parse(self) -> Parsed<EvaluationInput> {
        let mut e = FieldErrors::new();
        let outcomes = required_long_text(self.outcomes, &mut e, "outcomes");
        let lessons = required_long_text(self.lessons, &mut e, "lessons");
        let reported = match self.reported_annual_co2e_tonnes.optional(&mut e, "reported_annual_co2e_tonnes") {
            Some(Some(v)) => e.check("reported_annual_co2e_tonnes", number_in(v, 0.0, MAX_CO2E_TONNES)),
            _ => None,
        };
        let mut recommendations = Vec::new();
        let list = self.recommendations.required(&mut e, "recommendations").unwrap_or_default();
        each(list, "recommendations", MAX_DEROGATIONS, &mut e, |r: RecommendationBody, p, e| {
            let code = parse_required(r.provision_code, e, &format!("{p}.provision_code"), parse_code);
            let rec = parse_required(r.recommendation, e, &format!("{p}.recommendation"), |s| s.parse());
            let rationale = required_long_text(r.rationale, e, &format!("{p}.rationale"));
            if let (Some(provision_code), Some(recommendation), Some(rationale)) = (code, rec, rationale) {
                recommendations.push(RecommendationInput { provision_code, recommendation, rationale });
            }
        });
        let parsed = match (outcomes, lessons) {
            (Some(outcomes), Some(lessons)) => {
                Some(EvaluationInput { outcomes, lessons, reported_annual_co2e_tonnes: reported, recommendations })
            }
            _ => None,
        };
        finish(e, parsed)
    }
}
