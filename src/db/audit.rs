//! The audit trail: append-only events, hash-chained per stream (one stream per case or user),
//! and the verifier behind `sandbox verify-audit`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::models::{AuditEvent, NewAuditEvent};
use super::schema::{audit_events, audit_heads};
use super::DbConn;

/// The hash before the first event of a stream.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is chained.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub stream: String,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub details: serde_json::Value,
    /// Whether the record's author may see this event (internal notes are not public).
    pub public: bool,
    pub at: NaiveDateTime,
}

#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    prev_hash: &str,
    stream: &str,
    seq: i64,
    actor: Option<i64>,
    action: &str,
    from: Option<&str>,
    to: Option<&str>,
    details: &str,
    public: bool,
    at: NaiveDateTime,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        stream,
        &seq.to_string(),
        &actor.map(|a| a.to_string()).unwrap_or_default(),
        action,
        from.unwrap_or(""),
        to.unwrap_or(""),
        details,
        if public { "1" } else { "0" },
        &at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an event to its stream's chain. Call inside the transaction that makes the change.
/// Writers on a case hold its row (`app::tx`), so a case's chain gains one link at a time; other
/// streams (a user's) are serialised here with a transaction-scoped advisory lock on PostgreSQL
/// (SQLite's write transaction already holds the database). The unique (stream, seq) key is the
/// last line of defence.
pub fn append(conn: &mut DbConn, entry: Entry<'_>) -> QueryResult<AuditEvent> {
    if !entry.stream.starts_with("application:") {
        super::lock_key(conn, &entry.stream)?;
    }
    let last: Option<(i64, String)> = audit_events::table
        .filter(audit_events::stream.eq(&entry.stream))
        .order(audit_events::seq.desc())
        .select((audit_events::seq, audit_events::hash))
        .first(conn)
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let details = entry.details.to_string();
    let at = super::truncate(entry.at);
    let hash = event_hash(
        &prev_hash,
        &entry.stream,
        seq,
        entry.actor_user_id,
        entry.action,
        entry.from_status,
        entry.to_status,
        &details,
        entry.public,
        at,
    );
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            stream: entry.stream,
            seq,
            actor_user_id: entry.actor_user_id,
            action: entry.action.to_string(),
            from_status: entry.from_status.map(str::to_string),
            to_status: entry.to_status.map(str::to_string),
            details,
            public: entry.public,
            created_at: at,
            prev_hash,
            hash,
        })
        .get_result::<AuditEvent>(conn)
        .and_then(|e| {
            set_heads(conn, &[(e.stream.clone(), e.seq, e.hash.clone())])?;
            Ok(e)
        })
}

/// Records each stream's head (its last event's number and hash), in the transaction that wrote
/// those events.
pub fn set_heads(conn: &mut DbConn, heads: &[(String, i64, String)]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    const CHUNK: usize = 3_000;
    for chunk in heads.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(stream, seq, hash)| {
                (audit_heads::stream.eq(stream), audit_heads::seq.eq(*seq), audit_heads::hash.eq(hash))
            })
            .collect();
        let set = (audit_heads::seq.eq(excluded(audit_heads::seq)), audit_heads::hash.eq(excluded(audit_heads::hash)));
        match conn {
            DbConn::Pg(pg) => diesel::insert_into(audit_heads::table)
                .values(&rows)
                .on_conflict(audit_heads::stream)
                .do_update()
                .set(set)
                .execute(pg)?,
            DbConn::Sqlite(lite) => diesel::insert_into(audit_heads::table)
                .values(&rows)
                .on_conflict(audit_heads::stream)
                .do_update()
                .set(set)
                .execute(lite)?,
        };
    }
    Ok(())
}

pub fn stream_events(conn: &mut DbConn, stream: &str) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::stream.eq(stream))
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The first broken link found by [`verify_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub stream: String,
    pub seq: i64,
    pub event_id: i64,
    pub reason: String,
}

/// Walks every stream in order, in batches, and reports the first event whose hash or link does
/// not match, or the first chain that ends before (or after) the head recorded for it, or a head
/// whose chain is gone. Returns the number of events checked when all is well.
pub fn verify_all(conn: &mut DbConn) -> QueryResult<Result<u64, BrokenLink>> {
    let mut ends = ChainEnds::default();
    let walked = walk(conn, &mut ends)?;
    let checked = match walked {
        Ok(n) => n,
        Err(broken) => return Ok(Err(broken)),
    };
    if let Some(broken) = ends.check(conn)? {
        return Ok(Err(broken));
    }
    let heads: i64 = audit_heads::table.count().get_result(conn)?;
    if heads != ends.streams {
        // A head without its chain: find one to name.
        let orphan: Option<String> = audit_heads::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
                audit_events::table.filter(audit_events::stream.eq(audit_heads::stream)),
            )))
            .select(audit_heads::stream)
            .first(conn)
            .optional()?;
        let stream = orphan.unwrap_or_default();
        return Ok(Err(BrokenLink {
            stream,
            seq: 0,
            event_id: 0,
            reason: "a head is recorded for this chain but its events are gone (they were deleted)".into(),
        }));
    }
    Ok(Ok(checked))
}

/// The last event of each chain walked, checked against the recorded heads a batch at a time.
#[derive(Default)]
struct ChainEnds {
    pending: Vec<(String, i64, String, i64)>,
    streams: i64,
}

impl ChainEnds {
    const BATCH: usize = 2_000;

    fn end(
        &mut self,
        conn: &mut DbConn,
        stream: String,
        seq: i64,
        hash: String,
        id: i64,
    ) -> QueryResult<Option<BrokenLink>> {
        self.pending.push((stream, seq, hash, id));
        self.streams += 1;
        if self.pending.len() >= Self::BATCH {
            return self.check(conn);
        }
        Ok(None)
    }

    fn check(&mut self, conn: &mut DbConn) -> QueryResult<Option<BrokenLink>> {
        let pending = std::mem::take(&mut self.pending);
        let names: Vec<&str> = pending.iter().map(|(s, ..)| s.as_str()).collect();
        let heads: std::collections::HashMap<String, (i64, String)> = audit_heads::table
            .filter(audit_heads::stream.eq_any(&names))
            .select((audit_heads::stream, audit_heads::seq, audit_heads::hash))
            .load::<(String, i64, String)>(conn)?
            .into_iter()
            .map(|(s, n, h)| (s, (n, h)))
            .collect();
        for (stream, seq, hash, id) in pending {
            let reason = match heads.get(&stream) {
                None => "no head is recorded for this chain".to_string(),
                Some((n, _)) if *n > seq => {
                    format!("the chain ends at event {seq} but its head is event {n}: its newest events were deleted")
                }
                Some((n, h)) if *n != seq || *h != hash => {
                    format!("the chain's last event does not match its recorded head (event {n})")
                }
                Some(_) => continue,
            };
            return Ok(Some(BrokenLink { stream, seq, event_id: id, reason }));
        }
        Ok(None)
    }
}

/// Walks every event, stream by stream, checking each link and hash; hands each chain's last
/// event to `ends`.
fn walk(conn: &mut DbConn, ends: &mut ChainEnds) -> QueryResult<Result<u64, BrokenLink>> {
    const BATCH: i64 = 5_000;
    let mut checked = 0u64;
    let mut last_event: Option<(String, i64, String, i64)> = None;
    let mut last_key: Option<(String, i64)> = None;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    loop {
        let mut query = audit_events::table
            .select(AuditEvent::as_select())
            .order((audit_events::stream.asc(), audit_events::seq.asc()))
            .limit(BATCH)
            .into_boxed();
        if let Some((stream, seq)) = &last_key {
            // `stream >= s` bounds the index range, so each batch starts where the last ended
            // instead of filtering every event before it.
            query = query.filter(audit_events::stream.ge(stream.clone())).filter(
                audit_events::stream
                    .gt(stream.clone())
                    .or(audit_events::stream.eq(stream.clone()).and(audit_events::seq.gt(*seq))),
            );
        }
        let rows: Vec<AuditEvent> = query.load(conn)?;
        if rows.is_empty() {
            if let Some((stream, seq, hash, id)) = last_event.take() {
                if let Some(broken) = ends.end(conn, stream, seq, hash, id)? {
                    return Ok(Err(broken));
                }
            }
            return Ok(Ok(checked));
        }
        for e in &rows {
            let new_stream = last_key.as_ref().map(|(s, _)| s != &e.stream).unwrap_or(true);
            if new_stream {
                expected_prev = GENESIS.to_string();
                expected_seq = 1;
                if let Some((stream, seq, hash, id)) = last_event.take() {
                    if let Some(broken) = ends.end(conn, stream, seq, hash, id)? {
                        return Ok(Err(broken));
                    }
                }
            }
            let broken = |reason: &str| BrokenLink {
                stream: e.stream.clone(),
                seq: e.seq,
                event_id: e.id,
                reason: reason.to_string(),
            };
            if e.seq != expected_seq {
                return Ok(Err(broken(&format!("expected event number {expected_seq}, found {}", e.seq))));
            }
            if e.prev_hash != expected_prev {
                return Ok(Err(broken("its previous-hash does not match the event before it")));
            }
            let recomputed = event_hash(
                &e.prev_hash,
                &e.stream,
                e.seq,
                e.actor_user_id,
                &e.action,
                e.from_status.as_deref(),
                e.to_status.as_deref(),
                &e.details,
                e.public,
                e.created_at,
            );
            if recomputed != e.hash {
                return Ok(Err(broken("its contents do not match its hash (the row was changed)")));
            }
            expected_prev = e.hash.clone();
            expected_seq += 1;
            checked += 1;
            last_key = Some((e.stream.clone(), e.seq));
            last_event = Some((e.stream.clone(), e.seq, e.hash.clone(), e.id));
        }
    }
}
