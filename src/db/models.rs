//! Rows as stored, and the forms used to insert them. Enumerated columns are their domain enums
//! (mapped in `sql_enum.rs`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::*;
use crate::domain::account::{OrganisationKind, Role, TokenPurpose};
use crate::domain::case::{Intervention, Status};
use crate::domain::community::{AttestationStance, ObservationKind, Visibility};
use crate::domain::decision::{AttachmentSide, CriterionOutcome, Decision, RecommendationKind, ScreeningCriterion};
use crate::domain::monitoring::{
    ConditionCategory, ConditionStatus, EnforcementKind, EvidenceOutcome, MilestoneKind, MilestoneStatus,
};
use crate::email::DeliveryStatus;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub registration_number: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub kind: OrganisationKind,
    pub registration_number: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: i64,
    pub family_id: String,
    pub token_hash: String,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub user_id: i64,
    pub family_id: &'a str,
    pub token_hash: &'a str,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeToken {
    pub id: i64,
    pub user_id: i64,
    pub purpose: TokenPurpose,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = one_time_tokens)]
pub struct NewOneTimeToken<'a> {
    pub user_id: i64,
    pub purpose: TokenPurpose,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = outbound_emails)]
pub struct OutboundEmail {
    pub id: i64,
    pub dedup_key: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub category: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbound_emails)]
pub struct NewOutboundEmail {
    pub dedup_key: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub category: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub stream: String,
    pub seq: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: String,
    pub public: bool,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct NewAuditEvent {
    pub stream: String,
    pub seq: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: String,
    pub public: bool,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = provisions)]
pub struct Provision {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub legal_reference: String,
    pub summary: String,
    pub max_trial_months: i32,
    pub retired_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = zones)]
pub struct Zone {
    pub id: i64,
    pub name: String,
    pub lpa_code: String,
    pub lpa_name: String,
    pub climate_emergency_declared_on: Option<NaiveDate>,
    pub is_open: bool,
    pub window_opens_on: Option<NaiveDate>,
    pub window_closes_on: Option<NaiveDate>,
    pub min_community_ownership_pct: f64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, AsChangeset, Insertable)]
#[diesel(table_name = applications, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Application {
    pub id: i64,
    pub reference: Option<String>,
    pub author_id: i64,
    pub organisation_id: Option<i64>,
    pub applicant_kind: Option<OrganisationKind>,
    pub status: Status,
    pub resume_status: Option<Status>,
    pub title: String,
    pub summary: Option<String>,
    pub intervention: Option<Intervention>,
    pub zone_id: Option<i64>,
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
    pub assigned_inspector_id: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision: Option<Decision>,
    pub decision_reasons: Option<String>,
    pub trial_start_date: Option<NaiveDate>,
    pub trial_end_date: Option<NaiveDate>,
    pub started_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub paused_since: Option<NaiveDateTime>,
    pub paused_seconds: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The target decision date, kept for the queue (the case view recomputes it exactly).
    pub target_decision_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = requested_derogations, treat_none_as_default_value = false)]
pub struct RequestedDerogation {
    pub id: i64,
    pub application_id: i64,
    pub provision_id: i64,
    pub justification: String,
    pub scope: String,
    pub granted: bool,
    pub granted_limits: Option<String>,
    pub granted_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = screenings, treat_none_as_default_value = false)]
pub struct Screening {
    pub id: i64,
    pub application_id: i64,
    pub criterion: ScreeningCriterion,
    pub outcome: CriterionOutcome,
    pub note: String,
    pub screened_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = information_requests, treat_none_as_default_value = false)]
pub struct InformationRequest {
    pub id: i64,
    pub application_id: i64,
    pub question: String,
    pub due_on: NaiveDate,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
}

/// A file of an information request, sent with the question or with the answer, without its
/// bytes (read on their own).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = information_request_attachments)]
pub struct InformationRequestAttachment {
    pub id: i64,
    pub information_request_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
    /// Who sent it: the inspector with the question, or the applicant with the answer.
    pub sent_with: AttachmentSide,
    /// Published with the decision notice by the assigned inspector.
    pub public: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = conditions, treat_none_as_default_value = false)]
pub struct Condition {
    pub id: i64,
    pub application_id: i64,
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: ConditionStatus,
    pub status_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The day the scheduler is next to look at it (`None`: never).
    pub scheduler_check_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = milestones, treat_none_as_default_value = false)]
pub struct Milestone {
    pub id: i64,
    pub application_id: i64,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: MilestoneStatus,
    pub report: Option<String>,
    pub reported_at: Option<NaiveDateTime>,
    pub review_note: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The day the scheduler is next to look at it (`None`: never).
    pub scheduler_check_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = enforcement_actions, treat_none_as_default_value = false)]
pub struct EnforcementAction {
    pub id: i64,
    pub application_id: i64,
    pub kind: EnforcementKind,
    pub reasons: String,
    pub new_end_date: Option<NaiveDate>,
    pub actor_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = evaluations, treat_none_as_default_value = false)]
pub struct Evaluation {
    pub id: i64,
    pub application_id: i64,
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = recommendations, treat_none_as_default_value = false)]
pub struct Recommendation {
    pub id: i64,
    pub evaluation_id: i64,
    pub application_id: i64,
    pub provision_id: i64,
    pub recommendation: RecommendationKind,
    pub rationale: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = evidence, treat_none_as_default_value = false)]
pub struct Evidence {
    pub id: i64,
    pub application_id: i64,
    pub condition_id: i64,
    pub submitted_by: i64,
    pub body: String,
    pub reported_value: Option<f64>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub file_sha256: Option<String>,
    pub outcome: EvidenceOutcome,
    pub feedback: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = attestations, treat_none_as_default_value = false)]
pub struct Attestation {
    pub id: i64,
    pub application_id: i64,
    pub condition_id: i64,
    pub evidence_id: Option<i64>,
    pub user_id: i64,
    pub stance: AttestationStance,
    pub comment: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = observations, treat_none_as_default_value = false)]
pub struct Observation {
    pub id: i64,
    pub application_id: i64,
    pub author_id: i64,
    pub kind: ObservationKind,
    pub body: String,
    pub visibility: Visibility,
    pub published_body: Option<String>,
    pub moderation_reason: Option<String>,
    pub moderated_by: Option<i64>,
    pub moderated_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    /// When its reports held it back from the public until a moderator looks at it.
    pub held_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = observation_reports)]
pub struct ObservationReport {
    pub id: i64,
    pub observation_id: i64,
    pub reporter_id: i64,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = observation_replies)]
pub struct ObservationReply {
    pub id: i64,
    pub observation_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: i64,
    pub user_id: i64,
    pub application_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = web_sessions)]
pub struct WebSession {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub csrf_token: String,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: Option<String>,
    pub flash: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewWebSession<'a> {
    pub user_id: i64,
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: Option<&'a str>,
    pub flash: Option<&'a str>,
}
