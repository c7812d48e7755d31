//! Moderation: the observations no inspector or admin has acted on yet, oldest first, with their
//! original text (`/casework/moderation`), those held back by three people's reports first, and
//! one observation's page, where a moderator hides it with a reason, publishes a redacted text or
//! keeps it published. The form builds the API's `ModerateBody` and calls
//! `community::moderate`, as `POST /api/v1/observations/{id}/moderate` does.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::input::community::ModerateBody;
use crate::app::moderation::{self, ModerationItem};
use crate::app::{community, AppContext, PageRequest};
use crate::domain::community::Visibility;
use crate::error::{AppError, AppResult};
use crate::web::applications::expected;
use crate::web::fields;
use crate::web::forms::{done, errors_json, field, merge, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub const TEMPLATES: &[(&str, &str)] =
    crate::page_templates!["casework/moderation.html", "casework/moderation_observation.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/casework/moderation").route(web::get().to(queue))).service(
        web::resource("/casework/moderation/{oid}")
            .route(web::get().to(observation_page))
            .route(web::post().to(moderate)),
    );
}

const PER_PAGE: i64 = 20;

/// What the page says when the observation was moderated by someone else meanwhile.
const STALE: &str = "This observation changed after you opened this page, perhaps in another tab. Nothing was saved: check it and try again.";

#[derive(Debug, Deserialize)]
struct Query {
    page: Option<String>,
}

fn item_json(item: &ModerationItem) -> Value {
    let o = &item.view.observation;
    json!({
        "id": o.id, "kind": o.kind.as_str(), "body": o.body, "visibility": o.visibility.as_str(),
        "published_body": o.published_body, "reason": o.moderation_reason, "moderated_at": o.moderated_at,
        "at": o.created_at, "by": item.author_name, "version": o.version,
        "case": { "id": item.case_id, "reference": item.reference, "title": item.title },
        "replies": item.view.replies.len(), "reports": item.reports, "held": o.held_at.is_some(),
    })
}

async fn queue(ctx: web::Data<AppContext>, who: SignedIn, q: web::Query<Query>) -> AppResult<HttpResponse> {
    let page = q.page.as_deref().and_then(|p| p.parse::<i64>().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let found = moderation::queue(&ctx, who.actor(), PageRequest { page, per_page: PER_PAGE }).await?;
    let rows: Vec<Value> = found.items.iter().map(item_json).collect();
    let context = json!({
        "rows": rows, "total": found.total, "capped": found.capped, "page": page,
        "previous": (page > 1).then(|| page - 1), "next": found.has_next().then(|| page + 1),
    });
    page_status(&who.visitor, StatusCode::OK, "casework/moderation.html", context)
}

fn observation_context(item: &ModerationItem, form: Value) -> Value {
    json!({ "o": item_json(item), "form": form })
}

async fn observation_page(ctx: web::Data<AppContext>, who: SignedIn, oid: web::Path<i64>) -> AppResult<HttpResponse> {
    let item = moderation::observation(&ctx, who.actor(), oid.into_inner()).await?;
    let original = item.view.observation.body.clone();
    let form = json!({ "redacted_body": item.view.observation.published_body.clone().unwrap_or(original) });
    page_status(&who.visitor, StatusCode::OK, "casework/moderation_observation.html", observation_context(&item, form))
}

async fn moderate(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    oid: web::Path<i64>,
    Form(p): Form<Pairs>,
) -> AppResult<HttpResponse> {
    let oid = oid.into_inner();
    let action = field(&p, "action");
    let body = ModerateBody {
        action: fields::text(action),
        reason: fields::text(field(&p, "reason")),
        redacted_body: if action == "redact" { fields::text(field(&p, "redacted_body")) } else { Default::default() },
    };
    let version = expected(Some(field(&p, "version")));
    match community::moderate(&ctx, who.actor(), oid, version, body.parse()).await {
        Ok(v) => {
            let message = match (action, v.observation.visibility) {
                ("keep", Visibility::Hidden) => "The observation stays hidden from the public",
                ("keep", _) => "The observation stays published and is off the list",
                (_, Visibility::Redacted) => "The redacted text is now published in place of the original",
                _ => "The observation is now hidden from the public",
            };
            done(&ctx, &who.visitor, "/casework/moderation", message).await
        }
        Err(AppError::Validation(e)) => {
            let item = moderation::observation(&ctx, who.actor(), oid).await?;
            let kept =
                json!({ "action": action, "reason": field(&p, "reason"), "redacted_body": field(&p, "redacted_body") });
            let mut context = observation_context(&item, kept);
            merge(&mut context, json!({ "version": field(&p, "version") }));
            let labels = [("action", "What to do"), ("reason", "The reason"), ("redacted_body", "The text to publish")];
            let e = crate::domain::FieldErrors(
                e.0.into_iter()
                    .map(|mut f| {
                        if f.field == "action" && f.message == "is required" {
                            f.message = "must be chosen: hide it, publish a redacted text or keep it published".into();
                        }
                        f
                    })
                    .collect(),
            );
            merge(&mut context, errors_json(&e, &labels));
            page_status(&who.visitor, StatusCode::UNPROCESSABLE_ENTITY, "casework/moderation_observation.html", context)
        }
        Err(AppError::PreconditionFailed { .. } | AppError::PreconditionRequired) => {
            let item = moderation::observation(&ctx, who.actor(), oid).await?;
            let o = &item.view.observation;
            let form = json!({ "redacted_body": o.published_body.clone().unwrap_or_else(|| o.body.clone()) });
            let mut context = observation_context(&item, form);
            merge(&mut context, json!({ "notice": STALE }));
            page_status(&who.visitor, StatusCode::CONFLICT, "casework/moderation_observation.html", context)
        }
        Err(e) => Err(e),
    }
}
