//! Trials in operation: conditions and evidence, attestations, milestones, the scheduler,
//! moderation, uploads, quotas, preferences, and the refused cells of these endpoints.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app, spawn_app_with, TestApp, PASSWORD};

async fn condition(app: &TestApp, id: i64, token: &str, index: usize) -> Value {
    let list: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/conditions"), Some(token)).await.json().await.unwrap();
    list[index].clone()
}

fn tag_of(v: &Value) -> String {
    format!("\"{}\"", v["version"].as_i64().unwrap())
}

async fn post(app: &TestApp, path: &str, token: &str, if_match: Option<&str>, body: Value) -> reqwest::Response {
    change(app, Method::POST, path, Some(token), if_match, &body).await
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

async fn upload(app: &TestApp, cid: i64, token: &str, name: &str, data: Vec<u8>) -> reqwest::Response {
    let form = Form::new()
        .text("body", "Bank statement showing the payment.")
        .text("reported_value", "5200")
        .part("file", Part::bytes(data).file_name(name.to_string()).mime_str("application/octet-stream").unwrap());
    app.client
        .post(app.url(&format!("/api/v1/conditions/{cid}/evidence")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn verified_member(app: &TestApp, email: &str) -> (i64, String) {
    let (id, token, _) = app.registered(email, "community").await;
    (id, token)
}

#[tokio::test]
async fn the_monitoring_path() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (_, neighbour) = verified_member(&app, "nia@example.org").await;
    let r = app.post("/api/v1/subscriptions", &json!({"application_id": id}), Some(&neighbour)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let fund = condition(&app, id, &w.innovator, 0).await;
    let cid = fund["id"].as_i64().unwrap();

    // Evidence as JSON.
    let r = post(
        &app,
        &format!("/api/v1/conditions/{cid}/evidence"),
        &w.innovator,
        None,
        json!({"body": "Paid £5,000 into the fund.", "reported_value": 5000}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.evidence_submitted"));

    // A neighbour disputes it: the inspector and the innovator hear of it.
    let r = post(
        &app,
        &format!("/api/v1/conditions/{cid}/attestations"),
        &neighbour,
        None,
        json!({"stance": "dispute", "comment": "The fund's account shows nothing yet."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mails = app.outbox().await;
    assert!(mails.iter().any(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.attestation_disputed"));
    assert!(mails.iter().any(|m| m.to_address == "ana@example.org" && m.category == "case.attestation_disputed"));

    // The inspector rejects it with feedback; the condition is pending again.
    let cond = condition(&app, id, &w.inspector, 0).await;
    let r = post(
        &app,
        &format!("/api/v1/conditions/{cid}/verify"),
        &w.inspector,
        Some(&tag_of(&cond)),
        json!({"outcome": "rejected", "note": "Show the bank statement."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cond: Value = r.json().await.unwrap();
    assert_eq!(cond["status"], "pending");
    assert_eq!(cond["evidence"][0]["outcome"], "rejected");

    // New evidence with a file, then verification.
    let r = upload(&app, cid, &w.innovator, "../../statement<1>.pdf", pdf()).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let cond: Value = r.json().await.unwrap();
    let ev = &cond["evidence"][0];
    assert_eq!(ev["file_name"], "statement1.pdf");
    assert_eq!(ev["file_type"], "application/pdf");
    assert_eq!(ev["file_size"], pdf().len());
    assert_eq!(ev["reported_value"], 5200.0);
    let url = ev["file_url"].as_str().unwrap().to_string();
    let file = app.get(&url, Some(&w.inspector)).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers().get("content-type").unwrap(), "application/pdf");
    assert!(file
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("filename=\"statement1.pdf\""));
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf());
    let r = post(
        &app,
        &format!("/api/v1/conditions/{cid}/verify"),
        &w.inspector,
        Some(&tag_of(&cond)),
        json!({"outcome": "met", "note": "Statement checked."}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "met");
    assert!(app.outbox().await.iter().any(|m| m.to_address == "ana@example.org" && m.category == "case.condition_met"));

    // Milestone report → revision → acceptance.
    let (_, case) = current(&app, id, &w.innovator).await;
    let interim = case["milestones"][0].clone();
    let mid = interim["id"].as_i64().unwrap();
    let r = post(
        &app,
        &format!("/api/v1/milestones/{mid}/report"),
        &w.innovator,
        Some(&tag_of(&interim)),
        json!({"report": "Quarter one."}),
    )
    .await;
    let case: Value = r.json().await.unwrap();
    let m = case["milestones"][0].clone();
    assert_eq!(m["status"], "submitted");
    let r = post(
        &app,
        &format!("/api/v1/milestones/{mid}/review"),
        &w.inspector,
        Some(&tag_of(&m)),
        json!({"outcome": "revision_requested", "note": "Add the meter readings."}),
    )
    .await;
    let m = r.json::<Value>().await.unwrap()["milestones"][0].clone();
    assert_eq!(m["status"], "revision_requested");
    let r = post(
        &app,
        &format!("/api/v1/milestones/{mid}/report"),
        &w.innovator,
        Some(&tag_of(&m)),
        json!({"report": "Quarter one, with readings."}),
    )
    .await;
    let m = r.json::<Value>().await.unwrap()["milestones"][0].clone();
    let r = post(
        &app,
        &format!("/api/v1/milestones/{mid}/review"),
        &w.inspector,
        Some(&tag_of(&m)),
        json!({"outcome": "accepted", "note": "Good."}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["milestones"][0]["status"], "accepted");

    // Time passes: the second condition (bill savings, due in 300 days) and the next milestone go overdue.
    let (_, case) = current(&app, id, &w.innovator).await;
    let next = case["milestones"][1].clone();
    let due = chrono::NaiveDate::parse_from_str(next["due_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let days_to_reminder = (due - today(&app)).num_days() - 14;
    app.clock.advance(days_to_reminder * 86_400);
    let report = sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert_eq!(report.reminders, 1, "{report:?}");
    let reminders = app.outbox().await.into_iter().filter(|m| m.category == "case.milestone_reminder").count();
    assert_eq!(reminders, 1);
    app.clock.advance(12 * 86_400);
    sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert_eq!(
        app.outbox().await.into_iter().filter(|m| m.category == "case.milestone_reminder").count(),
        2,
        "the 3-day reminder"
    );
    app.clock.advance(3 * 86_400);
    let report = sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert_eq!(report.milestones_overdue, 1, "{report:?}");
    let escalations: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|m| m.category == "case.milestone_overdue")
        .map(|m| m.to_address)
        .collect();
    assert!(
        escalations.contains(&"ivy@pins.example.org".to_string())
            && escalations.contains(&"ana@example.org".to_string())
    );
    let again = sandbox::jobs::scheduler::run_once(&app.ctx).await.unwrap();
    assert_eq!(again, sandbox::jobs::scheduler::PassReport::default(), "a second pass finds nothing to do");
    assert_eq!(
        app.outbox().await.into_iter().filter(|m| m.category == "case.milestone_overdue").count(),
        escalations.len(),
        "escalated once"
    );

    // Breach → suspension; the follower hears of the breach.
    let (inspector, _) = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let savings = condition(&app, id, &inspector, 1).await;
    let r = post(
        &app,
        &format!("/api/v1/conditions/{}/breach", savings["id"]),
        &inspector,
        Some(&tag_of(&savings)),
        json!({"reasons": "No household has seen lower bills."}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "breached");
    assert!(app.outbox().await.iter().any(|m| m.to_address == "nia@example.org"
        && m.category == "case.condition_breached"
        && m.body_text.contains("/account/notifications")));
    let suspended =
        transition(&app, id, "suspend", &inspector, json!({"reasons": "Bill-savings condition breached."})).await;
    assert_eq!(suspended["status"], "suspended");

    // The whole trail is intact.
    assert!(app.query(sandbox::db::audit::verify_all).await.is_ok());
}

#[tokio::test]
async fn overdue_conditions_and_concurrent_scheduler_passes_queue_each_email_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = active_trial(&app, &w).await;
    let b = active_trial(&app, &w).await;
    app.clock.advance(400 * 86_400);
    let ctx = app.ctx.clone();
    let (x, y) = tokio::join!(sandbox::jobs::scheduler::run_once(&ctx), sandbox::jobs::scheduler::run_once(&ctx));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.conditions_overdue + y.conditions_overdue, 4, "{x:?} {y:?}");
    let (inspector, _) = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    for id in [a, b] {
        let list: Vec<Value> =
            app.get(&format!("/api/v1/applications/{id}/conditions"), Some(&inspector)).await.json().await.unwrap();
        assert!(list.iter().all(|c| c["status"] == "overdue"));
    }
    // Each overdue email exists once per recipient, whichever pass queued it.
    let mails = app.outbox().await;
    let overdue: Vec<&str> =
        mails.iter().filter(|m| m.category == "case.condition_overdue").map(|m| m.dedup_key.as_str()).collect();
    assert_eq!(overdue.len(), 4 * 2, "author and inspector for each of four conditions");
    let mut unique = overdue.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), overdue.len());
    let total = mails.len();
    let (x, y) = tokio::join!(sandbox::jobs::scheduler::run_once(&ctx), sandbox::jobs::scheduler::run_once(&ctx));
    assert_eq!(x.unwrap().conditions_overdue + y.unwrap().conditions_overdue, 0);
    assert_eq!(app.outbox().await.len(), total, "nothing queued twice");
    assert!(app.query(sandbox::db::audit::verify_all).await.is_ok());
}

#[tokio::test]
async fn uploads_are_checked_and_failures_store_nothing() {
    let app = spawn_app_with(&[("uploads.max_file_bytes", "2048".into())]).await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let cid = condition(&app, id, &w.innovator, 0).await["id"].as_i64().unwrap();
    let before = (app.count("evidence").await, app.count("audit_events").await, app.count("outbound_emails").await);

    problem(
        upload(&app, cid, &w.innovator, "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00".to_vec()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        upload(&app, cid, &w.innovator, "big.pdf", [pdf(), vec![b'x'; 4096]].concat()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let body =
        problem(upload(&app, cid, &w.innovator, "empty.pdf", Vec::new()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["file"]);
    let r = app
        .client
        .post(app.url(&format!("/api/v1/conditions/{cid}/evidence")))
        .bearer_auth(&w.innovator)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let r = post(
        &app,
        &format!("/api/v1/conditions/{cid}/evidence"),
        &w.innovator,
        None,
        json!({"reported_value": "lots"}),
    )
    .await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["body", "reported_value"]);
    assert_eq!(
        (app.count("evidence").await, app.count("audit_events").await, app.count("outbound_emails").await),
        before
    );

    // CSV recognised by its content, whatever its name.
    let r = upload(&app, cid, &w.innovator, "readings.txt", b"date,kwh\n2027-01-01,12\n2027-01-02,13\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["evidence"][0]["file_type"], "text/csv");
}

#[tokio::test]
async fn moderation_as_the_public_the_member_and_the_inspector_see_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    let post_one = |body: &'static str| {
        let (app, member) = (&app, member.clone());
        async move {
            let r = app
                .post(
                    &format!("/api/v1/applications/{id}/observations"),
                    &json!({"kind": "concern", "body": body}),
                    Some(&member),
                )
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()
        }
    };
    let keep = post_one("The panels look fine from the street.").await;
    let redact = post_one("Call me on 07700 900123, the noise at number 12 is awful.").await;
    let hide = post_one("Spam spam spam.").await;
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "ana@example.org" && m.category == "case.observation_posted"));

    let r = post(&app, &format!("/api/v1/observations/{}/moderate", redact["id"]), &w.inspector, Some(&tag_of(&redact)),
        json!({"action": "redact", "reason": "Personal phone number", "redacted_body": "[phone number removed], the noise at number 12 is awful."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &app,
        &format!("/api/v1/observations/{}/moderate", hide["id"]),
        &w.admin,
        Some(&tag_of(&hide)),
        json!({"action": "hide", "reason": "Spam"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &app,
        &format!("/api/v1/observations/{}/replies", keep["id"]),
        &w.innovator,
        None,
        json!({"body": "Thank you!"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "nia@example.org" && m.category == "case.observation_replied"));

    for (who, token) in [("public", None), ("member", Some(member.as_str()))] {
        let list: Vec<Value> =
            app.get(&format!("/api/v1/applications/{id}/observations"), token).await.json().await.unwrap();
        let text = serde_json::to_string(&list).unwrap();
        assert_eq!(list.len(), 2, "{who} sees the published and the redacted one");
        assert!(!text.contains("07700") && !text.contains("Spam"), "{who}: {text}");
        assert!(text.contains("[phone number removed]"));
        assert!(list.iter().all(|o| o.get("original_body").is_none()));
        assert_eq!(list[0]["replies"][0]["body"], "Thank you!");
    }
    let list: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/observations"), Some(&w.inspector)).await.json().await.unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().any(|o| o["original_body"].as_str().unwrap().contains("07700")));
    assert!(list.iter().any(|o| o["visibility"] == "hidden"));
    // The audit trail keeps the original for staff only.
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.inspector)).await.json().await.unwrap();
    assert!(history
        .iter()
        .any(|h| h["action"] == "observation.moderated"
            && h["details"]["original"].as_str().unwrap_or("").contains("07700")));
    let own: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.innovator)).await.json().await.unwrap();
    assert!(own.iter().all(|h| h["action"] != "observation.moderated"));
    // Nor does the history show the author what the moderators took away: the hidden text is
    // withheld and the redacted one reads as published; the reply stays as written.
    let text = serde_json::to_string(&own).unwrap();
    assert!(!text.contains("07700") && !text.contains("Spam"), "{text}");
    assert!(text.contains("[phone number removed]") && text.contains("Thank you!"), "{text}");
    let posted: Vec<&Value> = own.iter().filter(|h| h["action"] == "observation.posted").collect();
    assert_eq!(posted.len(), 3);
    assert_eq!(posted.iter().filter(|h| h["details"]["withheld"] == true).count(), 2, "{posted:?}");
    // Staff still read every original.
    let text = serde_json::to_string(&history).unwrap();
    assert!(text.contains("Spam spam spam.") && text.contains("Call me on 07700"));
}

#[tokio::test]
async fn posting_is_for_verified_members_on_public_trials_within_a_quota() {
    let app = spawn_app_with(&[("community.posts_per_hour", "2".into())]).await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let draft = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "new@example.org", "password": PASSWORD, "display_name": "New", "role": "community"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (unverified, _) = app.login("new@example.org", PASSWORD).await;
    let body = json!({"kind": "support", "body": "Good idea."});
    let before = app.count("observations").await;
    problem(
        app.post(&format!("/api/v1/applications/{id}/observations"), &body, Some(&unverified)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(app.post(&format!("/api/v1/applications/{id}/observations"), &body, None).await, StatusCode::UNAUTHORIZED)
        .await;
    problem(
        app.post(&format!("/api/v1/applications/{id}/observations"), &body, Some(&w.innovator)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post(&format!("/api/v1/applications/{id}/observations"), &body, Some(&w.inspector)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post(&format!("/api/v1/applications/{draft}/observations"), &body, Some(&member)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(app.count("observations").await, before);

    for _ in 0..2 {
        assert_eq!(
            app.post(&format!("/api/v1/applications/{id}/observations"), &body, Some(&member)).await.status(),
            StatusCode::CREATED
        );
    }
    let r = app.post(&format!("/api/v1/applications/{id}/observations"), &body, Some(&member)).await;
    assert!(r.headers().get("retry-after").is_some());
    problem(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(app.count("observations").await, before + 2);
}

#[tokio::test]
async fn preferences_turn_off_optional_mail_but_not_security_mail() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    app.post("/api/v1/subscriptions", &json!({"application_id": id}), Some(&member)).await;
    app.post("/api/v1/subscriptions", &json!({"zone_id": w.zone_id}), Some(&member)).await;
    let subs: Vec<Value> = app.get("/api/v1/subscriptions", Some(&member)).await.json().await.unwrap();
    assert_eq!(subs.len(), 2);
    problem(
        app.post("/api/v1/subscriptions", &json!({"zone_id": w.zone_id}), Some(&member)).await,
        StatusCode::CONFLICT,
    )
    .await;

    let prefs: Value = app.get("/api/v1/me/notification-preferences", Some(&member)).await.json().await.unwrap();
    assert_eq!(prefs["categories"]["followed_trials"], true);
    let r = change(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        Some(&member),
        None,
        &json!({"categories": {"security": false, "weather": true}}),
    )
    .await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["security", "weather"]);
    let r = change(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        Some(&member),
        None,
        &json!({"categories": {"followed_trials": false}}),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["categories"]["followed_trials"], false);

    let cond = condition(&app, id, &w.inspector, 0).await;
    post(
        &app,
        &format!("/api/v1/conditions/{}/breach", cond["id"]),
        &w.inspector,
        Some(&tag_of(&cond)),
        json!({"reasons": "Missed."}),
    )
    .await;
    assert!(app
        .outbox()
        .await
        .iter()
        .all(|m| m.to_address != "nia@example.org" || m.category.starts_with("security.")));
    // Security mail still goes.
    app.post("/api/v1/auth/password-reset", &json!({"email": "nia@example.org"}), None).await;
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "nia@example.org" && m.category == "security.password_reset"));

    let r = app
        .client
        .delete(app.url(&format!("/api/v1/subscriptions/{}", subs[0]["id"])))
        .bearer_auth(&w.community)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/subscriptions/{}", subs[0]["id"])))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_refused_cells_of_the_monitoring_endpoints_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    let cond = condition(&app, id, &w.inspector, 0).await;
    let cid = cond["id"].as_i64().unwrap();
    let (_, case) = current(&app, id, &w.inspector).await;
    let milestone = case["milestones"][0].clone();
    let mid = milestone["id"].as_i64().unwrap();
    let obs = app
        .post(
            &format!("/api/v1/applications/{id}/observations"),
            &json!({"kind": "comment", "body": "Hello"}),
            Some(&member),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let oid = obs["id"].as_i64().unwrap();

    let condition_body = json!({"category": "engagement", "description": "Open day", "metric": "Open days held", "target_value": 1, "unit": "days", "due_on": day(&app, 60)});
    let monitor_calls: Vec<(Method, String, Value, String)> = vec![
        (Method::POST, format!("/api/v1/applications/{id}/conditions"), condition_body.clone(), String::new()),
        (Method::PUT, format!("/api/v1/conditions/{cid}"), condition_body.clone(), tag_of(&cond)),
        (Method::DELETE, format!("/api/v1/conditions/{cid}"), json!({}), tag_of(&cond)),
        (
            Method::POST,
            format!("/api/v1/conditions/{cid}/verify"),
            json!({"outcome": "met", "note": "x"}),
            tag_of(&cond),
        ),
        (Method::POST, format!("/api/v1/conditions/{cid}/breach"), json!({"reasons": "x"}), tag_of(&cond)),
        (Method::POST, format!("/api/v1/conditions/{cid}/waive"), json!({"reasons": "x"}), tag_of(&cond)),
        (
            Method::POST,
            format!("/api/v1/applications/{id}/milestones"),
            json!({"kind": "site_inspection", "title": "Visit", "due_on": day(&app, 30)}),
            String::new(),
        ),
        (Method::PATCH, format!("/api/v1/milestones/{mid}"), json!({"due_on": day(&app, 40)}), tag_of(&milestone)),
        (Method::POST, format!("/api/v1/milestones/{mid}/waive"), json!({"reasons": "x"}), tag_of(&milestone)),
        (
            Method::POST,
            format!("/api/v1/milestones/{mid}/review"),
            json!({"outcome": "accepted", "note": "x"}),
            tag_of(&milestone),
        ),
    ];
    let disabled = {
        let (uid, token, _) = app.registered("dora@example.org", "community").await;
        app.patch(&format!("/api/v1/users/{uid}"), &json!({"disabled": true}), Some(&w.admin)).await;
        token
    };
    let before = snapshot(&app, id, &w.inspector).await;
    for (method, path, body, tag) in &monitor_calls {
        for (who, token, status) in [
            ("author", Some(w.innovator.as_str()), StatusCode::FORBIDDEN),
            ("other inspector", Some(w.other_inspector.as_str()), StatusCode::FORBIDDEN),
            ("admin", Some(w.admin.as_str()), StatusCode::FORBIDDEN),
            ("member", Some(member.as_str()), StatusCode::NOT_FOUND),
            ("other innovator", Some(w.other_innovator.as_str()), StatusCode::NOT_FOUND),
            ("public", None, StatusCode::UNAUTHORIZED),
            ("disabled", Some(disabled.as_str()), StatusCode::UNAUTHORIZED),
        ] {
            let r = change(&app, method.clone(), path, token, (!tag.is_empty()).then_some(tag.as_str()), body).await;
            assert_eq!(r.status(), status, "{who} {method} {path}");
        }
    }
    let author_calls: Vec<(String, Value, String)> = vec![
        (format!("/api/v1/conditions/{cid}/evidence"), json!({"body": "x"}), String::new()),
        (format!("/api/v1/milestones/{mid}/report"), json!({"report": "x"}), tag_of(&milestone)),
    ];
    for (path, body, tag) in &author_calls {
        for (who, token, status) in [
            ("assigned inspector", Some(w.inspector.as_str()), StatusCode::FORBIDDEN),
            ("admin", Some(w.admin.as_str()), StatusCode::FORBIDDEN),
            ("member", Some(member.as_str()), StatusCode::NOT_FOUND),
            ("public", None, StatusCode::UNAUTHORIZED),
        ] {
            let r = change(&app, Method::POST, path, token, (!tag.is_empty()).then_some(tag.as_str()), body).await;
            assert_eq!(r.status(), status, "{who} POST {path}");
        }
    }
    for (who, token, status) in [
        ("author", Some(w.innovator.as_str()), StatusCode::FORBIDDEN),
        ("member", Some(member.as_str()), StatusCode::FORBIDDEN),
        ("public", None, StatusCode::UNAUTHORIZED),
    ] {
        let r = change(
            &app,
            Method::POST,
            &format!("/api/v1/observations/{oid}/moderate"),
            token,
            Some(&tag_of(&obs)),
            &json!({"action": "hide", "reason": "x"}),
        )
        .await;
        assert_eq!(r.status(), status, "{who} moderate");
    }
    for (who, token, status) in [
        ("member", Some(member.as_str()), StatusCode::FORBIDDEN),
        ("other innovator", Some(w.other_innovator.as_str()), StatusCode::FORBIDDEN),
        ("public", None, StatusCode::UNAUTHORIZED),
    ] {
        let r = app.post(&format!("/api/v1/observations/{oid}/replies"), &json!({"body": "x"}), token).await;
        assert_eq!(r.status(), status, "{who} reply");
    }
    for (who, token, status) in [
        ("author", Some(w.innovator.as_str()), StatusCode::FORBIDDEN),
        ("assigned inspector", Some(w.inspector.as_str()), StatusCode::FORBIDDEN),
        ("public", None, StatusCode::UNAUTHORIZED),
    ] {
        let r = app
            .post(
                &format!("/api/v1/conditions/{cid}/attestations"),
                &json!({"stance": "confirm", "comment": "x"}),
                token,
            )
            .await;
        assert_eq!(r.status(), status, "{who} attest");
    }
    assert_eq!(snapshot(&app, id, &w.inspector).await, before, "refused requests changed nothing");
}

async fn snapshot(app: &TestApp, id: i64, token: &str) -> (Vec<i64>, Value) {
    let mut counts = Vec::new();
    for t in [
        "conditions",
        "evidence",
        "milestones",
        "observations",
        "observation_replies",
        "attestations",
        "audit_events",
        "outbound_emails",
        "subscriptions",
    ] {
        counts.push(app.count(t).await);
    }
    let (_, case) = current(app, id, token).await;
    (counts, case)
}

#[tokio::test]
async fn followers_of_a_zone_and_a_trial_hear_of_its_events_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    assert_eq!(
        app.post("/api/v1/subscriptions", &json!({"zone_id": w.zone_id}), Some(&member)).await.status(),
        StatusCode::CREATED
    );
    let id = case_in_assessment(&app, &w).await;
    // A case in assessment cannot be followed by the public yet.
    problem(
        app.post("/api/v1/subscriptions", &json!({"application_id": id}), Some(&member)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    let to_member = |mails: &[sandbox::db::models::OutboundEmail], cat: &str| {
        mails.iter().filter(|m| m.to_address == "nia@example.org" && m.category == cat).count()
    };
    assert_eq!(to_member(&app.outbox().await, "case.decided"), 1, "zone followers hear of approvals");
    assert_eq!(
        app.post("/api/v1/subscriptions", &json!({"application_id": id}), Some(&member)).await.status(),
        StatusCode::CREATED
    );
    transition(&app, id, "start", &w.innovator, json!({})).await;
    transition(&app, id, "suspend", &w.inspector, json!({"reasons": "Checks."})).await;
    let mails = app.outbox().await;
    assert_eq!(to_member(&mails, "case.started"), 1, "once, though following both the trial and its zone");
    assert_eq!(to_member(&mails, "case.suspended"), 1);
    let m = mails.iter().find(|m| m.to_address == "nia@example.org" && m.category == "case.suspended").unwrap();
    assert!(m.body_text.contains("/account/notifications"));
    assert!(m.body_html.replace("&#x2f;", "/").contains("/account/notifications"));
}

#[tokio::test]
async fn community_reads_are_refused_where_the_trial_is_not_public() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let (_, member) = verified_member(&app, "nia@example.org").await;
    problem(app.get(&format!("/api/v1/applications/{id}/observations"), None).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&format!("/api/v1/applications/{id}/observations"), Some(&member)).await, StatusCode::NOT_FOUND)
        .await;
    problem(app.get(&format!("/api/v1/applications/{id}/conditions"), Some(&member)).await, StatusCode::NOT_FOUND)
        .await;
    for path in ["/api/v1/subscriptions", "/api/v1/me/notification-preferences"] {
        problem(app.get(path, None).await, StatusCode::UNAUTHORIZED).await;
    }
    problem(
        change(&app, Method::PUT, "/api/v1/me/notification-preferences", None, None, &json!({"categories": {}})).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(app.post("/api/v1/subscriptions", &json!({"zone_id": w.zone_id}), None).await, StatusCode::UNAUTHORIZED)
        .await;

    // Evidence files of an active trial: refused to the public and to strangers of a private case.
    let active = active_trial(&app, &w).await;
    let cid = condition(&app, active, &w.innovator, 0).await["id"].as_i64().unwrap();
    let r = upload(&app, cid, &w.innovator, "s.pdf", pdf()).await;
    let url = r.json::<Value>().await.unwrap()["evidence"][0]["file_url"].as_str().unwrap().to_string();
    problem(app.get(&url, None).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        app.get(&url, Some(&member)).await.status(),
        StatusCode::OK,
        "a public trial's evidence is public to members"
    );
    problem(app.get("/api/v1/evidence/999999/file", Some(&member)).await, StatusCode::NOT_FOUND).await;
}
