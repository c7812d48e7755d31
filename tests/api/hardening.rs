//! Defects a hostile test found, each kept fixed by a test that failed before its fix: a formula in
//! the CSV, tokens that outlived their login, limits that could be outrun, inputs without bounds.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_csv_holds_no_formula_a_spreadsheet_would_run() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, evil) = innovator_with_org(&app, "eve@example.org", "@SUM(1+1)*cmd|' /C calc'!A0", "sme").await;
    let mut body = complete_draft(&app, w.zone_id);
    body["title"] = json!("=HYPERLINK(\"http://evil.example\",\"Click for the report\")");
    let id = create_draft(&app, &evil, &body).await;
    transition(&app, id, "submit", &evil, json!({})).await;
    transition(&app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, id, "screening", &w.inspector, all_criteria(true)).await;
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;

    let r = app.get("/api/v1/register.csv", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "'=HYPERLINK(\"http://evil.example\",\"Click for the report\")");
    assert_eq!(&rows[0][6], "'@SUM(1+1)*cmd|' /C calc'!A0");
    // Every cell a spreadsheet would read as a formula is made inert.
    for cell in rows[0].iter() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    }
    // The JSON keeps what was written.
    let list: Vec<Value> = app.get("/api/v1/register", None).await.json().await.unwrap();
    assert!(list[0]["title"].as_str().unwrap().starts_with("=HYPERLINK"), "{list:?}");
}

#[tokio::test]
async fn wrong_passwords_sent_at_once_cannot_outrun_the_login_limit() {
    let app = spawn_app().await;
    let (_, _, _) = app.registered("nia@example.org", "community").await;
    let limit = app.ctx.settings.auth.login_max_failures_per_account as usize;
    let sent = (0..40).map(|i| {
        let app = &app;
        async move {
            let body = json!({"email": "nia@example.org", "password": format!("wrong-password-{i}")});
            app.post("/api/v1/auth/login", &body, None).await.status()
        }
    });
    let answers = futures_util::future::join_all(sent).await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (limit, 40 - limit), "{answers:?}");
    assert_eq!(app.count("login_failures").await, limit as i64);
    // The right password is refused too until the window passes.
    let r = app
        .post("/api/v1/auth/login", &json!({"email": "nia@example.org", "password": crate::helpers::PASSWORD}), None)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_right_password_leaves_no_failure_counted() {
    let app = spawn_app().await;
    app.registered("nia@example.org", "community").await;
    let before = app.count("login_failures").await;
    app.login("nia@example.org", crate::helpers::PASSWORD).await;
    assert_eq!(app.count("login_failures").await, before);
    let r =
        app.post("/api/v1/auth/login", &json!({"email": "nia@example.org", "password": "not-it-at-all"}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("login_failures").await, before + 1);
}

#[tokio::test]
async fn a_condition_cannot_be_due_in_the_past_nor_before_its_trial() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let path = format!("/api/v1/applications/{id}/conditions");
    let body = |due: &str| json!({"category": "engagement", "description": "Open day", "metric": "Open days held", "target_value": 1, "unit": "days", "due_on": due});
    let (conditions, events) = (app.count("conditions").await, app.count("audit_events").await);
    for due in ["0001-01-01".to_string(), day(&app, -1)] {
        let r = app.post(&path, &body(&due), Some(&w.inspector)).await;
        let p = crate::helpers::problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(crate::helpers::fields(&p), vec!["due_on"], "{due}: {p}");
    }
    assert_eq!((app.count("conditions").await, app.count("audit_events").await), (conditions, events));
    let r = app.post(&path, &body(&day(&app, 60)), Some(&w.inspector)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let cond: Value = r.json().await.unwrap();
    // Nor moved there.
    let r = change(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/conditions/{}", cond["id"]),
        Some(&w.inspector),
        Some(&format!("\"{}\"", cond["version"])),
        &body("0001-01-01"),
    )
    .await;
    let p = crate::helpers::problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::helpers::fields(&p), vec!["due_on"], "{p}");
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

#[tokio::test]
async fn every_answer_carries_a_content_security_policy_and_https_adds_hsts() {
    let app = spawn_app().await;
    for (path, wanted) in [
        ("/", "default-src 'self'"),
        ("/register", "form-action 'self'"),
        ("/no-such-page", "frame-ancestors 'none'"),
        ("/docs/", "style-src 'self' 'unsafe-inline'"),
        ("/api/v1/register", "default-src 'none'"),
        ("/api/openapi.json", "default-src 'none'"),
    ] {
        let r = app.get(path, None).await;
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains(wanted) && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("'unsafe-inline'") || path.starts_with("/docs"), "{path}: {csp}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "strict-transport-security"), "", "{path}: no HSTS over http");
    }
    // Headers too large for the service: a problem with every security header.
    let r = app.client.get(app.url("/register")).header("x-padding", "x".repeat(20_000)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(header(&r, "content-security-policy").contains("default-src"));
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    assert!(header(&r, "content-type").starts_with("application/problem+json"));

    let app = crate::helpers::spawn_app_with(&[("base_url", "https://sandbox.example.org".into())]).await;
    for path in ["/", "/api/v1/register"] {
        let r = app.get(path, None).await;
        assert!(header(&r, "strict-transport-security").starts_with("max-age=31536000"), "{path}");
    }
}

#[tokio::test]
async fn one_client_address_may_register_only_so_many_accounts_an_hour() {
    let app = crate::helpers::spawn_app_with(&[("auth.registrations_per_address_per_hour", "5".into())]).await;
    let sent = (0..20).map(|i| {
        let app = &app;
        async move {
            let body = json!({"email": format!("bot{i}@example.org"), "password": crate::helpers::PASSWORD,
                              "display_name": format!("Bot {i}"), "role": "community"});
            app.post("/api/v1/auth/register", &body, None).await
        }
    });
    let answers = futures_util::future::join_all(sent).await;
    let created = answers.iter().filter(|r| r.status() == StatusCode::CREATED).count();
    let refused: Vec<&reqwest::Response> =
        answers.iter().filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS).collect();
    assert_eq!((created, refused.len()), (5, 15));
    assert!(refused[0].headers().get("retry-after").is_some());
    assert_eq!(app.count("users").await, 5);
    assert_eq!(app.count("outbound_emails").await, 5, "a verification mail for each account made, no more");
    // An hour later it may again.
    app.clock.advance(3601);
    let body = json!({"email": "late@example.org", "password": crate::helpers::PASSWORD, "display_name": "Late", "role": "community"});
    assert_eq!(app.post("/api/v1/auth/register", &body, None).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn one_client_address_may_ask_for_only_so_many_password_resets_an_hour() {
    let app = crate::helpers::spawn_app_with(&[("auth.reset_requests_per_address_per_hour", "3".into())]).await;
    for i in 0..3 {
        app.registered(&format!("p{i}@example.org"), "community").await;
    }
    let mails = app.count("outbound_emails").await;
    for i in 0..3 {
        let r = app.post("/api/v1/auth/password-reset", &json!({"email": format!("p{i}@example.org")}), None).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let r = app.post("/api/v1/auth/password-reset", &json!({"email": "p0@example.org"}), None).await;
    let p = crate::helpers::problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(p["detail"].as_str().unwrap().contains("password resets"), "{p}");
    assert_eq!(app.count("outbound_emails").await, mails + 3);
}
