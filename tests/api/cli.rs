//! The `sandbox` binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::TestDb;

/// The `sandbox` binary with only the settings a test gives it, on `db`.
pub(crate) fn sandbox(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sandbox"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SANDBOX_ENV", "test")
        .env("DATABASE_URL", db.url());
    c
}

#[test]
fn help_explains_commands_and_settings() {
    let db = TestDb::new();
    let out = sandbox(&db).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "create-admin",
        "verify-audit",
        "DATABASE_URL",
        "SANDBOX_BIND",
        "SANDBOX_JWT_SECRET",
        "SANDBOX_MAIL_TRANSPORT",
        "SANDBOX_SMTP_URL",
    ] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
}

#[test]
fn invalid_settings_stop_start_up_with_their_names() {
    let db = TestDb::new();
    let out = sandbox(&db)
        .env("SANDBOX_BIND", "not-an-address")
        .env("SANDBOX_MAIL_TRANSPORT", "pigeon")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SANDBOX_MAIL_TRANSPORT") || err.contains("SANDBOX_BIND"), "{err}");

    let out = sandbox(&db)
        .env("SANDBOX_ENV", "production")
        .env("SANDBOX_MAIL_TRANSPORT", "smtp")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SANDBOX_JWT_SECRET"));

    let out = sandbox(&db).env("DATABASE_URL", "mysql://x").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[test]
fn migrate_create_admin_and_verify_audit() {
    let db = TestDb::new();
    let out = sandbox(&db).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let create = |email: &str, password: &str| {
        let mut child = sandbox(&db)
            .args(["create-admin", "--email", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create("root@example.org", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    let out = create("root@example.org", "granite-willow-copper-3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = create("root@example.org", "granite-willow-copper-3");
    assert!(!out.status.success(), "a second admin with the same email is refused");

    let out = sandbox(&db).arg("verify-audit").output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 1 event"));
}

#[test]
fn sigterm_stops_the_service_gracefully() {
    use std::io::{BufRead, BufReader};
    let db = TestDb::new();
    let mut child = sandbox(&db)
        .env("SANDBOX_BIND", "127.0.0.1:0")
        .env("SANDBOX_LOG", "info")
        .env("SANDBOX_LOG_FORMAT", "json")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut port = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            port = rest.split(|c: char| !c.is_ascii_digit()).next().map(str::to_string);
            break;
        }
    }
    let port = port.expect("the log says where the service listens");
    let health = std::net::TcpStream::connect(format!("127.0.0.1:{port}"));
    assert!(health.is_ok());
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(rest.iter().any(|l| l.contains("email worker stopped")), "{rest:?}");
}

#[test]
fn run_scheduler_once_reports_its_pass() {
    let db = TestDb::new();
    let out = sandbox(&db).arg("run-scheduler-once").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("scheduler pass: 0 condition(s) and 0 milestone(s) now overdue, 0 reminder(s) queued"),
        "{text}"
    );
}

fn state_counts(db: &TestDb) -> Vec<(String, i64)> {
    use diesel::prelude::*;
    use sandbox::db::schema::applications::dsl::*;
    let pool = crate::helpers::pool(db);
    pool.with_conn(|c| {
        applications
            .group_by(status)
            .select((status, diesel::dsl::count_star()))
            .order(status.asc())
            .load::<(String, i64)>(c)
            .map_err(sandbox::db::DbError::from)
    })
    .unwrap()
}

#[test]
fn seed_demo_fills_every_state_deterministically_with_an_intact_audit_trail() {
    let db = TestDb::new();
    let out = sandbox(&db).args(["seed-demo", "--cases", "300", "--seed", "7"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Seeded 300 cases")
            && text.contains("admin@demo.sandbox.example")
            && text.contains("sandbox-demo-password-2026"),
        "{text}"
    );
    let counts = state_counts(&db);
    let states: Vec<&str> = counts.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        states,
        [
            "active",
            "approved",
            "assessment",
            "completed",
            "draft",
            "information_requested",
            "refused",
            "revoked",
            "screening",
            "submitted",
            "suspended",
            "withdrawn"
        ]
    );
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 300);
    let out = sandbox(&db).arg("verify-audit").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let again = TestDb::new();
    let out = sandbox(&again).args(["seed-demo", "--cases", "300", "--seed", "7"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(state_counts(&again), counts, "the same seed gives the same data");
}

#[tokio::test]
async fn the_service_carries_on_after_seeding() {
    // Seeding gives ids itself, in batches; the service's own inserts must carry on after them
    // (on PostgreSQL, the sequences must have been moved past the seeded rows).
    let app = crate::helpers::spawn_app().await;
    let out = sandbox(&app.db).args(["seed-demo", "--cases", "40", "--seed", "3"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (token, _) = app.login("innovator1@demo.sandbox.example", sandbox::jobs::seed::DEMO_PASSWORD).await;
    let id = crate::casework::create_draft(&app, &token, &serde_json::json!({"title": "After the demo"})).await;
    let seeded_max: i64 = app
        .query(move |c| {
            use diesel::prelude::*;
            use sandbox::db::schema::applications;
            applications::table
                .filter(applications::id.ne(id))
                .select(diesel::dsl::max(applications::id))
                .first::<Option<i64>>(c)
        })
        .await
        .unwrap_or(0);
    assert!(id > seeded_max, "new case {id} after seeded {seeded_max}");
    let out = sandbox(&app.db).arg("verify-audit").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn register_csv_streams_every_entry_of_a_large_register_once() {
    let app = crate::helpers::spawn_app().await;
    let out = sandbox(&app.db).args(["seed-demo", "--cases", "1600", "--seed", "5"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = app.get("/api/v1/register?per_page=1", None).await;
    let total: usize = r.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    assert!(total > 1000, "several export chunks: {total}");
    let text = app.get("/api/v1/register.csv", None).await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let refs: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(refs.len(), total);
    assert_eq!(refs.iter().collect::<std::collections::BTreeSet<_>>().len(), total, "no entry twice");

    let active = app.get("/api/v1/register?status=active&per_page=1", None).await;
    let active_total: usize = active.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    let text = app.get("/api/v1/register.csv?status=active", None).await.text().await.unwrap();
    let rows = csv::Reader::from_reader(text.as_bytes()).records().count();
    assert_eq!(rows, active_total);
}

#[tokio::test]
async fn deliver_outbox_sends_what_is_due_and_marks_it_sent() {
    let app = crate::helpers::spawn_app_with(&[("mail.worker", "false".into())]).await;
    let r = app
        .post(
            "/api/v1/auth/register",
            &serde_json::json!({"email": "ana@example.org", "password": "granite-willow-copper-3",
                                "display_name": "Ana Jones", "role": "community"}),
            None,
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED);
    assert_eq!(app.outbox().await.iter().filter(|m| m.status == "pending").count(), 1);

    let dir = std::env::temp_dir().join(format!("sandbox-mail-{}", uuid::Uuid::new_v4().simple()));
    let deliver = || {
        sandbox(&app.db)
            .env("SANDBOX_MAIL_TRANSPORT", "file")
            .env("SANDBOX_MAIL_DIR", &dir)
            .arg("deliver-outbox")
            .output()
            .unwrap()
    };
    let out = deliver();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("delivered 1 emails"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "one .eml written");
    assert!(app.outbox().await.iter().all(|m| m.status == "sent"));
    let again = deliver();
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("delivered 0 emails"));
    let _ = std::fs::remove_dir_all(&dir);
}
