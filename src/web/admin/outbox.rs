//! The email outbox: dead letters first (mail that could not be delivered after every retry),
//! other states through a filter, and "Resend" on each dead letter (`outbox_admin::resend`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{page_request, pagination, refusal_notice};
use crate::app::{outbox_admin, AppContext};
use crate::db::models::OutboundEmail;
use crate::email::DeliveryStatus;
use crate::error::AppResult;
use crate::web::format::label;
use crate::web::forms::{done, page_status, Form, Pairs};
use crate::web::session::SignedIn;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/outbox").route(web::get().to(list)))
        .service(web::resource("/admin/outbox/{id}/resend").route(web::post().to(resend)));
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<String>,
}

/// The longest part of an error message the page shows.
const ERROR_CHARS: usize = 300;

fn email_json(m: &OutboundEmail) -> Value {
    let error = m.last_error.as_deref().map(|e| {
        let short: String = e.chars().take(ERROR_CHARS).collect();
        if short.len() < e.len() {
            format!("{short}…")
        } else {
            short
        }
    });
    json!({
        "id": m.id, "to": m.to_address, "subject": m.subject, "category": m.category,
        "kind": label(m.category.rsplit('.').next().unwrap_or_default()),
        "status": m.status.as_str(), "attempts": m.attempts, "last_error": error,
        "created_at": m.created_at, "next_attempt_at": m.next_attempt_at, "sent_at": m.sent_at,
        "dead": m.status == DeliveryStatus::Dead,
    })
}

async fn outbox_page(
    ctx: &AppContext,
    who: &SignedIn,
    req: &HttpRequest,
    query: ListQuery,
    notice: Option<String>,
) -> AppResult<HttpResponse> {
    // Dead letters unless another state (or "all") is asked for.
    let chosen = query.status.as_deref().unwrap_or("dead");
    let status = chosen.parse::<DeliveryStatus>().ok();
    let shown = match status {
        Some(s) => s.as_str(),
        None => "all",
    };
    let found = outbox_admin::list(
        ctx,
        who.actor(),
        status.map(|s| s.as_str().to_string()),
        page_request(query.page.as_deref()),
    )
    .await?;
    let context = json!({
        "emails": found.items.iter().map(email_json).collect::<Vec<_>>(),
        "pages": pagination(req, &found),
        "status": shown,
        "statuses": DeliveryStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "notice": notice,
    });
    let code = if context["notice"].is_null() { StatusCode::OK } else { StatusCode::CONFLICT };
    page_status(&who.visitor, code, "admin/outbox.html", context)
}

async fn list(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    outbox_page(&ctx, &who, &req, query.into_inner(), None).await
}

async fn resend(
    ctx: web::Data<AppContext>,
    who: SignedIn,
    req: HttpRequest,
    id: web::Path<i64>,
    Form(_): Form<Pairs>,
) -> AppResult<HttpResponse> {
    match outbox_admin::resend(&ctx, who.actor(), id.into_inner()).await {
        Ok(m) => {
            let message =
                format!("The email to {} has been put back in the queue and will be sent again", m.to_address);
            done(&ctx, &who.visitor, "/admin/outbox", message).await
        }
        Err(e) => match refusal_notice(&e, "email") {
            Some(notice) => outbox_page(&ctx, &who, &req, ListQuery { status: None, page: None }, Some(notice)).await,
            None => Err(e),
        },
    }
}
