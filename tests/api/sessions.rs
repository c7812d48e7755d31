//! Page sessions: sign-in, the cookie, form tokens and cross-site refusal, the ways a session
//! ends, throttling shared with the API login, and the way back after sign-in.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::web::{csrf_token, location, session_cookie, Browser};

async fn preferences(app: &TestApp, access: &str) -> serde_json::Value {
    app.get("/api/v1/me/notification-preferences", Some(access)).await.json().await.unwrap()
}

#[tokio::test]
async fn a_new_account_is_confirmed_from_its_email_and_signed_in() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let r = b
        .submit(
            "/create-account",
            "/create-account",
            &[
                ("role", "innovator"),
                ("display_name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Create an account – Planning Sandbox</title>"), "{html}");
    assert!(html.contains("href=\"#password\">Password must be at least 12 characters"));
    assert!(html.contains("href=\"#organisation-name\">Organisation name is required"));
    assert!(html.contains("value=\"Ada Lovelace\""), "the input is kept");
    assert!(app.outbox().await.is_empty(), "nothing was written");

    let r = b
        .submit(
            "/create-account",
            "/create-account",
            &[
                ("role", "innovator"),
                ("display_name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("password", PASSWORD),
                ("organisation.name", "Tidal Co-op"),
                ("organisation.kind", "community_owned_enterprise"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/create-account/check-your-email");
    let token = app.token_from_mail("ada@example.org", "/account/verify-email").await;
    let link = format!("/account/verify-email?token={token}");
    let r = b.submit(&link, "/account/verify-email", &[("token", &token)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/applications", "an innovator starts at their applications");
    let cookie = session_cookie(&r).expect("signed in");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let account = b.page("/account").await;
    assert!(account.contains("Your email address is confirmed and you are signed in"));
    assert!(account.contains("Tidal Co-op") && account.contains("ada@example.org"));
    let again = b.page("/account").await;
    assert!(!again.contains("Your email address is confirmed"), "the banner shows once");

    // A used link does not sign anyone in.
    let other = Browser::new(&app);
    let r = other.submit(&link, "/account/verify-email", &[("token", &token)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(session_cookie(&r).is_none());
}

#[tokio::test]
async fn on_https_the_cookie_is_secure_and_host_only() {
    let app = spawn_app_with(&[("base_url", "https://sandbox.example".into())]).await;
    app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    let r = b.submit("/sign-in", "/sign-in", &[("email", "ana@example.org"), ("password", PASSWORD)]).await;
    let cookie = session_cookie(&r).expect("signed in");
    assert!(cookie.starts_with("__Host-sandbox_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn a_session_cookie_planted_before_sign_in_is_replaced() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    let html = b.page("/sign-in").await;
    let token = csrf_token(&html);
    let r = b
        .client
        .post(format!("{}/sign-in", app.address))
        .header("cookie", format!("sandbox_session=planted-by-someone-else; sandbox_csrf={token}"))
        .form(&[("csrf_token", token.as_str()), ("email", "ana@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r).unwrap();
    assert!(!cookie.contains("planted-by-someone-else"));
    let planted = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = planted
        .get(format!("{}/account", app.address))
        .header("cookie", "sandbox_session=planted-by-someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the planted value is nobody's session");
}

#[tokio::test]
async fn forms_without_the_token_from_other_sites_or_after_sign_out_change_nothing() {
    let app = spawn_app().await;
    let (_, access, _) = app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    b.sign_in("ana@example.org", PASSWORD).await;
    let before = preferences(&app, &access).await;
    let html = b.page("/account/notifications").await;
    let token = csrf_token(&html);

    let r = b.post_form("/account/notifications", &[("categories", "case_updates")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    let r = b.post_form("/account/notifications", &[("csrf_token", "forged"), ("categories", "case_updates")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a wrong token");
    let r = b
        .client
        .post(format!("{}/account/notifications", app.address))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", token.as_str()), ("categories", "case_updates")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another site");
    let r = b
        .client
        .post(format!("{}/account/notifications", app.address))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str()), ("categories", "case_updates")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another origin");
    assert_eq!(preferences(&app, &access).await, before, "nothing changed");

    let r = b.submit("/account", "/sign-out", &[]).await;
    assert_eq!(location(&r), "/signed-out");
    let r =
        b.post_form("/account/notifications", &[("csrf_token", token.as_str()), ("categories", "case_updates")]).await;
    assert!(r.status() == StatusCode::SEE_OTHER && location(&r).starts_with("/sign-in"), "signed out");
    assert_eq!(preferences(&app, &access).await, before, "nothing changed after sign-out");

    // The same form, sent properly, does change them: the refusals above were not for nothing.
    b.sign_in("ana@example.org", PASSWORD).await;
    let r = b.submit("/account/notifications", "/account/notifications", &[("categories", "case_updates")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_ne!(preferences(&app, &access).await, before);
}

#[tokio::test]
async fn disabling_changing_the_role_or_resetting_the_password_ends_sessions() {
    let app = spawn_app().await;
    let (_, admin) = app.admin("admin@example.org").await;
    let mut ids = Vec::new();
    for who in ["one@example.org", "two@example.org", "three@example.org"] {
        let (id, _, _) = app.registered(who, "community").await;
        ids.push(id);
    }
    let browsers: Vec<Browser> = (0..3).map(|_| Browser::new(&app)).collect();
    for (b, who) in browsers.iter().zip(["one@example.org", "two@example.org", "three@example.org"]) {
        b.sign_in(who, PASSWORD).await;
        assert_eq!(b.get("/account").await.status(), StatusCode::OK);
    }
    app.patch(&format!("/api/v1/users/{}", ids[0]), &json!({ "disabled": true }), Some(&admin)).await;
    app.patch(&format!("/api/v1/users/{}", ids[1]), &json!({ "role": "innovator" }), Some(&admin)).await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "three@example.org" }), None).await;
    let token = app.token_from_mail("three@example.org", "/account/reset-password").await;
    let fresh = Browser::new(&app);
    let link = format!("/account/reset-password?token={token}");
    let r = fresh
        .submit(
            &link,
            "/account/reset-password",
            &[
                ("token", &token),
                ("new_password", "a-brand-new-passphrase"),
                ("confirm_password", "a-brand-new-passphrase"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Your password has been changed"));
    for b in &browsers {
        let r = b.get("/account").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/sign-in?next=%2Faccount");
    }
}

#[tokio::test]
async fn a_signed_out_person_is_sent_to_sign_in_and_back_but_never_off_site() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    let r = b.get("/account/notifications").await;
    assert_eq!(location(&r), "/sign-in?next=%2Faccount%2Fnotifications");
    let to = b
        .submit(
            "/sign-in?next=%2Faccount%2Fnotifications",
            "/sign-in",
            &[("email", "ana@example.org"), ("password", PASSWORD), ("next", "/account/notifications")],
        )
        .await;
    assert_eq!(location(&to), "/account/notifications");
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let c = Browser::new(&app);
        let r = c
            .submit("/sign-in", "/sign-in", &[("email", "ana@example.org"), ("password", PASSWORD), ("next", evil)])
            .await;
        assert_eq!(location(&r), "/account", "{evil}");
    }
}

#[tokio::test]
async fn sign_in_is_throttled_with_the_api_logins_counters() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    let r =
        b.submit("/sign-in", "/sign-in", &[("email", "ana@example.org"), ("password", "wrong-password-here")]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("<title>Error: Sign in – Planning Sandbox</title>"));
    for _ in 0..9 {
        app.post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": "wrong-password-here"}), None)
            .await;
    }
    let r = b.submit("/sign-in", "/sign-in", &[("email", "ana@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Try again in 15 minutes"));
    assert!(session_cookie(&b.get("/account").await).is_none());
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_and_api_login() {
    let app = spawn_app().await;
    let (_, access, _) = app.registered("ana@example.org", "community").await;
    let (laptop, phone) = (Browser::new(&app), Browser::new(&app));
    laptop.sign_in("ana@example.org", PASSWORD).await;
    phone.sign_in("ana@example.org", PASSWORD).await;
    let sessions = laptop.page("/account").await;
    assert_eq!(sessions.matches("Last used").count(), 2, "both sessions are listed");
    let r = laptop.submit("/account", "/account/sign-out-everywhere", &[]).await;
    assert_eq!(location(&r), "/sign-in?everywhere=1");
    for b in [&laptop, &phone] {
        assert_eq!(b.get("/account").await.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let (laptop, phone) = (Browser::new(&app), Browser::new(&app));
    laptop.sign_in("ana@example.org", PASSWORD).await;
    phone.sign_in("ana@example.org", PASSWORD).await;
    let fields = [
        ("current_password", "not-my-password"),
        ("new_password", "another-long-passphrase"),
        ("confirm_password", "another-long-passphrase"),
    ];
    let r = laptop.submit("/account/password", "/account/password", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("href=\"#current_password\">The current password is not your current password"));
    assert_eq!(phone.get("/account").await.status(), StatusCode::OK, "a refused change ends nothing");
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", "another-long-passphrase"),
        ("confirm_password", "another-long-passphrase"),
    ];
    let r = laptop.submit("/account/password", "/account/password", &fields).await;
    assert_eq!(location(&r), "/account");
    assert!(laptop.page("/account").await.contains("Your password has been changed"));
    assert_eq!(phone.get("/account").await.status(), StatusCode::SEE_OTHER);
    app.login("ana@example.org", "another-long-passphrase").await;
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_end() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let b = Browser::new(&app);
    b.sign_in("ana@example.org", PASSWORD).await;
    app.clock.advance(119 * 60);
    assert_eq!(b.get("/account").await.status(), StatusCode::OK, "119 minutes idle is not too long");
    app.clock.advance(121 * 60);
    assert_eq!(b.get("/account").await.status(), StatusCode::SEE_OTHER, "over two hours idle");

    b.sign_in("ana@example.org", PASSWORD).await;
    for hour in 1..12 {
        app.clock.advance(3600);
        assert_eq!(b.get("/account").await.status(), StatusCode::OK, "hour {hour}");
    }
    app.clock.advance(3600);
    assert_eq!(b.get("/account").await.status(), StatusCode::SEE_OTHER, "twelve hours after sign-in");
}

#[tokio::test]
async fn the_forgotten_password_page_names_a_bad_address_and_sends_a_link_for_a_good_one() {
    let app = spawn_app().await;
    app.registered("ana@example.org", "community").await;
    let mails = app.count("outbound_emails").await;
    let b = Browser::new(&app);
    for (bad, message) in [("", "is required"), ("ana-at-example.org", "must be an email address")] {
        let r = b.submit("/forgot-password", "/forgot-password", &[("email", bad)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("govuk-error-summary") && html.contains(message), "{bad:?}: {html}");
        assert!(html.contains(&format!("value=\"{bad}\"")), "the address typed is kept: {html}");
    }
    assert_eq!(app.count("outbound_emails").await, mails, "no email for an address that is not one");
    // An unknown address and a known one look the same; only the known one gets a link.
    for email in ["nobody@example.org", "Ana@Example.org"] {
        let r = b.submit("/forgot-password", "/forgot-password", &[("email", email)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), "/forgot-password/check-your-email");
    }
    assert_eq!(app.count("outbound_emails").await, mails + 1);
    app.token_from_mail("ana@example.org", "/account/reset-password").await;
}
