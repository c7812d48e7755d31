//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::UserResponse;
use super::extract::{client_address, AuthUser};
use super::problem::Problem;
use crate::app::accounts;
pub use crate::app::input::accounts::{OrganisationRequest, RegisterRequest};
use crate::app::input::{parse_required, Field};
use crate::app::AppContext;
use crate::domain::account::{short_text, EmailAddress, NewPassword};
use crate::domain::policy::{authorize, Action};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(password_reset)
        .service(password_reset_confirm)
        .service(me);
}

/// Register as an innovator or a community member. A verification email follows.
#[utoipa::path(tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; a verification email is queued", body = UserResponse),
        (status = 409, description = "The email address is already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, all named", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many accounts registered from this client address in the last hour; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
pub async fn register(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    let registration = body.into_inner().parse()?;
    let account = accounts::register(&ctx, registration, client_address(&req)).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(account)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the emailed link.
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "line", max_length = 200)]
    pub token: Field<String>,
}

/// Confirm an email address with the token from the verification email.
#[utoipa::path(tag = "accounts", request_body = TokenRequest,
    responses(
        (status = 200, description = "Verified", body = UserResponse),
        (status = 422, description = "The token is invalid, used or expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(ctx: web::Data<AppContext>, body: web::Json<TokenRequest>) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let token = parse_required(body.into_inner().token, &mut e, "token", |s| short_text(s, 200));
    e.into_result()?;
    let account = accounts::verify_email(&ctx, token.unwrap_or_default()).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "email")]
    pub email: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "password")]
    pub password: Field<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchange at `/api/v1/auth/refresh` for a new pair; each refresh token works once.
    pub refresh_token: String,
}

impl From<accounts::TokenPair> for TokenResponse {
    fn from(p: accounts::TokenPair) -> Self {
        TokenResponse {
            access_token: p.access_token,
            token_type: "Bearer".into(),
            expires_in: p.expires_in,
            refresh_token: p.refresh_token,
        }
    }
}

/// Log in with email and password.
#[utoipa::path(tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut e = FieldErrors::new();
    let email = parse_required(body.email, &mut e, "email", |s| short_text(s, 254));
    let password = body.password.required(&mut e, "password");
    e.into_result()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(AppError::BadRequest("email and password are required".into()));
    };
    let pair = accounts::login(&ctx, email, password, client_address(&req)).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "line", max_length = 200)]
    pub refresh_token: Field<String>,
}

fn refresh_token(body: RefreshRequest) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let token = parse_required(body.refresh_token, &mut e, "refresh_token", |s| short_text(s, 200));
    e.into_result()?;
    token.ok_or_else(|| AppError::BadRequest("refresh_token is required".into()))
}

/// Exchange a refresh token for a new access and refresh token. Reusing a refresh token ends
/// the whole login.
#[utoipa::path(tag = "accounts", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 401, description = "Invalid, expired, revoked or reused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(ctx: web::Data<AppContext>, body: web::Json<RefreshRequest>) -> AppResult<HttpResponse> {
    let token = refresh_token(body.into_inner())?;
    let pair = accounts::refresh(&ctx, token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// Log out: the refresh token (and its login) stops working.
#[utoipa::path(tag = "accounts", request_body = RefreshRequest,
    responses((status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
pub async fn logout(ctx: web::Data<AppContext>, body: web::Json<RefreshRequest>) -> AppResult<HttpResponse> {
    let token = refresh_token(body.into_inner())?;
    accounts::logout(&ctx, token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "email")]
    pub email: Field<String>,
}

/// Ask for a password reset link. Always `202`, whether or not the address has an account.
#[utoipa::path(tag = "accounts", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way"),
        (status = 429, description = "Too many resets asked for from this client address in the last hour; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Json<PasswordResetRequest>,
) -> AppResult<HttpResponse> {
    let mut e = FieldErrors::new();
    let email = parse_required(body.into_inner().email, &mut e, "email", EmailAddress::parse);
    e.into_result()?;
    let Some(email) = email else { return Err(AppError::BadRequest("email is required".into())) };
    accounts::request_password_reset(&ctx, email, client_address(&req)).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "detail": "if the address belongs to an account, a reset link has been sent to it"
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "line", max_length = 200)]
    pub token: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "password", min_length = 12, max_length = 256)]
    pub new_password: Field<String>,
}

/// Choose a new password with the token from a reset (or invitation) email. All existing logins end.
#[utoipa::path(tag = "accounts", request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "Password changed"),
        (status = 422, description = "Invalid token or password", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    ctx: web::Data<AppContext>,
    body: web::Json<PasswordResetConfirm>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut e = FieldErrors::new();
    let token = parse_required(body.token, &mut e, "token", |s| short_text(s, 200));
    let password = parse_required(body.new_password, &mut e, "new_password", NewPassword::parse);
    e.into_result()?;
    let (Some(token), Some(password)) = (token, password) else {
        return Err(AppError::BadRequest("token and new_password are required".into()));
    };
    accounts::confirm_password_reset(&ctx, token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The logged-in user's account.
#[utoipa::path(tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = UserResponse),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(ctx: web::Data<AppContext>, user: AuthUser) -> AppResult<HttpResponse> {
    authorize(Some(&user.0), Action::ReadOwnAccount).map_err(|r| AppError::refused(r, "read this account"))?;
    let account = accounts::account(&ctx, user.0.user_id).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(account)))
}
