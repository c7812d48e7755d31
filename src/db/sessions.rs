//! Page sessions (`web_sessions`): found by the hash of the cookie's token, never by the token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewWebSession, User, WebSession};
use super::schema::{users, web_sessions};
use super::DbConn;

pub fn insert(conn: &mut DbConn, s: &NewWebSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(web_sessions::table).values(s).execute(conn)
}

/// The session with this token hash and its user, in one round trip.
pub fn find_with_user(conn: &mut DbConn, hash: &str) -> QueryResult<Option<(WebSession, User)>> {
    web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::token_hash.eq(hash))
        .select((WebSession::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Moves the idle clock on and takes the one-time message, if any.
pub fn touch(conn: &mut DbConn, id: i64, now: NaiveDateTime, clear_flash: bool) -> QueryResult<usize> {
    let target = web_sessions::table.find(id);
    if clear_flash {
        diesel::update(target)
            .set((web_sessions::last_seen_at.eq(now), web_sessions::flash.eq(None::<String>)))
            .execute(conn)
    } else {
        diesel::update(target).set(web_sessions::last_seen_at.eq(now)).execute(conn)
    }
}

pub fn set_flash(conn: &mut DbConn, id: i64, message: &str) -> QueryResult<usize> {
    diesel::update(web_sessions::table.find(id)).set(web_sessions::flash.eq(Some(message))).execute(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.find(id)).execute(conn)
}

pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id))).execute(conn)
}

/// A user's live sessions, newest first.
pub fn for_user(
    conn: &mut DbConn,
    user_id: i64,
    idle_since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Vec<WebSession>> {
    web_sessions::table
        .filter(web_sessions::user_id.eq(user_id))
        .filter(web_sessions::expires_at.gt(now))
        .filter(web_sessions::last_seen_at.gt(idle_since))
        .order(web_sessions::last_seen_at.desc())
        .limit(100)
        .select(WebSession::as_select())
        .load(conn)
}

/// Removes sessions that have ended, so the table holds only live ones.
pub fn purge_ended(conn: &mut DbConn, idle_since: NaiveDateTime, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table.filter(web_sessions::expires_at.le(now).or(web_sessions::last_seen_at.le(idle_since))),
    )
    .execute(conn)
}
