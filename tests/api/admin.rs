//! User administration and the outbox view, with the refused cells of the access matrix.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn admins_list_create_and_change_users() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin("admin@example.org").await;
    for i in 0..3 {
        app.registered(&format!("user{i}@example.org"), "community").await;
    }

    let r = app.get("/api/v1/users?per_page=2", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("x-total-count").unwrap(), "4");
    let link = r.headers().get("link").unwrap().to_str().unwrap().to_string();
    assert!(link.contains("page=2") && link.contains("rel=\"next\""), "{link}");
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], admin_id);
    let r = app.get("/api/v1/users?per_page=2&page=2", Some(&admin)).await;
    assert!(r.headers().get("link").unwrap().to_str().unwrap().contains("rel=\"prev\""));
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(page.len(), 2);

    let only: Vec<Value> = app.get("/api/v1/users?role=admin", Some(&admin)).await.json().await.unwrap();
    assert_eq!(only.len(), 1);
    let found: Vec<Value> = app.get("/api/v1/users?q=user1", Some(&admin)).await.json().await.unwrap();
    assert_eq!(found.len(), 1);
    let body = problem(
        app.get("/api/v1/users?role=wizard&per_page=500", Some(&admin)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut named = fields(&body);
    named.sort();
    assert_eq!(named, ["per_page", "role"]);

    // An inspector invited by email.
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "ivy@pins.example.org", "display_name": "Ivy Inspector", "role": "inspector"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ivy: Value = r.json().await.unwrap();
    assert_eq!(ivy["role"], "inspector");
    let token = app.token_from_mail("ivy@pins.example.org", "/account/reset-password").await;
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "new_password": "heather-bridge-quartz-5"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.login("ivy@pins.example.org", "heather-bridge-quartz-5").await;

    // An admin created with a password.
    let r = app
        .post("/api/v1/users", &json!({"email": "second@example.org", "display_name": "Second", "role": "admin", "password": "heather-bridge-quartz-6"}), Some(&admin))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.login("second@example.org", "heather-bridge-quartz-6").await;

    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "second@example.org", "display_name": "Dup", "role": "admin"}),
            Some(&admin),
        )
        .await;
    problem(r, StatusCode::CONFLICT).await;
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": "x", "display_name": "", "role": "boss", "password": "short"}),
            Some(&admin),
        )
        .await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["display_name", "email", "password", "role"]);

    let user: Value = app.get(&format!("/api/v1/users/{}", ivy["id"]), Some(&admin)).await.json().await.unwrap();
    assert_eq!(user["email"], "ivy@pins.example.org");
    problem(app.get("/api/v1/users/999999", Some(&admin)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin("admin@example.org").await;
    let r = app.patch(&format!("/api/v1/users/{admin_id}"), &json!({ "disabled": true }), Some(&admin)).await;
    problem(r, StatusCode::CONFLICT).await;
    let r = app.patch(&format!("/api/v1/users/{admin_id}"), &json!({ "role": "community" }), Some(&admin)).await;
    problem(r, StatusCode::CONFLICT).await;
    let r = app.patch(&format!("/api/v1/users/{admin_id}"), &json!({}), Some(&admin)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app.patch(&format!("/api/v1/users/{admin_id}"), &json!({"role": "root"}), Some(&admin)).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["role"]);
    assert_eq!(app.get("/api/v1/me", Some(&admin)).await.status(), StatusCode::OK);
}

/// Every admin endpoint refuses the public (401), each other role (403) and a disabled admin
/// (401), and a refused request changes nothing.
#[tokio::test]
async fn admin_endpoints_refuse_everyone_else_without_side_effects() {
    let app = spawn_app().await;
    let (_, admin) = app.admin("admin@example.org").await;
    let (target, _, _) = app.registered("target@example.org", "community").await;
    let (_, innovator, _) = app.registered("inno@example.org", "innovator").await;
    let (_, community, _) = app.registered("comm@example.org", "community").await;
    let r = app.post("/api/v1/users", &json!({"email": "insp@example.org", "display_name": "Insp", "role": "inspector", "password": "heather-bridge-quartz-7"}), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (inspector, _) = app.login("insp@example.org", "heather-bridge-quartz-7").await;
    let r = app.post("/api/v1/users", &json!({"email": "old@example.org", "display_name": "Old", "role": "admin", "password": "heather-bridge-quartz-8"}), Some(&admin)).await;
    let old_admin_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (old_admin, _) = app.login("old@example.org", "heather-bridge-quartz-8").await;
    app.patch(&format!("/api/v1/users/{old_admin_id}"), &json!({"disabled": true}), Some(&admin)).await;

    let users_before = app.count("users").await;
    let audit_before = app.count("audit_events").await;
    let mails_before = app.count("outbound_emails").await;

    let new_user = json!({"email": "sneaky@example.org", "display_name": "Sneaky", "role": "admin", "password": "heather-bridge-quartz-9"});
    let patch = json!({"role": "admin"});
    let callers: Vec<(&str, Option<&str>, StatusCode)> = vec![
        ("public", None, StatusCode::UNAUTHORIZED),
        ("innovator", Some(&innovator), StatusCode::FORBIDDEN),
        ("community", Some(&community), StatusCode::FORBIDDEN),
        ("inspector", Some(&inspector), StatusCode::FORBIDDEN),
        ("disabled admin", Some(&old_admin), StatusCode::UNAUTHORIZED),
    ];
    for (who, token, status) in callers {
        for r in [
            app.get("/api/v1/users", token).await,
            app.get(&format!("/api/v1/users/{target}"), token).await,
            app.post("/api/v1/users", &new_user, token).await,
            app.patch(&format!("/api/v1/users/{target}"), &patch, token).await,
            app.get("/api/v1/admin/outbox", token).await,
            app.post("/api/v1/admin/outbox/1/resend", &json!({}), token).await,
        ] {
            assert_eq!(r.status(), status, "{who}: {}", r.url());
            problem(r, status).await;
        }
    }
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("audit_events").await, audit_before);
    assert_eq!(app.count("outbound_emails").await, mails_before);
    let target_user: Value = app.get(&format!("/api/v1/users/{target}"), Some(&admin)).await.json().await.unwrap();
    assert_eq!(target_user["role"], "community");
}
