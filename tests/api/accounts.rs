//! Registration, verification, login, refresh, logout, password reset and throttling.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{fields, problem, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn register_verify_login_and_read_me() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": " Ana@Example.org ", "password": PASSWORD, "display_name": "Ana Jones", "role": "innovator",
                    "organisation": {"name": "Sunny Hill Energy Co-op", "kind": "community_owned_enterprise", "registration_number": "IP12345"}}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["email"], "ana@example.org");
    assert_eq!(user["role"], "innovator");
    assert_eq!(user["email_verified"], false);
    assert_eq!(user["organisation"]["kind"], "community_owned_enterprise");
    assert!(user.get("password_hash").is_none());

    // One verification email, queued in the same transaction, with a link carrying the token.
    let mails = app.outbox().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to_address, "ana@example.org");
    assert!(mails[0].body_text.contains("/account/verify-email?token="));
    assert!(mails[0].body_html.replace("&#x2f;", "/").contains("/account/verify-email?token="));
    assert!(mails[0].message_id.starts_with('<') && mails[0].message_id.ends_with('>'));
    let token = app.token_from_mail("ana@example.org", "verify-email").await;
    assert!(token.len() >= 22, "at least 128 bits");
    // Only a hash is stored.
    let stored: Vec<String> = app
        .query(|c| {
            use diesel::prelude::*;
            use sandbox::db::schema::one_time_tokens::dsl::*;
            one_time_tokens.select(token_hash).load(c)
        })
        .await;
    assert!(!stored.contains(&token));

    // Login works before verification; /me shows the account.
    let (access, _) = app.login("ana@example.org", PASSWORD).await;
    let me: Value = app.get("/api/v1/me", Some(&access)).await.json().await.unwrap();
    assert_eq!(me["email_verified"], false);

    let r = app.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = app.get("/api/v1/me", Some(&access)).await.json().await.unwrap();
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["display_name"], "Ana Jones");

    // The token is single-use; a made-up token fails the same way.
    problem(
        app.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let body = problem(
        app.post("/api/v1/auth/verify-email", &json!({ "token": "nope" }), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&body), ["token"]);

    // The verification page in the emailed link works in a browser without JavaScript.
    let page = app.get(&format!("/account/verify-email?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/account/verify-email\">"));
    assert!(html.contains("name=\"csrf_token\""), "the form carries its token");

    // Audit trail of the account.
    let actions: Vec<String> = app
        .query(|c| {
            use diesel::prelude::*;
            use sandbox::db::schema::audit_events::dsl::*;
            audit_events.order(id.asc()).select(action).load(c)
        })
        .await;
    assert_eq!(actions, ["user.registered", "user.email_verified"]);
}

#[tokio::test]
async fn verification_links_expire() {
    let app = spawn_app().await;
    app.post(
        "/api/v1/auth/register",
        &json!({"email": "ana@example.org", "password": PASSWORD, "display_name": "Ana", "role": "community"}),
        None,
    )
    .await;
    let token = app.token_from_mail("ana@example.org", "verify-email").await;
    app.clock.advance(49 * 3600);
    problem(
        app.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn registration_refuses_duplicates_privileged_roles_and_weak_passwords() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "innovator").await;
    let users_before = app.count("users").await;
    let mails_before = app.count("outbound_emails").await;

    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "ANA@example.org", "password": PASSWORD, "display_name": "Other", "role": "community"}),
            None,
        )
        .await;
    let body = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(fields(&body), ["email"]);

    for role in ["admin", "inspector"] {
        let r = app
            .post(
                "/api/v1/auth/register",
                &json!({"email": "eve@example.org", "password": PASSWORD, "display_name": "Eve", "role": role}),
                None,
            )
            .await;
        let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["role"]);
    }
    for weak in ["short", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaaaa"] {
        let r = app
            .post(
                "/api/v1/auth/register",
                &json!({"email": "eve@example.org", "password": weak, "display_name": "Eve", "role": "community"}),
                None,
            )
            .await;
        let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), ["password"], "{weak}");
    }
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("organisations").await, 0);
    assert_eq!(app.count("outbound_emails").await, mails_before);
}

#[tokio::test]
async fn login_failures_look_the_same_and_are_throttled() {
    let app = spawn_app_with(&[("auth.login_max_failures_per_account", "3".into())]).await;
    app.registered("ana@example.org", "innovator").await;

    let wrong_password = problem(
        app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": "not-the-password"}), None)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unknown_email = problem(
        app.post("/api/v1/auth/login", &json!({"email": "bob@example.org", "password": "not-the-password"}), None)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(wrong_password["detail"], unknown_email["detail"]);

    app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": "again-wrong-password"}), None)
        .await;
    app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": "third-wrong-password"}), None)
        .await;
    // The account is now locked for the window, even with the right password.
    let r = app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": PASSWORD}), None).await;
    let retry_after: u64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    // Another account from the same address is not locked (the address limit is 30).
    let r =
        app.post("/api/v1/auth/login", &json!({"email": "bob@example.org", "password": "whatever-it-is"}), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // After the window the right password works again.
    app.clock.advance(16 * 60);
    app.login("ana@example.org", PASSWORD).await;
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let app = spawn_app_with(&[("auth.login_max_failures_per_address", "4".into())]).await;
    for i in 0..4 {
        let r = app
            .post(
                "/api/v1/auth/login",
                &json!({"email": format!("u{i}@example.org"), "password": "wrong-password-x"}),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .post("/api/v1/auth/login", &json!({"email": "fresh@example.org", "password": "wrong-password-x"}), None)
        .await;
    problem(r, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // Untrusted: the header is ignored, so different X-Forwarded-For values share one address.
    let app = spawn_app_with(&[("auth.login_max_failures_per_address", "2".into())]).await;
    for ip in ["1.1.1.1", "2.2.2.2"] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": format!("{ip}@example.org"), "password": "wrong-password-x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "3.3.3.3")
        .json(&json!({"email": "x@example.org", "password": "wrong-password-x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Trusted loopback proxy: each forwarded client has its own count.
    let app = spawn_app_with(&[
        ("auth.login_max_failures_per_address", "2".into()),
        ("http.trusted_proxies", "127.0.0.1/32".into()),
    ])
    .await;
    for ip in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": format!("{ip}@example.org"), "password": "wrong-password-x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{ip}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let (_, _, refresh1) = app.registered("ana@example.org", "innovator").await;
    let r = app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh1 }), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let refresh2 = body["refresh_token"].as_str().unwrap().to_string();
    let access2 = body["access_token"].as_str().unwrap().to_string();
    assert_ne!(refresh1, refresh2);
    assert_eq!(app.get("/api/v1/me", Some(&access2)).await.status(), StatusCode::OK);

    // Someone replays the old token: the whole family is revoked, including the new one.
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh1 }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh2 }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // The access token of the revoked login dies with it, before it expires.
    problem(app.get("/api/v1/me", Some(&access2)).await, StatusCode::UNAUTHORIZED).await;

    // A separate login is unaffected.
    let (_, refresh3) = app.login("ana@example.org", PASSWORD).await;
    assert_eq!(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh3 }), None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_tokens_expire_and_logout_revokes() {
    let app = spawn_app().await;
    let (_, access, refresh) = app.registered("ana@example.org", "innovator").await;
    let (other, _) = app.login("ana@example.org", PASSWORD).await;
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status(), StatusCode::OK);
    let r = app.post("/api/v1/auth/logout", &json!({ "refresh_token": refresh }), None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Its access token ends with it; another login's does not.
    problem(app.get("/api/v1/me", Some(&access)).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.status(), StatusCode::OK);
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let (_, refresh) = app.login("ana@example.org", PASSWORD).await;
    app.clock.advance(31 * 86_400);
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn password_reset_flow() {
    let app = spawn_app().await;
    let (_, access, refresh) = app.registered("ana@example.org", "innovator").await;
    let mails_before = app.count("outbound_emails").await;

    // An unknown address gets the same 202 as a known one, and no email.
    let r = app.post("/api/v1/auth/password-reset", &json!({ "email": "nobody@example.org" }), None).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // Something that is not an email address at all is named, as the schema promises; it says
    // nothing about any account.
    for email in ["not-an-email", "", "  "] {
        let r = app.post("/api/v1/auth/password-reset", &json!({ "email": email }), None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "email", "{body}");
    }
    assert_eq!(app.count("outbound_emails").await, mails_before);

    let r = app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let token = app.token_from_mail("ana@example.org", "/account/reset-password").await;

    // A weak new password is refused and the token survives.
    let r = app
        .post("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": "password" }), None)
        .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["new_password"]);

    let new_password = "quiet-otter-meadow-77";
    let r = app
        .post("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": new_password }), None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Single use.
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({ "token": token, "new_password": "another-good-phrase-9" }),
            None,
        )
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Existing tokens stop working at once; the new password works, the old does not.
    problem(app.get("/api/v1/me", Some(&access)).await, StatusCode::UNAUTHORIZED).await;
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let r = app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": PASSWORD}), None).await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    app.login("ana@example.org", new_password).await;
}

#[tokio::test]
async fn reset_links_expire_within_thirty_minutes() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "innovator").await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    let token = app.token_from_mail("ana@example.org", "/account/reset-password").await;
    app.clock.advance(31 * 60);
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({ "token": token, "new_password": "quiet-otter-meadow-77" }),
            None,
        )
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn at_most_three_reset_emails_an_hour_and_a_new_link_replaces_the_old() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "innovator").await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    let first = app.token_from_mail("ana@example.org", "/account/reset-password").await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    let second = app.token_from_mail("ana@example.org", "/account/reset-password").await;
    assert_ne!(first, second);
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({ "token": first, "new_password": "quiet-otter-meadow-77" }),
            None,
        )
        .await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    for _ in 0..3 {
        let r = app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let resets = app.outbox().await.into_iter().filter(|m| m.category == "security.password_reset").count();
    assert_eq!(resets, 3);
    app.clock.advance(3601);
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    let resets = app.outbox().await.into_iter().filter(|m| m.category == "security.password_reset").count();
    assert_eq!(resets, 4, "the hourly quota renews");
}

#[tokio::test]
async fn the_reset_page_sets_a_password_without_javascript() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "innovator").await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    let token = app.token_from_mail("ana@example.org", "/account/reset-password").await;
    let link = format!("/account/reset-password?token={token}");
    let b = crate::web::Browser::new(&app);
    assert!(b.page(&link).await.contains("for=\"new_password\""));
    let r = b
        .submit(
            &link,
            "/account/reset-password",
            &[("token", &token), ("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("href=\"#new_password\">Your new password must be at least 12 characters"));
    let fields = [
        ("token", token.as_str()),
        ("new_password", "quiet-otter-meadow-77"),
        ("confirm_password", "quiet-otter-meadow-77"),
    ];
    let r = b.submit(&link, "/account/reset-password", &fields).await;
    assert!(r.text().await.unwrap().contains("Your password has been changed"));
    let r = b.submit(&link, "/account/reset-password", &fields).await;
    assert!(r.text().await.unwrap().contains("This link does not work"), "the link works once");
    app.login("ana@example.org", "quiet-otter-meadow-77").await;
}
