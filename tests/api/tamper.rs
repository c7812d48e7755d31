//! The tamper suite: a seeded database is tampered with a thousand times, in every way a person
//! with write access to it might try (edited details, actions, actors, times, statuses, public
//! flags and hashes; deleted, swapped or forged events; newest events cut off; whole chains
//! deleted), each inside a transaction that is rolled back, and `verify-audit`'s check must find
//! every one. The untampered database verifies before and after.

use diesel::prelude::*;
use rand::{rngs::StdRng, Rng, SeedableRng};

use crate::cli::sandbox;
use crate::helpers::TestDb;
use sandbox::db::audit::{event_hash, verify_all};
use sandbox::db::DbConn;

#[derive(QueryableByName, Debug, Clone)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    stream: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

const KINDS: [&str; 14] = [
    "details",
    "action",
    "actor",
    "time",
    "status",
    "public",
    "hash",
    "prev_hash",
    "delete",
    "tail",
    "swap",
    "forge_next",
    "forge_in_place",
    "chain",
];

/// Applies one tamper of `kind` chosen with `rng`; says what it did.
fn tamper(c: &mut DbConn, kind: &str, rows: &[Row], rng: &mut StdRng) -> QueryResult<String> {
    let e = &rows[rng.gen_range(0..rows.len())];
    let chain: Vec<&Row> = rows.iter().filter(|r| r.stream == e.stream).collect();
    let len = chain.len() as i64;
    let last = chain[chain.len() - 1];
    let set = |what: &str| format!("UPDATE audit_events SET {what} WHERE id = {}", e.id);
    let sql = match kind {
        "details" => set("details = details || ' '"),
        "action" => set("action = action || 'x'"),
        "actor" => set("actor_user_id = COALESCE(actor_user_id, 0) + 1"),
        "time" => set("created_at = '2001-01-01 00:00:00'"),
        "status" => set("to_status = COALESCE(to_status, '') || 'x'"),
        "public" => set("public = NOT public"),
        "hash" => set("hash = CASE WHEN substr(hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(hash, 2)"),
        "prev_hash" => {
            set("prev_hash = CASE WHEN substr(prev_hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(prev_hash, 2)")
        }
        "delete" => format!("DELETE FROM audit_events WHERE id = {}", e.id),
        "tail" => {
            let k = rng.gen_range(1..=len.min(3));
            format!("DELETE FROM audit_events WHERE stream = '{}' AND seq > {}", e.stream, len - k)
        }
        "chain" => format!("DELETE FROM audit_events WHERE stream = '{}'", e.stream),
        "swap" if len >= 2 => {
            let i = rng.gen_range(0..chain.len() - 1);
            let (a, b) = (chain[i], chain[i + 1]);
            diesel::sql_query(format!("UPDATE audit_events SET seq = -1 WHERE id = {}", a.id)).execute(c)?;
            diesel::sql_query(format!("UPDATE audit_events SET seq = {} WHERE id = {}", a.seq, b.id)).execute(c)?;
            format!("UPDATE audit_events SET seq = {} WHERE id = {}", b.seq, a.id)
        }
        "swap" => set("seq = seq + 1"),
        "forge_next" | "forge_in_place" => {
            // A forger who knows the hash: a well-formed event, chained to the one before it.
            let (seq, prev) = if kind == "forge_next" {
                (last.seq + 1, last.hash.clone())
            } else {
                let before = chain.iter().find(|r| r.seq == e.seq - 1).map(|r| r.hash.clone());
                diesel::sql_query(format!("DELETE FROM audit_events WHERE id = {}", e.id)).execute(c)?;
                (e.seq, before.unwrap_or_else(|| sandbox::db::audit::GENESIS.to_string()))
            };
            let at = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let hash =
                event_hash(&prev, &e.stream, seq, None, "application.approved", None, Some("approved"), "{}", true, at);
            format!(
                "INSERT INTO audit_events (stream, seq, actor_user_id, action, from_status, to_status, details, public, created_at, prev_hash, hash) \
                 VALUES ('{}', {seq}, NULL, 'application.approved', NULL, 'approved', '{{}}', TRUE, '2027-01-01 00:00:00', '{prev}', '{hash}')",
                e.stream
            )
        }
        other => unreachable!("{other}"),
    };
    diesel::sql_query(&sql).execute(c)?;
    Ok(format!("{kind} on {} event {} of {len}", e.stream, e.seq))
}

#[test]
fn a_thousand_tampers_of_every_kind_are_all_found() {
    let db = TestDb::new();
    let out = sandbox(&db).args(["seed-demo", "--cases", "30", "--seed", "13"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pool = sandbox::db::Db::connect(&sandbox::config::DatabaseSettings {
        url: db.url(),
        pool_size: 1,
        min_idle: 0,
        sqlite_busy_timeout_ms: 5000,
        connect_timeout_seconds: 5,
    })
    .unwrap();
    let rounds = 1_000;
    let missed = pool
        .with_conn(|c| -> Result<Vec<String>, sandbox::error::AppError> {
            assert!(verify_all(c)?.is_ok(), "the seeded trail verifies");
            let rows: Vec<Row> =
                diesel::sql_query("SELECT id, stream, seq, hash FROM audit_events ORDER BY stream, seq").load(c)?;
            assert!(rows.len() > 100, "{} events", rows.len());
            let mut rng = StdRng::seed_from_u64(2026);
            let mut missed = Vec::new();
            for round in 0..rounds {
                let kind = KINDS[round % KINDS.len()];
                let outcome = c.transaction::<(), diesel::result::Error, _>(|c| {
                    let what = tamper(c, kind, &rows, &mut rng)?;
                    if verify_all(c)?.is_ok() {
                        missed.push(what);
                    }
                    Err(diesel::result::Error::RollbackTransaction)
                });
                assert!(matches!(outcome, Err(diesel::result::Error::RollbackTransaction)), "{outcome:?}");
            }
            assert!(verify_all(c)?.is_ok(), "every tamper was rolled back");
            Ok(missed)
        })
        .unwrap();
    assert!(missed.is_empty(), "{} of {rounds} tampers went unseen: {missed:?}", missed.len());
}
