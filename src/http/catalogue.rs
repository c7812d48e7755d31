//! `/api/v1/zones` and `/api/v1/provisions`: public to read, admin to change.

use actix_web::http::header;
use actix_web::{get, patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::concurrency::{etag, IfMatch};
use super::dto::{list_response, utc};
use super::extract::AuthUser;
use super::input::{query_flag, PageParams};
use crate::app::catalogue::{self, ZoneView};
pub use crate::app::input::catalogue::{ProvisionRequest, ZoneRequest};
use crate::app::AppContext;
use crate::db::models::Provision;
use crate::domain::FieldErrors;
use crate::error::AppResult;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_provisions)
        .service(create_provision)
        .service(get_provision)
        .service(update_provision)
        .service(list_zones)
        .service(create_zone)
        .service(get_zone)
        .service(update_zone);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionResponse {
    /// Stable code, e.g. `GPDO-SCH2-PT14-A`.
    pub code: String,
    pub title: String,
    pub legal_reference: String,
    pub summary: String,
    /// The longest trial that may derogate from this provision.
    pub max_trial_months: i32,
    /// Retired provisions cannot be newly requested.
    pub retired: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl From<Provision> for ProvisionResponse {
    fn from(p: Provision) -> Self {
        ProvisionResponse {
            code: p.code,
            title: p.title,
            legal_reference: p.legal_reference,
            summary: p.summary,
            max_trial_months: p.max_trial_months,
            retired: p.retired_at.is_some(),
            version: p.version,
            updated_at: utc(p.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProvisionListParams {
    /// `true` to include retired provisions.
    #[param(value_type = Option<bool>)]
    pub include_retired: Option<String>,
}

/// The provisions catalogue (public).
#[utoipa::path(tag = "catalogue", params(ProvisionListParams),
    responses((status = 200, body = [ProvisionResponse])))]
#[get("/provisions")]
pub async fn list_provisions(
    ctx: web::Data<AppContext>,
    params: web::Query<ProvisionListParams>,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let include_retired = query_flag(params.include_retired.as_deref(), "include_retired", &mut e);
    e.into_result()?;
    let rows = catalogue::list_provisions(&ctx, include_retired.unwrap_or(false)).await?;
    let items: Vec<ProvisionResponse> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().insert_header(("X-Total-Count", items.len().to_string())).json(items))
}

/// One provision (public).
#[utoipa::path(tag = "catalogue",
    params(("code" = String, Path, description = "Provision code")),
    responses((status = 200, body = ProvisionResponse)))]
#[get("/provisions/{code}")]
pub async fn get_provision(ctx: web::Data<AppContext>, code: web::Path<String>) -> AppResult<HttpResponse> {
    let p = catalogue::get_provision(&ctx, code.into_inner().to_uppercase()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(p.version))).json(ProvisionResponse::from(p)))
}

/// Add a provision to the catalogue (admin).
#[utoipa::path(tag = "catalogue", request_body = ProvisionRequest, security(("bearer" = [])),
    responses((status = 201, body = ProvisionResponse)))]
#[post("/provisions")]
pub async fn create_provision(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<ProvisionRequest>,
) -> AppResult<HttpResponse> {
    let p = catalogue::create_provision(&ctx, &user.0, body.into_inner().parse_new()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(p.version)))
        .insert_header((header::LOCATION, format!("/api/v1/provisions/{}", p.code)))
        .json(ProvisionResponse::from(p)))
}

/// Amend, retire or restore a provision (admin, `If-Match`).
#[utoipa::path(tag = "catalogue", request_body = ProvisionRequest, security(("bearer" = [])),
    params(("code" = String, Path, description = "Provision code"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = ProvisionResponse)))]
#[patch("/provisions/{code}")]
pub async fn update_provision(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    code: web::Path<String>,
    body: web::Json<ProvisionRequest>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner().to_uppercase();
    let p = catalogue::update_provision(&ctx, &user.0, code, if_match.0, body.into_inner().parse_patch()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(p.version))).json(ProvisionResponse::from(p)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneResponse {
    pub id: i64,
    pub name: String,
    /// The local planning authority's code (e.g. the ONS code `E06000023`).
    pub lpa_code: String,
    pub lpa_name: String,
    pub climate_emergency_declared_on: Option<NaiveDate>,
    pub open: bool,
    pub window_opens_on: Option<NaiveDate>,
    pub window_closes_on: Option<NaiveDate>,
    /// Whether an application submitted today would be accepted (open and within the window).
    pub accepting_applications: bool,
    pub min_community_ownership_pct: f64,
    /// Codes of the provisions that may be derogated in this zone.
    pub allowed_provisions: Vec<String>,
    pub version: i64,
}

pub fn zone_response(z: ZoneView, today: NaiveDate) -> ZoneResponse {
    let facts = crate::domain::application::ZoneFacts {
        id: z.zone.id,
        is_open: z.zone.is_open,
        window_opens_on: z.zone.window_opens_on,
        window_closes_on: z.zone.window_closes_on,
        min_community_ownership_pct: z.zone.min_community_ownership_pct,
        allowed_provisions: Default::default(),
    };
    ZoneResponse {
        id: z.zone.id,
        name: z.zone.name,
        lpa_code: z.zone.lpa_code,
        lpa_name: z.zone.lpa_name,
        climate_emergency_declared_on: z.zone.climate_emergency_declared_on,
        open: z.zone.is_open,
        window_opens_on: z.zone.window_opens_on,
        window_closes_on: z.zone.window_closes_on,
        accepting_applications: facts.accepting_on(today).is_ok(),
        min_community_ownership_pct: z.zone.min_community_ownership_pct,
        allowed_provisions: z.allowed_provisions,
        version: z.zone.version,
    }
}

/// Sandbox zones (public).
#[utoipa::path(tag = "catalogue", params(PageParams),
    responses((status = 200, body = [ZoneResponse])))]
#[get("/zones")]
pub async fn list_zones(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    params: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let page = params.parse(&mut e, ctx.settings.lists.default_per_page, ctx.settings.lists.max_per_page);
    e.into_result()?;
    let today = ctx.now().date();
    let result = catalogue::list_zones(&ctx, page).await?;
    Ok(list_response(&req, result, |z| zone_response(z, today)))
}

/// One zone (public).
#[utoipa::path(tag = "catalogue", params(("id" = i64, Path, description = "Zone id")),
    responses((status = 200, body = ZoneResponse)))]
#[get("/zones/{id}")]
pub async fn get_zone(ctx: web::Data<AppContext>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let z = catalogue::get_zone(&ctx, id.into_inner()).await?;
    let version = z.zone.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(zone_response(z, ctx.now().date())))
}

/// Create a sandbox zone (admin).
#[utoipa::path(tag = "catalogue", request_body = ZoneRequest, security(("bearer" = [])),
    responses((status = 201, body = ZoneResponse)))]
#[post("/zones")]
pub async fn create_zone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<ZoneRequest>,
) -> AppResult<HttpResponse> {
    let z = catalogue::create_zone(&ctx, &user.0, body.into_inner().parse_new()).await?;
    let (id, version) = (z.zone.id, z.zone.version);
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(version)))
        .insert_header((header::LOCATION, format!("/api/v1/zones/{id}")))
        .json(zone_response(z, ctx.now().date())))
}

/// Change a zone: open or close it, its window, its provisions (admin, `If-Match`).
#[utoipa::path(tag = "catalogue", request_body = ZoneRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Zone id"), ("If-Match" = String, Header, description = "The ETag you read")),
    responses((status = 200, body = ZoneResponse)))]
#[patch("/zones/{id}")]
pub async fn update_zone(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    id: web::Path<i64>,
    body: web::Json<ZoneRequest>,
) -> AppResult<HttpResponse> {
    let z = catalogue::update_zone(&ctx, &user.0, id.into_inner(), if_match.0, body.into_inner().parse_patch()).await?;
    let version = z.zone.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(zone_response(z, ctx.now().date())))
}
