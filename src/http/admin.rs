//! `/api/v1/admin`: operations for administrators — the email outbox and resending dead mail.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{list_response, utc};
use super::extract::AuthUser;
use super::input::{query_value, PageParams};
use super::problem::Problem;
use crate::app::{outbox_admin, AppContext};
use crate::db::models::OutboundEmail;
use crate::domain::FieldErrors;
use crate::email::DeliveryStatus;
use crate::error::AppResult;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(outbox).service(resend);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEmailResponse {
    pub id: i64,
    pub to: String,
    pub category: String,
    pub subject: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboundEmail> for OutboxEmailResponse {
    fn from(r: OutboundEmail) -> Self {
        OutboxEmailResponse {
            id: r.id,
            to: r.to_address,
            category: r.category,
            subject: r.subject,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: utc(r.next_attempt_at),
            last_error: r.last_error,
            created_at: utc(r.created_at),
            sent_at: r.sent_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxParams {
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Items per page.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

/// The email outbox, newest first (admin). `?status=dead` shows mail that could not be delivered.
#[utoipa::path(tag = "admin", params(OutboxParams), security(("bearer" = [])),
    responses(
        (status = 200, body = [OutboxEmailResponse]),
    )
)]
#[get("/admin/outbox")]
pub async fn outbox(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<OutboxParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let status = match query_value(p.status.as_deref()) {
        Some(s) => e.check("status", s.parse::<DeliveryStatus>()).map(|s| s.as_str().to_string()),
        None => None,
    };
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    e.into_result()?;
    let result = outbox_admin::list(&ctx, &user.0, status, page).await?;
    Ok(list_response(&req, result, OutboxEmailResponse::from))
}

/// Put a dead email back in the queue (admin).
#[utoipa::path(tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Outbox row id")),
    responses(
        (status = 200, body = OutboxEmailResponse),
        (status = 409, description = "Not dead", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/outbox/{id}/resend")]
pub async fn resend(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let row = outbox_admin::resend(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OutboxEmailResponse::from(row)))
}
