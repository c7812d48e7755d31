//! Logging in (with failures counted per account and per client address), the session a login
//! starts, exchanging a refresh token for a new pair, and logging out.

use chrono::{NaiveDateTime, TimeDelta};

use super::TokenPair;
use crate::app::{blocking, AppContext};
use crate::auth::{password, tokens};
use crate::db::models::{NewRefreshToken, User};
use crate::db::users as repo;
use crate::error::{AppError, AppResult};

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("the email address or password is not right".into())
}

/// Logs in. The answer is the same for an unknown email, a wrong password and a disabled
/// account; failures are counted per account and per client address.
pub async fn login(ctx: &AppContext, email: String, password_given: String, address: String) -> AppResult<TokenPair> {
    let user = check_credentials(ctx, email, password_given, address.clone()).await?;
    let pair = start_session(ctx, &user, ctx.now()).await?;
    tracing::info!(user_id = user.id, %address, outcome = "success", "login");
    Ok(pair)
}

/// The user these credentials belong to, for the API's login and the sign-in page alike: the
/// same throttle (per account and per client address, counted in the same table) and the same
/// answer for an unknown email, a wrong password and a disabled account.
pub async fn check_credentials(
    ctx: &AppContext,
    email: String,
    password_given: String,
    address: String,
) -> AppResult<User> {
    let email = email.trim().to_lowercase();
    let now = ctx.now();
    let auth = ctx.settings.auth.clone();
    let window = TimeDelta::minutes(auth.login_window_minutes);
    let since = now - window;
    // The attempt is counted as a failure before its password is checked, in the transaction
    // that checked the limit and under a lock on the account and the address: attempts sent at
    // once are counted one after another, so no more than the limit are ever checked.
    let (user, attempt) = {
        let email = email.clone();
        let held_address = address.clone();
        ctx.db
            .write(move |conn| {
                let address = held_address;
                repo::lock_login_throttle(conn, &email, &address)?;
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
                if let Some(retry_at) = retry_at {
                    return Ok::<_, AppError>(Err(retry_at));
                }
                let attempt = repo::record_login_failure(conn, &email, &address, now)?;
                let user = repo::find_user_by_email(conn, &email)?;
                Ok(Ok((user, attempt)))
            })
            .await?
            .map_err(|retry_at| {
                let retry_after_seconds = (retry_at - now).num_seconds().max(1) as u64;
                tracing::warn!(%address, "login refused: too many failed attempts");
                AppError::TooManyRequests {
                    detail: "too many failed login attempts; wait before trying again".into(),
                    retry_after_seconds,
                }
            })?
    };
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
    match user {
        Some(u) if matches && u.disabled_at.is_none() => {
            ctx.db.write(move |conn| repo::forgive_login_attempt(conn, attempt).map_err(AppError::from)).await?;
            Ok(u)
        }
        _ => {
            tracing::info!(%address, outcome = "failure", "login");
            Err(wrong_credentials())
        }
    }
}

async fn start_session(ctx: &AppContext, user: &User, now: NaiveDateTime) -> AppResult<TokenPair> {
    let refresh = tokens::random_token();
    let hash = tokens::hash_token(&refresh);
    let family = uuid::Uuid::new_v4().to_string();
    let (user_id, version) = (user.id, user.token_version);
    let ttl = TimeDelta::days(ctx.settings.jwt.refresh_ttl_days);
    let sid = family.clone();
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
    let access = ctx.jwt.issue(user_id, version, &sid, now.and_utc().timestamp()).map_err(AppError::internal)?;
    Ok(TokenPair { access_token: access, refresh_token: refresh, expires_in: ctx.jwt.ttl_seconds() })
}

fn bad_refresh() -> AppError {
    AppError::Unauthenticated("the refresh token is not valid; log in again".into())
}

enum RefreshOutcome {
    Rotated { user_id: i64, version: i32, token: String, login: String },
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
            Ok(RefreshOutcome::Rotated { user_id: user.id, version: user.token_version, token, login: row.family_id })
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated { user_id, version, token, login } => {
            let access =
                ctx.jwt.issue(user_id, version, &login, now.and_utc().timestamp()).map_err(AppError::internal)?;
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
