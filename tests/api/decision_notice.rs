//! The complete decision notice: what was proposed, the screening, the questions and answers
//! without personal data, and the files the assigned inspector published (with the API and the
//! case page's confirmation), downloadable from the register and nowhere else.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{problem, spawn_app, TestApp};
use crate::web::{location, Browser};

const PLAN: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
const LETTER: &[u8] = b"%PDF-1.4\n% a private letter\n%%EOF\n";

/// A case in assessment whose one information request the author answered with two files; the
/// case id and the two files' ids.
async fn answered(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let id = case_in_assessment(app, w).await;
    let question = "Who maintains the panels? Reply to officer.name@pins.example.org if unsure.";
    let asked = transition(app, id, "information-requests", &w.inspector, json!({ "question": question })).await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    let (tag, _) = current(app, id, &w.innovator).await;
    let part = |name: &str, data: &'static [u8]| {
        Part::bytes(data).file_name(name.to_string()).mime_str("application/octet-stream").unwrap()
    };
    let form = Form::new()
        .text("answer", "Our installer does. Ask jo.bloggs@example.org or ring 07700 900456; the depot is at BS1 5TR.")
        .part("attachments", part("maintenance-plan.pdf", PLAN))
        .part("attachments", part("letter.pdf", LETTER));
    let r = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/information-requests/{rid}/answer")))
        .bearer_auth(&w.innovator)
        .header("if-match", tag)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let case: Value = r.json().await.unwrap();
    let files = case["information_requests"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(files.iter().map(|f| f["public"].as_bool()).collect::<Vec<_>>(), [Some(false), Some(false)]);
    (id, files[0]["id"].as_i64().unwrap(), files[1]["id"].as_i64().unwrap())
}

async fn publish(app: &TestApp, file: i64, public: bool, token: &str) -> reqwest::Response {
    change(
        app,
        Method::PUT,
        &format!("/api/v1/information-request-attachments/{file}/public"),
        Some(token),
        None,
        &json!({ "public": public }),
    )
    .await
}

#[tokio::test]
async fn the_notice_says_what_was_proposed_how_it_was_screened_and_what_was_asked() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, plan, letter) = answered(&app, &w).await;

    // Only the assigned inspector publishes; every refusal changes nothing.
    let events = app.count("audit_events").await;
    problem(publish(&app, plan, true, &w.innovator).await, StatusCode::FORBIDDEN).await;
    problem(publish(&app, plan, true, &w.other_inspector).await, StatusCode::FORBIDDEN).await;
    problem(publish(&app, plan, true, &w.admin).await, StatusCode::FORBIDDEN).await;
    problem(publish(&app, plan, true, &w.community).await, StatusCode::NOT_FOUND).await;
    problem(publish(&app, 999_999, true, &w.inspector).await, StatusCode::NOT_FOUND).await;
    let r = change(
        &app,
        Method::PUT,
        &format!("/api/v1/information-request-attachments/{plan}/public"),
        Some(&w.inspector),
        None,
        &json!({ "public": "yes" }),
    )
    .await;
    assert!(r.status().is_client_error(), "a public flag that is not true or false: {}", r.status());
    assert_eq!(app.count("audit_events").await, events);
    let r = publish(&app, plan, true, &w.inspector).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["public"], true);
    // Publishing what is published records nothing more.
    publish(&app, plan, true, &w.inspector).await;
    assert_eq!(app.count("audit_events").await, events + 1);

    // Not yet decided: nothing on the register, the file included.
    let (_, case) = current(&app, id, &w.inspector).await;
    let reference = case["reference"].as_str().unwrap().to_string();
    problem(app.get(&format!("/api/v1/register/{reference}/documents/{plan}"), None).await, StatusCode::NOT_FOUND)
        .await;

    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    let notice: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    let draft = complete_draft(&app, w.zone_id);
    let p = &notice["proposal"];
    assert_eq!(p["summary"], draft["summary"]);
    assert_eq!(p["innovation"], draft["innovation_statement"]);
    assert_eq!(p["need_for_derogation"], draft["need_for_derogation"]);
    assert_eq!(p["safeguards"], draft["safeguards"]);
    assert_eq!(p["exit_plan"], draft["exit_plan"]);
    let criteria: Vec<&str> =
        notice["screening"].as_array().unwrap().iter().map(|s| s["criterion"].as_str().unwrap()).collect();
    assert_eq!(
        criteria,
        [
            "genuine_innovation",
            "carbon_reduction",
            "community_benefit",
            "need_for_derogation",
            "readiness",
            "safeguards",
            "exit_plan"
        ]
    );
    assert!(notice["screening"].as_array().unwrap().iter().all(|s| s["outcome"] == "met"));
    let asked = &notice["information_requests"][0];
    assert_eq!(asked["question"], "Who maintains the panels? Reply to [email address removed] if unsure.");
    assert_eq!(
        asked["answer"],
        "Our installer does. Ask [email address removed] or ring [phone number removed]; the depot is at BS1."
    );
    let docs = asked["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1, "only the published file: {docs:?}");
    assert_eq!(docs[0]["file_name"], "maintenance-plan.pdf");
    let r = app.get(docs[0]["url"].as_str().unwrap(), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), PLAN);
    for path in [
        format!("/api/v1/register/{reference}/documents/{letter}"),
        format!("/register/{reference}/documents/{letter}"),
    ] {
        assert_eq!(app.get(&path, None).await.status(), StatusCode::NOT_FOUND, "{path}: the unpublished file");
    }
    let text = notice.to_string();
    for private in ["jo.bloggs", "07700", "5TR", "officer.name", "Harbour Terrace"] {
        assert!(!text.contains(private), "{private} on the public notice");
    }

    // The page a person reads says the same.
    let page = app.get(&format!("/register/{reference}"), None).await.text().await.unwrap().replace("&#x2f;", "/");
    for expected in [
        "What was proposed",
        "Forty terraced homes share rooftop solar owned by the co-operative.",
        "Why the planning rules block it",
        "Screening",
        "Genuine innovation",
        "Questions and answers",
        "ring [phone number removed]",
        &format!("/register/{reference}/documents/{plan}"),
        "maintenance-plan.pdf",
    ] {
        assert!(page.contains(expected), "the notice page lacks {expected:?}");
    }
    assert!(!page.contains("letter.pdf") && !page.contains("jo.bloggs"));
    let r = app.get(&format!("/register/{reference}/documents/{plan}"), None).await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), PLAN);

    // Withdrawn, it is gone from the notice and its address.
    assert_eq!(publish(&app, plan, false, &w.inspector).await.status(), StatusCode::OK);
    let notice: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    assert!(notice["information_requests"][0]["documents"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&format!("/register/{reference}/documents/{plan}"), None).await.status(), StatusCode::NOT_FOUND);
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.innovator)).await.json().await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"document.published") && actions.contains(&"document.withdrawn"), "{actions:?}");
}

#[tokio::test]
async fn the_case_page_publishes_a_file_after_saying_who_will_see_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, plan, _) = answered(&app, &w).await;
    let ivy = Browser::new(&app);
    ivy.sign_in("ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let page = ivy.page(&format!("/casework/{id}")).await.replace("&#x2f;", "/");
    let link = format!("/casework/{id}/documents/{plan}");
    assert!(page.contains(&link) && page.contains("Publish with the decision notice"));

    // Another inspector sees the files but not the control, and cannot use its address.
    let other = Browser::new(&app);
    let (_, _) = make_inspector(&app, &w.admin, "otto@pins.example.org").await;
    other.sign_in("otto@pins.example.org", INSPECTOR_PASSWORD).await;
    let page = other.page(&format!("/casework/{id}")).await.replace("&#x2f;", "/");
    assert!(page.contains("maintenance-plan.pdf") && !page.contains(&link));
    assert_eq!(other.get(&link).await.status(), StatusCode::FORBIDDEN);

    let confirm = ivy.page(&link).await;
    assert!(confirm.contains("Publish this file with the decision notice"));
    assert!(confirm.contains("Anyone will be able to download the file") && confirm.contains("No one is emailed."));
    // Without the form's token nothing happens.
    let r = ivy.post_form(&link, &[("public", "true")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, case) = current(&app, id, &w.inspector).await;
    assert_eq!(case["information_requests"][0]["attachments"][0]["public"], false);

    let r = ivy.submit(&link, &link, &[("public", "true")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/casework/{id}#information-requests"));
    let page = ivy.page(&format!("/casework/{id}")).await;
    assert!(
        page.contains("maintenance-plan.pdf is published with the decision notice"),
        "the banner says what happened"
    );
    assert!(page.contains("Withdraw from the decision notice"));
    let (_, case) = current(&app, id, &w.inspector).await;
    assert_eq!(case["information_requests"][0]["attachments"][0]["public"], true);
}
