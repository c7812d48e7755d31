//! `/api/v1/users` (admin) and `/api/v1/admin/outbox`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{list_response, utc, UserResponse};
use super::extract::AuthUser;
use super::input::{parse_required, Field, PageParams};
use crate::app::users::{AccessChange, NewAccount};
use crate::app::{outbox_admin, users, AppContext};
use crate::db::models::OutboundEmail;
use crate::db::users::UserFilter;
use crate::domain::account::{DisplayName, EmailAddress, NewPassword, Role};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult, Problem};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Only users with this role.
    pub role: Option<String>,
    /// Text in the email address or name.
    pub q: Option<String>,
    /// `true` for disabled users only, `false` for enabled only.
    pub disabled: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// List users (admin).
#[utoipa::path(
    get, path = "/api/v1/users", tag = "users", params(UserListParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users; see X-Total-Count and Link", body = [UserResponse]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<UserListParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let role = match p.role.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => e.check("role", r.parse::<Role>()).map(|r| r.as_str().to_string()),
        None => None,
    };
    let disabled = match p.disabled.as_deref() {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            e.add("disabled", "must be true or false");
            None
        }
    };
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    e.into_result()?;
    let filter = UserFilter { role, q: p.q.filter(|q| !q.trim().is_empty()), disabled };
    let result = users::list(&ctx, &user.0, filter, page).await?;
    Ok(list_response(&req, result, UserResponse::from))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[serde(default)]
    #[schema(value_type = String, format = "email")]
    pub email: Field<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub display_name: Field<String>,
    #[serde(default)]
    #[schema(value_type = Role)]
    pub role: Field<String>,
    /// Optional: without it the person is emailed an invitation to choose a password.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "password")]
    pub password: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Field<i64>,
}

/// Create a user of any role, typically an inspector or admin (admin).
#[utoipa::path(
    post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    // Refuse before looking at the body, so a non-admin learns nothing from validation.
    crate::domain::policy::authorize(Some(&user.0), crate::domain::policy::Action::ManageUsers)
        .map_err(|r| AppError::refused(r, "manage users"))?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    let email = parse_required(b.email, &mut e, "email", EmailAddress::parse);
    let display_name = parse_required(b.display_name, &mut e, "display_name", DisplayName::parse);
    let role = parse_required(b.role, &mut e, "role", |s| s.parse::<Role>());
    let password = match b.password.optional(&mut e, "password") {
        Some(Some(p)) => e.check("password", NewPassword::parse(&p)).map(Some),
        Some(None) => Some(None),
        None => None,
    };
    let organisation_id = b.organisation_id.optional(&mut e, "organisation_id");
    e.into_result()?;
    let (Some(email), Some(display_name), Some(role), Some(password), Some(organisation_id)) =
        (email, display_name, role, password, organisation_id)
    else {
        return Err(AppError::BadRequest("invalid request".into()));
    };
    let account =
        users::create(&ctx, &user.0, NewAccount { email, display_name, role, password, organisation_id }).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(account)))
}

/// Read a user (admin).
#[utoipa::path(
    get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let account = users::get(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub disabled: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    pub role: Field<String>,
}

/// Disable or enable a user, or change their role (admin). Their existing tokens stop working.
#[utoipa::path(
    patch, path = "/api/v1/users/{id}", tag = "users", request_body = UpdateUserRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would lock out the last admin or yourself", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> AppResult<HttpResponse> {
    crate::domain::policy::authorize(Some(&user.0), crate::domain::policy::Action::ManageUsers)
        .map_err(|r| AppError::refused(r, "manage users"))?;
    let b = body.into_inner();
    let mut e = FieldErrors::new();
    if b.disabled.is_missing() && b.role.is_missing() {
        e.add("body", "send disabled, role or both");
    }
    let disabled = b.disabled.optional(&mut e, "disabled").flatten();
    let role = match b.role.optional(&mut e, "role") {
        Some(Some(r)) => e.check("role", r.parse::<Role>()),
        _ => None,
    };
    e.into_result()?;
    let account = users::change_access(&ctx, &user.0, id.into_inner(), AccessChange { disabled, role }).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEmailResponse {
    pub id: i64,
    pub to: String,
    pub category: String,
    pub subject: String,
    pub status: String,
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
pub struct OutboxParams {
    /// `pending`, `sending`, `sent` or `dead`.
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// The email outbox, newest first (admin). `?status=dead` shows mail that could not be delivered.
#[utoipa::path(
    get, path = "/api/v1/admin/outbox", tag = "admin", params(OutboxParams), security(("bearer" = [])),
    responses(
        (status = 200, body = [OutboxEmailResponse]),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn outbox(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<OutboxParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s @ ("pending" | "sending" | "sent" | "dead")) => Some(s.to_string()),
        Some(_) => {
            e.add("status", "must be pending, sending, sent or dead");
            None
        }
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
#[utoipa::path(
    post, path = "/api/v1/admin/outbox/{id}/resend", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Outbox row id")),
    responses(
        (status = 200, body = OutboxEmailResponse),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not dead", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn resend(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let row = outbox_admin::resend(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OutboxEmailResponse::from(row)))
}
