//! Information requests: answers with attachments (stored with the answer, listed in the case,
//! downloaded by who may read the case), refused uploads that store nothing, and the decision
//! clock that information requests pause.

use chrono::NaiveDate;
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app, spawn_app_with, TestApp, PASSWORD};

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

fn csv() -> Vec<u8> {
    b"date,kwh\n2027-01-01,12\n2027-01-02,13\n".to_vec()
}

fn file(name: &str, data: Vec<u8>) -> Part {
    Part::bytes(data).file_name(name.to_string()).mime_str("application/octet-stream").unwrap()
}

/// A case waiting for the author's answer, and the request's id.
async fn asked(app: &TestApp, w: &World) -> (i64, i64) {
    let id = case_in_assessment(app, w).await;
    let asked =
        transition(app, id, "information-requests", &w.inspector, json!({"question": "Who maintains the panels?"}))
            .await;
    (id, asked["information_requests"][0]["id"].as_i64().unwrap())
}

async fn send_form(
    app: &TestApp,
    id: i64,
    rid: i64,
    token: Option<&str>,
    if_match: Option<&str>,
    form: Form,
) -> Response {
    let mut r = app.client.post(app.url(&format!("/api/v1/applications/{id}/information-requests/{rid}/answer")));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    r.multipart(form).send().await.unwrap()
}

async fn stored(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("information_request_attachments").await,
        app.count("audit_events").await,
        app.count("outbound_emails").await,
    )
}

#[tokio::test]
async fn an_answer_with_files_stores_them_with_the_answer() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, rid) = asked(&app, &w).await;
    let (tag, _) = current(&app, id, &w.innovator).await;
    let form = Form::new()
        .text("answer", "The co-op's installer, under the contract attached.")
        .part("attachments", file("../contract<1>.pdf", pdf()))
        .part("attachments", file("readings.txt", csv()));
    let r = send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let case: Value = r.json().await.unwrap();
    assert_eq!(case["status"], "assessment");
    let request = &case["information_requests"][0];
    assert_eq!(request["answer"], "The co-op's installer, under the contract attached.");
    let files = request["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        (files[0]["file_name"].as_str(), files[0]["content_type"].as_str()),
        (Some("contract1.pdf"), Some("application/pdf"))
    );
    assert_eq!(files[0]["size_bytes"], pdf().len());
    assert_eq!(
        (files[1]["file_name"].as_str(), files[1]["content_type"].as_str()),
        (Some("readings.txt"), Some("text/csv"))
    );
    assert_eq!(app.count("information_request_attachments").await, 2);

    // The inspector reads the same list; the author and the inspector download, nobody else.
    let (_, seen) = current(&app, id, &w.inspector).await;
    assert_eq!(seen["information_requests"][0]["attachments"], request["attachments"]);
    let url = files[0]["url"].as_str().unwrap().to_string();
    for token in [&w.innovator, &w.inspector] {
        let r = app.get(&url, Some(token)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().get("content-type").unwrap(), "application/pdf");
        let disposition = r.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
        assert!(disposition.contains("filename=\"contract1.pdf\""), "{disposition}");
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    }
    let r = app.get(files[1]["url"].as_str().unwrap(), Some(&w.inspector)).await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), csv());
    problem(app.get(&url, Some(&w.other_innovator)).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&url, None).await, StatusCode::UNAUTHORIZED).await;
    problem(app.get("/api/v1/information-request-attachments/999999", Some(&w.inspector)).await, StatusCode::NOT_FOUND)
        .await;

    // The audit event names the files (not their bytes); the inspector's email lists them.
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.inspector)).await.json().await.unwrap();
    let event = history.iter().find(|e| e["action"] == "information.answered").unwrap();
    assert_eq!(event["details"]["attachment_count"], 2);
    let names: Vec<&str> =
        event["details"]["attachments"].as_array().unwrap().iter().map(|a| a["file_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["contract1.pdf", "readings.txt"]);
    assert!(!event["details"].to_string().contains("PDF-1.7"));
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.information_answered")
        .unwrap();
    assert!(mail.body_text.contains("contract1.pdf, readings.txt"), "{}", mail.body_text);
    assert!(app.query(sandbox::db::audit::verify_all).await.is_ok());
}

#[tokio::test]
async fn a_form_is_bounded_in_all_its_bytes_and_parts() {
    let app = spawn_app_with(&[
        ("uploads.max_file_bytes", "4096".into()),
        ("uploads.max_request_bytes", "10000".into()),
        ("uploads.max_parts", "16".into()),
    ])
    .await;
    let w = world(&app).await;
    let (id, rid) = asked(&app, &w).await;
    let (tag, _) = current(&app, id, &w.innovator).await;
    let before = stored(&app).await;
    // Four files, each within its own limit, too much together.
    let mut form = Form::new().text("answer", "All four.");
    for i in 0..4 {
        form = form.part("attachments", file(&format!("f{i}.pdf"), [pdf(), vec![b'x'; 3000]].concat()));
    }
    let body =
        problem(send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await, StatusCode::PAYLOAD_TOO_LARGE)
            .await;
    assert!(body["detail"].as_str().unwrap().contains("in all"), "{body}");
    // Fifteen hundred tiny parts.
    let mut form = Form::new().text("answer", "Many.");
    for _ in 0..1500 {
        form = form.text("answer", "x");
    }
    let body =
        problem(send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await, StatusCode::PAYLOAD_TOO_LARGE)
            .await;
    assert!(body["detail"].as_str().unwrap().contains("parts"), "{body}");
    assert_eq!(stored(&app).await, before);
    // Within both bounds it is taken.
    let form = Form::new()
        .text("answer", "Two.")
        .part("attachments", file("a.pdf", [pdf(), vec![b'x'; 3000]].concat()))
        .part("attachments", file("b.pdf", [pdf(), vec![b'x'; 3000]].concat()));
    let r = send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_refused_or_invalid_answer_stores_nothing_and_json_answers_still_work() {
    let app = spawn_app_with(&[("uploads.max_file_bytes", "2048".into())]).await;
    let w = world(&app).await;
    let (id, rid) = asked(&app, &w).await;
    let (tag, _) = current(&app, id, &w.innovator).await;
    let before = stored(&app).await;

    // Every bad field at once: an empty answer, too many files.
    let mut form = Form::new().text("answer", "  ");
    for i in 0..6 {
        form = form.part("attachments", file(&format!("f{i}.pdf"), pdf()));
    }
    let body =
        problem(send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(fields(&body), ["answer", "attachments"]);

    // A file too big, a forbidden type and an empty file, each named.
    let form = Form::new()
        .text("answer", "Here they are.")
        .part("attachments", file("big.pdf", [pdf(), vec![b'x'; 4096]].concat()))
        .part("attachments", file("ok.pdf", pdf()))
        .part("attachments", file("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00".to_vec()))
        .part("attachments", file("empty.pdf", Vec::new()));
    let body =
        problem(send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(fields(&body), ["attachments[0]", "attachments[2]", "attachments[3]"]);
    let messages: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains("2048"), "{messages:?}");

    // A field the form does not have.
    let form = Form::new().text("answer", "Yes.").text("comment", "x");
    let body =
        problem(send_form(&app, id, rid, Some(&w.innovator), Some(&tag), form).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(fields(&body), ["comment"]);

    // Refused before the upload is read: nobody, someone else, the inspector, no or a stale If-Match.
    let good = || Form::new().text("answer", "Yes.").part("attachments", file("a.pdf", pdf()));
    problem(send_form(&app, id, rid, None, Some(&tag), good()).await, StatusCode::UNAUTHORIZED).await;
    problem(send_form(&app, id, rid, Some(&w.other_innovator), Some(&tag), good()).await, StatusCode::NOT_FOUND).await;
    problem(send_form(&app, id, rid, Some(&w.inspector), Some(&tag), good()).await, StatusCode::FORBIDDEN).await;
    problem(send_form(&app, id, rid, Some(&w.innovator), None, good()).await, StatusCode::PRECONDITION_REQUIRED).await;
    problem(send_form(&app, id, rid, Some(&w.innovator), Some("\"1\""), good()).await, StatusCode::PRECONDITION_FAILED)
        .await;
    problem(send_form(&app, id, 999_999, Some(&w.innovator), Some(&tag), good()).await, StatusCode::NOT_FOUND).await;

    // Nothing changed: the request is still open, no file, no event, no email.
    assert_eq!(stored(&app).await, before);
    let (same_tag, case) = current(&app, id, &w.innovator).await;
    assert_eq!(same_tag, tag);
    assert_eq!(case["status"], "information_requested");
    assert!(case["information_requests"][0]["answer"].is_null());
    assert!(case["information_requests"][0]["attachments"].as_array().unwrap().is_empty());

    // JSON as before: files cannot be sent that way, an answer can.
    let path = format!("/api/v1/applications/{id}/information-requests/{rid}/answer");
    let r = change(
        &app,
        reqwest::Method::POST,
        &path,
        Some(&w.innovator),
        Some(&tag),
        &json!({"answer": "Yes.", "attachments": []}),
    )
    .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["attachments"]);
    let r = change(&app, reqwest::Method::POST, &path, Some(&w.innovator), Some(&tag), &json!({"answer": 5})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["answer"]);
    let r = app
        .client
        .post(app.url(&path))
        .bearer_auth(&w.innovator)
        .header("if-match", &tag)
        .header("content-type", "text/plain")
        .body("Yes.")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(stored(&app).await, before);
    let answered =
        transition(&app, id, &format!("information-requests/{rid}/answer"), &w.innovator, json!({"answer": "Us."}))
            .await;
    assert_eq!(answered["status"], "assessment");
    assert_eq!(answered["information_requests"][0]["answer"], "Us.");
    assert!(answered["information_requests"][0]["attachments"].as_array().unwrap().is_empty());
    assert_eq!(app.count("information_request_attachments").await, 0);
}

async fn advance_days(app: &TestApp, w: &mut World, days: i64) {
    app.clock.advance(days * 86_400);
    w.innovator = app.login("ana@example.org", PASSWORD).await.0;
    w.inspector = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await.0;
}

fn date_of(v: &Value) -> NaiveDate {
    v.as_str().unwrap()[..10].parse().unwrap()
}

#[tokio::test]
async fn the_decision_clock_runs_from_submission_and_stops_for_information() {
    let app = spawn_app().await;
    let mut w = world(&app).await;
    let h = app.ctx.settings.holidays();
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let (_, draft) = current(&app, id, &w.innovator).await;
    assert!(draft["target_decision_date"].is_null() && draft["working_days_left"].is_null());

    // 40 working days after submission.
    let submitted = transition(&app, id, "submit", &w.innovator, json!({})).await;
    let submitted_on = date_of(&submitted["submitted_at"]);
    let target = h.add_working_days(submitted_on, 40);
    assert_eq!(submitted["target_decision_date"], target.to_string());
    assert_eq!(submitted["working_days_left"], 40);
    assert_eq!(submitted["decision_clock_paused"], false);
    transition(&app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, id, "screening", &w.inspector, all_criteria(true)).await;

    // A week waiting for an answer: paused, the target moves on day by day.
    advance_days(&app, &mut w, 3).await;
    let asked = transition(&app, id, "information-requests", &w.inspector, json!({"question": "Who?"})).await;
    let raised_on = today(&app);
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    let left_when_asked = asked["working_days_left"].as_i64().unwrap();
    assert_eq!(asked["target_decision_date"], target.to_string());
    advance_days(&app, &mut w, 7).await;
    let (_, waiting) = current(&app, id, &w.innovator).await;
    let waited = h.working_days_between(raised_on, today(&app));
    assert!(waited > 0);
    assert_eq!(waiting["decision_clock_paused"], true);
    assert_eq!(waiting["target_decision_date"], h.add_working_days(submitted_on, 40 + waited).to_string());
    assert_eq!(waiting["working_days_left"], left_when_asked, "no working day is lost while paused");

    // Answered: the target stays moved on by the working days the request took.
    let answered =
        transition(&app, id, &format!("information-requests/{rid}/answer"), &w.innovator, json!({"answer": "Us."}))
            .await;
    let moved = h.add_working_days(submitted_on, 40 + waited);
    assert_eq!(answered["decision_clock_paused"], false);
    assert_eq!(answered["target_decision_date"], moved.to_string());
    advance_days(&app, &mut w, 2).await;
    let (_, later) = current(&app, id, &w.inspector).await;
    assert_eq!(later["target_decision_date"], moved.to_string());
    assert_eq!(later["working_days_left"], i64::from(h.working_days_between(today(&app), moved)));

    // Overdue: negative.
    advance_days(&app, &mut w, 90).await;
    let (_, overdue) = current(&app, id, &w.inspector).await;
    assert_eq!(overdue["working_days_left"], -i64::from(h.working_days_between(moved, today(&app))));

    // Decided: no clock any more.
    let refused = transition(&app, id, "refuse", &w.inspector, json!({"reasons": "No."})).await;
    assert!(refused["target_decision_date"].is_null() && refused["working_days_left"].is_null());
    assert!(refused["decision_clock_paused"].is_null());
}

#[tokio::test]
async fn the_target_follows_the_setting() {
    let app = spawn_app_with(&[("cases.decision_target_working_days", "10".into())]).await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let submitted = transition(&app, id, "submit", &w.innovator, json!({})).await;
    let expected = app.ctx.settings.holidays().add_working_days(date_of(&submitted["submitted_at"]), 10);
    assert_eq!(submitted["target_decision_date"], expected.to_string());
    assert_eq!(submitted["working_days_left"], 10);
}
