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
use super::input::PageParams;
use crate::app::catalogue::{self, parse_code, ProvisionPatch, ZonePatch, ZoneView};
use crate::app::input::{parse_required, Field};
use crate::app::tx::Expected;
use crate::app::AppContext;
use crate::db::catalogue::{ProvisionFields, ZoneFields};
use crate::db::models::Provision;
use crate::domain::application::{number_in, text};
use crate::domain::policy::{authorize, Action};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
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

/// The version an admin's change was based on: `428` without `If-Match`, `412` for a tag that
/// names no version.
fn version(if_match: IfMatch) -> AppResult<i64> {
    match if_match.0 {
        Expected::Missing => Err(AppError::PreconditionRequired),
        Expected::Version(v) => Ok(v),
        Expected::Unmatchable => Err(AppError::PreconditionFailed { current_version: -1 }),
    }
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
    pub include_retired: Option<bool>,
}

/// The provisions catalogue (public).
#[utoipa::path(tag = "catalogue", params(ProvisionListParams),
    responses((status = 200, body = [ProvisionResponse])))]
#[get("/provisions")]
pub async fn list_provisions(
    ctx: web::Data<AppContext>,
    params: web::Query<ProvisionListParams>,
) -> AppResult<HttpResponse> {
    let rows = catalogue::list_provisions(&ctx, params.include_retired.unwrap_or(false)).await?;
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub legal_reference: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub summary: Field<String>,
    #[serde(default)]
    #[schema(value_type = i32, minimum = 1, maximum = 120)]
    pub max_trial_months: Field<i64>,
    /// PATCH only: retire (true) or restore (false).
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub retired: Field<bool>,
}

fn months(v: i64) -> Result<i32, String> {
    if (1..=120).contains(&v) {
        Ok(v as i32)
    } else {
        Err("must be a whole number of months from 1 to 120".into())
    }
}

fn must_manage(user: &AuthUser) -> AppResult<()> {
    authorize(Some(&user.0), Action::ManageCatalogue).map_err(|r| AppError::refused(r, "manage zones and provisions"))
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
    must_manage(&user)?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let code = parse_required(b.code, &mut e, "code", parse_code);
    let title = parse_required(b.title, &mut e, "title", |s| text(s, 300));
    let legal_reference = parse_required(b.legal_reference, &mut e, "legal_reference", |s| text(s, 500));
    let summary = parse_required(b.summary, &mut e, "summary", |s| text(s, 4000));
    let max =
        b.max_trial_months.required(&mut e, "max_trial_months").and_then(|m| e.check("max_trial_months", months(m)));
    if !b.retired.is_missing() {
        e.add("retired", "cannot be set when adding a provision");
    }
    e.into_result()?;
    let (Some(code), Some(title), Some(legal_reference), Some(summary), Some(max_trial_months)) =
        (code, title, legal_reference, summary, max)
    else {
        return Err(AppError::BadRequest("invalid provision".into()));
    };
    let p = catalogue::create_provision(
        &ctx,
        &user.0,
        code,
        ProvisionFields { title, legal_reference, summary, max_trial_months },
    )
    .await?;
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
    must_manage(&user)?;
    let version = version(if_match)?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    if !b.code.is_missing() {
        e.add("code", "cannot be changed; add a new provision and retire this one");
    }
    let opt = |f: Field<String>, e: &mut FieldErrors, name: &str, max: usize| match f.optional(e, name) {
        Some(Some(s)) => e.check(name, text(&s, max)),
        _ => None,
    };
    let patch = ProvisionPatch {
        title: opt(b.title, &mut e, "title", 300),
        legal_reference: opt(b.legal_reference, &mut e, "legal_reference", 500),
        summary: opt(b.summary, &mut e, "summary", 4000),
        max_trial_months: match b.max_trial_months.optional(&mut e, "max_trial_months") {
            Some(Some(m)) => e.check("max_trial_months", months(m)),
            _ => None,
        },
        retired: b.retired.optional(&mut e, "retired").flatten(),
    };
    e.into_result()?;
    let p = catalogue::update_provision(&ctx, &user.0, code.into_inner().to_uppercase(), version, patch).await?;
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneRequest {
    #[serde(default)]
    #[schema(value_type = String)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub lpa_code: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub lpa_name: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub climate_emergency_declared_on: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub open: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub window_opens_on: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub window_closes_on: Field<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = f64, minimum = 0, maximum = 100)]
    pub min_community_ownership_pct: Field<f64>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub allowed_provisions: Field<Vec<String>>,
}

fn codes(list: Vec<String>) -> Vec<String> {
    list.into_iter().map(|c| c.trim().to_uppercase()).collect()
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
    must_manage(&user)?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let name = parse_required(b.name, &mut e, "name", |s| text(s, 200));
    let lpa_code = parse_required(b.lpa_code, &mut e, "lpa_code", |s| text(s, 20));
    let lpa_name = parse_required(b.lpa_name, &mut e, "lpa_name", |s| text(s, 200));
    let declared = b.climate_emergency_declared_on.optional(&mut e, "climate_emergency_declared_on");
    let open = b.open.required(&mut e, "open");
    let opens = b.window_opens_on.optional(&mut e, "window_opens_on");
    let closes = b.window_closes_on.optional(&mut e, "window_closes_on");
    let min = match b.min_community_ownership_pct.optional(&mut e, "min_community_ownership_pct") {
        Some(Some(v)) => e.check("min_community_ownership_pct", number_in(v, 0.0, 100.0)),
        Some(None) => Some(0.0),
        None => None,
    };
    let allowed = b.allowed_provisions.optional(&mut e, "allowed_provisions").map(|o| codes(o.unwrap_or_default()));
    e.into_result()?;
    let (
        Some(name),
        Some(lpa_code),
        Some(lpa_name),
        Some(declared),
        Some(open),
        Some(opens),
        Some(closes),
        Some(min),
        Some(allowed),
    ) = (name, lpa_code, lpa_name, declared, open, opens, closes, min, allowed)
    else {
        return Err(AppError::BadRequest("invalid zone".into()));
    };
    let fields = ZoneFields {
        name,
        lpa_code: lpa_code.to_uppercase(),
        lpa_name,
        climate_emergency_declared_on: declared,
        is_open: open,
        window_opens_on: opens,
        window_closes_on: closes,
        min_community_ownership_pct: min,
    };
    let z = catalogue::create_zone(&ctx, &user.0, fields, allowed).await?;
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
    must_manage(&user)?;
    let version = version(if_match)?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let opt_text = |f: Field<String>, e: &mut FieldErrors, name: &str, max: usize| match f.optional(e, name) {
        Some(Some(s)) => e.check(name, text(&s, max)),
        _ => None,
    };
    let date = |f: Field<NaiveDate>, e: &mut FieldErrors, name: &str| -> Option<Option<NaiveDate>> {
        match f {
            Field::Missing => None,
            other => other.optional(e, name),
        }
    };
    let patch = ZonePatch {
        name: opt_text(b.name, &mut e, "name", 200),
        lpa_code: opt_text(b.lpa_code, &mut e, "lpa_code", 20).map(|s| s.to_uppercase()),
        lpa_name: opt_text(b.lpa_name, &mut e, "lpa_name", 200),
        climate_emergency_declared_on: date(b.climate_emergency_declared_on, &mut e, "climate_emergency_declared_on"),
        is_open: b.open.optional(&mut e, "open").flatten(),
        window_opens_on: date(b.window_opens_on, &mut e, "window_opens_on"),
        window_closes_on: date(b.window_closes_on, &mut e, "window_closes_on"),
        min_community_ownership_pct: match b.min_community_ownership_pct.optional(&mut e, "min_community_ownership_pct")
        {
            Some(Some(v)) => e.check("min_community_ownership_pct", number_in(v, 0.0, 100.0)),
            _ => None,
        },
        allowed_provisions: b.allowed_provisions.optional(&mut e, "allowed_provisions").flatten().map(codes),
    };
    e.into_result()?;
    let z = catalogue::update_zone(&ctx, &user.0, id.into_inner(), version, patch).await?;
    let version = z.zone.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(zone_response(z, ctx.now().date())))
}
