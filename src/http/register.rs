//! The public register as JSON, CSV and Atom. No account needed; nothing personal is shown.

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::dto::{page_headers, utc};
use super::input::PageParams;
use crate::app::register::{self, Entry, TrialRecord};
use crate::app::AppContext;
use crate::db::register::RegisterFilter;
use crate::domain::account::OrganisationKind;
use crate::domain::case::{Intervention, Status};
use crate::domain::community::{AttestationStance, ObservationKind};
use crate::domain::decision::{Decision, RecommendationKind};
use crate::domain::monitoring::{ConditionCategory, ConditionStatus, EnforcementKind, MilestoneKind, MilestoneStatus};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // The feed and the export before `/register/{reference}`, which would take their names.
    cfg.service(list).service(csv).service(feed).service(trial).service(stats).service(learning);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorityResponse {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEntryResponse {
    /// The application's id: follow the trial with it (`POST /api/v1/subscriptions`).
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub status: Status,
    pub decision: Option<Decision>,
    pub decided_on: Option<NaiveDate>,
    pub intervention: Option<Intervention>,
    pub organisation: Option<String>,
    pub applicant_kind: Option<OrganisationKind>,
    pub zone: Option<String>,
    pub zone_id: Option<i64>,
    pub planning_authority: Option<AuthorityResponse>,
    /// The outward part of the site's postcode only.
    pub postcode_district: Option<String>,
    pub trial_start_date: Option<NaiveDate>,
    pub trial_end_date: Option<NaiveDate>,
    pub estimated_annual_co2e_tonnes: Option<f64>,
    pub community_ownership_pct: Option<f64>,
    /// The trial page (JSON); the HTML page is at `/register/{reference}`.
    pub url: String,
}

impl From<Entry> for RegisterEntryResponse {
    fn from(e: Entry) -> Self {
        let a = e.app;
        let reference = a.reference.unwrap_or_default();
        RegisterEntryResponse {
            url: format!("/api/v1/register/{reference}"),
            id: a.id,
            reference,
            title: a.title,
            status: a.status,
            decision: a.decision,
            decided_on: a.decided_at.map(|d| d.date()),
            intervention: a.intervention,
            organisation: e.organisation_name,
            applicant_kind: a.applicant_kind,
            zone: e.zone.as_ref().map(|z| z.name.clone()),
            zone_id: a.zone_id,
            planning_authority: e.zone.map(|z| AuthorityResponse { code: z.lpa_code, name: z.lpa_name }),
            postcode_district: a.postcode_district,
            trial_start_date: a.trial_start_date,
            trial_end_date: a.trial_end_date,
            estimated_annual_co2e_tonnes: a.estimated_annual_co2e_tonnes,
            community_ownership_pct: a.community_ownership_pct,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegisterParams {
    /// Zone id.
    #[param(value_type = Option<i64>)]
    pub zone: Option<String>,
    /// Local planning authority code.
    pub authority: Option<String>,
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    #[param(value_type = Option<Intervention>)]
    pub intervention: Option<String>,
    #[param(value_type = Option<OrganisationKind>)]
    pub applicant_kind: Option<String>,
    /// Year of decision.
    #[param(value_type = Option<i32>)]
    pub year: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<String>,
    /// Entries per page.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

pub fn parse_filter(p: &RegisterParams, e: &mut FieldErrors) -> RegisterFilter {
    let nonempty = |s: &Option<String>| s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    RegisterFilter {
        zone_id: nonempty(&p.zone)
            .and_then(|z| e.check("zone", z.parse::<i64>().map_err(|_| "must be a zone id".to_string()))),
        lpa_code: nonempty(&p.authority).map(|a| a.to_uppercase()),
        status: nonempty(&p.status).and_then(|s| {
            e.check(
                "status",
                s.parse::<Status>()
                    .ok()
                    .filter(|s| s.is_public_trial() || *s == Status::Refused)
                    .map(|s| s.as_str().to_string())
                    .ok_or_else(|| "must be approved, active, suspended, revoked, completed or refused".to_string()),
            )
        }),
        intervention: nonempty(&p.intervention)
            .and_then(|i| e.check("intervention", i.parse::<Intervention>()).map(|i| i.as_str().to_string())),
        applicant_kind: nonempty(&p.applicant_kind)
            .and_then(|k| e.check("applicant_kind", k.parse::<OrganisationKind>()).map(|k| k.as_str().to_string())),
        year: nonempty(&p.year).and_then(|y| {
            e.check(
                "year",
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| "must be a year such as 2027".to_string()),
            )
        }),
    }
}

/// Answers `304` when the client has this exact representation; otherwise sends it with its
/// `ETag`. Public data may be cached briefly by anyone.
pub fn cacheable(req: &HttpRequest, content_type: &str, body: Vec<u8>, headers: Vec<(String, String)>) -> HttpResponse {
    let tag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*"));
    let mut builder = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    builder.insert_header((header::ETAG, tag)).insert_header((header::CACHE_CONTROL, "public, max-age=60"));
    for (k, v) in headers {
        builder.insert_header((k, v));
    }
    if matches {
        builder.finish()
    } else {
        builder.content_type(content_type.to_string()).body(body)
    }
}

/// The public register: every public trial and refused decision, filterable.
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, body = [RegisterEntryResponse]), (status = 304, description = "Not modified")))]
#[get("/register")]
pub async fn list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    params: web::Query<RegisterParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let filter = parse_filter(&p, &mut e);
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    e.into_result()?;
    let result = register::list(&ctx, filter, page).await?;
    let headers = page_headers(&req, &result);
    let items: Vec<RegisterEntryResponse> = result.items.into_iter().map(Into::into).collect();
    let body = serde_json::to_vec(&items).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, headers))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDerogation {
    pub provision_code: String,
    pub provision_title: String,
    pub legal_reference: String,
    pub granted: bool,
    pub limits: Option<String>,
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicAttestation {
    pub stance: AttestationStance,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicConditionResponse {
    /// Confirm or dispute its evidence with this id (`POST /api/v1/conditions/{id}/attestations`).
    pub id: i64,
    pub category: ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: ConditionStatus,
    /// The value the inspector last verified.
    pub verified_value: Option<f64>,
    /// Why the inspector found the condition met although the verified value is below its target.
    pub met_below_target_reason: Option<String>,
    pub confirmations: usize,
    pub disputes: usize,
    pub attestations: Vec<PublicAttestation>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicMilestone {
    pub id: i64,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: MilestoneStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEnforcement {
    pub kind: EnforcementKind,
    pub reasons: String,
    pub new_end_date: Option<NaiveDate>,
    pub on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReply {
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicObservation {
    pub id: i64,
    pub kind: ObservationKind,
    pub body: String,
    pub at: DateTime<Utc>,
    pub replies: Vec<PublicReply>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRecommendation {
    pub provision_code: String,
    pub recommendation: RecommendationKind,
    pub rationale: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEvaluation {
    pub outcomes: String,
    pub lessons: String,
    pub reported_annual_co2e_tonnes: Option<f64>,
    pub recommendations: Vec<PublicRecommendation>,
}

/// A trial page: the decision notice and everything that followed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrialResponse {
    #[serde(flatten)]
    pub entry: RegisterEntryResponse,
    pub decision_reasons: Option<String>,
    pub inspector: Option<String>,
    pub derogations: Vec<PublicDerogation>,
    pub conditions: Vec<PublicConditionResponse>,
    pub milestones: Vec<PublicMilestone>,
    pub enforcement_actions: Vec<PublicEnforcement>,
    pub observations: Vec<PublicObservation>,
    pub evaluation: Option<PublicEvaluation>,
}

impl From<TrialRecord> for TrialResponse {
    fn from(t: TrialRecord) -> Self {
        let decision_reasons = t.entry.app.decision_reasons.clone();
        TrialResponse {
            entry: t.entry.into(),
            decision_reasons,
            inspector: t.inspector_name,
            derogations: t
                .derogations
                .into_iter()
                .map(|(r, p)| PublicDerogation {
                    provision_code: p.code,
                    provision_title: p.title,
                    legal_reference: p.legal_reference,
                    granted: r.granted,
                    limits: r.granted_limits,
                    until: r.granted_until,
                })
                .collect(),
            conditions: t
                .conditions
                .into_iter()
                .map(|c| PublicConditionResponse {
                    id: c.condition.id,
                    met_below_target_reason: match (c.condition.status, c.verified_value) {
                        (ConditionStatus::Met, Some(v)) if v < c.condition.target_value => {
                            c.condition.status_reason.clone()
                        }
                        _ => None,
                    },
                    category: c.condition.category,
                    description: c.condition.description,
                    metric: c.condition.metric,
                    target_value: c.condition.target_value,
                    unit: c.condition.unit,
                    due_on: c.condition.due_on,
                    status: c.condition.status,
                    verified_value: c.verified_value,
                    confirmations: c.confirmations,
                    disputes: c.disputes,
                    attestations: c
                        .attestation_comments
                        .into_iter()
                        .map(|(stance, comment, at)| PublicAttestation { stance, comment, at: utc(at) })
                        .collect(),
                })
                .collect(),
            milestones: t
                .milestones
                .into_iter()
                .map(|m| PublicMilestone { id: m.id, kind: m.kind, title: m.title, due_on: m.due_on, status: m.status })
                .collect(),
            enforcement_actions: t
                .enforcement
                .into_iter()
                .map(|e| PublicEnforcement {
                    kind: e.kind,
                    reasons: e.reasons,
                    new_end_date: e.new_end_date,
                    on: e.created_at.date(),
                })
                .collect(),
            observations: t
                .observations
                .into_iter()
                .map(|o| PublicObservation {
                    id: o.observation.id,
                    kind: o.observation.kind,
                    body: o.text().to_string(),
                    at: utc(o.observation.created_at),
                    replies: o
                        .replies
                        .into_iter()
                        .map(|r| PublicReply { body: r.body, at: utc(r.created_at) })
                        .collect(),
                })
                .collect(),
            evaluation: t.evaluation.map(|(e, recs)| PublicEvaluation {
                outcomes: e.outcomes,
                lessons: e.lessons,
                reported_annual_co2e_tonnes: e.reported_annual_co2e_tonnes,
                recommendations: recs
                    .into_iter()
                    .map(|(r, p)| PublicRecommendation {
                        provision_code: p.code,
                        recommendation: r.recommendation,
                        rationale: r.rationale,
                    })
                    .collect(),
            }),
        }
    }
}

/// A trial page (or refusal notice) by reference, e.g. `SBX-2027-00001`, or id.
#[utoipa::path(tag = "register", params(("reference" = String, Path, description = "Reference or id")),
    responses((status = 200, body = TrialResponse)))]
#[get("/register/{reference}")]
pub async fn trial(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    reference: web::Path<String>,
) -> AppResult<HttpResponse> {
    let record = register::trial(&ctx, reference.into_inner()).await?;
    let body = serde_json::to_vec(&TrialResponse::from(record)).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}

/// The columns of `register.csv`, in order; documented in docs/OPEN_DATA.md.
pub const CSV_COLUMNS: [&str; 16] = [
    "reference",
    "title",
    "status",
    "decision",
    "decided_on",
    "intervention",
    "organisation",
    "applicant_kind",
    "zone",
    "planning_authority_code",
    "planning_authority",
    "postcode_district",
    "trial_start_date",
    "trial_end_date",
    "estimated_annual_co2e_tonnes",
    "community_ownership_pct",
];

/// Entries per chunk of the CSV export.
const CSV_CHUNK: i64 = 500;

fn csv_rows(entries: Vec<crate::app::register::Entry>, header: bool) -> Result<Vec<u8>, AppError> {
    let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(Vec::new());
    if header {
        writer.write_record(CSV_COLUMNS).map_err(AppError::internal)?;
    }
    for entry in entries {
        let r = RegisterEntryResponse::from(entry);
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let date = |v: Option<NaiveDate>| v.map(|x| x.to_string()).unwrap_or_default();
        writer
            .write_record([
                r.reference,
                r.title,
                r.status.as_str().to_string(),
                r.decision.map(|d| d.as_str().to_string()).unwrap_or_default(),
                date(r.decided_on),
                r.intervention.map(|i| i.as_str().to_string()).unwrap_or_default(),
                r.organisation.unwrap_or_default(),
                r.applicant_kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
                r.zone.unwrap_or_default(),
                r.planning_authority.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
                r.planning_authority.map(|a| a.name).unwrap_or_default(),
                r.postcode_district.unwrap_or_default(),
                date(r.trial_start_date),
                date(r.trial_end_date),
                num(r.estimated_annual_co2e_tonnes),
                num(r.community_ownership_pct),
            ])
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

/// The register as CSV (RFC 4180, UTF-8), one row per entry in the order cases were created,
/// filtered like the list. The body is streamed in chunks of `CSV_CHUNK` entries, each read by
/// keyset from an index, so that memory and the cost per row stay flat however large the
/// register grows (at the price of an ETag, which would need the whole body first).
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
#[get("/register.csv")]
pub async fn csv(ctx: web::Data<AppContext>, params: web::Query<RegisterParams>) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let filter = parse_filter(&p, &mut e);
    e.into_result()?;
    use futures_util::StreamExt;
    // The first chunk is read before answering, so that a failure is still a problem response.
    let first = register::entries_after(&ctx, filter.clone(), 0, CSV_CHUNK).await?;
    let after = first.last().map(|e| e.app.id);
    let head = csv_rows(first, true)?;
    struct Rest {
        ctx: web::Data<AppContext>,
        filter: crate::db::register::RegisterFilter,
        after: Option<i64>,
    }
    let rest = futures_util::stream::unfold(Rest { ctx, filter, after }, |mut st| async move {
        let after = st.after?;
        match register::entries_after(&st.ctx, st.filter.clone(), after, CSV_CHUNK).await {
            Ok(entries) => {
                st.after = entries.last().map(|e| e.app.id);
                match csv_rows(entries, false) {
                    Ok(bytes) if !bytes.is_empty() => Some((Ok(web::Bytes::from(bytes)), st)),
                    Ok(_) => None,
                    Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), Rest { after: None, ..st })),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "register.csv: a chunk failed; the export is cut short");
                Some((Err(actix_web::error::ErrorInternalServerError("export failed")), Rest { after: None, ..st }))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8; header=present")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"register.csv\""))
        .streaming(body))
}

fn describe(action: &str, to: &str) -> &'static str {
    match (action, to) {
        ("application.approved", _) => "Approved",
        ("application.refused", _) | ("application.screened", _) => "Refused",
        ("trial.started", _) => "Trial started",
        ("trial.suspended", _) => "Trial suspended",
        ("trial.reinstated", _) => "Trial reinstated",
        ("trial.revoked", _) => "Derogations revoked",
        ("trial.completed", _) => "Trial completed",
        _ => "Updated",
    }
}

/// Register events (decisions, starts, suspensions, revocations, completions) as Atom. Takes the
/// register's filters; filtered, it has the events of the 50 matching entries decided last.
#[utoipa::path(tag = "register", params(RegisterParams),
    responses((status = 200, description = "Atom feed", content_type = "application/atom+xml")))]
#[get("/register/feed.atom")]
pub async fn feed(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    params: web::Query<RegisterParams>,
) -> AppResult<HttpResponse> {
    use atom_syndication::{Entry as AtomEntry, Feed, FixedDateTime, Link, Person, Text};
    let mut e = FieldErrors::new();
    let filter = parse_filter(&params, &mut e);
    e.into_result()?;
    let items = register::feed(&ctx, filter, 50).await?;
    let base = ctx.mailer.base_url().to_string();
    let fixed = |t: chrono::NaiveDateTime| -> FixedDateTime { t.and_utc().fixed_offset() };
    let updated = items.first().map(|i| fixed(i.at)).unwrap_or_else(|| fixed(chrono::NaiveDateTime::default()));
    let entries: Vec<AtomEntry> = items
        .into_iter()
        .map(|i| {
            let link = format!("{base}/register/{}", i.reference);
            let mut entry = AtomEntry::default();
            entry.set_id(format!("{base}/register/events/{}", i.id));
            entry.set_title(Text::plain(format!(
                "{}: {} – {}",
                i.reference,
                describe(&i.action, &i.to_status),
                i.title
            )));
            entry.set_updated(fixed(i.at));
            entry.set_links(vec![Link {
                href: link,
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }]);
            entry.set_summary(Some(Text::plain(format!("{} is now {}.", i.reference, i.to_status.replace('_', " ")))));
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_id(format!("{base}/api/v1/register/feed.atom"));
    feed.set_title(Text::plain("Planning Sandbox register"));
    feed.set_updated(updated);
    feed.set_authors(vec![Person { name: "Planning Inspectorate sandbox".into(), ..Default::default() }]);
    feed.set_links(vec![
        Link {
            href: format!("{base}/api/v1/register/feed.atom"),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Default::default()
        },
        Link {
            href: format!("{base}/register"),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Default::default()
        },
    ]);
    feed.set_entries(entries);
    Ok(cacheable(&req, "application/atom+xml; charset=utf-8", feed.to_string().into_bytes(), Vec::new()))
}

/// Statistics: inclusion, spatial spread, timeliness, compliance, carbon and community ownership,
/// each with its definition and the time it was computed.
#[utoipa::path(tag = "register", responses((status = 200, body = crate::app::stats::Stats)))]
#[get("/stats")]
pub async fn stats(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let s = crate::app::stats::stats(&ctx).await?;
    let body = serde_json::to_vec(&s).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}

/// The learning register: per provision, every completed trial's recommendation and a tally.
#[utoipa::path(tag = "register", responses((status = 200, body = [crate::app::stats::LearningEntry])))]
#[get("/learning")]
pub async fn learning(ctx: web::Data<AppContext>, req: HttpRequest) -> AppResult<HttpResponse> {
    let l = crate::app::stats::learning(&ctx).await?;
    let body = serde_json::to_vec(&l).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, Vec::new()))
}
