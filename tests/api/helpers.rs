//! The test harness: a real server on port 0 with a fresh database per test (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL is set), a client, and helpers to read what was stored.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use reqwest::{Response, StatusCode};
use sandbox::app::{AppContext, OffsetClock};
use sandbox::config::{RunEnv, Settings};
use sandbox::db::models::OutboundEmail;
use sandbox::db::schema::outbound_emails;
use sandbox::db::{DbConn, DbError};
use sandbox::startup::Application;
use serde_json::{json, Value};

pub const PASSWORD: &str = "tidal-heron-lantern-42";

/// A database that exists for one test and is removed afterwards.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
    /// Another test app's database, used by a second replica (dropped with the first).
    Shared(String),
}

impl TestDb {
    pub fn new() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("sandbox_test_{id}");
                let mut conn = PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL must accept connections");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDb::Postgres { admin_url, name, url: url.to_string() }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("sandbox-test-{id}"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                TestDb::Sqlite(dir.join("test.db"))
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite(p) => format!("sqlite://{}", p.display()),
            TestDb::Postgres { url, .. } => url.clone(),
            TestDb::Shared(url) => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url().starts_with("postgres")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(p) => {
                if let Some(dir) = p.parent() {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
            TestDb::Shared(_) => {}
            TestDb::Postgres { admin_url, name, .. } => {
                if let Ok(mut conn) = PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
                }
            }
        }
    }
}

/// A one-connection pool on `db`, for a test that reads or changes the database behind the
/// service's back (what the seeder wrote, a tamper, what survived a crash).
pub fn pool(db: &TestDb) -> sandbox::db::Db {
    sandbox::db::Db::connect(&sandbox::config::DatabaseSettings {
        url: db.url(),
        pool_size: 1,
        min_idle: 0,
        sqlite_busy_timeout_ms: 5000,
        connect_timeout_seconds: 5,
    })
    .unwrap()
}

pub struct TestApp {
    handle: actix_web::dev::ServerHandle,
    pub address: String,
    pub client: reqwest::Client,
    pub ctx: AppContext,
    pub clock: Arc<OffsetClock>,
    pub db: TestDb,
}

pub fn test_settings(db_url: &str, overrides: &[(&str, String)]) -> Settings {
    let mut all: Vec<(&str, String)> =
        vec![("database.url", db_url.to_string()), ("bind", "127.0.0.1:0".into()), ("http.workers", "1".into())];
    all.extend(overrides.iter().cloned());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    Settings::load_from(RunEnv::Test, &dir, false, &all).expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, String)]) -> TestApp {
    spawn_on(TestDb::new(), overrides).await
}

/// A second service process on `first`'s database (as a replica is), with its own pool, clock,
/// email worker and HTTP server.
pub async fn spawn_replica(first: &TestApp, overrides: &[(&str, String)]) -> TestApp {
    spawn_on(TestDb::Shared(first.db.url()), overrides).await
}

pub async fn spawn_on(db: TestDb, overrides: &[(&str, String)]) -> TestApp {
    let settings = test_settings(&db.url(), overrides);
    let clock = Arc::new(OffsetClock::default());
    // The server runs on a thread and runtime of its own, so that dropping the TestApp stops it
    // (and releases its database connections) whatever the test's runtime is doing.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server_clock = clock.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            match Application::build_with_clock(settings, server_clock).await {
                Ok(app) => {
                    let _ = tx.send(Ok((app.port(), app.context().clone(), app.server_handle())));
                    let _ = app.run_until_stopped().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
    });
    let (port, ctx, handle) = rx.await.expect("server thread").expect("application builds");
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { handle, address, client, ctx, clock, db }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sent at once; the server's own runtime carries it out.
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        let mut r = self.client.patch(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// Runs a query against the app's database.
    pub async fn query<T: Send + 'static>(&self, f: impl FnOnce(&mut DbConn) -> QueryResult<T> + Send + 'static) -> T {
        self.ctx.db.run(move |c| f(c).map_err(DbError::from)).await.expect("query")
    }

    pub async fn outbox(&self) -> Vec<OutboundEmail> {
        self.query(|c| {
            outbound_emails::table.order(outbound_emails::id.asc()).select(OutboundEmail::as_select()).load(c)
        })
        .await
    }

    pub async fn count(&self, table: &'static str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.query(move |c| diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<N>(c)).await.n
    }

    /// The token in the newest email to `to` whose link contains `path`.
    pub async fn token_from_mail(&self, to: &str, path: &str) -> String {
        let mail = self
            .outbox()
            .await
            .into_iter()
            .rev()
            .find(|m| m.to_address == to && m.body_text.contains(path))
            .unwrap_or_else(|| panic!("no mail to {to} with {path}"));
        let start = mail.body_text.find("token=").expect("link has a token") + "token=".len();
        mail.body_text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }

    /// Registers, verifies and logs in a user; returns (user id, access token, refresh token).
    pub async fn registered(&self, email: &str, role: &str) -> (i64, String, String) {
        let r = self
            .post(
                "/api/v1/auth/register",
                &json!({"email": email, "password": PASSWORD, "display_name": "Test Person", "role": role}),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let token = self.token_from_mail(email, "/account/verify-email").await;
        let r = self.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await;
        assert_eq!(r.status(), StatusCode::OK);
        let (access, refresh) = self.login(email, PASSWORD).await;
        (id, access, refresh)
    }

    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let r = self.post("/api/v1/auth/login", &json!({"email": email, "password": password}), None).await;
        assert_eq!(r.status(), StatusCode::OK, "login {email}: {}", r.text().await.unwrap());
        let body: Value = r.json().await.unwrap();
        (body["access_token"].as_str().unwrap().to_string(), body["refresh_token"].as_str().unwrap().to_string())
    }

    /// Creates an admin directly (as `sandbox create-admin` does) and logs in.
    pub async fn admin(&self, email: &str) -> (i64, String) {
        let hash = sandbox::auth::password::hash_password(PASSWORD).unwrap();
        let email_addr = sandbox::domain::account::EmailAddress::parse(email).unwrap();
        let id = self
            .ctx
            .db
            .run(move |c| {
                sandbox::app::users::bootstrap_admin(c, &email_addr, "Admin", &hash, sandbox::db::now())
                    .map_err(|e| sandbox::error::AppError::Internal(e.to_string()))
            })
            .await
            .unwrap();
        let (access, _) = self.login(email, PASSWORD).await;
        (id, access)
    }

    /// Waits until the outbox has no pending or sending rows.
    pub async fn drain_outbox(&self) {
        for _ in 0..200 {
            if self.outbox().await.iter().all(|m| m.status == "sent" || m.status == "dead") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("outbox did not drain");
    }
}

/// Checks that a response is a problem document with this status, and returns its body.
pub async fn problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status, "status");
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(ct.starts_with("application/problem+json"), "content type {ct}");
    assert_eq!(r.headers().get("x-content-type-options").unwrap(), "nosniff");
    let text = r.text().await.unwrap();
    for leak in ["panicked", "backtrace", "SELECT", "INSERT", "diesel", "src/", "sqlite", "postgres"] {
        assert!(!text.contains(leak), "problem body leaks {leak}: {text}");
    }
    let body: Value = serde_json::from_str(&text).expect("problem is JSON");
    assert_eq!(body["status"].as_u64(), Some(status.as_u16() as u64));
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

/// The fields named in a validation problem.
pub fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}
