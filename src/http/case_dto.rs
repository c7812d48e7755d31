//! The full record of an application as the API shows it to its author, inspectors and admins,
//! the rows of the queue, and the history.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::concurrency::etag;
use super::dto::{utc, OrganisationResponse};
use crate::app::cases::{CaseSummary, CaseView, HistoryEntry};
use crate::db::models::{Condition, InformationRequestAttachment, Milestone};
use crate::domain::account::OrganisationKind;
use crate::domain::case::{CaseAction, Intervention, Status};
use crate::domain::decision::{AttachmentSide, CriterionOutcome, Decision, RecommendationKind, ScreeningCriterion};
use crate::domain::monitoring::{ConditionCategory, ConditionStatus, EnforcementKind, MilestoneKind, MilestoneStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonResponse {
    pub id: i64,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantResponse {
    pub id: i64,
    pub display_name: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneSummary {
    pub id: i64,
    pub name: String,
    pub lpa_code: String,
    pub lpa_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DerogationResponse {
    pub provision_code: String,
    pub provision_title: String,
    pub justification: String,
    pub scope: String,
    pub granted: bool,
    pub granted_limits: Option<String>,
    pub granted_until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningResponse {
    pub criterion: ScreeningCriterion,
    pub outcome: CriterionOutcome,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InformationRequestResponse {
    pub id: i64,
    pub question: String,
    pub due_on: NaiveDate,
    pub requested_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The files of the request: the inspector's, sent with the question (`sent_with: request`),
    /// and the applicant's, sent with the answer (`sent_with: answer`).
    pub attachments: Vec<AttachmentResponse>,
}

/// A file of an information request; `url` downloads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: i64,
    /// Who sent it: `request` (the inspector, with the question) or `answer` (the applicant).
    pub sent_with: AttachmentSide,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub url: String,
    /// Published with the decision notice by the assigned inspector (downloadable from the
    /// register once the case is decided).
    pub public: bool,
}

impl From<InformationRequestAttachment> for AttachmentResponse {
    fn from(a: InformationRequestAttachment) -> Self {
        AttachmentResponse {
            url: format!("/api/v1/information-request-attachments/{}", a.id),
            id: a.id,
            sent_with: a.sent_with,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            public: a.public,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionResponse {
    pub id: i64,
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: ConditionStatus,
    pub version: i64,
}

impl From<Condition> for ConditionResponse {
    fn from(c: Condition) -> Self {
        ConditionResponse {
            id: c.id,
            category: c.category,
            description: c.description,
            metric: c.metric,
            target_value: c.target_value,
            unit: c.unit,
            due_on: c.due_on,
            status: c.status,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneResponse {
    pub id: i64,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: MilestoneStatus,
    pub report: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl From<Milestone> for MilestoneResponse {
    fn from(m: Milestone) -> Self {
        MilestoneResponse {
            id: m.id,
            kind: m.kind,
            title: m.title,
            due_on: m.due_on,
            status: m.status,
            report: m.report,
            reported_at: m.reported_at.map(utc),
            review_note: m.review_note,
            reviewed_at: m.reviewed_at.map(utc),
            version: m.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnforcementResponse {
    pub kind: EnforcementKind,
    pub reasons: String,
    pub new_end_date: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationResponse {
    pub provision_code: String,
    pub recommendation: RecommendationKind,
    pub rationale: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationResponse {
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub recommendations: Vec<RecommendationResponse>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResponse {
    pub outcome: Decision,
    pub reasons: String,
    pub decided_at: DateTime<Utc>,
}

/// The full record of an application, as its author, inspectors and admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseResponse {
    pub id: i64,
    /// `SBX-<year>-<5 digits>`, assigned on submission.
    pub reference: Option<String>,
    pub status: Status,
    pub title: String,
    pub summary: Option<String>,
    pub intervention: Option<Intervention>,
    pub zone_id: Option<i64>,
    pub zone: Option<ZoneSummary>,
    pub site_address: Option<String>,
    pub site_postcode: Option<String>,
    pub postcode_district: Option<String>,
    pub proposed_start_date: Option<NaiveDate>,
    pub proposed_duration_months: Option<i32>,
    pub estimated_annual_co2e_tonnes: Option<f64>,
    pub community_ownership_pct: Option<f64>,
    pub innovation_statement: Option<String>,
    pub need_for_derogation: Option<String>,
    pub safeguards: Option<String>,
    pub exit_plan: Option<String>,
    pub applicant: Option<ApplicantResponse>,
    pub organisation: Option<OrganisationResponse>,
    pub requested_derogations: Vec<DerogationResponse>,
    pub assigned_inspector: Option<PersonResponse>,
    pub screening: Vec<ScreeningResponse>,
    pub information_requests: Vec<InformationRequestResponse>,
    /// The date a decision is due: `decision_target_working_days` (40 by default) working days
    /// after submission, moved on by the working days spent waiting for information. Null for a
    /// draft and once the case no longer awaits a decision.
    pub target_decision_date: Option<NaiveDate>,
    /// Working days from today to `target_decision_date`; negative when it has passed. Stays the
    /// same while an information request is open (the clock is paused). Null when the date is.
    pub working_days_left: Option<i64>,
    /// Whether the decision clock is paused now (an information request is open).
    pub decision_clock_paused: Option<bool>,
    pub decision: Option<DecisionResponse>,
    pub trial_start_date: Option<NaiveDate>,
    pub trial_end_date: Option<NaiveDate>,
    pub conditions: Vec<ConditionResponse>,
    pub milestones: Vec<MilestoneResponse>,
    pub enforcement_actions: Vec<EnforcementResponse>,
    pub evaluation: Option<EvaluationResponse>,
    /// What you may do with this application now.
    pub allowed_actions: Vec<CaseAction>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<CaseView> for CaseResponse {
    fn from(v: CaseView) -> Self {
        let a = v.app;
        let attachments = v.information_attachments;
        let decision = match (&a.decision, a.decided_at) {
            (Some(outcome), Some(at)) => Some(DecisionResponse {
                outcome: *outcome,
                reasons: a.decision_reasons.clone().unwrap_or_default(),
                decided_at: utc(at),
            }),
            _ => None,
        };
        CaseResponse {
            id: a.id,
            reference: a.reference,
            status: a.status,
            title: a.title,
            summary: a.summary,
            intervention: a.intervention,
            zone_id: a.zone_id,
            zone: v.zone.map(|z| ZoneSummary { id: z.id, name: z.name, lpa_code: z.lpa_code, lpa_name: z.lpa_name }),
            site_address: a.site_address,
            site_postcode: a.site_postcode,
            postcode_district: a.postcode_district,
            proposed_start_date: a.proposed_start_date,
            proposed_duration_months: a.proposed_duration_months,
            estimated_annual_co2e_tonnes: a.estimated_annual_co2e_tonnes,
            community_ownership_pct: a.community_ownership_pct,
            innovation_statement: a.innovation_statement,
            need_for_derogation: a.need_for_derogation,
            safeguards: a.safeguards,
            exit_plan: a.exit_plan,
            applicant: v.author.map(|u| ApplicantResponse { id: u.id, display_name: u.display_name, email: u.email }),
            organisation: v.organisation.map(Into::into),
            requested_derogations: v
                .requested
                .into_iter()
                .map(|(r, p)| DerogationResponse {
                    provision_code: p.code,
                    provision_title: p.title,
                    justification: r.justification,
                    scope: r.scope,
                    granted: r.granted,
                    granted_limits: r.granted_limits,
                    granted_until: r.granted_until,
                })
                .collect(),
            assigned_inspector: v.inspector.map(|u| PersonResponse { id: u.id, display_name: u.display_name }),
            screening: v
                .screening
                .into_iter()
                .map(|s| ScreeningResponse { criterion: s.criterion, outcome: s.outcome, note: s.note })
                .collect(),
            information_requests: v
                .information_requests
                .into_iter()
                .map(|r| InformationRequestResponse {
                    attachments: attachments
                        .iter()
                        .filter(|a| a.information_request_id == r.id)
                        .cloned()
                        .map(Into::into)
                        .collect(),
                    id: r.id,
                    question: r.question,
                    due_on: r.due_on,
                    requested_at: utc(r.requested_at),
                    answer: r.answer,
                    answered_at: r.answered_at.map(utc),
                })
                .collect(),
            target_decision_date: v.decision_clock.map(|c| c.target),
            working_days_left: v.decision_clock.map(|c| c.working_days_left),
            decision_clock_paused: v.decision_clock.map(|c| c.paused),
            decision,
            trial_start_date: a.trial_start_date,
            trial_end_date: a.trial_end_date,
            conditions: v.conditions.into_iter().map(Into::into).collect(),
            milestones: v.milestones.into_iter().map(Into::into).collect(),
            enforcement_actions: v
                .enforcement
                .into_iter()
                .map(|e| EnforcementResponse {
                    kind: e.kind,
                    reasons: e.reasons,
                    new_end_date: e.new_end_date,
                    at: utc(e.created_at),
                })
                .collect(),
            evaluation: v.evaluation.map(|(e, recs)| EvaluationResponse {
                outcomes: e.outcomes,
                lessons: e.lessons,
                reported_annual_co2e_tonnes: e.reported_annual_co2e_tonnes,
                recommendations: recs
                    .into_iter()
                    .map(|(r, p)| RecommendationResponse {
                        provision_code: p.code,
                        recommendation: r.recommendation,
                        rationale: r.rationale,
                    })
                    .collect(),
                at: utc(e.created_at),
            }),
            allowed_actions: v.allowed_actions,
            submitted_at: a.submitted_at.map(utc),
            started_at: a.started_at.map(utc),
            closed_at: a.closed_at.map(utc),
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            version: a.version,
        }
    }
}

/// The case with its `ETag` (and `Location` when it was just created).
pub fn case_response(view: CaseView, status: StatusCode) -> HttpResponse {
    let id = view.app.id;
    let version = view.app.version;
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::ETAG, etag(version)));
    if status == StatusCode::CREATED {
        builder.insert_header((header::LOCATION, format!("/api/v1/applications/{id}")));
    }
    builder.json(CaseResponse::from(view))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummaryResponse {
    pub id: i64,
    pub reference: Option<String>,
    pub status: Status,
    pub title: String,
    pub intervention: Option<Intervention>,
    pub zone_id: Option<i64>,
    pub zone_name: Option<String>,
    pub organisation_name: Option<String>,
    pub applicant_kind: Option<OrganisationKind>,
    pub assigned_inspector_id: Option<i64>,
    pub assigned_inspector: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// While a decision is awaited, the date the case should be decided by (as in the full
    /// record): submission plus `cases.decision_target_working_days` working days, moved on by the
    /// working days spent waiting for information. `null` for a draft and once decided.
    pub target_decision_date: Option<NaiveDate>,
    /// Working days from today to the target (negative when overdue), while a decision is awaited.
    pub working_days_left: Option<i64>,
    /// Whether the clock is stopped because an information request is open.
    pub decision_clock_paused: bool,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<CaseSummary> for CaseSummaryResponse {
    fn from(s: CaseSummary) -> Self {
        let a = s.app;
        CaseSummaryResponse {
            id: a.id,
            reference: a.reference,
            status: a.status,
            title: a.title,
            intervention: a.intervention,
            zone_id: a.zone_id,
            zone_name: s.zone_name,
            organisation_name: s.organisation_name,
            applicant_kind: a.applicant_kind,
            assigned_inspector_id: a.assigned_inspector_id,
            assigned_inspector: s.inspector_name,
            submitted_at: a.submitted_at.map(utc),
            target_decision_date: s.decision_clock.map(|c| c.target),
            working_days_left: s.decision_clock.map(|c| c.working_days_left),
            decision_clock_paused: s.decision_clock.is_some_and(|c| c.paused),
            updated_at: utc(a.updated_at),
            version: a.version,
        }
    }
}

/// An event of the case's audit trail. `from_status` and `to_status` are the states of the record
/// the event changed: the case, a condition, a milestone or an observation.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryResponse {
    pub seq: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
    /// The event's hash and the previous event's: the chain that `sandbox verify-audit` checks.
    pub hash: String,
    pub prev_hash: String,
}

impl From<HistoryEntry> for HistoryResponse {
    fn from(h: HistoryEntry) -> Self {
        let e = h.event;
        HistoryResponse {
            seq: e.seq,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor_id: e.actor_user_id,
            actor: h.actor_name,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            at: utc(e.created_at),
            hash: e.hash,
            prev_hash: e.prev_hash,
        }
    }
}
