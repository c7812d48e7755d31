//! The public register as JSON, CSV and Atom. No account needed; nothing personal is shown.
//!
//! This module owns the routes, the list of entries (`GET /register`) with its entry DTO, its
//! filters and the caching helper the HTML pages share too. The trial page, the CSV export, the
//! Atom feed and the statistics each have a file of their own.

mod atom;
mod checkpoints;
mod export;
mod notice;
mod statistics;
mod trial_page;

pub use atom::{feed, FEED_FIELDS};
pub use export::{csv, CSV_COLUMNS};
pub use notice::{
    document_url, published_document, PublicDocument, PublicInformationRequest, PublicProposal, PublicScreening,
};
pub use statistics::{learning, stats};
pub use trial_page::{
    trial, PublicAttestation, PublicConditionResponse, PublicDerogation, PublicEnforcement, PublicEvaluation,
    PublicEvidence, PublicEvidenceFile, PublicMilestone, PublicObservation, PublicRecommendation, PublicReply,
    TrialResponse,
};

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::dto::page_headers;
use super::input::{query_text, query_value, PageParams};
use crate::app::register::{self, Entry};
use crate::app::AppContext;
use crate::db::register::{RegisterFilter, RegisterOrder};
use crate::db::register_search::{self, MAX_QUERY_CHARS};
use crate::domain::account::OrganisationKind;
use crate::domain::case::{Intervention, Status};
use crate::domain::decision::Decision;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    // The feed and the export before `/register/{reference}`, which would take their names.
    cfg.service(list)
        .service(checkpoints::audit_checkpoints)
        .service(csv)
        .service(feed)
        .service(trial)
        .service(published_document)
        .service(stats)
        .service(learning);
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
    #[param(value_type = Option<String>, format = "line-or-blank", max_length = 20)]
    pub authority: Option<String>,
    /// A status a register entry can have.
    #[param(inline, value_type = Option<RegisterStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<Intervention>)]
    pub intervention: Option<String>,
    #[param(value_type = Option<OrganisationKind>)]
    pub applicant_kind: Option<String>,
    /// Year of decision.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// Words to search for (at most 200 characters): every word must appear, whole and in any
    /// case, in the entry's reference, title, organisation, postcode district, zone or planning
    /// authority. Only letters and digits count; punctuation and operators only separate words.
    /// Text with no word in it matches nothing.
    #[param(value_type = Option<String>, format = "line-or-blank", max_length = 200)]
    pub q: Option<String>,
    /// `newest` (decided most recently first, the default) or `oldest` (decided longest ago
    /// first). Search results come in the same order. The CSV and the feed keep their own order.
    #[param(inline, value_type = Option<RegisterSort>)]
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Entries per page.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

/// The statuses the register shows (`status`): the public trials' and refusals.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterStatus {
    Approved,
    Refused,
    Active,
    Suspended,
    Revoked,
    Completed,
}

/// The orders of the register (`sort`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterSort {
    Newest,
    Oldest,
}

/// The order asked for (`sort`), newest decision first by default.
pub fn parse_sort(p: &RegisterParams, e: &mut FieldErrors) -> RegisterOrder {
    match p.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => RegisterOrder::Newest,
        Some(s) => RegisterOrder::parse(s).unwrap_or_else(|| {
            e.add("sort", "must be newest or oldest");
            RegisterOrder::Newest
        }),
    }
}

pub fn parse_filter(p: &RegisterParams, e: &mut FieldErrors) -> RegisterFilter {
    let nonempty = |s: &Option<String>| query_value(s.as_deref()).map(str::to_string);
    RegisterFilter {
        zone_id: nonempty(&p.zone)
            .and_then(|z| e.check("zone", z.parse::<i64>().map_err(|_| "must be a zone id".to_string()))),
        lpa_code: query_text(p.authority.as_deref(), "authority", 20, e).map(|a| a.to_uppercase()),
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
        words: p.q.as_deref().and_then(|q| {
            if q.chars().count() > MAX_QUERY_CHARS {
                e.add("q", format!("must be {MAX_QUERY_CHARS} characters or fewer"));
                None
            } else if q.trim().is_empty() {
                None
            } else if q.trim().chars().any(char::is_control) {
                e.add("q", "must be one line, without control characters");
                None
            } else {
                Some(register_search::words(q))
            }
        }),
    }
}

/// The whole-register exports (CSV, feed) keep their own order and have no pages, but take the
/// register page's query as it is, so that its "download these entries" link works: `sort`,
/// `page` and `per_page` are checked like the page's and then not used.
pub fn check_unused(p: &RegisterParams, ctx: &AppContext, e: &mut FieldErrors) {
    let _ = parse_sort(p, e);
    let lists = &ctx.settings.lists;
    let _ = PageParams { page: p.page.clone(), per_page: p.per_page.clone() }.parse(
        e,
        lists.default_per_page,
        lists.max_per_page,
    );
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

/// The public register: every public trial and refused decision, filterable and searchable, most
/// recently decided first (or oldest first with `sort=oldest`), search results too.
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
    let order = parse_sort(&p, &mut e);
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    e.into_result()?;
    let result = register::list(&ctx, filter, order, page).await?;
    let headers = page_headers(&req, &result);
    let items: Vec<RegisterEntryResponse> = result.items.into_iter().map(Into::into).collect();
    let body = serde_json::to_vec(&items).map_err(AppError::internal)?;
    Ok(cacheable(&req, "application/json", body, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_statuses_are_those_the_register_shows() {
        let schema = serde_json::to_value(<RegisterStatus as utoipa::PartialSchema>::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        let shown: Vec<&str> =
            Status::ALL.iter().filter(|s| s.is_public_trial() || **s == Status::Refused).map(|s| s.as_str()).collect();
        assert_eq!(documented, shown);
    }
}
