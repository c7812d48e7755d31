//! Users, organisations, refresh tokens, one-time tokens and login failures.

use crate::domain::account::TokenPurpose;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::*;
use super::schema::{client_actions, login_failures, one_time_tokens, organisations, refresh_tokens, users};
use super::DbConn;

pub fn insert_organisation(conn: &mut DbConn, org: &NewOrganisation<'_>) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table).values(org).get_result::<Organisation>(conn)
}

pub fn find_organisation(conn: &mut DbConn, id: i64) -> QueryResult<Option<Organisation>> {
    organisations::table.find(id).select(Organisation::as_select()).first(conn).optional()
}

pub fn insert_user(conn: &mut DbConn, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table).values(user).get_result::<User>(conn)
}

pub fn find_user(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()
}

/// Organisation names by id, in one query.
pub fn organisation_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// Users' display names by id, in one query.
pub fn display_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email)))).get_result(conn)
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<String>,
    pub q: Option<String>,
    pub disabled: Option<bool>,
}

type UserPredicate = Box<dyn BoxableExpression<users::table, super::MultiBackend, SqlType = diesel::sql_types::Bool>>;

fn user_predicate(f: &UserFilter) -> UserPredicate {
    let mut p: UserPredicate = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 1"));
    if let Some(role) = &f.role {
        p = Box::new(p.and(users::role.eq(role.clone())));
    }
    match f.disabled {
        Some(true) => p = Box::new(p.and(users::disabled_at.is_not_null())),
        Some(false) => p = Box::new(p.and(users::disabled_at.is_null())),
        None => {}
    }
    if let Some(text) = &f.q {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        p = Box::new(
            p.and(users::email.like(pattern.clone()).escape('\\').or(users::display_name.like(pattern).escape('\\'))),
        );
    }
    p
}

/// One page of users matching the filter, in id order, with their organisations.
pub fn list_users(
    conn: &mut DbConn,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(User, Option<Organisation>)>> {
    let rows: Vec<User> = users::table
        .filter(user_predicate(filter))
        .select(User::as_select())
        .order(users::id.asc())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let org_ids: Vec<i64> = rows.iter().filter_map(|u| u.organisation_id).collect();
    let orgs: Vec<Organisation> = if org_ids.is_empty() {
        Vec::new()
    } else {
        organisations::table.filter(organisations::id.eq_any(org_ids)).select(Organisation::as_select()).load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|u| {
            let org = u.organisation_id.and_then(|id| orgs.iter().find(|o| o.id == id).cloned());
            (u, org)
        })
        .collect())
}

/// Counts matching users, stopping at `cap + 1` so that a count never costs more than the cap.
pub fn count_users(conn: &mut DbConn, filter: &UserFilter, cap: i64) -> QueryResult<i64> {
    super::paging::count_capped(conn, users::table.filter(user_predicate(filter)).select(users::id), cap)
}

pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub fn set_password(conn: &mut DbConn, user_id: i64, hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(Some(hash)),
            users::token_version.eq(users::token_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Ends every token and session issued so far (they carry the old version).
pub fn bump_token_version(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((users::token_version.eq(users::token_version + 1), users::updated_at.eq(now)))
        .execute(conn)
}

pub fn mark_verified(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id).filter(users::email_verified_at.is_null()))
        .set((users::email_verified_at.eq(Some(now)), users::updated_at.eq(now)))
        .execute(conn)
}

/// Changes role and/or disabled state and bumps the token version so old tokens stop working.
pub fn update_access(
    conn: &mut DbConn,
    user_id: i64,
    role: Option<&str>,
    disabled_at: Option<Option<NaiveDateTime>>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let target = users::table.find(user_id);
    match (role, disabled_at) {
        (Some(r), Some(d)) => diesel::update(target)
            .set((
                users::role.eq(r),
                users::disabled_at.eq(d),
                users::token_version.eq(users::token_version + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn),
        (Some(r), None) => diesel::update(target)
            .set((users::role.eq(r), users::token_version.eq(users::token_version + 1), users::updated_at.eq(now)))
            .execute(conn),
        (None, Some(d)) => diesel::update(target)
            .set((
                users::disabled_at.eq(d),
                users::token_version.eq(users::token_version + 1),
                users::updated_at.eq(now),
            ))
            .execute(conn),
        (None, None) => Ok(0),
    }
}

pub fn active_users_with_role(conn: &mut DbConn, role: crate::domain::account::Role) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::disabled_at.is_null())
        .select(User::as_select())
        .order(users::id.asc())
        .load(conn)
}

pub fn count_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.filter(users::role.eq("admin")).filter(users::disabled_at.is_null()).count().get_result(conn)
}

// Refresh tokens

pub fn insert_refresh_token(conn: &mut DbConn, t: &NewRefreshToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table).values(t).execute(conn)
}

pub fn find_refresh_token(conn: &mut DbConn, hash: &str) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks a token as rotated, only if it still is the live one. Returns false when another
/// request rotated it first (which counts as reuse).
pub fn rotate_refresh_token(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(conn: &mut DbConn, family_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

pub fn revoke_all_for_user(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

// One-time tokens

pub fn insert_one_time_token(conn: &mut DbConn, t: &NewOneTimeToken<'_>) -> QueryResult<usize> {
    diesel::insert_into(one_time_tokens::table).values(t).execute(conn)
}

pub fn find_one_time_token(conn: &mut DbConn, hash: &str, purpose: TokenPurpose) -> QueryResult<Option<OneTimeToken>> {
    one_time_tokens::table
        .filter(one_time_tokens::token_hash.eq(hash))
        .filter(one_time_tokens::purpose.eq(purpose))
        .select(OneTimeToken::as_select())
        .first(conn)
        .optional()
}

/// Uses a token once: false when it was already used (also by a concurrent request).
pub fn use_one_time_token(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(one_time_tokens::table.find(id).filter(one_time_tokens::used_at.is_null()))
        .set(one_time_tokens::used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends every unused token of a purpose for a user (a new reset link replaces older ones).
pub fn expire_one_time_tokens(
    conn: &mut DbConn,
    user_id: i64,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::user_id.eq(user_id))
            .filter(one_time_tokens::purpose.eq(purpose))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)
}

// Login failures

/// Counts a login attempt as a failure before its password is checked (and returns its id, so that
/// a right password can take it back with [`forgive_login_attempt`]). Call inside the write
/// transaction that counted [`recent_failures`], after [`lock_login_throttle`].
pub fn record_login_failure(conn: &mut DbConn, email: &str, address: &str, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::address.eq(address),
            login_failures::created_at.eq(now),
        ))
        .returning(login_failures::id)
        .get_result(conn)
}

/// A user, with whether their login (a family of refresh tokens) is still open: not logged out
/// and not revoked. Rotated tokens stay unrevoked, so any token of the family will do. One query,
/// since every authenticated request asks.
pub fn find_user_and_login(conn: &mut DbConn, user_id: i64, family_id: &str) -> QueryResult<Option<(User, bool)>> {
    let live = diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id.to_string()))
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    );
    users::table.find(user_id).select((User::as_select(), live)).first(conn).optional()
}

/// Takes back an attempt counted by [`record_login_failure`] whose password was right.
pub fn forgive_login_attempt(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.find(id)).execute(conn)
}

/// Serialises the logins of one account and of one client address until the transaction ends,
/// so that attempts sent at once are counted one after another and none outruns the limit.
/// SQLite's write transaction already holds the whole database; on PostgreSQL two
/// transaction-scoped advisory locks are taken, always in the same order.
pub fn lock_login_throttle(conn: &mut DbConn, email: &str, address: &str) -> QueryResult<()> {
    let mut keys = [format!("login-email:{email}"), format!("login-address:{address}")];
    keys.sort();
    for key in keys {
        super::lock_key(conn, &key)?;
    }
    Ok(())
}

/// How many failures, and the oldest of them, within the window.
pub type FailureCount = (i64, Option<NaiveDateTime>);

/// Failures since `since` for an account and for an address, with the oldest of each (to tell
/// the client when to retry). Both counts stop at `cap`.
pub fn recent_failures(
    conn: &mut DbConn,
    email: &str,
    address: &str,
    since: NaiveDateTime,
    cap: i64,
) -> QueryResult<(FailureCount, FailureCount)> {
    let by_email: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::created_at.ge(since))
        .order(login_failures::created_at.desc())
        .select(login_failures::created_at)
        .limit(cap)
        .load(conn)?;
    let by_address: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::address.eq(address))
        .filter(login_failures::created_at.ge(since))
        .order(login_failures::created_at.desc())
        .select(login_failures::created_at)
        .limit(cap)
        .load(conn)?;
    Ok(((by_email.len() as i64, by_email.last().copied()), (by_address.len() as i64, by_address.last().copied())))
}

pub fn prune_login_failures(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    let n = diesel::delete(login_failures::table.filter(login_failures::created_at.lt(before))).execute(conn)?;
    Ok(n + diesel::delete(client_actions::table.filter(client_actions::created_at.lt(before))).execute(conn)?)
}

/// Records `action` by a client `address` unless it did `limit` of them since `since`; then
/// records nothing and answers when the oldest of those was (it leaves the window `since` later).
/// Attempts sent at once are counted one after another: SQLite's write transaction holds the
/// database, and on PostgreSQL a transaction-scoped advisory lock holds the address. Call inside a
/// write transaction.
pub fn take_client_allowance(
    conn: &mut DbConn,
    action: &str,
    address: &str,
    since: NaiveDateTime,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    super::lock_key(conn, &format!("client:{action}:{address}"))?;
    let recent: Vec<NaiveDateTime> = client_actions::table
        .filter(client_actions::action.eq(action))
        .filter(client_actions::address.eq(address))
        .filter(client_actions::created_at.ge(since))
        .order(client_actions::created_at.desc())
        .select(client_actions::created_at)
        .limit(limit.max(0))
        .load(conn)?;
    if recent.len() as i64 >= limit {
        return Ok(Some(recent.last().copied().unwrap_or(now)));
    }
    diesel::insert_into(client_actions::table)
        .values((
            client_actions::action.eq(action),
            client_actions::address.eq(address),
            client_actions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(None)
}
