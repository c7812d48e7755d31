//! The public zone page (`/zones/{id}`): its planning authority and rules, whether it takes
//! applications and when, the provisions it allows, and its trials (the register filtered by
//! zone, paginated), with "Follow this zone" for signed-in readers. Signed out it is as
//! cacheable as the register; signed in it is that person's page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::community;
use crate::app::community_pages;
use crate::app::input::community::FollowBody;
use crate::app::{AppContext, PageRequest};
use crate::error::{AppError, AppResult};
use crate::http::register::{cacheable, RegisterEntryResponse};
use crate::web::fields;
use crate::web::forms::{done, page_status, Form, Pairs};
use crate::web::render_string;
use crate::web::session::{SignedIn, Visitor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/zones/{id}").route(web::get().to(show)))
        .service(web::resource("/zones/{id}/follow").route(web::post().to(follow)));
}

const PER_PAGE: i64 = 20;

#[derive(Debug, Deserialize)]
struct Query {
    page: Option<String>,
}

async fn show(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    visitor: Visitor,
    id: web::Path<String>,
    q: web::Query<Query>,
) -> AppResult<HttpResponse> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("no such zone".into()))?;
    let page = q.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let actor = visitor.actor();
    let z = community_pages::zone(&ctx, actor.as_ref(), id, PageRequest { page, per_page: PER_PAGE }).await?;
    let today = ctx.now().date();
    let zone = &z.zone.zone;
    let accepting = crate::app::catalogue::zone_facts(zone, Default::default()).accepting_on(today).is_ok();
    let trials: Vec<RegisterEntryResponse> = z.trials.items.clone().into_iter().map(Into::into).collect();
    let context = json!({
        "zone": {
            "id": zone.id, "name": zone.name, "lpa_code": zone.lpa_code, "lpa_name": zone.lpa_name,
            "climate_emergency_declared_on": zone.climate_emergency_declared_on,
            "is_open": zone.is_open, "accepting": accepting,
            "window_opens_on": zone.window_opens_on, "window_closes_on": zone.window_closes_on,
            "min_community_ownership_pct": zone.min_community_ownership_pct,
        },
        "provisions": z.provisions.iter().map(|p| json!({ "code": p.code, "title": p.title })).collect::<Vec<Value>>(),
        "trials": trials,
        "total": z.trials.total, "capped": z.trials.capped, "page": page,
        "previous": (page > 1).then(|| page - 1), "next": z.trials.has_next().then(|| page + 1),
        "signed_in": actor.is_some(), "subscription": z.subscription,
        "sign_in": super::sign_in_to(&format!("/zones/{id}")),
    });
    if visitor.session().is_some() {
        return page_status(&visitor, StatusCode::OK, "zone.html", context);
    }
    let body = render_string("zone.html", context)?;
    Ok(cacheable(&req, "text/html; charset=utf-8", body.into_bytes(), vec![("Vary".into(), "Cookie".into())]))
}

async fn follow(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    id: web::Path<i64>,
    Form(_): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let body = FollowBody { application_id: Default::default(), zone_id: fields::whole_number(&id.to_string()) };
    let to = format!("/zones/{id}");
    match community::follow(&ctx, who.actor(), body.parse()).await {
        Ok(_) => done(&ctx, &who.visitor, &to, "You are following this zone: we will email you about its trials").await,
        Err(AppError::Conflict { .. }) => done(&ctx, &who.visitor, &to, "You already follow this zone").await,
        Err(AppError::Validation(_)) => Err(AppError::NotFound("no such zone".into())),
        Err(e) => Err(e),
    }
}
