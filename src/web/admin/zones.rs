//! Zones: the list, a new zone and a zone's edit page. Both forms build the API's
//! [`ZoneRequest`] and call `create_zone` / `update_zone`; a stale edit (the zone changed since
//! the page was opened) saves nothing and says so.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{boolean, expected, form_errors, page_request, pagination, refusal_notice};
use crate::app::catalogue::{self, ZoneView};
use crate::app::input::catalogue::ZoneRequest;
use crate::app::input::Field;
use crate::app::AppContext;
use crate::db::models::Provision;
use crate::domain::FieldErrors;
use crate::error::AppResult;
use crate::web::fields::{self, date_parts};
use crate::web::forms::{done, field, invalid, page, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/zones").route(web::get().to(list)))
        .service(web::resource("/admin/zones/new").route(web::get().to(new_page)).route(web::post().to(create)))
        .service(web::resource("/admin/zones/{id}").route(web::get().to(edit_page)).route(web::post().to(update)));
}

const LABELS: &[(&str, &str)] = &[
    ("name", "The zone's name"),
    ("lpa_name", "The authority's name"),
    ("lpa_code", "The authority's code"),
    ("climate_emergency_declared_on", "The date the climate emergency was declared"),
    ("open", "Whether the zone is open"),
    ("window_opens_on", "The date the window opens"),
    ("window_closes_on", "The date the window closes"),
    ("min_community_ownership_pct", "The minimum community ownership"),
];

const DATES: [&str; 3] = ["climate_emergency_declared_on", "window_opens_on", "window_closes_on"];

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<String>,
}

async fn list(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let found = catalogue::zones_to_manage(&ctx, who.actor(), page_request(query.page.as_deref())).await?;
    let today = crate::app::register::today(&ctx);
    let zones: Vec<Value> = found
        .items
        .iter()
        .map(|z| {
            let zone = &z.zone;
            json!({
                "id": zone.id, "name": zone.name, "authority": zone.lpa_name, "code": zone.lpa_code,
                "open": zone.is_open, "opens": zone.window_opens_on, "closes": zone.window_closes_on,
                "accepting": catalogue::zone_facts(zone, Default::default()).accepting_on(today).is_ok(),
                "min_ownership": zone.min_community_ownership_pct, "provisions": z.allowed_provisions.len(),
            })
        })
        .collect();
    page(&who.visitor, "admin/zones.html", json!({ "zones": zones, "pages": pagination(&req, &found) }))
}

/// The form's boxes from a stored zone.
fn stored_values(z: &ZoneView) -> Value {
    let zone = &z.zone;
    json!({
        "name": zone.name, "lpa_name": zone.lpa_name, "lpa_code": zone.lpa_code,
        "open": if zone.is_open { "true" } else { "false" },
        "climate_emergency_declared_on": date_parts(zone.climate_emergency_declared_on),
        "window_opens_on": date_parts(zone.window_opens_on), "window_closes_on": date_parts(zone.window_closes_on),
        "min_community_ownership_pct": crate::web::format::number(zone.min_community_ownership_pct),
        "allowed_provisions": z.allowed_provisions,
    })
}

/// The form's boxes as posted.
fn posted_values(p: &Pairs) -> Value {
    let mut values = json!({
        "name": field(p, "name"), "lpa_name": field(p, "lpa_name"), "lpa_code": field(p, "lpa_code"),
        "open": field(p, "open"), "min_community_ownership_pct": field(p, "min_community_ownership_pct"),
        "allowed_provisions": chosen(p),
    });
    for name in DATES {
        values[name] = json!({
            "day": field(p, &format!("{name}-day")), "month": field(p, &format!("{name}-month")),
            "year": field(p, &format!("{name}-year")),
        });
    }
    values
}

fn chosen(p: &Pairs) -> Vec<String> {
    p.iter().filter(|(k, _)| k == "allowed_provisions").map(|(_, v)| v.clone()).collect()
}

fn date(p: &Pairs, name: &str) -> Field<chrono::NaiveDate> {
    fields::date(
        field(p, &format!("{name}-day")),
        field(p, &format!("{name}-month")),
        field(p, &format!("{name}-year")),
    )
}

/// The API's body from the form: every field is sent, so an edit replaces the whole zone.
fn request(p: &Pairs) -> ZoneRequest {
    ZoneRequest {
        name: fields::text(field(p, "name")),
        lpa_code: fields::text(field(p, "lpa_code")),
        lpa_name: fields::text(field(p, "lpa_name")),
        climate_emergency_declared_on: date(p, "climate_emergency_declared_on"),
        open: boolean(field(p, "open")),
        window_opens_on: date(p, "window_opens_on"),
        window_closes_on: date(p, "window_closes_on"),
        min_community_ownership_pct: fields::number(field(p, "min_community_ownership_pct")),
        allowed_provisions: Field::Value(chosen(p)),
    }
}

/// The catalogue as checkboxes: current provisions, and retired ones the zone still allows.
fn provision_options(catalogue: &[Provision], allowed: &[String]) -> Vec<Value> {
    catalogue
        .iter()
        .filter(|p| p.retired_at.is_none() || allowed.contains(&p.code))
        .map(|p| json!({ "code": p.code, "title": p.title, "retired": p.retired_at.is_some() }))
        .collect()
}

/// An unknown or retired provision is named on the checkboxes, whichever box it was; the errors
/// are listed in the order of the page's fields.
fn on_page(errors: FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.0 {
        if e.field.starts_with("allowed_provisions[") {
            out.add("allowed_provisions", format!("{}: untick it", e.message.replace('\'', "")));
        } else {
            out.add(e.field, e.message);
        }
    }
    let place = |field: &str| LABELS.iter().position(|(f, _)| *f == field).unwrap_or(LABELS.len());
    out.0.sort_by_key(|e| place(&e.field));
    out
}

async fn form_context(ctx: &AppContext, who: &SignedIn, zone: Option<&ZoneView>, values: Value) -> AppResult<Value> {
    let catalogue = catalogue::provisions_to_manage(ctx, who.actor()).await?;
    let allowed: Vec<String> = match values["allowed_provisions"].as_array() {
        Some(list) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        None => Vec::new(),
    };
    Ok(json!({
        "zone": zone.map(|z| json!({ "id": z.zone.id, "name": z.zone.name, "version": z.zone.version })),
        "values": values,
        "provisions": provision_options(&catalogue, &allowed),
    }))
}

async fn new_page(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let values = json!({ "open": "true", "allowed_provisions": [] });
    page(&who.visitor, "admin/zone.html", form_context(&ctx, &who, None, values).await?)
}

async fn create(ctx: web::Data<AppContext>, who: SignedIn, Form(pairs): Form<Pairs>) -> AppResult<HttpResponse> {
    match catalogue::create_zone(&ctx, who.actor(), request(&pairs).parse_new()).await {
        Ok(z) => done(&ctx, &who.visitor, "/admin/zones", format!("{} has been added", z.zone.name)).await,
        Err(e) => match form_errors(&e) {
            Some(errors) => {
                let context = form_context(&ctx, &who, None, posted_values(&pairs)).await?;
                invalid(&who.visitor, "admin/zone.html", &on_page(errors), LABELS, context)
            }
            None => Err(e),
        },
    }
}

async fn edit_page(ctx: web::Data<AppContext>, who: SignedIn, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let zone = catalogue::zone_to_manage(&ctx, who.actor(), id.into_inner()).await?;
    let context = form_context(&ctx, &who, Some(&zone), stored_values(&zone)).await?;
    page(&who.visitor, "admin/zone.html", context)
}

async fn update(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(pairs): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let version = expected(field(&pairs, "version"));
    match catalogue::update_zone(&ctx, who.actor(), id, version, request(&pairs).parse_patch()).await {
        Ok(z) => done(&ctx, &who.visitor, "/admin/zones", format!("{} has been saved", z.zone.name)).await,
        Err(e) => {
            if let Some(errors) = form_errors(&e) {
                let zone = catalogue::zone_to_manage(&ctx, who.actor(), id).await?;
                let context = form_context(&ctx, &who, Some(&zone), posted_values(&pairs)).await?;
                return invalid(&who.visitor, "admin/zone.html", &on_page(errors), LABELS, context);
            }
            match refusal_notice(&e, "zone") {
                Some(notice) => {
                    let zone = catalogue::zone_to_manage(&ctx, who.actor(), id).await?;
                    let mut context = form_context(&ctx, &who, Some(&zone), posted_values(&pairs)).await?;
                    context["notice"] = json!(notice);
                    page_status(&who.visitor, StatusCode::CONFLICT, "admin/zone.html", context)
                }
                None => Err(e),
            }
        }
    }
}
