//! The email outbox table: rows are written in the transaction of the change that causes them,
//! claimed by the worker with a lease, and marked sent, retried or dead.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::models::{NewOutboundEmail, OutboundEmail};
use super::schema::outbound_emails;
use super::DbConn;

pub use crate::email::DeliveryStatus;
pub const PENDING: DeliveryStatus = DeliveryStatus::Pending;
pub const SENDING: DeliveryStatus = DeliveryStatus::Sending;
pub const SENT: DeliveryStatus = DeliveryStatus::Sent;
pub const DEAD: DeliveryStatus = DeliveryStatus::Dead;

/// Inserts a row unless one with the same deduplication key exists. Returns whether it was new.
pub fn insert_unique(conn: &mut DbConn, row: &NewOutboundEmail) -> QueryResult<bool> {
    let inserted = match conn {
        DbConn::Pg(pg) => diesel::insert_into(outbound_emails::table)
            .values(row)
            .on_conflict(outbound_emails::dedup_key)
            .do_nothing()
            .execute(pg)?,
        DbConn::Sqlite(lite) => diesel::insert_into(outbound_emails::table)
            .values(row)
            .on_conflict(outbound_emails::dedup_key)
            .do_nothing()
            .execute(lite)?,
    };
    Ok(inserted == 1)
}

const CLAIM_WHERE: &str =
    "(status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2)";

/// Claims up to `limit` due rows (and rows whose lease ran out) for this worker until
/// `lease_until`. On PostgreSQL `FOR UPDATE SKIP LOCKED` keeps replicas from claiming the same
/// row; SQLite's single writer lock does the same there.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboundEmail>> {
    match conn {
        DbConn::Pg(pg) => diesel::sql_query(format!(
            "UPDATE outbound_emails SET status = 'sending', locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbound_emails WHERE {CLAIM_WHERE} \
             ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(pg),
        DbConn::Sqlite(lite) => diesel::sql_query(format!(
            "UPDATE outbound_emails SET status = 'sending', locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbound_emails WHERE {CLAIM_WHERE} \
             ORDER BY next_attempt_at, id LIMIT $3) RETURNING *"
        ))
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(lite),
    }
}

pub fn mark_sent(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbound_emails::table.filter(outbound_emails::id.eq(id)).filter(outbound_emails::status.eq(SENDING)),
    )
    .set((
        outbound_emails::status.eq(SENT),
        outbound_emails::sent_at.eq(Some(now)),
        outbound_emails::locked_until.eq(None::<NaiveDateTime>),
        outbound_emails::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// Records a failed attempt: back to `pending` at `retry_at`, or `dead` when `retry_at` is None.
pub fn mark_failed(conn: &mut DbConn, id: i64, error: &str, retry_at: Option<NaiveDateTime>) -> QueryResult<usize> {
    let error: String = error.chars().take(1000).collect();
    let target = outbound_emails::table.filter(outbound_emails::id.eq(id)).filter(outbound_emails::status.eq(SENDING));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbound_emails::status.eq(PENDING),
                outbound_emails::next_attempt_at.eq(at),
                outbound_emails::locked_until.eq(None::<NaiveDateTime>),
                outbound_emails::last_error.eq(Some(error)),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((
                outbound_emails::status.eq(DEAD),
                outbound_emails::locked_until.eq(None::<NaiveDateTime>),
                outbound_emails::last_error.eq(Some(error)),
            ))
            .execute(conn),
    }
}

/// Puts a dead row back in the queue with a fresh set of attempts.
pub fn resend(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbound_emails::table.filter(outbound_emails::id.eq(id)).filter(outbound_emails::status.eq(DEAD)))
        .set((
            outbound_emails::status.eq(PENDING),
            outbound_emails::attempts.eq(0),
            outbound_emails::next_attempt_at.eq(now),
        ))
        .execute(conn)
}

pub fn list(conn: &mut DbConn, status: Option<&str>, offset: i64, limit: i64) -> QueryResult<Vec<OutboundEmail>> {
    let mut q =
        outbound_emails::table.select(OutboundEmail::as_select()).order(outbound_emails::id.desc()).into_boxed();
    if let Some(s) = status {
        q = q.filter(outbound_emails::status.eq(s.to_string()));
    }
    q.offset(offset).limit(limit).load(conn)
}

pub fn count(conn: &mut DbConn, status: Option<&str>, cap: i64) -> QueryResult<i64> {
    let mut q = outbound_emails::table.select(outbound_emails::id).into_boxed();
    if let Some(s) = status {
        q = q.filter(outbound_emails::status.eq(s.to_string()));
    }
    super::paging::count_capped(conn, q, cap)
}

/// How many mails of a category went to an address since `since` (for per-address quotas).
pub fn count_recent(conn: &mut DbConn, to: &str, category: &str, since: NaiveDateTime) -> QueryResult<i64> {
    outbound_emails::table
        .filter(outbound_emails::to_address.eq(to))
        .filter(outbound_emails::category.eq(category))
        .filter(outbound_emails::created_at.ge(since))
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OutboundEmail>> {
    outbound_emails::table.find(id).select(OutboundEmail::as_select()).first(conn).optional()
}
