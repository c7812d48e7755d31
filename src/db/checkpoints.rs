//! Checkpoints of the audit trail: a dated digest of every chain's head, one a day, which anyone
//! may keep and later check against the trail (`sandbox verify-audit --against FILE`).
//!
//! The digest is SHA-256 over one line per chain, `<stream> <seq> <hash>\n`, for the last event
//! of each chain recorded at or before `up_to`, in the database's order of streams. Cutting,
//! editing or forging any event at or before `up_to` changes some chain's hash at that point, so
//! the digest recomputed later differs from the one kept.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::schema::{audit_checkpoints, audit_events};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize, Deserialize, utoipa::ToSchema)]
#[diesel(table_name = audit_checkpoints)]
pub struct Checkpoint {
    pub id: i64,
    /// The day it was made (UTC).
    pub day: NaiveDate,
    pub created_at: NaiveDateTime,
    /// Events recorded at or before this time are covered.
    pub up_to: NaiveDateTime,
    /// Chains covered.
    pub streams: i64,
    /// Events covered.
    pub events: i64,
    /// SHA-256 (hex) over each chain's head as at `up_to`.
    pub digest: String,
}

/// What a digest covers, as computed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest256 {
    pub streams: i64,
    pub events: i64,
    pub digest: String,
}

/// Recomputes the digest of every chain as it stood at `up_to`, reading the trail in batches.
pub fn digest_at(conn: &mut DbConn, up_to: NaiveDateTime) -> QueryResult<Digest256> {
    const BATCH: i64 = 10_000;
    let mut hasher = Sha256::new();
    let (mut streams, mut events) = (0i64, 0i64);
    let mut head: Option<(String, i64, String)> = None;
    let mut last_key: Option<(String, i64)> = None;
    let mut flush = |head: (String, i64, String), streams: &mut i64| {
        hasher.update(format!("{} {} {}\n", head.0, head.1, head.2).as_bytes());
        *streams += 1;
    };
    loop {
        let mut query = audit_events::table
            .filter(audit_events::created_at.le(up_to))
            .select((audit_events::stream, audit_events::seq, audit_events::hash))
            .order((audit_events::stream.asc(), audit_events::seq.asc()))
            .limit(BATCH)
            .into_boxed();
        if let Some((stream, seq)) = &last_key {
            query = query.filter(audit_events::stream.ge(stream.clone())).filter(
                audit_events::stream
                    .gt(stream.clone())
                    .or(audit_events::stream.eq(stream.clone()).and(audit_events::seq.gt(*seq))),
            );
        }
        let rows: Vec<(String, i64, String)> = query.load(conn)?;
        if rows.is_empty() {
            break;
        }
        for (stream, seq, hash) in rows {
            events += 1;
            last_key = Some((stream.clone(), seq));
            if let Some(h) = head.take() {
                if h.0 != stream {
                    flush(h, &mut streams);
                }
            }
            head = Some((stream, seq, hash));
        }
    }
    if let Some(h) = head.take() {
        flush(h, &mut streams);
    }
    Ok(Digest256 { streams, events, digest: hex::encode(hasher.finalize()) })
}

/// Records today's checkpoint unless one exists (two replicas making it at once keep one).
pub fn insert_for_day(
    conn: &mut DbConn,
    day: NaiveDate,
    now: NaiveDateTime,
    up_to: NaiveDateTime,
    d: &Digest256,
) -> QueryResult<bool> {
    let row = (
        audit_checkpoints::day.eq(day),
        audit_checkpoints::created_at.eq(now),
        audit_checkpoints::up_to.eq(up_to),
        audit_checkpoints::streams.eq(d.streams),
        audit_checkpoints::events.eq(d.events),
        audit_checkpoints::digest.eq(&d.digest),
    );
    let n = match conn {
        DbConn::Pg(pg) => diesel::insert_into(audit_checkpoints::table)
            .values(row)
            .on_conflict(audit_checkpoints::day)
            .do_nothing()
            .execute(pg)?,
        DbConn::Sqlite(lite) => diesel::insert_into(audit_checkpoints::table)
            .values(row)
            .on_conflict(audit_checkpoints::day)
            .do_nothing()
            .execute(lite)?,
    };
    Ok(n == 1)
}

pub fn exists_for_day(conn: &mut DbConn, day: NaiveDate) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(audit_checkpoints::table.filter(audit_checkpoints::day.eq(day))))
        .get_result(conn)
}

/// The newest checkpoints first.
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Checkpoint>> {
    audit_checkpoints::table
        .order(audit_checkpoints::day.desc())
        .limit(limit)
        .select(Checkpoint::as_select())
        .load(conn)
}

/// Whether the trail still gives the digest a kept checkpoint says; if not, what differs.
pub fn verify_against(conn: &mut DbConn, kept: &Checkpoint) -> QueryResult<Result<(), String>> {
    let now = digest_at(conn, kept.up_to)?;
    if now.digest == kept.digest && now.streams == kept.streams && now.events == kept.events {
        return Ok(Ok(()));
    }
    Ok(Err(format!(
        "the trail as at {} no longer matches the checkpoint of {}: it kept {} chain(s) and {} event(s) with digest {}, \
         the trail now gives {} chain(s) and {} event(s) with digest {}",
        kept.up_to, kept.day, kept.streams, kept.events, kept.digest, now.streams, now.events, now.digest
    )))
}
