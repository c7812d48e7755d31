//! What one follows (`/following`): trials and zones, each with Unfollow, and the way to the
//! notification preferences. Unfollowing from the trial or zone page comes back to it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::trial_path;
use crate::app::community;
use crate::app::community_pages::{self, Followed};
use crate::app::AppContext;
use crate::error::AppResult;
use crate::web::forms::{done, field, page_status, Form, Pairs};
use crate::web::session::{local_next, SignedIn};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/following").route(web::get().to(list)))
        .service(web::resource("/following/{sid}/unfollow").route(web::post().to(unfollow)));
}

fn row(f: &Followed) -> Value {
    match f {
        Followed::Trial { subscription, reference, title } => json!({
            "kind": "trial", "id": subscription.id, "since": subscription.created_at,
            "reference": reference, "title": title,
            "href": reference.as_deref().map(trial_path),
        }),
        Followed::Zone { subscription, zone_id, name } => json!({
            "kind": "zone", "id": subscription.id, "since": subscription.created_at,
            "title": name, "href": format!("/zones/{zone_id}"),
        }),
    }
}

async fn list(ctx: web::Data<AppContext>, who: SignedIn) -> AppResult<HttpResponse> {
    let followed = community_pages::following(&ctx, who.actor()).await?;
    let trials: Vec<Value> = followed.iter().filter(|f| matches!(f, Followed::Trial { .. })).map(row).collect();
    let zones: Vec<Value> = followed.iter().filter(|f| matches!(f, Followed::Zone { .. })).map(row).collect();
    page_status(&who.visitor, StatusCode::OK, "following.html", json!({ "trials": trials, "zones": zones }))
}

async fn unfollow(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    sid: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let s = community::unfollow(&ctx, who.actor(), sid.into_inner()).await?;
    let what = if s.zone_id.is_some() { "that zone" } else { "that trial" };
    let back = local_next(Some(field(&p, "return_to"))).unwrap_or_else(|| "/following".into());
    done(&ctx, &who.visitor, &back, format!("You no longer follow {what}")).await
}
