//! The inspector's case pages, as a browser without JavaScript uses them: the case page with its
//! summary and tabs for each kind of staff member, assignment, screening with its check page,
//! requesting information with a file (and the API's multipart form for it), and moderation.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{problem, TestApp, PASSWORD};
use crate::web::{csrf_token, location, Browser};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n";

async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let b = Browser::new(app);
    b.sign_in(email, password).await;
    b
}

async fn ivy(app: &TestApp) -> Browser {
    signed_in(app, "ivy@pins.example.org", INSPECTOR_PASSWORD).await
}

fn version(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").expect("the form carries the version") + 22;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

/// A page as a person reads its links: minijinja writes `/` in values as `&#x2f;`.
fn decoded(html: String) -> String {
    html.replace("&#x2f;", "/")
}

async fn submitted(app: &TestApp, w: &World) -> i64 {
    let id = create_draft(app, &w.innovator, &complete_draft(app, w.zone_id)).await;
    transition(app, id, "submit", &w.innovator, json!({})).await;
    id
}

async fn assigned(app: &TestApp, w: &World) -> i64 {
    let id = submitted(app, w).await;
    transition(app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    id
}

async fn status_and_history(app: &TestApp, id: i64, token: &str) -> (String, usize) {
    let (_, case) = current(app, id, token).await;
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(token)).await.json().await.unwrap();
    (case["status"].as_str().unwrap().to_string(), history.len())
}

/// The screening form's fields: every criterion met, except those given.
fn criteria(except: &[(usize, &'static str, &'static str)]) -> Vec<(String, String)> {
    (0..7)
        .flat_map(|i| {
            let (outcome, note) =
                except.iter().find(|(j, _, _)| *j == i).map(|(_, o, n)| (*o, *n)).unwrap_or(("met", ""));
            [(format!("criteria[{i}].outcome"), outcome.to_string()), (format!("criteria[{i}].note"), note.to_string())]
        })
        .collect()
}

fn with<'a>(fields: &'a [(String, String)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(extra);
    all
}

#[tokio::test]
async fn the_assigned_inspector_sees_the_summary_the_tabs_and_the_actions() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let (_, case) = current(&app, id, &w.inspector).await;
    let reference = case["reference"].as_str().unwrap();
    let b = ivy(&app).await;
    let html = decoded(b.page(&format!("/casework/{id}")).await);
    assert!(html.contains(&format!("<title>{reference} – Street-scale solar")), "{html}");
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("In assessment") && html.contains("Sunny Hill Energy Co-op"));
    assert!(html.contains("Community-owned enterprise") && html.contains("Bristol Harbourside Net Zero Zone"));
    assert!(html.contains("Inspector ivy") && html.contains("working days left"), "{html}");
    for tab in ["Application", "Screening", "Information requests", "Decision", "Monitoring", "Community", "History"] {
        assert!(
            html.contains(&format!(
                "class=\"govuk-tabs__tab\" href=\"#{}\">{tab}</a>",
                tab.to_lowercase().replace(' ', "-")
            )),
            "{tab}"
        );
    }
    for action in ["approve", "refuse", "request-information"] {
        assert!(html.contains(&format!("href=\"/casework/{id}/{action}\"")), "{action}: {html}");
    }
    assert!(!html.contains("Assign to me"), "already assigned to her");
    assert!(html.contains("Front slopes face south.") && html.contains("Black-framed panels"), "the application tab");
    assert!(html.contains("Genuine innovation") && html.contains("Satisfied."), "the screening tab");
    assert!(html.contains("No information has been requested.") && html.contains("No decision has been made yet."));
    assert!(html.contains("Inspector assigned") && html.contains("Assigned to Inspector ivy"), "the history");
}

#[tokio::test]
async fn an_unassigned_inspector_an_admin_and_an_innovator_cannot_act() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = assigned(&app, &w).await;
    let ola = signed_in(&app, "ola@pins.example.org", INSPECTOR_PASSWORD).await;
    let html = decoded(ola.page(&format!("/casework/{id}")).await);
    assert!(html.contains("Screening") && html.contains("Inspector ivy"));
    assert!(!html.contains(&format!("/casework/{id}/screening")) && !html.contains("request-information"), "{html}");
    assert!(html.contains("Assign to me") && html.contains(&format!("/casework/{id}/assign\"")));
    assert_eq!(ola.get(&format!("/casework/{id}/screening")).await.status(), StatusCode::FORBIDDEN);

    // A crafted confirmation changes nothing.
    let before = status_and_history(&app, id, &w.inspector).await;
    let fields = criteria(&[]);
    let v = version(&html);
    let r = ola
        .submit(
            &format!("/casework/{id}"),
            &format!("/casework/{id}/screening"),
            &with(&fields, &[("version", &v), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(status_and_history(&app, id, &w.inspector).await, before, "nothing changed");

    let admin = signed_in(&app, "admin@example.org", PASSWORD).await;
    let html = decoded(admin.page(&format!("/casework/{id}")).await);
    assert!(html.contains("Change<span class=\"govuk-visually-hidden\"> the inspector"), "admins assign");
    assert!(!html.contains(&format!("/casework/{id}/screening")) && !html.contains("What you can do now"));
    assert!(!html.contains("Assign to me"), "an admin is not an inspector");

    let ana = signed_in(&app, "ana@example.org", PASSWORD).await;
    assert_eq!(ana.get(&format!("/casework/{id}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(ana.get(&format!("/casework/{id}/assign")).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn assign_to_me_and_the_assign_page() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = submitted(&app, &w).await;
    let b = ivy(&app).await;
    let case = format!("/casework/{id}");
    let html = b.page(&case).await;
    assert!(html.contains("Not assigned") && html.contains("Assign to me"));
    let r = b.submit(&case, &format!("{case}/assign-to-me"), &[("version", &version(&html))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), case);
    let html = b.page(&case).await;
    assert!(html.contains("The case has been assigned to you") && !html.contains("Assign to me"));
    let (_, api) = current(&app, id, &w.inspector).await;
    assert_eq!(api["assigned_inspector"]["id"], w.inspector_id);
    assert_eq!(api["status"], "screening");

    // The assign page: me first, an error when nothing is chosen, then someone else.
    let page = format!("{case}/assign");
    let html = b.page(&page).await;
    let me = html.find("Inspector ivy (me)").unwrap();
    assert!(me < html.find("Inspector ola").unwrap(), "me first");
    let v = version(&html);
    let r = b.submit(&page, &page, &[("version", &v)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("href=\"#inspector_id\">An inspector must be chosen") && body.contains("<title>Error: "));
    let ola = w.other_inspector_id.to_string();
    let r = b.submit(&page, &page, &[("version", &v), ("inspector_id", &ola)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(b.page(&case).await.contains("The case has been assigned to Inspector ola"));
    assert_eq!(current(&app, id, &w.inspector).await.1["assigned_inspector"]["id"], w.other_inspector_id);
}

#[tokio::test]
async fn screening_names_a_blank_criterion_checks_the_result_and_then_records_it() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = assigned(&app, &w).await;
    let b = ivy(&app).await;
    let page = format!("/casework/{id}/screening");
    let html = b.page(&page).await;
    assert!(html.contains("Will the local community benefit from the project?"));
    let v = version(&html);
    let before = status_and_history(&app, id, &w.inspector).await;

    let mut blank = criteria(&[(6, "not_met", "No credible way to restore the roofs.")]);
    blank[4].1 = String::new(); // community benefit left blank
    let r = b.submit(&page, &page, &with(&blank, &[("version", &v)])).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("href=\"#criteria-2-outcome\">Say whether community benefit is met or not met"), "{body}");
    assert_eq!(body.matches("value=\"met\" checked").count(), 5, "the answers are kept");
    assert_eq!(body.matches("<li><a href=\"#").count(), 1, "one error, said once: {body}");
    assert!(!body.contains("not recorded"), "{body}");
    assert!(body.contains("No credible way to restore the roofs."));
    assert_eq!(status_and_history(&app, id, &w.inspector).await, before, "nothing saved");

    let unmet = criteria(&[(6, "not_met", "No credible way to restore the roofs.")]);
    let r = b.submit(&page, &page, &with(&unmet, &[("version", &v)])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let check = r.text().await.unwrap();
    assert!(check.contains(
        "1 criterion is not met: the application will be refused, the applicant emailed, and the refusal published"
    ));

    let met = criteria(&[]);
    let r = b.submit(&page, &page, &with(&met, &[("version", &v)])).await;
    let check = r.text().await.unwrap();
    assert!(check.contains("All seven criteria are met: the case moves to assessment"), "{check}");
    assert_eq!(status_and_history(&app, id, &w.inspector).await, before, "nothing saved before confirming");

    let r = b.submit(&page, &page, &with(&met, &[("version", &v), ("confirm", "yes")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let html = b.page(&format!("/casework/{id}")).await;
    assert!(html.contains("Screening recorded: the case is now in assessment"));
    assert_eq!(status_and_history(&app, id, &w.inspector).await.0, "assessment");
}

#[tokio::test]
async fn request_information_with_a_file_pauses_the_clock_and_reaches_the_applicant() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let b = ivy(&app).await;
    let page = format!("/casework/{id}/request-information");
    let html = b.page(&page).await;
    let days = app.ctx.settings.calendar.information_request_working_days;
    let due = app.ctx.settings.holidays().add_working_days(today(&app), days);
    assert!(due >= today(&app) + chrono::Duration::days(i64::from(days)), "working days, not days");
    for (part, value) in [("day", due.format("%-d")), ("month", due.format("%-m")), ("year", due.format("%Y"))] {
        assert!(
            html.contains(&format!("name=\"due_on-{part}\" type=\"text\" inputmode=\"numeric\" value=\"{value}\"")),
            "{part}"
        );
    }
    let post = |question: &'static str, file: (&'static str, &'static [u8])| {
        let form = Form::new()
            .text("csrf_token", csrf_token(&html))
            .text("version", version(&html))
            .text("question", question)
            .text("due_on-day", due.format("%-d").to_string())
            .text("due_on-month", due.format("%-m").to_string())
            .text("due_on-year", due.format("%Y").to_string())
            .part("attachments", Part::bytes(file.1).file_name(file.0));
        b.client.post(format!("{}{page}", app.address)).multipart(form).send()
    };
    let r = post("", ("tool.exe", b"MZ\x90\x00\x03")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("href=\"#question\">The question") && body.contains("href=\"#attachments\">The file"),
        "{body}"
    );
    assert_eq!(current(&app, id, &w.inspector).await.1["status"], "assessment", "nothing saved");

    let r = post("Send the heritage officer's letter.", ("guidance.pdf", PDF)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let html = decoded(b.page(&format!("/casework/{id}")).await);
    assert!(html.contains("Your question has been sent to the applicant") && html.contains("Clock paused"));
    assert!(html.contains("guidance.pdf"));
    let (_, api) = current(&app, id, &w.inspector).await;
    assert_eq!(api["status"], "information_requested");
    assert_eq!(api["information_requests"][0]["due_on"], due.to_string());
    assert_eq!(api["information_requests"][0]["attachments"][0]["sent_with"], "request");
    let aid = api["information_requests"][0]["attachments"][0]["id"].as_i64().unwrap();
    let file = b.get(&format!("/casework/{id}/attachments/{aid}")).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF"));

    let ana = signed_in(&app, "ana@example.org", PASSWORD).await;
    let case = decoded(ana.page(&format!("/applications/{id}")).await);
    assert!(
        case.contains("Send the heritage officer&#x27;s letter.")
            || case.contains("Send the heritage officer's letter.")
    );
    assert!(
        case.contains("Files from the inspector") && case.contains(&format!("/applications/{id}/attachments/{aid}"))
    );
    assert_eq!(ana.get(&format!("/applications/{id}/attachments/{aid}")).await.status(), StatusCode::OK);
    assert_eq!(ana.get(&format!("/casework/{id}/attachments/{aid}")).await.status(), StatusCode::OK, "her own file");
}

#[tokio::test]
async fn the_information_request_api_takes_files_and_names_bad_ones() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let send = |form: Form, tag: String| {
        app.client
            .request(Method::POST, app.url(&format!("/api/v1/applications/{id}/information-requests")))
            .bearer_auth(&w.inspector)
            .header("if-match", tag)
            .multipart(form)
            .send()
    };
    let (tag, _) = current(&app, id, &w.inspector).await;
    let bad = Form::new()
        .text("question", "Send the letter.")
        .text("due_on", "next week")
        .part("attachments", Part::bytes(&b"MZ\x90\x00"[..]).file_name("a.exe"));
    let p = problem(send(bad, tag.clone()).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let named = crate::helpers::fields(&p);
    assert!(named.contains(&"attachments[0]".to_string()) && named.contains(&"due_on".to_string()), "{p}");
    assert_eq!(app.count("information_requests").await, 0, "nothing stored");

    let other = Form::new().text("question", "Send the letter.");
    let r = app
        .client
        .request(Method::POST, app.url(&format!("/api/v1/applications/{id}/information-requests")))
        .bearer_auth(&w.other_inspector)
        .header("if-match", tag.clone())
        .multipart(other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only the assigned inspector");

    let good = Form::new()
        .text("question", "Send the letter.")
        .part("attachments", Part::bytes(PDF).file_name("guidance.pdf"))
        .part("attachments", Part::bytes(&b"date,kwh\n2027-01-01,12\n2027-01-02,13\n"[..]).file_name("meter.csv"));
    let r = send(good, tag).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let case: Value = r.json().await.unwrap();
    let files = case["information_requests"][0]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["sent_with"] == "request"));
    assert_eq!(files[1]["content_type"], "text/csv");
    assert_eq!(case["status"], "information_requested");

    // The answer's files say they came with the answer.
    let rid = case["information_requests"][0]["id"].as_i64().unwrap();
    let (tag, _) = current(&app, id, &w.innovator).await;
    let answer = Form::new().text("answer", "Attached.").part("attachments", Part::bytes(PDF).file_name("letter.pdf"));
    let r = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/information-requests/{rid}/answer")))
        .bearer_auth(&w.innovator)
        .header("if-match", tag)
        .multipart(answer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let case: Value = r.json().await.unwrap();
    let sides: Vec<&str> = case["information_requests"][0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sent_with"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["request", "request", "answer"]);
}

#[tokio::test]
async fn staff_moderate_observations_and_others_cannot() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let mut posted = Vec::new();
    for body in ["Call me on 07700 900123, the noise at number 12 is awful.", "Spam spam spam."] {
        let r = app
            .post(
                &format!("/api/v1/applications/{id}/observations"),
                &json!({"kind": "concern", "body": body}),
                Some(&w.community),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        posted.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let cat = signed_in(&app, "cat@example.org", PASSWORD).await;
    assert_eq!(cat.get("/casework/moderation").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(cat.get(&format!("/casework/moderation/{}", posted[0])).await.status(), StatusCode::FORBIDDEN);
    let cat_home = cat.page("/account").await;
    let r = cat
        .post_form(
            &format!("/casework/moderation/{}", posted[1]),
            &[("csrf_token", &csrf_token(&cat_home)), ("version", "1"), ("action", "hide"), ("reason", "Spam")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let b = ivy(&app).await;
    let queue = b.page("/casework/moderation").await;
    let first = queue.find("07700 900123").unwrap();
    assert!(first < queue.find("Spam spam spam.").unwrap(), "oldest first, with the original text");
    let page = format!("/casework/moderation/{}", posted[0]);
    let html = b.page(&page).await;
    assert!(html.contains(">Call me on 07700 900123, the noise at number 12 is awful.</textarea>"), "prefilled");
    let v = version(&html);
    let r = b.submit(&page, &page, &[("version", &v), ("action", "redact"), ("redacted_body", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("href=\"#reason\">The reason") && body.contains("href=\"#redacted_body\">The text to publish")
    );
    let r = b
        .submit(
            &page,
            &page,
            &[
                ("version", &v),
                ("action", "redact"),
                ("reason", "Personal phone number"),
                ("redacted_body", "[phone number removed], the noise at number 12 is awful."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/casework/moderation");
    let queue = b.page("/casework/moderation").await;
    assert!(queue.contains("The redacted text is now published in place of the original") && !queue.contains("07700"));

    let admin = signed_in(&app, "admin@example.org", PASSWORD).await;
    let page = format!("/casework/moderation/{}", posted[1]);
    let html = admin.page(&page).await;
    let r = admin.submit(&page, &page, &[("version", &version(&html)), ("action", "hide"), ("reason", "Spam")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(admin.page("/casework/moderation").await.contains("The observation is now hidden from the public"));

    let public: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/observations"), None).await.json().await.unwrap();
    let texts: Vec<&str> = public.iter().map(|o| o["body"].as_str().unwrap()).collect();
    assert_eq!(texts, ["[phone number removed], the noise at number 12 is awful."], "{public:?}");
    let html = b.page(&format!("/casework/{id}")).await;
    assert!(html.contains("Spam spam spam.") && html.contains(">Hidden</strong>"), "staff see hidden ones, marked");
}
