//! `/api/v1/applications/*` and `/api/v1/milestones/*`: drafts, the queue, the full record, the
//! lifecycle transitions and the history.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::concurrency::{etag, if_match_opt};
use super::dto::{list_response, utc, OrganisationResponse};
use super::extract::AuthUser;
use super::input::{parse_required, Field, PageParams};
use crate::app::cases::{self, CaseSummary, CaseView, HistoryEntry};
use crate::app::lifecycle::{self, CriterionResult, EvaluationInput, RecommendationInput};
use crate::app::AppContext;
use crate::db::cases::{CaseFilter, InspectorFilter};
use crate::db::models::{Condition, Milestone};
use crate::domain::application::{
    number_in, text, ApplicationForm, Approval, ConditionInput, DerogationRequest, Grant, Postcode, MAX_CO2E_TONNES,
    MAX_CONDITIONS, MAX_DEROGATIONS, MAX_DURATION_MONTHS, MAX_LONG_TEXT, MAX_SHORT_TEXT, MAX_TITLE,
};
use crate::domain::case::{CaseAction, Intervention, Status};
use crate::domain::monitoring::ConditionCategory;
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult, Problem};

// ---------------------------------------------------------------- responses

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
    pub criterion: String,
    /// `met` or `not_met`.
    pub outcome: String,
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionResponse {
    pub id: i64,
    pub category: String,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: String,
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
    pub kind: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: String,
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
    /// `suspension`, `reinstatement`, `revocation` or `extension`.
    pub kind: String,
    pub reasons: String,
    pub new_end_date: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationResponse {
    pub provision_code: String,
    /// `make_permanent`, `amend`, `do_not_adopt` or `inconclusive`.
    pub recommendation: String,
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
    /// `approved` or `refused`.
    pub outcome: String,
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
        let decision = match (&a.decision, a.decided_at) {
            (Some(outcome), Some(at)) => Some(DecisionResponse {
                outcome: outcome.clone(),
                reasons: a.decision_reasons.clone().unwrap_or_default(),
                decided_at: utc(at),
            }),
            _ => None,
        };
        CaseResponse {
            id: a.id,
            reference: a.reference,
            status: a.status.parse().unwrap_or(Status::Draft),
            title: a.title,
            summary: a.summary,
            intervention: a.intervention.and_then(|i| i.parse().ok()),
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
                    id: r.id,
                    question: r.question,
                    due_on: r.due_on,
                    requested_at: utc(r.requested_at),
                    answer: r.answer,
                    answered_at: r.answered_at.map(utc),
                })
                .collect(),
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

fn case_response(view: CaseView, status: actix_web::http::StatusCode) -> HttpResponse {
    let id = view.app.id;
    let version = view.app.version;
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::ETAG, etag(version)));
    if status == actix_web::http::StatusCode::CREATED {
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
    pub organisation_name: Option<String>,
    pub assigned_inspector_id: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<CaseSummary> for CaseSummaryResponse {
    fn from(s: CaseSummary) -> Self {
        let a = s.app;
        CaseSummaryResponse {
            id: a.id,
            reference: a.reference,
            status: a.status.parse().unwrap_or(Status::Draft),
            title: a.title,
            intervention: a.intervention.and_then(|i| i.parse().ok()),
            zone_id: a.zone_id,
            organisation_name: s.organisation_name,
            assigned_inspector_id: a.assigned_inspector_id,
            submitted_at: a.submitted_at.map(utc),
            updated_at: utc(a.updated_at),
            version: a.version,
        }
    }
}

// ---------------------------------------------------------------- drafts

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerogationRequestBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub provision_code: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub justification: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub scope: Field<String>,
}

/// An application as the innovator writes it. Drafts may leave fields out; submission needs them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub summary: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<Intervention>)]
    pub intervention: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Field<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub site_address: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub site_postcode: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub proposed_start_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 120)]
    pub proposed_duration_months: Field<i64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0)]
    pub estimated_annual_co2e_tonnes: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub community_ownership_pct: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub innovation_statement: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub need_for_derogation: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub safeguards: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub exit_plan: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<DerogationRequestBody>>)]
    pub requested_derogations: Field<Vec<serde_json::Value>>,
}

fn opt_text(f: Field<String>, e: &mut FieldErrors, name: &str, max: usize) -> Option<String> {
    match f.optional(e, name) {
        Some(Some(s)) if s.trim().is_empty() => None,
        Some(Some(s)) => e.check(name, text(&s, max)),
        _ => None,
    }
}

impl ApplicationRequest {
    fn parse(self) -> Result<ApplicationForm, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = parse_required(self.title, &mut e, "title", |s| text(s, MAX_TITLE));
        let mut form = ApplicationForm {
            title: title.unwrap_or_default(),
            summary: opt_text(self.summary, &mut e, "summary", MAX_LONG_TEXT),
            intervention: match self.intervention.optional(&mut e, "intervention") {
                Some(Some(i)) => e.check("intervention", i.parse::<Intervention>()),
                _ => None,
            },
            zone_id: self.zone_id.optional(&mut e, "zone_id").flatten(),
            site_address: opt_text(self.site_address, &mut e, "site_address", MAX_SHORT_TEXT),
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
            innovation_statement: opt_text(self.innovation_statement, &mut e, "innovation_statement", MAX_LONG_TEXT),
            need_for_derogation: opt_text(self.need_for_derogation, &mut e, "need_for_derogation", MAX_LONG_TEXT),
            safeguards: opt_text(self.safeguards, &mut e, "safeguards", MAX_LONG_TEXT),
            exit_plan: opt_text(self.exit_plan, &mut e, "exit_plan", MAX_LONG_TEXT),
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
                        e.add(prefix, super::input::describe_serde_error(&err.to_string()));
                        continue;
                    }
                };
                let code = parse_required(body.provision_code, &mut e, &format!("{prefix}.provision_code"), |s| {
                    crate::app::catalogue::parse_code(s)
                });
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

/// Start a draft application (innovator).
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationRequest, security(("bearer" = [])),
    responses((status = 201, body = CaseResponse), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<ApplicationRequest>,
) -> AppResult<HttpResponse> {
    crate::domain::policy::authorize(Some(&user.0), crate::domain::policy::Action::CreateApplication)
        .map_err(|r| AppError::refused(r, "create an application"))?;
    let form = body.into_inner().parse()?;
    let view = cases::create(&ctx, &user.0, form).await?;
    Ok(case_response(view, actix_web::http::StatusCode::CREATED))
}

/// Replace a draft (its author, `If-Match`). Only drafts can be edited.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", request_body = ApplicationRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ApplicationRequest>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = cases::precheck(&ctx, &user.0, id, CaseRequest::Act(CaseAction::Edit), if_match_opt(&req)?).await?;
    let form = body.into_inner().parse()?;
    let view = cases::update_draft(&ctx, &user.0, id, version, form).await?;
    Ok(case_response(view, actix_web::http::StatusCode::OK))
}

/// Read an application's full record (its author; inspectors and admins once submitted).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = CaseResponse), (status = 404, description = "No such application, or not yours", body = Problem, content_type = "application/problem+json")))]
pub async fn get(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = cases::get(&ctx, &user.0, id.into_inner()).await?;
    Ok(case_response(view, actix_web::http::StatusCode::OK))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Only cases in this status.
    pub status: Option<String>,
    /// Only cases in this zone (id).
    pub zone: Option<String>,
    /// `me`, `unassigned`, or an inspector's user id.
    pub inspector: Option<String>,
    /// Only this intervention type.
    pub intervention: Option<String>,
    /// Text in the reference, title or organisation name.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// The applications you may see, newest first: an innovator's own; for inspectors and admins,
/// every submitted case (the queue).
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(QueueParams), security(("bearer" = [])),
    responses((status = 200, body = [CaseSummaryResponse]), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<QueueParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let nonempty = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let status =
        nonempty(p.status).and_then(|s| e.check("status", s.parse::<Status>()).map(|s| s.as_str().to_string()));
    let zone_id =
        nonempty(p.zone).and_then(|z| e.check("zone", z.parse::<i64>().map_err(|_| "must be a zone id".to_string())));
    let inspector = match nonempty(p.inspector).as_deref() {
        None => None,
        Some("me") => Some(InspectorFilter::Is(user.0.user_id)),
        Some("unassigned") => Some(InspectorFilter::Unassigned),
        Some(other) => e
            .check("inspector", other.parse::<i64>().map_err(|_| "must be me, unassigned or a user id".to_string()))
            .map(InspectorFilter::Is),
    };
    let intervention = nonempty(p.intervention)
        .and_then(|i| e.check("intervention", i.parse::<Intervention>()).map(|i| i.as_str().to_string()));
    let q = nonempty(p.q);
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        e.add("q", "must be at most 200 characters");
    }
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    e.into_result()?;
    let filter = CaseFilter { status, zone_id, inspector, intervention, q, ..CaseFilter::default() };
    let result = cases::list(&ctx, &user.0, filter, page).await?;
    Ok(list_response(&req, result, CaseSummaryResponse::from))
}

// ---------------------------------------------------------------- transitions

async fn guard(ctx: &AppContext, actor: &Actor, req: &HttpRequest, id: i64, action: CaseAction) -> AppResult<i64> {
    cases::precheck(ctx, actor, id, CaseRequest::Act(action), if_match_opt(req)?).await
}

fn ok(view: CaseView) -> AppResult<HttpResponse> {
    Ok(case_response(view, actix_web::http::StatusCode::OK))
}

/// Submit a draft (its author, verified email, `If-Match`). Every problem is named at once.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "lifecycle", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn submit(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Submit).await?;
    ok(lifecycle::submit(&ctx, &user.0, id, version).await?)
}

/// Start an approved trial (its author or the assigned inspector), on or after its start date.
#[utoipa::path(post, path = "/api/v1/applications/{id}/start", tag = "lifecycle", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn start(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Start).await?;
    ok(lifecycle::start(&ctx, &user.0, id, version).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub reasons: Field<String>,
}

fn reasons(body: ReasonBody, required: bool) -> AppResult<Option<String>> {
    let mut e = FieldErrors::new();
    let r = if required {
        parse_required(body.reasons, &mut e, "reasons", |s| text(s, MAX_LONG_TEXT))
    } else {
        opt_text(body.reasons, &mut e, "reasons", MAX_LONG_TEXT)
    };
    e.into_result()?;
    Ok(r)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// Optional.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub reason: Field<String>,
}

/// Withdraw an application before a decision (its author).
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "lifecycle", request_body = WithdrawBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<WithdrawBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Withdraw).await?;
    let reason = reasons(ReasonBody { reasons: body.into_inner().reason }, false)?;
    ok(lifecycle::withdraw(&ctx, &user.0, id, version, reason).await?)
}

/// Refuse an application in assessment (assigned inspector), with published reasons.
#[utoipa::path(post, path = "/api/v1/applications/{id}/refuse", tag = "lifecycle", request_body = ReasonBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn refuse(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Refuse).await?;
    let r = reasons(body.into_inner(), true)?.unwrap_or_default();
    ok(lifecycle::refuse(&ctx, &user.0, id, version, r).await?)
}

async fn enforcement(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: i64,
    body: ReasonBody,
    action: CaseAction,
) -> AppResult<HttpResponse> {
    let version = guard(&ctx, &user.0, &req, id, action).await?;
    let r = reasons(body, true)?.unwrap_or_default();
    ok(lifecycle::enforce(&ctx, &user.0, id, version, action, r).await?)
}

/// Suspend an active trial (assigned inspector), with reasons.
#[utoipa::path(post, path = "/api/v1/applications/{id}/suspend", tag = "lifecycle", request_body = ReasonBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn suspend(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    enforcement(ctx, user, req, id.into_inner(), body.into_inner(), CaseAction::Suspend).await
}

/// Reinstate a suspended trial (assigned inspector), with reasons.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reinstate", tag = "lifecycle", request_body = ReasonBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn reinstate(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    enforcement(ctx, user, req, id.into_inner(), body.into_inner(), CaseAction::Reinstate).await
}

/// Revoke an active or suspended trial (assigned inspector), with reasons.
#[utoipa::path(post, path = "/api/v1/applications/{id}/revoke", tag = "lifecycle", request_body = ReasonBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ReasonBody>,
) -> AppResult<HttpResponse> {
    enforcement(ctx, user, req, id.into_inner(), body.into_inner(), CaseAction::Revoke).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[serde(default)]
    #[schema(value_type = i64)]
    pub inspector_id: Field<i64>,
}

/// Assign (or reassign) an inspector (inspectors and admins). `submitted → screening`.
#[utoipa::path(post, path = "/api/v1/applications/{id}/assign", tag = "lifecycle", request_body = AssignBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn assign(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<AssignBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Assign).await?;
    let mut e = FieldErrors::new();
    let inspector = body.into_inner().inspector_id.required(&mut e, "inspector_id");
    e.into_result()?;
    ok(lifecycle::assign(&ctx, &user.0, id, version, inspector.unwrap_or_default()).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    /// One of the seven screening criteria.
    #[serde(default)]
    #[schema(value_type = String)]
    pub criterion: Field<String>,
    /// `met` or `not_met`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub outcome: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub note: Field<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningBody {
    #[serde(default)]
    #[schema(value_type = Vec<CriterionBody>)]
    pub criteria: Field<Vec<serde_json::Value>>,
}

/// Record the seven screening criteria (assigned inspector). All met → assessment; else refused.
#[utoipa::path(post, path = "/api/v1/applications/{id}/screening", tag = "lifecycle", request_body = ScreeningBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn screening(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ScreeningBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Screen).await?;
    let mut e = FieldErrors::new();
    let list = body.into_inner().criteria.required(&mut e, "criteria").unwrap_or_default();
    let mut criteria = Vec::new();
    for (i, value) in list.into_iter().enumerate() {
        let prefix = format!("criteria[{i}]");
        let c: CriterionBody = match serde_json::from_value(value) {
            Ok(c) => c,
            Err(err) => {
                e.add(prefix, super::input::describe_serde_error(&err.to_string()));
                continue;
            }
        };
        let criterion = c.criterion.required(&mut e, &format!("{prefix}.criterion"));
        let outcome = parse_required(c.outcome, &mut e, &format!("{prefix}.outcome"), |s| match s {
            "met" => Ok(true),
            "not_met" => Ok(false),
            _ => Err("must be met or not_met".to_string()),
        });
        let note = match c.note.optional(&mut e, &format!("{prefix}.note")) {
            Some(Some(n)) => e.check(&format!("{prefix}.note"), text(&n, MAX_LONG_TEXT).or_else(|_| Ok(String::new()))),
            _ => Some(String::new()),
        };
        if let (Some(criterion), Some(met), Some(note)) = (criterion, outcome, note) {
            if !met && note.is_empty() {
                e.add(format!("{prefix}.note"), "explain why the criterion is not met");
            }
            criteria.push(CriterionResult { criterion, met, note });
        }
    }
    for err in lifecycle::check_criteria(&criteria).0 {
        e.add(err.field, err.message);
    }
    e.into_result()?;
    ok(lifecycle::screen(&ctx, &user.0, id, version, criteria).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationRequestBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub question: Field<String>,
    /// Defaults to 15 working days from today.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Field<NaiveDate>,
}

/// Ask the applicant for information (assigned inspector). The decision clock pauses.
#[utoipa::path(post, path = "/api/v1/applications/{id}/information-requests", tag = "lifecycle", request_body = InformationRequestBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 201, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn request_information(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<InformationRequestBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::RequestInformation).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let question = parse_required(b.question, &mut e, "question", |s| text(s, MAX_LONG_TEXT));
    let due = b.due_on.optional(&mut e, "due_on").flatten();
    e.into_result()?;
    let view = lifecycle::request_information(&ctx, &user.0, id, version, question.unwrap_or_default(), due).await?;
    Ok(case_response(view, actix_web::http::StatusCode::CREATED))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub answer: Field<String>,
}

/// Answer an information request (the author). The case returns to where it was.
#[utoipa::path(post, path = "/api/v1/applications/{id}/information-requests/{rid}/answer", tag = "lifecycle", request_body = AnswerBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("rid" = i64, Path, description = "Information request id"),
        ("If-Match" = String, Header, description = "The application's ETag")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn answer(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<(i64, i64)>,
    body: web::Json<AnswerBody>,
) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Answer).await?;
    let mut e = FieldErrors::new();
    let answer = parse_required(body.into_inner().answer, &mut e, "answer", |s| text(s, MAX_LONG_TEXT));
    e.into_result()?;
    ok(lifecycle::answer(&ctx, &user.0, id, version, rid, answer.unwrap_or_default()).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub provision_code: Field<String>,
    /// The limits the derogation is granted within.
    #[serde(default)]
    #[schema(value_type = String)]
    pub limits: Field<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionBody {
    #[serde(default)]
    #[schema(value_type = ConditionCategory)]
    pub category: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub description: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub metric: Field<String>,
    #[serde(default)]
    #[schema(value_type = f64)]
    pub target_value: Field<f64>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub unit: Field<String>,
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub due_on: Field<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub reasons: Field<String>,
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub trial_start_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub trial_end_date: Field<NaiveDate>,
    /// The derogations granted: a subset of those requested.
    #[serde(default)]
    #[schema(value_type = Vec<GrantBody>)]
    pub derogations: Field<Vec<serde_json::Value>>,
    /// At least one community-benefit condition.
    #[serde(default)]
    #[schema(value_type = Vec<ConditionBody>)]
    pub conditions: Field<Vec<serde_json::Value>>,
}

/// Parses the elements of a JSON array field one by one, so that every bad element is named.
fn each<T: serde::de::DeserializeOwned>(
    list: Vec<serde_json::Value>,
    name: &str,
    e: &mut FieldErrors,
    mut parse: impl FnMut(T, &str, &mut FieldErrors),
) {
    for (i, value) in list.into_iter().enumerate() {
        let prefix = format!("{name}[{i}]");
        match serde_json::from_value::<T>(value) {
            Ok(item) => parse(item, &prefix, e),
            Err(err) => e.add(prefix, super::input::describe_serde_error(&err.to_string())),
        }
    }
}

/// Approve an application in assessment (assigned inspector): granted derogations, trial dates
/// and conditions in one request; the default milestones are created.
#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", tag = "lifecycle", request_body = ApproveBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn approve(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ApproveBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Approve).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let reasons = parse_required(b.reasons, &mut e, "reasons", |s| text(s, MAX_LONG_TEXT));
    let start = b.trial_start_date.required(&mut e, "trial_start_date");
    let end = b.trial_end_date.required(&mut e, "trial_end_date");
    let mut grants = Vec::new();
    let derogations = b.derogations.required(&mut e, "derogations").unwrap_or_default();
    if derogations.len() > MAX_DEROGATIONS {
        e.add("derogations", format!("at most {MAX_DEROGATIONS}"));
    }
    each(derogations, "derogations", &mut e, |g: GrantBody, p, e| {
        let code =
            parse_required(g.provision_code, e, &format!("{p}.provision_code"), crate::app::catalogue::parse_code);
        let limits = match g.limits.optional(e, &format!("{p}.limits")) {
            Some(Some(l)) => e.check(&format!("{p}.limits"), text(&l, MAX_LONG_TEXT).or_else(|_| Ok(String::new()))),
            _ => Some(String::new()),
        };
        if let (Some(provision_code), Some(limits)) = (code, limits) {
            grants.push(Grant { provision_code, limits });
        }
    });
    let mut conditions = Vec::new();
    let list = b.conditions.optional(&mut e, "conditions").flatten().unwrap_or_default();
    if list.len() > MAX_CONDITIONS {
        e.add("conditions", format!("at most {MAX_CONDITIONS}"));
    }
    each(list, "conditions", &mut e, |c: ConditionBody, p, e| {
        let category = parse_required(c.category, e, &format!("{p}.category"), |s| s.parse::<ConditionCategory>());
        let description = parse_required(c.description, e, &format!("{p}.description"), |s| text(s, MAX_LONG_TEXT));
        let metric = parse_required(c.metric, e, &format!("{p}.metric"), |s| text(s, MAX_SHORT_TEXT));
        let target = c
            .target_value
            .required(e, &format!("{p}.target_value"))
            .and_then(|v| e.check(&format!("{p}.target_value"), number_in(v, 0.0, 1e12)));
        let unit = parse_required(c.unit, e, &format!("{p}.unit"), |s| text(s, 50));
        let due = c.due_on.required(e, &format!("{p}.due_on"));
        if let (Some(category), Some(description), Some(metric), Some(target_value), Some(unit), Some(due_on)) =
            (category, description, metric, target, unit, due)
        {
            conditions.push(ConditionInput { category, description, metric, target_value, unit, due_on });
        }
    });
    e.into_result()?;
    let (Some(reasons), Some(trial_start_date), Some(trial_end_date)) = (reasons, start, end) else {
        return Err(AppError::BadRequest("invalid approval".into()));
    };
    let approval = Approval { reasons, trial_start_date, trial_end_date, grants, conditions };
    ok(lifecycle::approve(&ctx, &user.0, id, version, approval).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    #[serde(default)]
    #[schema(value_type = NaiveDate)]
    pub new_end_date: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub reasons: Field<String>,
}

/// Extend an active trial within the provisions' longest trial (assigned inspector).
#[utoipa::path(post, path = "/api/v1/applications/{id}/extend", tag = "lifecycle", request_body = ExtendBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn extend(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<ExtendBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Extend).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let new_end = b.new_end_date.required(&mut e, "new_end_date");
    let reasons = parse_required(b.reasons, &mut e, "reasons", |s| text(s, MAX_LONG_TEXT));
    e.into_result()?;
    let (Some(new_end), Some(reasons)) = (new_end, reasons) else {
        return Err(AppError::BadRequest("invalid extension".into()));
    };
    ok(lifecycle::extend(&ctx, &user.0, id, version, new_end, reasons).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub provision_code: Field<String>,
    /// `make_permanent`, `amend`, `do_not_adopt` or `inconclusive`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub recommendation: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub rationale: Field<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub outcomes: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub lessons: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub reported_annual_co2e_tonnes: Field<f64>,
    /// One per derogated provision.
    #[serde(default)]
    #[schema(value_type = Vec<RecommendationBody>)]
    pub recommendations: Field<Vec<serde_json::Value>>,
}

pub const RECOMMENDATIONS: [&str; 4] = ["make_permanent", "amend", "do_not_adopt", "inconclusive"];

/// Complete an active trial with its evaluation (assigned inspector). The final report must have
/// been accepted.
#[utoipa::path(post, path = "/api/v1/applications/{id}/complete", tag = "lifecycle", request_body = CompleteBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn complete(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: web::Json<CompleteBody>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = guard(&ctx, &user.0, &req, id, CaseAction::Complete).await?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let outcomes = parse_required(b.outcomes, &mut e, "outcomes", |s| text(s, MAX_LONG_TEXT));
    let lessons = parse_required(b.lessons, &mut e, "lessons", |s| text(s, MAX_LONG_TEXT));
    let reported = match b.reported_annual_co2e_tonnes.optional(&mut e, "reported_annual_co2e_tonnes") {
        Some(Some(v)) => e.check("reported_annual_co2e_tonnes", number_in(v, 0.0, MAX_CO2E_TONNES)),
        _ => None,
    };
    let mut recommendations = Vec::new();
    let list = b.recommendations.required(&mut e, "recommendations").unwrap_or_default();
    each(list, "recommendations", &mut e, |r: RecommendationBody, p, e| {
        let code =
            parse_required(r.provision_code, e, &format!("{p}.provision_code"), crate::app::catalogue::parse_code);
        let rec = parse_required(r.recommendation, e, &format!("{p}.recommendation"), |s| {
            if RECOMMENDATIONS.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(format!("must be one of {}", RECOMMENDATIONS.join(", ")))
            }
        });
        let rationale = parse_required(r.rationale, e, &format!("{p}.rationale"), |s| text(s, MAX_LONG_TEXT));
        if let (Some(provision_code), Some(recommendation), Some(rationale)) = (code, rec, rationale) {
            recommendations.push(RecommendationInput { provision_code, recommendation, rationale });
        }
    });
    e.into_result()?;
    let (Some(outcomes), Some(lessons)) = (outcomes, lessons) else {
        return Err(AppError::BadRequest("invalid evaluation".into()));
    };
    let evaluation = EvaluationInput { outcomes, lessons, reported_annual_co2e_tonnes: reported, recommendations };
    ok(lifecycle::complete(&ctx, &user.0, id, version, evaluation).await?)
}

// ---------------------------------------------------------------- history, conditions, milestones

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

/// The case's audit trail, oldest first (the author sees its public events).
#[utoipa::path(get, path = "/api/v1/applications/{id}/history", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [HistoryResponse]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn history(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let entries = cases::history(&ctx, &user.0, id.into_inner()).await?;
    let body: Vec<HistoryResponse> = entries.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The case's review milestones, by due date.
#[utoipa::path(get, path = "/api/v1/applications/{id}/milestones", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [MilestoneResponse]), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn milestones(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let view = cases::get(&ctx, &user.0, id.into_inner()).await?;
    let body: Vec<MilestoneResponse> = view.milestones.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneReportBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub report: Field<String>,
}

/// The text sent, or empty when missing or not text (the use-case names the field).
fn lenient(f: Field<String>) -> String {
    match f {
        Field::Value(s) => s,
        _ => String::new(),
    }
}

/// Submit a milestone report (the author, `If-Match` with the milestone's version).
#[utoipa::path(post, path = "/api/v1/milestones/{mid}/report", tag = "lifecycle", request_body = MilestoneReportBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's version")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn report_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    mid: web::Path<i64>,
    body: web::Json<MilestoneReportBody>,
) -> AppResult<HttpResponse> {
    // Validated by the use-case once the actor is known to be allowed.
    let report = lenient(body.into_inner().report);
    let version = if_match_opt(&req)?;
    ok(lifecycle::report_milestone(&ctx, &user.0, mid.into_inner(), version, report).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneReviewBody {
    /// `accepted` or `revision_requested`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub outcome: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub note: Field<String>,
}

/// Accept a milestone report or ask for a revision (assigned inspector, `If-Match`).
#[utoipa::path(post, path = "/api/v1/milestones/{mid}/review", tag = "lifecycle", request_body = MilestoneReviewBody, security(("bearer" = [])),
    params(("mid" = i64, Path, description = "Milestone id"), ("If-Match" = String, Header, description = "The milestone's version")),
    responses((status = 200, body = CaseResponse), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn review_milestone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    mid: web::Path<i64>,
    body: web::Json<MilestoneReviewBody>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let accept = match lenient(b.outcome).as_str() {
        "accepted" => Some(true),
        "revision_requested" => Some(false),
        _ => None,
    };
    let version = if_match_opt(&req)?;
    ok(lifecycle::review_milestone(&ctx, &user.0, mid.into_inner(), version, accept, lenient(b.note)).await?)
}
