//! Accounts: registration, email verification, login, refresh, logout, password reset, and
//! authenticating a bearer token on each request.

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

use super::{blocking, AppContext};
use crate::auth::{password, tokens};
use crate::db::models::{NewOneTimeToken, NewOrganisation, NewRefreshToken, NewUser, Organisation, User};
use crate::db::{audit, users as repo, DbConn};
use crate::domain::account::{DisplayName, EmailAddress, NewPassword, OrganisationKind, Role, TokenPurpose};
use crate::domain::policy::Actor;
use crate::domain::FieldErrors;
use crate::email::{self, Outgoing};
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

#[derive(Debug)]
pub struct OrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    pub registration_number: Option<String>,
}

#[derive(Debug)]
pub struct Registration {
    pub email: EmailAddress,
    pub password: NewPassword,
    pub display_name: DisplayName,
    pub role: Role,
    pub organisation: Option<OrganisationInput>,
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

pub async fn register(ctx: &AppContext, reg: Registration) -> AppResult<Account> {
    if !reg.role.self_registrable() {
        return Err(AppError::validation("role", "must be innovator or community"));
    }
    let email = reg.email.as_str().to_string();
    let taken = {
        let email = email.clone();
        ctx.db.run(move |c| repo::email_taken(c, &email).map_err(AppError::from)).await?
    };
    if taken {
        return Err(email_taken());
    }
    let plain = reg.password.expose().to_string();
    let hash = blocking(move || password::hash_password(&plain)).await?.map_err(AppError::internal)?;
    let now = ctx.now();
    let ttl_hours = ctx.settings.auth.verify_token_ttl_hours;
    let mailer = ctx.mailer.clone();
    let display_name = reg.display_name.into_inner();
    let role = reg.role;
    let organisation = reg.organisation;
    ctx.db
        .write(move |conn| {
            let organisation_id = match &organisation {
                Some(o) => Some(
                    repo::insert_organisation(
                        conn,
                        &NewOrganisation {
                            name: &o.name,
                            kind: o.kind,
                            registration_number: o.registration_number.as_deref(),
                            created_at: now,
                        },
                    )?
                    .id,
                ),
                None => None,
            };
            let user = repo::insert_user(
                conn,
                &NewUser {
                    email: &email,
                    password_hash: Some(&hash),
                    display_name: &display_name,
                    role,
                    organisation_id,
                    email_verified_at: None,
                    token_version: 0,
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(|e| {
                if crate::db::is_unique_violation(&e, "users_email_key", "users.email") {
                    email_taken()
                } else {
                    AppError::from(e)
                }
            })?;
            let (token_id, token) =
                issue_one_time_token(conn, user.id, PURPOSE_VERIFY, now, TimeDelta::hours(ttl_hours))?;
            email::queue(
                conn,
                &mailer,
                Outgoing {
                    dedup_key: format!("verify-email:{token_id}"),
                    user_id: Some(user.id),
                    to: &user.email,
                    category: "security.verify_email",
                    template: "verify_email",
                    context: json!({
                        "display_name": user.display_name,
                        "role_label": role_label(role),
                        "link": mailer.link(&format!("/account/verify-email?token={token}")),
                        "ttl_hours": ttl_hours,
                    }),
                },
                now,
            )?;
            audit::append(
                conn,
                audit::Entry {
                    stream: user_stream(user.id),
                    actor_user_id: Some(user.id),
                    action: "user.registered",
                    from_status: None,
                    to_status: Some("unverified"),
                    details: json!({ "role": role.as_str(), "organisation_id": organisation_id }),
                    public: true,
                    at: now,
                },
            )?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}

fn email_taken() -> AppError {
    AppError::Conflict {
        detail: "an account with this email address already exists; log in or reset your password".into(),
        errors: FieldErrors::single("email", "is already registered").0,
        extra: None,
    }
}

fn invalid_token() -> AppError {
    AppError::validation("token", "is invalid, already used or expired; ask for a new link")
}

pub async fn verify_email(ctx: &AppContext, token: String) -> AppResult<Account> {
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            let hash = tokens::hash_token(&token);
            let Some(t) = repo::find_one_time_token(conn, &hash, PURPOSE_VERIFY)? else {
                return Err(invalid_token());
            };
            if t.used_at.is_some() || t.expires_at < now || !repo::use_one_time_token(conn, t.id, now)? {
                return Err(invalid_token());
            }
            if repo::mark_verified(conn, t.user_id, now)? == 1 {
                audit::append(
                    conn,
                    audit::Entry {
                        stream: user_stream(t.user_id),
                        actor_user_id: Some(t.user_id),
                        action: "user.email_verified",
                        from_status: Some("unverified"),
                        to_status: Some("verified"),
                        details: json!({}),
                        public: true,
                        at: now,
                    },
                )?;
            }
            let user = repo::find_user(conn, t.user_id)?.ok_or_else(invalid_token)?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("the email address or password is not right".into())
}

/// Logs in. The answer is the same for an unknown email, a wrong password and a disabled
/// account; failures are counted per account and per client address.
pub async fn login(ctx: &AppContext, email: String, password_given: String, address: String) -> AppResult<TokenPair> {
    let email = email.trim().to_lowercase();
    let now = ctx.now();
    let auth = ctx.settings.auth.clone();
    let window = TimeDelta::minutes(auth.login_window_minutes);
    let since = now - window;
    let (user, throttled) = {
        let email = email.clone();
        let address = address.clone();
        ctx.db
            .run(move |conn| {
                let cap = auth.login_max_failures_per_account.max(auth.login_max_failures_per_address);
                let ((by_email, oldest_email), (by_addr, oldest_addr)) =
                    repo::recent_failures(conn, &email, &address, since, cap)?;
                let mut retry_at: Option<NaiveDateTime> = None;
                if by_email >= auth.login_max_failures_per_account {
                    retry_at = oldest_email.map(|t| t + window);
                }
                if by_addr >= auth.login_max_failures_per_address {
                    let at = oldest_addr.map(|t| t + window);
                    retry_at = retry_at.max(at);
                }
                let user = repo::find_user_by_email(conn, &email)?;
                Ok::<_, AppError>((user, retry_at))
            })
            .await?
    };
    if let Some(retry_at) = throttled {
        let retry_after_seconds = (retry_at - now).num_seconds().max(1) as u64;
        tracing::warn!(%address, "login refused: too many failed attempts");
        return Err(AppError::TooManyRequests {
            detail: "too many failed login attempts; wait before trying again".into(),
            retry_after_seconds,
        });
    }
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = blocking(move || match stored_hash {
        Some(h) => password::verify_password(&password_given, &h),
        None => {
            // Spend the same time as for a real account.
            password::verify_password(&password_given, password::dummy_hash());
            false
        }
    })
    .await?;
    let user = match user {
        Some(u) if matches && u.disabled_at.is_none() => u,
        _ => {
            let (email2, address2) = (email.clone(), address.clone());
            ctx.db
                .write(move |conn| repo::record_login_failure(conn, &email2, &address2, now).map_err(AppError::from))
                .await?;
            tracing::info!(%address, outcome = "failure", "login");
            return Err(wrong_credentials());
        }
    };
    let pair = start_session(ctx, &user, now).await?;
    tracing::info!(user_id = user.id, %address, outcome = "success", "login");
    Ok(pair)
}

async fn start_session(ctx: &AppContext, user: &User, now: NaiveDateTime) -> AppResult<TokenPair> {
    let refresh = tokens::random_token();
    let hash = tokens::hash_token(&refresh);
    let family = uuid::Uuid::new_v4().to_string();
    let (user_id, version) = (user.id, user.token_version);
    let ttl = TimeDelta::days(ctx.settings.jwt.refresh_ttl_days);
    ctx.db
        .write(move |conn| {
            repo::insert_refresh_token(
                conn,
                &NewRefreshToken {
                    user_id,
                    family_id: &family,
                    token_hash: &hash,
                    token_version: version,
                    created_at: now,
                    expires_at: now + ttl,
                },
            )
            .map_err(AppError::from)
        })
        .await?;
    let access = ctx.jwt.issue(user_id, version, now.and_utc().timestamp()).map_err(AppError::internal)?;
    Ok(TokenPair { access_token: access, refresh_token: refresh, expires_in: ctx.jwt.ttl_seconds() })
}

fn bad_refresh() -> AppError {
    AppError::Unauthenticated("the refresh token is not valid; log in again".into())
}

enum RefreshOutcome {
    Rotated { user_id: i64, version: i32, token: String },
    Reused,
    Invalid,
}

/// Exchanges a refresh token for a new pair. Presenting a token that was already exchanged
/// revokes every token of its login (someone else may hold a copy).
pub async fn refresh(ctx: &AppContext, presented: String) -> AppResult<TokenPair> {
    let now = ctx.now();
    let ttl = TimeDelta::days(ctx.settings.jwt.refresh_ttl_days);
    let outcome = ctx
        .db
        .write(move |conn| {
            let hash = tokens::hash_token(&presented);
            let Some(row) = repo::find_refresh_token(conn, &hash)? else {
                return Ok::<_, AppError>(RefreshOutcome::Invalid);
            };
            if row.rotated_at.is_some() || row.revoked_at.is_some() {
                if row.rotated_at.is_some() {
                    repo::revoke_family(conn, &row.family_id, now)?;
                    return Ok(RefreshOutcome::Reused);
                }
                return Ok(RefreshOutcome::Invalid);
            }
            if row.expires_at < now {
                return Ok(RefreshOutcome::Invalid);
            }
            let user = repo::find_user(conn, row.user_id)?;
            let Some(user) = user.filter(|u| u.disabled_at.is_none() && u.token_version == row.token_version) else {
                repo::revoke_family(conn, &row.family_id, now)?;
                return Ok(RefreshOutcome::Invalid);
            };
            if !repo::rotate_refresh_token(conn, row.id, now)? {
                repo::revoke_family(conn, &row.family_id, now)?;
                return Ok(RefreshOutcome::Reused);
            }
            let token = tokens::random_token();
            let new_hash = tokens::hash_token(&token);
            repo::insert_refresh_token(
                conn,
                &NewRefreshToken {
                    user_id: user.id,
                    family_id: &row.family_id,
                    token_hash: &new_hash,
                    token_version: user.token_version,
                    created_at: now,
                    expires_at: now + ttl,
                },
            )?;
            Ok(RefreshOutcome::Rotated { user_id: user.id, version: user.token_version, token })
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated { user_id, version, token } => {
            let access = ctx.jwt.issue(user_id, version, now.and_utc().timestamp()).map_err(AppError::internal)?;
            Ok(TokenPair { access_token: access, refresh_token: token, expires_in: ctx.jwt.ttl_seconds() })
        }
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reused; its login has been revoked");
            Err(bad_refresh())
        }
        RefreshOutcome::Invalid => Err(bad_refresh()),
    }
}

/// Ends the login the refresh token belongs to. Unknown tokens are ignored.
pub async fn logout(ctx: &AppContext, presented: String) -> AppResult<()> {
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            if let Some(row) = repo::find_refresh_token(conn, &tokens::hash_token(&presented))? {
                repo::revoke_family(conn, &row.family_id, now)?;
            }
            Ok::<_, AppError>(())
        })
        .await
}

/// Queues a reset link when the address belongs to an active account, at most
/// `auth.reset_emails_per_hour` an hour. Says nothing about whether it did.
pub async fn request_password_reset(ctx: &AppContext, raw_email: String) -> AppResult<()> {
    let Ok(email) = EmailAddress::parse(&raw_email) else {
        return Ok(());
    };
    let now = ctx.now();
    let ttl_minutes = ctx.settings.auth.reset_token_ttl_minutes;
    let per_hour = ctx.settings.auth.reset_emails_per_hour;
    let mailer = ctx.mailer.clone();
    ctx.db
        .write(move |conn| {
            let Some(user) = repo::find_user_by_email(conn, email.as_str())? else {
                return Ok::<_, AppError>(());
            };
            if user.disabled_at.is_some() {
                return Ok(());
            }
            let recent = crate::db::outbox::count_recent(
                conn,
                &user.email,
                "security.password_reset",
                now - TimeDelta::hours(1),
            )?;
            if recent >= per_hour {
                tracing::info!(user_id = user.id, "password reset not sent: hourly limit reached");
                return Ok(());
            }
            repo::expire_one_time_tokens(conn, user.id, PURPOSE_RESET, now)?;
            let (token_id, token) =
                issue_one_time_token(conn, user.id, PURPOSE_RESET, now, TimeDelta::minutes(ttl_minutes))?;
            email::queue(
                conn,
                &mailer,
                Outgoing {
                    dedup_key: format!("password-reset:{token_id}"),
                    user_id: Some(user.id),
                    to: &user.email,
                    category: "security.password_reset",
                    template: "password_reset",
                    context: json!({
                        "display_name": user.display_name,
                        "link": mailer.link(&format!("/account/reset-password?token={token}")),
                        "ttl_minutes": ttl_minutes,
                    }),
                },
                now,
            )?;
            Ok(())
        })
        .await
}

/// Sets a new password from a reset or invitation link. Every existing login of the account ends.
pub async fn confirm_password_reset(ctx: &AppContext, token: String, new_password: NewPassword) -> AppResult<()> {
    let plain = new_password.expose().to_string();
    let hash = blocking(move || password::hash_password(&plain)).await?.map_err(AppError::internal)?;
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            let token_hash = tokens::hash_token(&token);
            let found = match repo::find_one_time_token(conn, &token_hash, PURPOSE_RESET)? {
                Some(t) => Some(t),
                None => repo::find_one_time_token(conn, &token_hash, PURPOSE_INVITE)?,
            };
            let Some(t) = found else {
                return Err(invalid_token());
            };
            if t.used_at.is_some() || t.expires_at < now || !repo::use_one_time_token(conn, t.id, now)? {
                return Err(invalid_token());
            }
            let user = repo::find_user(conn, t.user_id)?.ok_or_else(invalid_token)?;
            if user.disabled_at.is_some() {
                return Err(invalid_token());
            }
            repo::set_password(conn, user.id, &hash, now)?;
            repo::mark_verified(conn, user.id, now)?;
            repo::revoke_all_for_user(conn, user.id, now)?;
            audit::append(
                conn,
                audit::Entry {
                    stream: user_stream(user.id),
                    actor_user_id: Some(user.id),
                    action: if t.purpose == PURPOSE_INVITE { "user.password_set" } else { "user.password_reset" },
                    from_status: None,
                    to_status: None,
                    details: json!({}),
                    public: true,
                    at: now,
                },
            )?;
            Ok(())
        })
        .await
}

pub async fn account(ctx: &AppContext, user_id: i64) -> AppResult<Account> {
    ctx.db
        .run(move |conn| {
            let user = repo::find_user(conn, user_id)?.ok_or_else(|| AppError::NotFound("no such user".into()))?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}

/// Turns a bearer token into an actor: the signature and claims must check out, and the user must
/// exist, be enabled and still have the token version the token was issued with.
pub async fn authenticate(ctx: &AppContext, bearer: &str) -> AppResult<Actor> {
    let now = ctx.now().and_utc().timestamp();
    let claims = ctx.jwt.verify(bearer, now).map_err(|reason| {
        tracing::info!(%reason, "bearer token refused");
        AppError::Unauthenticated("the access token is not valid; log in again".into())
    })?;
    let user = ctx.db.run(move |conn| repo::find_user(conn, claims.user_id).map_err(AppError::from)).await?;
    match user {
        Some(u) if u.disabled_at.is_none() && u.token_version == claims.token_version => {
            Ok(Actor { user_id: u.id, role: u.role, email_verified: u.email_verified_at.is_some() })
        }
        _ => Err(AppError::Unauthenticated("the access token is no longer valid; log in again".into())),
    }
}
