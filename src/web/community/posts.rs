//! The trial page's forms: follow the trial or its zone, post an observation, reply to one,
//! confirm or dispute a condition's evidence; and the evidence file for signed-in readers. Each
//! builds the JSON endpoint's body, calls the same use-case and comes back to the trial page.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::trial::render;
use super::{humane, trial_path, worded};
use crate::app::community;
use crate::app::conditions;
use crate::app::input::community::{AttestationBody, FollowBody, ObservationBody, ReplyBody, MAX_POST};
use crate::app::AppContext;
use crate::error::{AppError, AppResult};
use crate::http::upload::download;
use crate::web::fields;
use crate::web::format::{label, number, time_of_day};
use crate::web::forms::{done, field, merge, page_status, Form, Pairs};
use crate::web::session::{SignedIn, Visitor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/register/{reference}/follow").route(web::post().to(follow)))
        .service(web::resource("/register/{reference}/observations").route(web::post().to(observe)))
        .service(web::resource("/register/{reference}/observations/{oid}/replies").route(web::post().to(reply)))
        .service(web::resource("/register/{reference}/conditions/{cid}/attestations").route(web::post().to(attest)))
        .service(web::resource("/register/{reference}/evidence/{eid}").route(web::get().to(evidence_file)));
}

/// An id the page put in a hidden field; anything else is a form this service did not make.
fn hidden_id(p: &Pairs, name: &str) -> AppResult<i64> {
    field(p, name).trim().parse().map_err(|_| AppError::BadRequest(format!("the form has no {name}")))
}

/// "in 12 minutes" / "in 1 minute".
fn in_minutes(seconds: u64) -> String {
    let minutes = seconds.div_ceil(60).max(1);
    if minutes == 1 {
        "in 1 minute".into()
    } else {
        format!("in {minutes} minutes")
    }
}

/// The posting quota's page: `429`, when one may post again, and what was written (so that it
/// is not lost).
async fn quota(
    ctx: &AppContext,
    visitor: &Visitor,
    reference: &str,
    retry_after_seconds: u64,
    written: &str,
) -> AppResult<HttpResponse> {
    let again = ctx.now() + chrono::TimeDelta::seconds(retry_after_seconds as i64);
    let context = json!({
        "again_at": time_of_day(again), "again_in": in_minutes(retry_after_seconds),
        "per_hour": ctx.settings.community.posts_per_hour, "written": written,
        "trial": trial_path(reference), "reference": reference,
    });
    let mut r = page_status(visitor, StatusCode::TOO_MANY_REQUESTS, "register/quota.html", context)?;
    if let Ok(v) = header::HeaderValue::from_str(&retry_after_seconds.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(r)
}

async fn follow(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    reference: web::Path<String>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let zone = !field(&p, "zone_id").is_empty();
    let body = FollowBody {
        application_id: fields::whole_number(field(&p, "application_id")),
        zone_id: fields::whole_number(field(&p, "zone_id")),
    };
    let what = if zone { "this zone" } else { "this trial" };
    let to = format!("{}#follow", trial_path(&reference));
    match community::follow(&ctx, who.actor(), body.parse()).await {
        Ok(_) => {
            let message = format!("You are following {what}: we will email you about it");
            done(&ctx, &who.visitor, &to, message).await
        }
        Err(AppError::Conflict { .. }) => done(&ctx, &who.visitor, &to, format!("You already follow {what}")).await,
        Err(AppError::Validation(_)) => Err(AppError::NotFound("no such trial or zone".into())),
        Err(e) => Err(e),
    }
}

async fn observe(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    reference: web::Path<String>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let reference = reference.into_inner();
    let case_id = hidden_id(&p, "application_id")?;
    let (kind, text) = (field(&p, "kind"), field(&p, "body"));
    let body = ObservationBody { kind: fields::text(kind), body: fields::text(text) };
    match community::post_observation(&ctx, who.actor(), case_id, body.parse()).await {
        Ok(v) => {
            let to = format!("{}#observation-{}", trial_path(&reference), v.observation.id);
            let message =
                format!("Your {} is published on this trial", label(v.observation.kind.as_str()).to_lowercase());
            done(&ctx, &who.visitor, &to, message).await
        }
        Err(AppError::Validation(e)) => {
            let too_many = text.trim().chars().count().saturating_sub(MAX_POST);
            let limit = format!("Your observation must be {} characters or fewer", number(MAX_POST as f64));
            let rules = [
                ("kind", "is required", "Select comment, concern or support"),
                ("kind", "must be", "Select comment, concern or support"),
                ("body", "is required", "Enter your observation"),
                ("body", "must not be empty", "Enter your observation"),
                ("body", "must be at most", limit.as_str()),
            ];
            let errors = humane(e, &rules, &[("body", "Your observation")], |f| f.to_string());
            let mut extra = json!({ "form": { "kind": kind, "body": text, "too_many": too_many } });
            merge(&mut extra, worded(&errors));
            render(&ctx, &who.visitor, reference, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(AppError::TooManyRequests { retry_after_seconds, .. }) => {
            quota(&ctx, &who.visitor, &reference, retry_after_seconds, text).await
        }
        Err(e) => Err(e),
    }
}

async fn reply(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(String, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (reference, oid) = path.into_inner();
    let text = field(&p, "body");
    let body = ReplyBody { body: fields::text(text) };
    match community::reply(&ctx, who.actor(), oid, body.parse()).await {
        Ok(_) => {
            let to = format!("{}#observation-{oid}", trial_path(&reference));
            done(&ctx, &who.visitor, &to, "Your reply is published on this trial").await
        }
        Err(AppError::Validation(e)) => {
            let id = format!("reply-{oid}");
            let limit = format!("Your reply must be {} characters or fewer", number(MAX_POST as f64));
            let rules = [
                ("body", "is required", "Enter your reply"),
                ("body", "must not be empty", "Enter your reply"),
                ("body", "must be at most", limit.as_str()),
            ];
            let errors =
                humane(e, &rules, &[("body", "Your reply")], |f| if f == "body" { id.clone() } else { f.into() });
            let mut extra = json!({ "reply_form": { "oid": oid, "body": text } });
            merge(&mut extra, worded(&errors));
            render(&ctx, &who.visitor, reference, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn attest(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(String, i64)>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let (reference, cid) = path.into_inner();
    let (stance, comment) = (field(&p, "stance"), field(&p, "comment"));
    let body = AttestationBody { stance: fields::text(stance), comment: fields::text(comment) };
    match community::attest(&ctx, who.actor(), cid, body.parse()).await {
        Ok(a) => {
            let to = format!("{}#condition-{cid}", trial_path(&reference));
            let what = field(&p, "condition");
            let verb =
                if a.stance == crate::domain::community::AttestationStance::Dispute { "disputed" } else { "confirmed" };
            let message = if what.is_empty() {
                format!("You {verb} the evidence")
            } else {
                format!("You {verb} the evidence for: {what}")
            };
            done(&ctx, &who.visitor, &to, message).await
        }
        Err(AppError::Validation(e)) => {
            let limit = format!("Your comment must be {} characters or fewer", number(MAX_POST as f64));
            let rules = [
                ("stance", "is required", "Select whether you confirm or dispute the evidence"),
                ("stance", "must be", "Select whether you confirm or dispute the evidence"),
                ("comment", "is required", "Enter a comment: say what you saw"),
                ("comment", "must not be empty", "Enter a comment: say what you saw"),
                ("comment", "must be at most", limit.as_str()),
            ];
            let errors = humane(e, &rules, &[("comment", "Your comment")], |f| format!("{f}-{cid}"));
            let mut extra = json!({ "attest_form": { "cid": cid, "stance": stance, "comment": comment } });
            merge(&mut extra, worded(&errors));
            render(&ctx, &who.visitor, reference, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(AppError::TooManyRequests { retry_after_seconds, .. }) => {
            quota(&ctx, &who.visitor, &reference, retry_after_seconds, comment).await
        }
        Err(e) => Err(e),
    }
}

/// A file sent with a public trial's evidence, for signed-in readers (`conditions::evidence_file`,
/// as `GET /api/v1/evidence/{id}/file`).
async fn evidence_file(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (_, eid) = path.into_inner();
    let (evidence, data) = conditions::evidence_file(&ctx, who.actor(), eid).await?;
    let name = evidence.file_name.unwrap_or_else(|| "evidence".into());
    let content_type = evidence.file_type.unwrap_or_else(|| "application/octet-stream".into());
    Ok(download(&name, &content_type, data))
}
