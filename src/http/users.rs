//! `/api/v1/users`: user administration (admin).

use actix_web::{get, patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{list_response, UserResponse};
use super::extract::AuthUser;
use super::input::{query_flag, query_text, query_value, PageParams};
use super::problem::Problem;
pub use crate::app::input::users::{CreateUserRequest, UpdateUserRequest};
use crate::app::{users, AppContext};
use crate::db::users::UserFilter;
use crate::domain::account::Role;
use crate::domain::FieldErrors;
use crate::error::AppResult;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(update);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Only users with this role.
    #[param(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Text in the email address or name (one line, at most 200 characters).
    #[param(value_type = Option<String>, format = "line-or-blank", max_length = 200)]
    pub q: Option<String>,
    /// `true` for disabled users only, `false` for enabled only.
    #[param(value_type = Option<bool>)]
    pub disabled: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

/// List users (admin).
#[utoipa::path(tag = "users", params(UserListParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of users; see X-Total-Count and Link", body = [UserResponse]),
    )
)]
#[get("/users")]
pub async fn list(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<UserListParams>,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let mut e = FieldErrors::new();
    let role = match query_value(p.role.as_deref()) {
        Some(r) => e.check("role", r.parse::<Role>()).map(|r| r.as_str().to_string()),
        None => None,
    };
    let disabled = query_flag(p.disabled.as_deref(), "disabled", &mut e);
    let lists = &ctx.settings.lists;
    let page =
        PageParams { page: p.page, per_page: p.per_page }.parse(&mut e, lists.default_per_page, lists.max_per_page);
    let q = query_text(p.q.as_deref(), "q", 200, &mut e);
    e.into_result()?;
    let filter = UserFilter { role, q, disabled };
    let result = users::list(&ctx, &user.0, filter, page).await?;
    Ok(list_response(&req, result, UserResponse::from))
}

/// Create a user of any role, typically an inspector or admin (admin).
#[utoipa::path(tag = "users", request_body = CreateUserRequest, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    let account = users::create(&ctx, &user.0, body.into_inner().parse()).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(account)))
}

/// Read a user (admin).
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserResponse),
    )
)]
#[get("/users/{id}")]
pub async fn get(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let account = users::get(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}

/// Disable or enable a user, or change their role (admin). Their existing tokens stop working.
#[utoipa::path(tag = "users", request_body = UpdateUserRequest, security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserResponse),
        (status = 409, description = "Would lock out the last admin or yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<UpdateUserRequest>,
) -> AppResult<HttpResponse> {
    let account = users::change_access(&ctx, &user.0, id.into_inner(), body.into_inner().parse()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}
