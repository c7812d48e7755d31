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
    let pool = crate::helpers::pool(&db);
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

#[tokio::test]
async fn a_kept_checkpoint_proves_the_history_was_not_rewritten_since() {
    use crate::casework::*;
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    app.clock.advance(120);
    let made = sandbox::app::checkpoints::make_if_due(&app.ctx).await.unwrap().expect("today's checkpoint");
    assert!(sandbox::app::checkpoints::make_if_due(&app.ctx).await.unwrap().is_none(), "one a day");

    // Published for anyone, and in the register's feed.
    let r = app.get("/api/v1/audit/checkpoints", None).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let list: Vec<serde_json::Value> = r.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["digest"], made.digest.as_str());
    assert!(list[0]["streams"].as_i64().unwrap() >= 2 && list[0]["events"].as_i64().unwrap() > 5, "{list:?}");
    let feed = app.get("/api/v1/register/feed.atom", None).await.text().await.unwrap();
    assert!(feed.contains("Audit checkpoint for") && feed.contains(&made.digest), "{feed}");

    let kept = std::env::temp_dir().join(format!("sandbox-checkpoint-{}.json", rand::random::<u64>()));
    std::fs::write(&kept, serde_json::to_string(&list[0]).unwrap()).unwrap();
    let check = || {
        let out = sandbox(&app.db).arg("verify-audit").arg("--against").arg(&kept).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, text) = check();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("holds"), "{text}");

    // Later events are not covered: it still holds.
    transition(&app, id, "suspend", &w.inspector, serde_json::json!({"reasons": "Checks."})).await;
    assert_eq!(check().0, Some(0));

    // A careful forger cuts the case's newest covered events and moves its head to match: the
    // chains verify, but the kept checkpoint does not.
    let stream = format!("application:{id}");
    let cut = app
        .query(move |c| {
            use diesel::prelude::*;
            use sandbox::db::schema::{audit_events as e, audit_heads as h};
            let (seq, hash): (i64, String) =
                e::table.filter(e::stream.eq(&stream)).filter(e::seq.eq(2)).select((e::seq, e::hash)).first(c)?;
            diesel::delete(e::table.filter(e::stream.eq(&stream)).filter(e::seq.gt(seq))).execute(c)?;
            diesel::update(h::table.find(&stream)).set((h::seq.eq(seq), h::hash.eq(hash))).execute(c)
        })
        .await;
    assert_eq!(cut, 1);
    assert!(app.query(verify_all).await.is_ok(), "the cut chain is consistent in itself");
    let (code, text) = check();
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("CHECKPOINT NOT MATCHED"), "{text}");
    let _ = std::fs::remove_file(&kept);
}
