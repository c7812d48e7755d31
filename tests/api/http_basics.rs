//! What every client sees: problem documents, headers, health, metrics, OpenAPI and docs.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{fields, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_readiness_metrics_and_docs() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert!(r.headers().get("x-request-id").is_some());
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), StatusCode::OK);

    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("sandbox_http_requests_total"), "{metrics}");

    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in
        ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/me", "/api/v1/users/{id}", "/api/v1/admin/outbox"]
    {
        assert!(doc["paths"][path].is_object(), "OpenAPI lacks {path}");
    }

    // The docs page and its assets are served by the service itself (no CDN).
    let r = app.get("/docs", None).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let page = app.get("/docs/", None).await.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");
    assert!(!page.contains("https://"), "docs page must not load from the internet");
    let r = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn readiness_fails_when_the_database_cannot_be_reached() {
    let app =
        spawn_app_with(&[("database.pool_size", "1".into()), ("database.connect_timeout_seconds", "1".into())]).await;
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
    if let crate::helpers::TestDb::Postgres { admin_url, name, .. } = &app.db {
        // Cut the test database's connections and refuse new ones.
        use diesel::prelude::*;
        let mut c = diesel::PgConnection::establish(admin_url).unwrap();
        diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut c).unwrap();
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut c)
        .unwrap();
        let mut saw_503 = false;
        for _ in 0..3 {
            if app.get("/readyz", None).await.status() == StatusCode::SERVICE_UNAVAILABLE {
                saw_503 = true;
                break;
            }
        }
        diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut c).unwrap();
        assert!(saw_503, "readyz answers 503 while the database refuses connections");
    } else {
        // Hold the only connection: the database cannot be reached within the time-out.
        let db = app.ctx.db.clone();
        let holder = tokio::spawn(async move {
            db.run(|_c| {
                std::thread::sleep(std::time::Duration::from_millis(2500));
                Ok::<_, sandbox::db::DbError>(())
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        problem(app.get("/readyz", None).await, StatusCode::SERVICE_UNAVAILABLE).await;
        holder.await.unwrap().unwrap();
    }
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_database_that_is_down_gives_the_real_reason() {
    let mut settings = sandbox::config::DatabaseSettings {
        url: "postgres://sandbox:wrong@127.0.0.1:1/sandbox".into(),
        pool_size: 1,
        min_idle: 0,
        sqlite_busy_timeout_ms: 1000,
        connect_timeout_seconds: 1,
    };
    let err = sandbox::db::Db::connect(&settings).err().expect("connection refused");
    assert!(err.contains("127.0.0.1") && err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("wrong"), "the password is not shown: {err}");
    settings.url = "sqlite:///proc/no-such-dir/x.db".into();
    let err = sandbox::db::Db::connect(&settings).err().expect("cannot create");
    assert!(err.contains("/proc/no-such-dir"), "{err}");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    let body = problem(app.get("/api/v1/nothing-here", None).await, StatusCode::NOT_FOUND).await;
    assert!(body["request_id"].is_string());
    problem(app.get("/nothing", None).await, StatusCode::NOT_FOUND).await;
    let r = app.client.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
    let r = app.get("/api/v1/auth/login", None).await;
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
    // A NUL character (which PostgreSQL refuses in text) in the address: 404 in the path, 400 in
    // the query, for every route, before any handler reads it.
    let (_, admin) = app.admin("admin@example.org").await;
    problem(app.get("/api/v1/register/SBX-2026%0000001", None).await, StatusCode::NOT_FOUND).await;
    problem(app.get("/register/SBX%00", None).await, StatusCode::NOT_FOUND).await;
    problem(app.get("/api/v1/register?authority=E06%00", None).await, StatusCode::BAD_REQUEST).await;
    problem(app.get("/api/v1/applications?q=%00", Some(&admin)).await, StatusCode::BAD_REQUEST).await;
    // Other control characters in a text filter are named.
    let body =
        problem(app.get("/api/v1/register?authority=E06%01", None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "authority", "{body}");
    let body =
        problem(app.get("/api/v1/applications?q=a%07b", Some(&admin)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "q", "{body}");
    // The health checks, outside /api/v1, too, for any method they do not take.
    for path in ["/healthz", "/readyz"] {
        for method in ["TRACE", "POST", "DELETE"] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
            assert_eq!(r.headers().get("allow").map(|v| v.to_str().unwrap().to_string()), Some("GET".into()));
            problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
        }
    }
    problem(app.get("/api/v1/users/not-a-number", Some(&admin)).await, StatusCode::NOT_FOUND).await;
    problem(app.get("/api/v1/users/99999999999999999999999", Some(&admin)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn bad_bodies_are_named_and_change_nothing() {
    let app = spawn_app().await;
    let register = app.url("/api/v1/auth/register");

    // Malformed JSON.
    let r = app
        .client
        .post(&register)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;

    // Wrong content type.
    let r = app.client.post(&register).header("content-type", "text/plain").body("{}").send().await.unwrap();
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let r = app.client.post(&register).body("{}").send().await.unwrap();
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    // Too large (default limit 64 KiB).
    let big = json!({ "email": "a@example.org", "display_name": "x".repeat(70 * 1024) });
    problem(app.post("/api/v1/auth/register", &big, None).await, StatusCode::PAYLOAD_TOO_LARGE).await;

    // Wrong types and bad values: every field is named at once.
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": 12, "password": "short", "display_name": ["x"], "role": "wizard",
                    "organisation": {"name": "", "kind": "cartel"}}),
            None,
        )
        .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = fields(&body);
    named.sort();
    assert_eq!(
        named,
        ["display_name", "email", "organisation.kind", "organisation.name", "password", "role"],
        "{body}"
    );

    // Unknown fields are refused by name.
    let r = app.post("/api/v1/auth/register", &json!({"email": "a@example.org", "is_admin": true}), None).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["is_admin"]);

    // A body that is not an object.
    let r = app.post("/api/v1/auth/register", &json!([1, 2]), None).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("outbound_emails").await, 0);
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = spawn_app_with(&[("http.json_limit_bytes", "2048".into())]).await;
    let body = json!({ "email": "a@example.org", "display_name": "x".repeat(3000) });
    problem(app.post("/api/v1/auth/register", &body, None).await, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn request_ids_are_echoed_and_authenticated_responses_are_not_stored() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/nope")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "abc-123");
    let body = problem(r, StatusCode::NOT_FOUND).await;
    assert_eq!(body["request_id"], "abc-123");
    // An unacceptable id is replaced.
    let r = app.client.get(app.url("/healthz")).header("x-request-id", "<script>").send().await.unwrap();
    assert_ne!(r.headers().get("x-request-id").unwrap(), "<script>");

    let (_, token, _) = app.registered("ana@example.org", "innovator").await;
    let r = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let r = app
        .post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": crate::helpers::PASSWORD}), None)
        .await;
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let r = app.get("/healthz", None).await;
    assert!(r.headers().get("cache-control").is_none());
}

#[tokio::test]
async fn the_server_stops_gracefully() {
    let db = crate::helpers::TestDb::new();
    let settings = crate::helpers::test_settings(&db.url(), &[]);
    let app = sandbox::startup::Application::build(settings).await.unwrap();
    let port = app.port();
    let handle = app.server_handle();
    let running = tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    assert!(client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap().status().is_success());
    handle.stop(true).await;
    let result = tokio::time::timeout(std::time::Duration::from_secs(20), running).await;
    assert!(matches!(result, Ok(Ok(Ok(())))), "server and email worker stop cleanly");
    assert!(client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_err());
}
