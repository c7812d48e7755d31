//! Password reset: asking for a reset link, and setting a new password from a reset or
//! invitation link.

use chrono::TimeDelta;
use serde_json::json;

use super::{invalid_token, issue_one_time_token, user_stream, PURPOSE_INVITE, PURPOSE_RESET};
use crate::app::{blocking, AppContext};
use crate::auth::{password, tokens};
use crate::db::{audit, users as repo};
use crate::domain::account::{EmailAddress, NewPassword};
use crate::email::{self, Outgoing};
use crate::error::{AppError, AppResult};

/// Queues a reset link when `email` belongs to an active account, at most
/// `auth.reset_emails_per_hour` an hour. Says nothing about whether it did. One client `address`
/// may ask `auth.reset_requests_per_address_per_hour` times an hour, whatever the email addresses.
pub async fn request_password_reset(ctx: &AppContext, email: EmailAddress, address: String) -> AppResult<()> {
    let per_hour = ctx.settings.auth.reset_requests_per_address_per_hour;
    super::within_client_limit(
        ctx,
        "password-reset",
        address,
        per_hour,
        "too many password resets have been asked for from this address lately; try again later",
    )
    .await?;
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
