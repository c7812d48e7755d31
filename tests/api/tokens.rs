//! Access tokens as a client presents them: tampered, expired, foreign, of another type, or of a
//! user who was disabled or had a role change.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem, spawn_app};

const DEV_SECRET: &[u8] = b"development-secret-change-me-development-secret";

fn forge(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
    encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn bad_tokens_get_401() {
    let app = spawn_app().await;
    let (id, access, _) = app.registered("ana@example.org", "innovator").await;
    assert_eq!(app.get("/api/v1/me", Some(&access)).await.status(), StatusCode::OK);

    problem(app.get("/api/v1/me", None).await, StatusCode::UNAUTHORIZED).await;
    let r = app.client.get(app.url("/api/v1/me")).header("authorization", "Basic abc").send().await.unwrap();
    problem(r, StatusCode::UNAUTHORIZED).await;

    let mut tampered = access.clone().into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'a' { b'b' } else { b'a' };
    problem(app.get("/api/v1/me", Some(&String::from_utf8(tampered).unwrap())).await, StatusCode::UNAUTHORIZED).await;

    let now = chrono::Utc::now().timestamp();
    // The login the real token belongs to, read from its payload.
    let payload: serde_json::Value = {
        use base64::Engine;
        let part = access.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let sid = payload["sid"].as_str().unwrap().to_string();
    let good = json!({"iss": "sandbox", "aud": "sandbox-api", "sub": id.to_string(), "exp": now + 600, "iat": now, "typ": "access", "ver": 0, "sid": sid});
    assert_eq!(
        app.get("/api/v1/me", Some(&forge(good.clone(), Algorithm::HS256, DEV_SECRET))).await.status(),
        StatusCode::OK
    );

    let mut cases = vec![
        ("wrong audience", {
            let mut c = good.clone();
            c["aud"] = json!("another-api");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("wrong issuer", {
            let mut c = good.clone();
            c["iss"] = json!("someone-else");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("expired", {
            let mut c = good.clone();
            c["exp"] = json!(now - 120);
            c["iat"] = json!(now - 1000);
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("other token type", {
            let mut c = good.clone();
            c["typ"] = json!("refresh");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("other algorithm", forge(good.clone(), Algorithm::HS512, DEV_SECRET)),
        ("other key", forge(good.clone(), Algorithm::HS256, b"another-secret-another-secret-another-secret")),
        ("no iat", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("iat");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("no sub", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("sub");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("no login", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("sid");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("a login that does not exist", {
            let mut c = good.clone();
            c["sid"] = json!("00000000-0000-4000-8000-000000000000");
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("not valid yet", {
            let mut c = good.clone();
            c["nbf"] = json!(now + 3600);
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("living longer than the service issues", {
            let mut c = good.clone();
            c["exp"] = json!(now + 30 * 86_400);
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
        ("old version", {
            let mut c = good.clone();
            c["ver"] = json!(7);
            forge(c, Algorithm::HS256, DEV_SECRET)
        }),
    ];
    cases.push(("alg none", format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&good.to_string()))));
    for (name, token) in cases {
        let r = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
        problem(r, StatusCode::UNAUTHORIZED).await;
    }

    // Access tokens expire with the clock (default 15 minutes).
    app.clock.advance(16 * 60);
    problem(app.get("/api/v1/me", Some(&access)).await, StatusCode::UNAUTHORIZED).await;
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn disabling_or_changing_role_cuts_access_at_once() {
    let app = spawn_app().await;
    let (_, admin) = app.admin("admin@example.org").await;
    let (ana, ana_access, ana_refresh) = app.registered("ana@example.org", "innovator").await;
    let (bob, bob_access, _) = app.registered("bob@example.org", "community").await;

    let r = app.patch(&format!("/api/v1/users/{ana}"), &json!({ "disabled": true }), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    problem(app.get("/api/v1/me", Some(&ana_access)).await, StatusCode::UNAUTHORIZED).await;
    problem(
        app.post("/api/v1/auth/refresh", &json!({ "refresh_token": ana_refresh }), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // A disabled user cannot log in, and is told the same as for a wrong password.
    let r = app
        .post("/api/v1/auth/login", &json!({"email": "ana@example.org", "password": crate::helpers::PASSWORD}), None)
        .await;
    problem(r, StatusCode::UNAUTHORIZED).await;
    // No reset link goes to a disabled account.
    let before = app.count("outbound_emails").await;
    app.post("/api/v1/auth/password-reset", &json!({ "email": "ana@example.org" }), None).await;
    assert_eq!(app.count("outbound_emails").await, before);

    let r = app.patch(&format!("/api/v1/users/{bob}"), &json!({ "role": "inspector" }), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    problem(app.get("/api/v1/me", Some(&bob_access)).await, StatusCode::UNAUTHORIZED).await;
    let (bob_new, _) = app.login("bob@example.org", crate::helpers::PASSWORD).await;
    let me: serde_json::Value = app.get("/api/v1/me", Some(&bob_new)).await.json().await.unwrap();
    assert_eq!(me["role"], "inspector");

    // Re-enabling lets Ana log in again.
    app.patch(&format!("/api/v1/users/{ana}"), &json!({ "disabled": false }), Some(&admin)).await;
    app.login("ana@example.org", crate::helpers::PASSWORD).await;
}
