//! Page sessions: signing in to the pages, the session a cookie carries, signing out (here or
//! everywhere), the list of one's own sessions, and changing one's password.
//!
//! The cookie holds a random token; the `web_sessions` table holds only its hash. A session ends
//! when it is idle for `auth.session_idle_minutes`, at `auth.session_absolute_hours` after sign-in,
//! when it is signed out, and at once when the user's token version moves on (disable, role
//! change, password reset or change, sign out everywhere), as the API's access tokens do.

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

use super::login::check_credentials;
use super::user_stream;
use crate::app::{blocking, AppContext};
use crate::auth::{password, tokens};
use crate::db::models::{NewWebSession, User, WebSession};
use crate::db::{audit, sessions as repo, users, DbConn};
use crate::domain::account::{NewPassword, Role};
use crate::domain::policy::Actor;
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

/// What the cookie of a new session carries.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: NaiveDateTime,
    /// The signed-in user's role, which decides their start page.
    pub role: Role,
}

/// A live session as a page request sees it.
#[derive(Debug, Clone)]
pub struct PageSession {
    pub id: i64,
    pub csrf_token: String,
    pub actor: Actor,
    pub display_name: String,
    pub email: String,
    /// The message the last action left for the next page (post / redirect / get).
    pub flash: Option<String>,
}

/// A session when the idle time before `now` started.
fn idle_since(ctx: &AppContext, now: NaiveDateTime) -> NaiveDateTime {
    now - TimeDelta::minutes(ctx.settings.auth.session_idle_minutes)
}

/// Signs in with an email and password: the API login's throttle and checks, then a new session.
pub async fn sign_in(
    ctx: &AppContext,
    email: String,
    password_given: String,
    address: String,
    user_agent: Option<String>,
) -> AppResult<NewSession> {
    let user = check_credentials(ctx, email, password_given, address.clone()).await?;
    let session = start(ctx, &user, user_agent, None).await?;
    tracing::info!(user_id = user.id, %address, outcome = "success", "sign-in");
    Ok(session)
}

/// Starts a session for a user whose identity was just proved (a password, a verification link),
/// with a message for its first page if there is one.
pub async fn start(
    ctx: &AppContext,
    user: &User,
    user_agent: Option<String>,
    flash: Option<String>,
) -> AppResult<NewSession> {
    let now = ctx.now();
    let token = tokens::random_token();
    let hash = tokens::hash_token(&token);
    let csrf = tokens::random_token();
    let expires_at = now + TimeDelta::hours(ctx.settings.auth.session_absolute_hours);
    let (user_id, version) = (user.id, user.token_version);
    let agent: Option<String> = user_agent.map(|a| a.chars().take(200).collect());
    ctx.db
        .write(move |conn| {
            repo::purge_ended(conn, now - TimeDelta::days(1), now)?;
            repo::insert(
                conn,
                &NewWebSession {
                    user_id,
                    token_hash: &hash,
                    csrf_token: &csrf,
                    token_version: version,
                    created_at: now,
                    last_seen_at: now,
                    expires_at,
                    user_agent: agent.as_deref(),
                    flash: flash.as_deref(),
                },
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(NewSession { token, expires_at, role: user.role })
}

/// The live session a cookie's token belongs to, or `None` when it has ended for any reason.
/// Its idle clock moves on (at most once a minute) and its one-time message is taken.
pub async fn resolve(ctx: &AppContext, token: String) -> AppResult<Option<PageSession>> {
    let now = ctx.now();
    let idle = idle_since(ctx, now);
    let found =
        ctx.db.run(move |conn| repo::find_with_user(conn, &tokens::hash_token(&token)).map_err(AppError::from)).await?;
    let Some((session, user)) = found else {
        return Ok(None);
    };
    let live = session.expires_at > now
        && session.last_seen_at > idle
        && user.disabled_at.is_none()
        && user.token_version == session.token_version;
    if !live {
        let id = session.id;
        ctx.db.write(move |conn| repo::delete(conn, id).map_err(AppError::from)).await?;
        return Ok(None);
    }
    if session.flash.is_some() || now - session.last_seen_at >= TimeDelta::minutes(1) {
        let (id, clear) = (session.id, session.flash.is_some());
        ctx.db.write(move |conn| repo::touch(conn, id, now, clear).map_err(AppError::from)).await?;
    }
    Ok(Some(PageSession {
        id: session.id,
        csrf_token: session.csrf_token,
        actor: Actor { user_id: user.id, role: user.role, email_verified: user.email_verified_at.is_some() },
        display_name: user.display_name,
        email: user.email,
        flash: session.flash,
    }))
}

/// Leaves a message for the next page this session opens.
pub async fn flash(ctx: &AppContext, session_id: i64, message: String) -> AppResult<()> {
    ctx.db.write(move |conn| repo::set_flash(conn, session_id, &message).map_err(AppError::from)).await?;
    Ok(())
}

/// Ends one session.
pub async fn sign_out(ctx: &AppContext, session_id: i64) -> AppResult<()> {
    ctx.db.write(move |conn| repo::delete(conn, session_id).map_err(AppError::from)).await?;
    Ok(())
}

fn end_every_login(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> diesel::QueryResult<()> {
    users::bump_token_version(conn, user_id, now)?;
    users::revoke_all_for_user(conn, user_id, now)?;
    repo::delete_for_user(conn, user_id)?;
    Ok(())
}

/// Ends every session and every API login of the actor, this one included.
pub async fn sign_out_everywhere(ctx: &AppContext, actor: &Actor) -> AppResult<()> {
    let (user_id, now) = (actor.user_id, ctx.now());
    ctx.db
        .write(move |conn| {
            end_every_login(conn, user_id, now)?;
            audit::append(conn, security_event(user_id, "user.signed_out_everywhere", now))?;
            Ok::<_, AppError>(())
        })
        .await
}

fn security_event(user_id: i64, action: &'static str, at: NaiveDateTime) -> audit::Entry<'static> {
    audit::Entry {
        stream: user_stream(user_id),
        actor_user_id: Some(user_id),
        action,
        from_status: None,
        to_status: None,
        details: json!({}),
        public: true,
        at,
    }
}

/// The actor's live sessions, the most recently used first.
pub async fn list(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<WebSession>> {
    let (user_id, now) = (actor.user_id, ctx.now());
    let idle = idle_since(ctx, now);
    ctx.db.run(move |conn| repo::for_user(conn, user_id, idle, now).map_err(AppError::from)).await
}

/// Changes the actor's password after checking the current one. Every session and API login
/// ends, as after a reset; the caller starts a new session for the browser that asked.
pub async fn change_password(
    ctx: &AppContext,
    actor: &Actor,
    current: String,
    new_password: Result<NewPassword, FieldErrors>,
) -> AppResult<User> {
    let user_id = actor.user_id;
    let user = ctx
        .db
        .run(move |conn| users::find_user(conn, user_id).map_err(AppError::from))
        .await?
        .ok_or_else(|| AppError::Unauthenticated("sign in again".into()))?;
    let stored = user.password_hash.clone();
    let plain_new = new_password.as_ref().map(|p| p.expose().to_string()).ok();
    let (matches, hash) = blocking(move || {
        let matches = stored.is_some_and(|h| password::verify_password(&current, &h));
        let hash = match (matches, plain_new) {
            (true, Some(p)) => Some(password::hash_password(&p)),
            _ => None,
        };
        (matches, hash)
    })
    .await?;
    let mut errors = new_password.err().unwrap_or_default();
    if !matches {
        errors.add("current_password", "is not your current password");
    }
    errors.into_result()?;
    let hash = hash.ok_or_else(|| AppError::internal("no new hash"))?.map_err(AppError::internal)?;
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            users::set_password(conn, user_id, &hash, now)?;
            users::revoke_all_for_user(conn, user_id, now)?;
            repo::delete_for_user(conn, user_id)?;
            audit::append(conn, security_event(user_id, "user.password_changed", now))?;
            users::find_user(conn, user_id)?.ok_or_else(|| AppError::internal("the user went away"))
        })
        .await
}
