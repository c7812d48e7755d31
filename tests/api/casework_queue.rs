//! The inspectors' work queue: the target decision date kept on each case, the JSON queue's
//! `sort=target`, `overdue` and `applicant_kind`, the `/casework` page's tabs and filters, and the
//! statistics' decisions within target.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{spawn_app, TestApp, PASSWORD};
use crate::web::Browser;

async fn relogin(app: &TestApp, w: &mut World) {
    w.innovator = app.login("ana@example.org", PASSWORD).await.0;
    w.other_innovator = app.login("bob@example.org", PASSWORD).await.0;
    w.inspector = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await.0;
    w.other_inspector = app.login("ola@pins.example.org", INSPECTOR_PASSWORD).await.0;
    w.admin = app.login("admin@example.org", PASSWORD).await.0;
}

async fn submitted(app: &TestApp, token: &str, zone_id: i64, title: &str) -> i64 {
    let mut body = complete_draft(app, zone_id);
    body["title"] = json!(title);
    let id = create_draft(app, token, &body).await;
    transition(app, id, "submit", token, json!({})).await;
    id
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/applications?{query}"), Some(token)).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    r.json::<Vec<Value>>().await.unwrap()
}

fn ids(rows: &[Value]) -> Vec<i64> {
    rows.iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

fn decode(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&amp;", "&").replace("&#x27;", "'")
}

#[tokio::test]
async fn the_json_queue_shows_each_target_and_sorts_and_filters_by_it() {
    let app = spawn_app().await;
    let mut w = world(&app).await;
    let old = submitted(&app, &w.innovator, w.zone_id, "Old case").await;
    app.clock.advance(70 * 86_400);
    relogin(&app, &mut w).await;
    let new = submitted(&app, &w.other_innovator, w.zone_id, "New case").await;

    // Newest first by default; oldest target first when asked.
    let rows = queue(&app, &w.inspector, "").await;
    assert_eq!(ids(&rows), vec![new, old]);
    let by_target = queue(&app, &w.inspector, "sort=target").await;
    assert_eq!(ids(&by_target), vec![old, new]);

    // 70 days on, the old case's 40 working days have passed; the new one has all of them.
    let old_row = &by_target[0];
    assert!(old_row["working_days_left"].as_i64().unwrap() < 0, "{old_row}");
    assert_eq!(old_row["zone_name"], "Bristol Harbourside Net Zero Zone");
    assert_eq!(old_row["applicant_kind"], "community_owned_enterprise");
    assert_eq!(by_target[1]["working_days_left"], 40);
    assert_eq!(by_target[1]["decision_clock_paused"], false);
    let (_, full) = current(&app, old, &w.inspector).await;
    assert_eq!(old_row["target_decision_date"], full["target_decision_date"], "the queue and the case agree");

    assert_eq!(ids(&queue(&app, &w.inspector, "overdue=true").await), vec![old]);
    assert_eq!(ids(&queue(&app, &w.inspector, "applicant_kind=sme").await), vec![new]);
    assert_eq!(ids(&queue(&app, &w.inspector, "overdue=true&applicant_kind=sme").await), Vec::<i64>::new());

    // A case waiting for information is paused, so not overdue, and its target moves on.
    transition(&app, old, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, old, "screening", &w.inspector, all_criteria(true)).await;
    let asked =
        transition(&app, old, "information-requests", &w.inspector, json!({"question": "Who maintains it?"})).await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    let row = queue(&app, &w.inspector, "sort=target").await.into_iter().find(|r| r["id"] == old).unwrap();
    assert_eq!(row["decision_clock_paused"], true);
    assert_eq!(ids(&queue(&app, &w.inspector, "overdue=true").await), Vec::<i64>::new());
    let before = row["target_decision_date"].as_str().unwrap().to_string();
    app.clock.advance(7 * 86_400);
    relogin(&app, &mut w).await;
    transition(&app, old, &format!("information-requests/{rid}/answer"), &w.innovator, json!({"answer": "We do."}))
        .await;
    let row = queue(&app, &w.inspector, "sort=target").await.into_iter().find(|r| r["id"] == old).unwrap();
    let after = row["target_decision_date"].as_str().unwrap();
    assert!(after > before.as_str(), "the wait moved the target on: {before} → {after}");
    let (_, full) = current(&app, old, &w.inspector).await;
    assert_eq!(row["target_decision_date"], full["target_decision_date"]);

    // Bad parameters are named.
    let r = app.get("/api/v1/applications?sort=oldest&overdue=maybe", Some(&w.inspector)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("sort") && body.contains("overdue"), "{body}");
}

#[tokio::test]
async fn decisions_within_target_are_counted_by_applicant_kind() {
    let app = spawn_app().await;
    let mut w = world(&app).await;
    let late = submitted(&app, &w.innovator, w.zone_id, "Late").await;
    let quick = submitted(&app, &w.other_innovator, w.zone_id, "Quick").await;
    transition(&app, quick, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, quick, "screening", &w.inspector, all_criteria(false)).await;
    app.clock.advance(70 * 86_400);
    relogin(&app, &mut w).await;
    transition(&app, late, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, late, "screening", &w.inspector, all_criteria(true)).await;
    transition(&app, late, "refuse", &w.inspector, json!({"reasons": "Harm outweighs the benefit."})).await;

    let s: Value = app.get("/api/v1/stats", None).await.json().await.unwrap();
    assert_eq!(
        s["timeliness"]["value"]["within_target"],
        json!([
            {"applicant_kind": "community_owned_enterprise", "decisions": 1, "within_target": 0, "share_within_target": 0.0},
            {"applicant_kind": "sme", "decisions": 1, "within_target": 1, "share_within_target": 1.0}
        ])
    );
    let page = decode(&reqwest::get(app.url("/stats")).await.unwrap().text().await.unwrap());
    assert!(page.contains("Decisions made within the target date, by applicant"), "{page}");
    assert!(page.contains("Community-owned enterprise"));
}

#[tokio::test]
async fn the_casework_page_has_tabs_with_counts_filters_and_the_clock() {
    let app = spawn_app().await;
    let mut w = world(&app).await;
    let old = submitted(&app, &w.innovator, w.zone_id, "Terrace solar").await;
    app.clock.advance(70 * 86_400);
    relogin(&app, &mut w).await;
    let new = submitted(&app, &w.other_innovator, w.zone_id, "Heat pump street").await;
    let (_, old_case) = current(&app, old, &w.inspector).await;
    let old_ref = old_case["reference"].as_str().unwrap().to_string();

    let b = Browser::new(&app);
    assert_eq!(b.sign_in("ivy@pins.example.org", INSPECTOR_PASSWORD).await, "/casework");
    let html = decode(&b.page("/casework").await);
    assert!(html.contains("<title>Unassigned – Casework – Planning Sandbox</title>"), "{html}");
    assert!(html.contains(r#"aria-current="page">Unassigned <span class="app-count">(2)"#), "{html}");
    assert!(html.contains("Assigned to me <span class=\"app-count\">(0)"));
    assert!(html.contains("Overdue <span class=\"app-count\">(1)"));
    assert!(html.contains(&format!(r#"href="/casework/{old}">{old_ref}</a>"#)));
    // Oldest target first, with the zone, the applicant kind as words, and the days left.
    assert!(html.find("Terrace solar").unwrap() < html.find("Heat pump street").unwrap());
    assert!(html.contains("Bristol Harbourside Net Zero Zone"));
    assert!(html.contains("Community-owned enterprise"));
    assert!(html.contains("40 working days left"));
    assert!(html.contains("working days overdue"), "{html}");

    // Filters narrow every tab's count; a bad one is named in the error summary.
    let sme = decode(&b.page("/casework?tab=all&applicant_kind=sme").await);
    assert!(sme.contains("Heat pump street") && !sme.contains("Terrace solar"));
    assert!(sme.contains("Overdue <span class=\"app-count\">(0)"));
    let bad = decode(&b.page("/casework?zone=nowhere").await);
    assert!(bad.contains("<title>Error: Unassigned – Casework"), "{bad}");
    assert!(bad.contains(r##"href="#zone">Zone must be a zone id"##), "{bad}");

    // Assigned to me, after the inspector takes one.
    transition(&app, new, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    let mine = decode(&b.page("/casework?tab=mine").await);
    assert!(mine.contains(r#"aria-current="page">Assigned to me <span class="app-count">(1)"#), "{mine}");
    assert!(mine.contains("Heat pump street") && !mine.contains("Terrace solar"));

    // Others may not see the queue.
    let innovator = Browser::new(&app);
    innovator.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(innovator.get("/casework").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(Browser::new(&app).get("/casework").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn evidence_awaiting_verification_puts_a_trial_in_needs_review() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let b = Browser::new(&app);
    b.sign_in("ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let before = decode(&b.page("/casework?tab=needs-review").await);
    assert!(before.contains(r#"aria-current="page">Needs review <span class="app-count">(0)"#), "{before}");
    assert!(before.contains("There are no cases here."));

    let conditions: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/conditions"), Some(&w.innovator)).await.json().await.unwrap();
    let cid = conditions[0]["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/conditions/{cid}/evidence"),
            &json!({"body": "Paid £5,000 into the fund.", "reported_value": 5000}),
            Some(&w.innovator),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let after = decode(&b.page("/casework?tab=needs-review").await);
    assert!(after.contains(r#"aria-current="page">Needs review <span class="app-count">(1)"#), "{after}");
    assert!(after.contains(&format!(r#"href="/casework/{id}""#)));
    assert!(after.contains("No decision clock: decided or closed"), "an active trial has no decision clock");
    assert_eq!(ids(&queue(&app, &w.inspector, "needs_review=true").await), vec![id]);
}

#[tokio::test]
async fn an_answer_waits_in_needs_review_until_the_inspector_acts() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let asked =
        transition(&app, id, "information-requests", &w.inspector, json!({"question": "Who maintains it?"})).await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    assert_eq!(ids(&queue(&app, &w.inspector, "needs_review=true").await), Vec::<i64>::new());
    transition(&app, id, &format!("information-requests/{rid}/answer"), &w.innovator, json!({"answer": "We do."}))
        .await;
    assert_eq!(ids(&queue(&app, &w.inspector, "needs_review=true").await), vec![id]);
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    assert_eq!(ids(&queue(&app, &w.inspector, "needs_review=true").await), Vec::<i64>::new());
}
