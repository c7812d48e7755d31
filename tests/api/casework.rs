//! Helpers for the case tests: the people of a small sandbox, a complete draft, and requests
//! with `If-Match`.

use chrono::{Duration, NaiveDate};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};

pub const INSPECTOR_PASSWORD: &str = "heather-bridge-quartz-5";

pub struct World {
    pub admin: String,
    pub inspector_id: i64,
    pub inspector: String,
    pub other_inspector_id: i64,
    pub other_inspector: String,
    pub innovator_id: i64,
    pub innovator: String,
    pub other_innovator: String,
    pub community: String,
    pub zone_id: i64,
}

pub fn today(app: &TestApp) -> NaiveDate {
    app.ctx.now().date()
}

pub fn day(app: &TestApp, offset_days: i64) -> String {
    (today(app) + Duration::days(offset_days)).to_string()
}

pub async fn make_inspector(app: &TestApp, admin: &str, email: &str) -> (i64, String) {
    let r = app
        .post(
            "/api/v1/users",
            &json!({"email": email, "display_name": format!("Inspector {}", email.split('@').next().unwrap_or("")), "role": "inspector", "password": INSPECTOR_PASSWORD}),
            Some(admin),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (token, _) = app.login(email, INSPECTOR_PASSWORD).await;
    (id, token)
}

pub async fn innovator_with_org(app: &TestApp, email: &str, org: &str, kind: &str) -> (i64, String) {
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "display_name": format!("Person {email}"), "role": "innovator",
                    "organisation": {"name": org, "kind": kind}}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let token = app.token_from_mail(email, "/account/verify-email").await;
    app.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await;
    let (access, _) = app.login(email, PASSWORD).await;
    (id, access)
}

pub async fn zone(app: &TestApp, admin: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/zones", &body, Some(admin)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

pub fn zone_body() -> Value {
    json!({
        "name": "Bristol Harbourside Net Zero Zone",
        "lpa_code": "E06000023",
        "lpa_name": "Bristol City Council",
        "climate_emergency_declared_on": "2018-11-13",
        "open": true,
        "min_community_ownership_pct": 10,
        "allowed_provisions": ["GPDO-SCH2-PT14-A", "GPDO-SCH2-PT14-G", "GPDO-ART2-3"]
    })
}

pub async fn world(app: &TestApp) -> World {
    let (_, admin) = app.admin("admin@example.org").await;
    let (inspector_id, inspector) = make_inspector(app, &admin, "ivy@pins.example.org").await;
    let (other_inspector_id, other_inspector) = make_inspector(app, &admin, "ola@pins.example.org").await;
    let (innovator_id, innovator) =
        innovator_with_org(app, "ana@example.org", "Sunny Hill Energy Co-op", "community_owned_enterprise").await;
    let (_, other_innovator) = innovator_with_org(app, "bob@example.org", "Bob's Heat Pumps Ltd", "sme").await;
    let (_, community, _) = app.registered("cat@example.org", "community").await;
    let zone_id = zone(app, &admin, zone_body()).await;
    World {
        admin,
        inspector_id,
        inspector,
        other_inspector_id,
        other_inspector,
        innovator_id,
        innovator,
        other_innovator,
        community,
        zone_id,
    }
}

/// A draft that can be submitted as it is.
pub fn complete_draft(app: &TestApp, zone_id: i64) -> Value {
    json!({
        "title": "Street-scale solar on terraced roofs in a conservation area",
        "summary": "Forty terraced homes share rooftop solar owned by the co-operative.",
        "intervention": "solar_pv",
        "zone_id": zone_id,
        "site_address": "1-40 Harbour Terrace, Bristol",
        "site_postcode": "bs1 5tr",
        "proposed_start_date": day(app, 30),
        "proposed_duration_months": 24,
        "estimated_annual_co2e_tonnes": 42.5,
        "community_ownership_pct": 60,
        "innovation_statement": "Shared ownership across a terrace with one grid connection.",
        "need_for_derogation": "Panels on front roof slopes in a conservation area need planning permission.",
        "safeguards": "Black-framed panels, no protrusion above 0.2 m, heritage officer review.",
        "exit_plan": "Panels removed and roofs made good within 3 months of the trial's end.",
        "requested_derogations": [
            {"provision_code": "GPDO-SCH2-PT14-A", "justification": "Front slopes face south.", "scope": "Roofs of 1-40 Harbour Terrace"},
            {"provision_code": "GPDO-ART2-3", "justification": "Conservation area restriction.", "scope": "Front elevations"}
        ]
    })
}

pub fn etag(r: &Response) -> String {
    r.headers().get("etag").expect("ETag").to_str().unwrap().to_string()
}

/// Sends a change with `If-Match`.
pub async fn change(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let mut r = app.client.request(method, app.url(path)).json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    r.send().await.unwrap()
}

/// The current ETag of a case as `token` sees it.
pub async fn current(app: &TestApp, id: i64, token: &str) -> (String, Value) {
    let r = app.get(&format!("/api/v1/applications/{id}"), Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let tag = etag(&r);
    (tag, r.json().await.unwrap())
}

/// Runs a transition with the case's current ETag and expects success.
pub async fn transition(app: &TestApp, id: i64, action: &str, token: &str, body: Value) -> Value {
    let (tag, _) = current(app, id, token).await;
    let r =
        change(app, Method::POST, &format!("/api/v1/applications/{id}/{action}"), Some(token), Some(&tag), &body).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{action}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

pub async fn create_draft(app: &TestApp, token: &str, body: &Value) -> i64 {
    let r = app.post("/api/v1/applications", body, Some(token)).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

pub fn all_criteria(met: bool) -> Value {
    let names = [
        "genuine_innovation",
        "carbon_reduction",
        "community_benefit",
        "need_for_derogation",
        "readiness",
        "safeguards",
        "exit_plan",
    ];
    json!({
        "criteria": names.iter().enumerate().map(|(i, n)| json!({
            "criterion": n,
            "outcome": if met || i > 0 { "met" } else { "not_met" },
            "note": if met || i > 0 { "Satisfied." } else { "Commercially available already; nothing new is tested." }
        })).collect::<Vec<_>>()
    })
}

pub fn approval(app: &TestApp, start_offset: i64, months: u32) -> Value {
    let start = today(app) + Duration::days(start_offset);
    let end = start.checked_add_months(chrono::Months::new(months)).unwrap();
    json!({
        "reasons": "Genuine community ownership; safeguards protect the conservation area.",
        "trial_start_date": start.to_string(),
        "trial_end_date": end.to_string(),
        "derogations": [{"provision_code": "GPDO-SCH2-PT14-A", "limits": "Front roof slopes only; black frames."}],
        "conditions": [
            {"category": "community_fund", "description": "Community energy fund", "metric": "Annual payment into the fund",
             "target_value": 5000, "unit": "GBP", "due_on": (start + Duration::days(180)).to_string()},
            {"category": "bill_savings", "description": "Bill savings for households", "metric": "Households with lower bills",
             "target_value": 40, "unit": "households", "due_on": (start + Duration::days(300)).to_string()}
        ]
    })
}

/// Submitted, assigned to the world's inspector, screened: ready for a decision.
pub async fn case_in_assessment(app: &TestApp, w: &World) -> i64 {
    let id = create_draft(app, &w.innovator, &complete_draft(app, w.zone_id)).await;
    transition(app, id, "submit", &w.innovator, json!({})).await;
    transition(app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(app, id, "screening", &w.inspector, all_criteria(true)).await;
    id
}

/// An approved trial that has started.
pub async fn active_trial(app: &TestApp, w: &World) -> i64 {
    let id = case_in_assessment(app, w).await;
    transition(app, id, "approve", &w.inspector, approval(app, 0, 12)).await;
    transition(app, id, "start", &w.innovator, json!({})).await;
    id
}
