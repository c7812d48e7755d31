//! The innovator's pages, as a browser without JavaScript uses them: a draft from zone choice to
//! submission with a deliberate error, a change refused because the draft moved on, answering an
//! information request with a file, sending evidence with a file, and the pages others may not see.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

use crate::casework::*;
use crate::helpers::{TestApp, PASSWORD};
use crate::web::{csrf_token, location, Browser};

async fn signed_in(app: &TestApp, email: &str) -> Browser {
    let b = Browser::new(app);
    b.sign_in(email, PASSWORD).await;
    b
}

fn version(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").expect("the form carries the version") + 22;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

async fn draft_version(app: &TestApp, id: i64, token: &str) -> String {
    current(app, id, token).await.0
}

#[tokio::test]
async fn an_innovator_applies_through_the_task_list() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let b = signed_in(&app, "ana@example.org").await;
    let zone = w.zone_id.to_string();

    let r = b.submit("/applications/new", "/applications/new", &[("title", "Harbour Terrace solar")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("href=\"#zone_id\">The zone must be chosen"));
    let r = b
        .submit("/applications/new", "/applications/new", &[("zone_id", &zone), ("title", "Harbour Terrace solar")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = location(&r);
    let id: i64 = case.rsplit('/').next().unwrap().parse().unwrap();
    let tasks = b.page(&case).await;
    assert!(tasks.contains("Your draft has been saved"));
    assert_eq!(tasks.matches(">Not started<").count(), 5, "every section starts not started");

    // A deliberate error: the summary names the field, the input is kept, nothing is saved.
    let before = draft_version(&app, id, &w.innovator).await;
    let site = format!("{case}/site");
    let html = b.page(&site).await;
    let v = version(&html);
    let r = b
        .submit(
            &site,
            &site,
            &[("version", &v), ("site_address", "1-40 Harbour Terrace"), ("site_postcode", "NOT A POSTCODE")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Site – Harbour Terrace solar – Planning Sandbox</title>"), "{html}");
    assert!(html.contains("href=\"#site_postcode\">The postcode"));
    assert!(html.contains("1-40 Harbour Terrace") && html.contains("value=\"NOT A POSTCODE\""));
    assert_eq!(draft_version(&app, id, &w.innovator).await, before, "nothing was saved");
    let r = b
        .submit(
            &site,
            &site,
            &[("version", &v), ("site_address", "1-40 Harbour Terrace"), ("site_postcode", "bs1 5tr")],
        )
        .await;
    assert_eq!(location(&r), case);

    let start = today(&app) + chrono::Duration::days(40);
    let (d, m, y) = (start.format("%-d").to_string(), start.format("%-m").to_string(), start.format("%Y").to_string());
    let sections: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "about",
            vec![
                ("title", "Harbour Terrace solar"),
                ("summary", "Forty homes share rooftop solar."),
                ("intervention", "solar_pv"),
                ("innovation_statement", "One grid connection for a terrace."),
                ("proposed_start_date-day", &d),
                ("proposed_start_date-month", &m),
                ("proposed_start_date-year", &y),
                ("proposed_duration_months", "12"),
            ],
        ),
        (
            "derogations",
            vec![
                ("provisions", "GPDO-SCH2-PT14-A"),
                ("justification-GPDO-SCH2-PT14-A", "Front slopes face south."),
                ("scope-GPDO-SCH2-PT14-A", "Roofs of 1-40 Harbour Terrace"),
                ("need_for_derogation", "Front slopes need permission."),
            ],
        ),
        ("community-benefit", vec![("community_ownership_pct", "60"), ("estimated_annual_co2e_tonnes", "42.5")]),
        ("safeguards", vec![("safeguards", "Black frames."), ("exit_plan", "Panels removed within 3 months.")]),
    ];
    for (slug, fields) in sections {
        let path = format!("{case}/{slug}");
        let v = version(&b.page(&path).await);
        let mut all = vec![("version", v.as_str())];
        all.extend(fields.iter().copied());
        let r = b.submit(&path, &path, &all).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{slug}: {}", r.text().await.unwrap());
    }
    let tasks = b.page(&case).await;
    assert_eq!(tasks.matches("Completed").count(), 5, "{tasks}");

    let check = b.page(&format!("{case}/check-answers")).await;
    assert!(check.contains("Front slopes face south.") && check.contains(&format!("href=\"{case}/derogations\"")));
    let r =
        b.submit(&format!("{case}/check-answers"), &format!("{case}/submit"), &[("version", &version(&check))]).await;
    assert_eq!(location(&r), format!("{case}/submitted"));
    let done = b.page(&format!("{case}/submitted")).await;
    let (_, record) = current(&app, id, &w.innovator).await;
    let reference = record["reference"].as_str().unwrap().to_string();
    assert!(done.contains("Application submitted") && done.contains(&reference));
    assert!(done.contains("What happens next"));
    let page = b.page(&case).await;
    assert!(page.contains("Decision due") && page.contains("working days left"), "the clock shows");
    let list = b.page("/applications").await;
    assert!(list.contains(&reference) && list.contains("an inspector is considering it"));
}

#[tokio::test]
async fn a_change_based_on_an_old_page_is_refused_and_says_so() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let b = signed_in(&app, "ana@example.org").await;
    let path = format!("/applications/{id}/safeguards");
    let stale = b.page(&path).await;
    let v = version(&stale);
    let r = b.submit(&path, &path, &[("version", &v), ("safeguards", "First tab."), ("exit_plan", "Remove.")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .post_form(
            &path,
            &[
                ("csrf_token", &csrf_token(&stale)),
                ("version", &v),
                ("safeguards", "Second tab."),
                ("exit_plan", "Remove."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Nothing was saved"));
    let (_, record) = current(&app, id, &w.innovator).await;
    assert_eq!(record["safeguards"], "First tab.", "the stale change wrote nothing");
}

#[tokio::test]
async fn an_innovator_answers_with_a_file_and_sends_evidence_with_a_file() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, id, "submit", &w.innovator, json!({})).await;
    transition(&app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(&app, id, "screening", &w.inspector, all_criteria(true)).await;
    let asked = transition(
        &app,
        id,
        "information-requests",
        &w.inspector,
        json!({"question": "Send the heritage officer's letter."}),
    )
    .await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    let b = signed_in(&app, "ana@example.org").await;
    let case = b.page(&format!("/applications/{id}")).await;
    assert!(
        case.contains("Send the heritage officer&#x27;s letter.")
            || case.contains("Send the heritage officer's letter.")
    );
    assert!(!case.contains("Start the trial"), "no action the policy would refuse");
    let path = format!("/applications/{id}/information-requests/{rid}");
    let html = b.page(&path).await;
    let post = |text: &'static str, file: Option<(&'static str, &'static [u8])>| {
        let mut form =
            Form::new().text("csrf_token", csrf_token(&html)).text("version", version(&html)).text("answer", text);
        if let Some((name, bytes)) = file {
            form = form.part("attachments", Part::bytes(bytes).file_name(name));
        }
        b.client.post(format!("{}{path}", app.address)).multipart(form).send()
    };
    let r = post("", Some(("virus.exe", b"MZ\x90\x00\x03"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("href=\"#answer\">Your answer") && body.contains("href=\"#attachments\">The file"), "{body}");
    let r = post("The letter is attached.", Some(("letter.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = b.page(&format!("/applications/{id}")).await.replace("&#x2f;", "/");
    assert!(case.contains("Your answer has been sent to the inspector") && case.contains("letter.pdf"));
    let link = format!("/applications/{id}/attachments/");
    let at = case.find(&link).unwrap();
    let href: String = case[at..].chars().take_while(|c| *c != '"').collect();
    let file = b.get(&href).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF"));

    // Approved and started: evidence against a condition, with a file.
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    let page = b.page(&format!("/applications/{id}")).await;
    assert!(page.contains("Start the trial"));
    let r = b
        .submit(&format!("/applications/{id}"), &format!("/applications/{id}/start"), &[("version", &version(&page))])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = b.page(&format!("/applications/{id}")).await;
    assert!(page.contains("The trial has started"));
    let at = page.find("/conditions/").unwrap_or_else(|| panic!("{page}"));
    let evidence: String = page[at - format!("/applications/{id}").len()..].chars().take_while(|c| *c != '"').collect();
    let html = b.page(&evidence).await;
    let form = Form::new()
        .text("csrf_token", csrf_token(&html))
        .text("body", "Paid £5,000 into the fund.")
        .text("reported_value", "5000")
        .part("file", Part::bytes(&b"%PDF-1.4\n%%EOF\n"[..]).file_name("receipt.pdf"));
    let r = b.client.post(format!("{}{evidence}", app.address)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let page = b.page(&format!("/applications/{id}")).await;
    assert!(page.contains("Your evidence has been sent to the inspector"));
    assert!(page.contains("Evidence submitted"), "the condition shows its new status");
}

#[tokio::test]
async fn others_cannot_see_an_innovators_pages() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let bob = signed_in(&app, "bob@example.org").await;
    assert_eq!(bob.get(&format!("/applications/{id}")).await.status(), StatusCode::NOT_FOUND);
    let r = bob.get(&format!("/applications/{id}/about")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let cat = signed_in(&app, "cat@example.org").await;
    assert_eq!(cat.get("/applications").await.status(), StatusCode::FORBIDDEN);
    let anonymous = Browser::new(&app);
    assert_eq!(
        location(&anonymous.get(&format!("/applications/{id}")).await),
        format!("/sign-in?next=%2Fapplications%2F{id}")
    );
}
