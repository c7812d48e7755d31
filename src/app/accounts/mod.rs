//! Accounts: registration, email verification, login, refresh, logout, password reset, and
//! authenticating a bearer token on each request.
//!
//! This module owns what the parts share: the account and token types, the one-time tokens links
//! carry, reading an account and authenticating a bearer token. Registration and email
//! verification are in `registration`, login and its sessions (throttling, refresh, logout) in
//! `login`, password reset in `reset`.

mod login;
mod registration;
mod reset;
pub mod sessions;

pub use login::{check_credentials, login, logout, refresh};
pub use registration::{register, verify_email, OrganisationInput, Registration};
pub use reset::{confirm_password_reset, request_password_reset};

use chrono::{NaiveDateTime, TimeDelta};

use super::AppContext;
use crate::auth::tokens;
use crate::db::models::{NewOneTimeToken, Organisation, User};
use crate::db::{users as repo, DbConn};
use crate::domain::account::{Role, TokenPurpose};
use crate::domain::policy::Actor;
use crate::error::{AppError, AppResult};

pub const PURPOSE_VERIFY: TokenPurpose = TokenPurpose::VerifyEmail;
pub const PURPOSE_RESET: TokenPurpose = TokenPurpose::PasswordReset;
pub const PURPOSE_INVITE: TokenPurpose = TokenPurpose::Invitation;

/// A user with the organisation they belong to.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub organisation: Option<Organisation>,
}

impl Account {
    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// Access and refresh token for a login.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

pub fn user_stream(user_id: i64) -> String {
    format!("user:{user_id}")
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Innovator => "an innovator",
        Role::Community => "a community member",
        Role::Inspector => "an inspector",
        Role::Admin => "an administrator",
    }
}

fn load_account(conn: &mut DbConn, user: User) -> diesel::QueryResult<Account> {
    let organisation = match user.organisation_id {
        Some(id) => repo::find_organisation(conn, id)?,
        None => None,
    };
    Ok(Account { user, organisation })
}

/// Creates a one-time token of `purpose` for a user and returns the token to put in a link.
pub(crate) fn issue_one_time_token(
    conn: &mut DbConn,
    user_id: i64,
    purpose: TokenPurpose,
    now: NaiveDateTime,
    ttl: TimeDelta,
) -> diesel::QueryResult<(i64, String)> {
    let token = tokens::random_token();
    let hash = tokens::hash_token(&token);
    repo::insert_one_time_token(
        conn,
        &NewOneTimeToken { user_id, purpose, token_hash: &hash, created_at: now, expires_at: now + ttl },
    )?;
    let id = repo::find_one_time_token(conn, &hash, purpose)?.map(|t| t.id).unwrap_or_default();
    Ok((id, token))
}

fn invalid_token() -> AppError {
    AppError::validation("token", "is invalid, already used or expired; ask for a new link")
}

pub async fn account(ctx: &AppContext, user_id: i64) -> AppResult<Account> {
    ctx.db
        .run(move |conn| {
            let user = repo::find_user(conn, user_id)?.ok_or_else(|| AppError::NotFound("no such user".into()))?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}

/// Counts `action` for a client `address`, refusing with 429 (and when to try again) once it has
/// done `per_hour` of them in the last hour. Counted in its own transaction before the work, so
/// that a refused request costs nothing more.
pub(crate) async fn within_client_limit(
    ctx: &AppContext,
    action: &'static str,
    address: String,
    per_hour: i64,
    refusal: &'static str,
) -> AppResult<()> {
    let now = ctx.now();
    let window = chrono::TimeDelta::hours(1);
    let oldest = ctx
        .db
        .write(move |c| {
            repo::take_client_allowance(c, action, &address, now - window, per_hour, now).map_err(AppError::from)
        })
        .await?;
    match oldest {
        None => Ok(()),
        Some(oldest) => {
            tracing::warn!(action, "refused: too many from one client address");
            Err(AppError::TooManyRequests {
                detail: refusal.into(),
                retry_after_seconds: (oldest + window - now).num_seconds().max(1) as u64,
            })
        }
    }
}

/// Turns a bearer token into an actor: the signature and claims must check out, the user must
/// exist, be enabled and still have the token version the token was issued with, and the login
/// the token belongs to must not have ended (logged out, or revoked when a refresh token was
/// presented twice).
pub async fn authenticate(ctx: &AppContext, bearer: &str) -> AppResult<Actor> {
    let now = ctx.now().and_utc().timestamp();
    let claims = ctx.jwt.verify(bearer, now).map_err(|reason| {
        tracing::info!(%reason, "bearer token refused");
        AppError::Unauthenticated("the access token is not valid; log in again".into())
    })?;
    let (user_id, login) = (claims.user_id, claims.login);
    let found =
        ctx.db.run(move |conn| repo::find_user_and_login(conn, user_id, &login).map_err(AppError::from)).await?;
    match found {
        Some((u, true)) if u.disabled_at.is_none() && u.token_version == claims.token_version => {
            Ok(Actor { user_id: u.id, role: u.role, email_verified: u.email_verified_at.is_some() })
        }
        _ => Err(AppError::Unauthenticated("the access token is no longer valid; log in again".into())),
    }
}
