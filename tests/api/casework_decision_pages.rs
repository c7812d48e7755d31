//! The inspector's decision, trial and review pages, as a browser without JavaScript uses them:
//! approval through its check page with the conditions builder and the milestone schedule, its
//! errors, refusal, the trial's actions with their confirmation pages, evidence and milestone
//! reviews, and the crafted posts of those who may not act. Also the approval API's optional
//! grant end dates and milestone schedule.

use chrono::{Datelike, Duration, Months, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app, TestApp, PASSWORD};
use crate::web::{location, Browser};

type Fields = Vec<(String, String)>;

async fn inspector(app: &TestApp, email: &str) -> Browser {
    let b = Browser::new(app);
    b.sign_in(email, INSPECTOR_PASSWORD).await;
    b
}

fn decode(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(decode(&tag[at..].chars().take_while(|c| *c != '"').collect::<String>()))
}

/// What the page's form would post as it is (no button): text and hidden inputs, checked boxes,
/// textareas and the chosen options.
fn form_fields(html: &str) -> Fields {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        let end = rest.find('>').unwrap_or(rest.len() - 1);
        let tag = &rest[..=end];
        if tag.starts_with("<input ") {
            let kind = attr(tag, "type").unwrap_or_default();
            let checked = tag.contains(" checked");
            if let Some(name) = attr(tag, "name") {
                if name != "csrf_token" && (!matches!(kind.as_str(), "checkbox" | "radio") || checked) {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea ") {
            let body = &rest[end + 1..];
            let text = &body[..body.find("</textarea>").unwrap_or(0)];
            out.push((attr(tag, "name").unwrap_or_default(), decode(text)));
        } else if tag.starts_with("<select ") {
            let body = &rest[end + 1..];
            let options = &body[..body.find("</select>").unwrap_or(0)];
            let chosen = options.split("<option").find(|o| o.contains(" selected")).and_then(|o| attr(o, "value"));
            out.push((attr(tag, "name").unwrap_or_default(), chosen.unwrap_or_default()));
        }
        rest = &rest[end + 1..];
    }
    out
}

fn set(f: &mut Fields, name: &str, value: &str) {
    match f.iter_mut().find(|(k, _)| k == name) {
        Some(pair) => pair.1 = value.to_string(),
        None => f.push((name.to_string(), value.to_string())),
    }
}

fn set_date(f: &mut Fields, name: &str, d: NaiveDate) {
    set(f, &format!("{name}-day"), &d.day().to_string());
    set(f, &format!("{name}-month"), &d.month().to_string());
    set(f, &format!("{name}-year"), &d.year().to_string());
}

fn with(f: &Fields, extra: &[(&str, &str)]) -> Fields {
    let mut f = f.clone();
    f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    f
}

async fn post(b: &Browser, page: &str, action: &str, f: &Fields) -> reqwest::Response {
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.submit(page, action, &refs).await
}

async fn html(r: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    decode(&r.text().await.unwrap())
}

fn condition_row(f: &mut Fields, i: usize, category: &str, description: &str, target: &str, due: NaiveDate) {
    set(f, &format!("conditions[{i}].category"), category);
    set(f, &format!("conditions[{i}].description"), description);
    set(f, &format!("conditions[{i}].metric"), "Annual figure");
    set(f, &format!("conditions[{i}].target_value"), target);
    set(f, &format!("conditions[{i}].unit"), "GBP");
    set_date(f, &format!("conditions[{i}].due_on"), due);
}

async fn status_of(app: &TestApp, id: i64, token: &str) -> Value {
    current(app, id, token).await.1
}

/// The approval form filled in with two conditions (the second added with the builder), as far
/// as the check page. Returns the check page.
async fn to_check_page(app: &TestApp, b: &Browser, id: i64) -> String {
    let page = format!("/casework/{id}/approve");
    let form = b.page(&page).await;
    assert!(form.contains("<h1 class=\"govuk-heading-l\">Approve the application</h1>"));
    let mut f = form_fields(&form);
    let start = today(app) + Duration::days(30);
    set(&mut f, "reasons", "Genuine community ownership; safeguards protect the conservation area.");
    set(&mut f, "grant", "GPDO-SCH2-PT14-A");
    set(&mut f, "derogations[0].limits", "Front roof slopes only; black frames.");
    condition_row(&mut f, 0, "community_fund", "Community energy fund", "5000", start + Duration::days(180));
    let r = post(b, &page, &page, &with(&f, &[("add_condition", "1")])).await;
    let form = html(r, StatusCode::OK).await;
    assert!(form.contains("Condition 2") && form.contains("Community energy fund"), "the row is added, the input kept");
    let mut f = form_fields(&form);
    condition_row(&mut f, 1, "bill_savings", "Bill savings for households", "40", start + Duration::days(300));
    let r = post(b, &page, &page, &with(&f, &[("action", "check")])).await;
    html(r, StatusCode::OK).await
}

#[tokio::test]
async fn an_inspector_approves_through_the_check_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let check = to_check_page(&app, &b, id).await;
    assert!(check.contains("Check the approval before it is final"), "{check}");
    assert!(check.contains("Bill savings for households") && check.contains("Community fund"));
    assert!(check.contains("will be published on the public register"));
    assert!(check.contains("The applicant") && check.contains("following this trial"));
    assert!(check.contains(">Confirm and approve</button>"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "assessment", "nothing is final before confirming");

    // "Change" goes back to the form with the input kept.
    let page = format!("/casework/{id}/approve");
    let carried = form_fields(&check);
    let back = html(post(&b, &page, &page, &with(&carried, &[("action", "change")])).await, StatusCode::OK).await;
    assert!(back.contains("Approve the application") && back.contains("Bill savings for households"));

    let r = post(&b, &page, &page, &with(&carried, &[("action", "confirm")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/casework/{id}"));
    assert!(b.page("/account").await.contains("Application approved"), "the banner says what happened");
    let case = status_of(&app, id, &w.inspector).await;
    assert_eq!(case["status"], "approved");
    assert_eq!(case["conditions"].as_array().unwrap().len(), 2);
    let start = today(&app) + Duration::days(30);
    let end = start + Months::new(24);
    let kinds: Vec<&str> = case["milestones"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    let mut expected = vec!["interim_report"; 7];
    expected.extend(["final_report", "exit"]);
    assert_eq!(kinds, expected, "the default schedule for the trial dates");
    assert_eq!(case["milestones"][0]["due_on"], (start + Months::new(3)).to_string());
    assert_eq!(case["trial_end_date"], end.to_string());
    let granted: Vec<bool> =
        case["requested_derogations"].as_array().unwrap().iter().map(|d| d["granted"].as_bool().unwrap()).collect();
    assert_eq!(granted, [true, false]);
}

#[tokio::test]
async fn a_bad_approval_names_each_field_keeps_the_input_and_saves_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let page = format!("/casework/{id}/approve");
    let mut f = form_fields(&b.page(&page).await);
    set(&mut f, "reasons", "Good.");
    set(&mut f, "grant", "GPDO-SCH2-PT14-A");
    condition_row(&mut f, 0, "community_fund", "Community energy fund", "lots", today(&app) + Duration::days(90));
    set(&mut f, "milestones[1].due_on-day", "");
    set(&mut f, "milestones[1].due_on-month", "");
    set(&mut f, "milestones[1].due_on-year", "");
    set(&mut f, "derogations[0].ends_on-day", "31");
    set(&mut f, "derogations[0].ends_on-month", "2");
    set(&mut f, "derogations[0].ends_on-year", "2028");
    let before = status_of(&app, id, &w.inspector).await;
    let r = post(&b, &page, &page, &with(&f, &[("action", "check")])).await;
    let body = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body.contains("<title>Error: Approve the application"));
    assert!(body.contains("href=\"#conditions-0-target_value\">Condition 1 target value must be a number"), "{body}");
    assert!(body.contains("href=\"#milestones-1-due_on\">Milestone 2 due date is required"));
    assert!(body.contains("href=\"#derogations-0-ends_on\">The end date of"), "the grant's row is named");
    assert!(body.contains("value=\"lots\"") && body.contains("Community energy fund"), "the input is kept");
    assert_eq!(status_of(&app, id, &w.inspector).await, before, "nothing was saved");
    assert_eq!(app.count("conditions").await, 0);
}

#[tokio::test]
async fn the_conditions_builder_adds_and_removes_rows_without_javascript() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let page = format!("/casework/{id}/approve");
    let form = b.page(&page).await;
    assert!(form.contains("Condition 1") && !form.contains("Condition 2"));
    assert!(
        form.contains("value=\"Interim report 1\"") && form.contains("value=\"Final report\""),
        "the default schedule"
    );
    let mut f = form_fields(&form);
    set(&mut f, "conditions[0].description", "Keep me");
    let two = html(post(&b, &page, &page, &with(&f, &[("add_condition", "1")])).await, StatusCode::OK).await;
    assert!(two.contains("Condition 2") && two.contains("Keep me"));
    let mut f = form_fields(&two);
    set(&mut f, "conditions[1].description", "The second");
    let one = html(post(&b, &page, &page, &with(&f, &[("remove_condition", "0")])).await, StatusCode::OK).await;
    assert!(!one.contains("Keep me") && one.contains("The second") && !one.contains("Condition 2"));
    let fewer =
        html(post(&b, &page, &page, &with(&form_fields(&one), &[("remove_milestone", "0")])).await, StatusCode::OK)
            .await;
    assert!(!fewer.contains("value=\"Interim report 1\"") && fewer.contains("value=\"Interim report 2\""));
    let more =
        html(post(&b, &page, &page, &with(&form_fields(&fewer), &[("add_milestone", "1")])).await, StatusCode::OK)
            .await;
    assert_eq!(more.matches("Remove milestone").count(), fewer.matches("Remove milestone").count() + 1);
    assert_eq!(app.count("conditions").await, 0, "nothing is saved while building");
}

#[tokio::test]
async fn an_inspector_refuses_after_a_confirmation_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let page = format!("/casework/{id}/refuse");
    let form = b.page(&page).await;
    let mut f = form_fields(&form);
    let r = post(&b, &page, &page, &with(&f, &[("action", "check")])).await;
    assert!(html(r, StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .contains("href=\"#reasons\">The statement of reasons is required"));
    set(&mut f, "reasons", "No community benefit is shown.");
    let check = html(post(&b, &page, &page, &with(&f, &[("action", "check")])).await, StatusCode::OK).await;
    assert!(check.contains("will be published on the public register") && check.contains("applicant will be emailed"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "assessment");
    let r = post(&b, &page, &page, &with(&form_fields(&check), &[("action", "confirm")])).await;
    assert_eq!(location(&r), format!("/casework/{id}"));
    let case = status_of(&app, id, &w.inspector).await;
    assert_eq!(case["status"], "refused");
    assert!(b.page("/account").await.contains("Application refused"));
}

/// Reasons, the confirmation page (checked), then the confirm post; returns the confirmation page.
async fn reasons_journey(app: &TestApp, b: &Browser, id: i64, slug: &str, token: &str, before: &str) -> String {
    let page = format!("/casework/{id}/{slug}");
    let mut f = form_fields(&b.page(&page).await);
    set(&mut f, "reasons", "Community fund payment missed.");
    let check = html(post(b, &page, &page, &with(&f, &[("action", "check")])).await, StatusCode::OK).await;
    assert!(check.contains("Check before you confirm"));
    assert!(check.contains("on the public register") && check.contains("will be emailed"));
    assert_eq!(status_of(app, id, token).await["status"], before, "only the confirm post changes the trial");
    let r = post(b, &page, &page, &with(&form_fields(&check), &[("action", "confirm")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{slug}");
    check
}

#[tokio::test]
async fn suspend_reinstate_and_revoke_each_confirm_first() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let check = reasons_journey(&app, &b, id, "suspend", &w.inspector, "active").await;
    assert!(check.contains("will show as suspended on the public register"));
    assert!(check.contains("everyone following this trial or its zone will be emailed"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "suspended");
    assert!(b.page("/account").await.contains("Trial suspended"));
    reasons_journey(&app, &b, id, "reinstate", &w.inspector, "suspended").await;
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "active");
    // The suspension's confirmation page again, from before the reinstatement: stale, refused.
    let suspend = format!("/casework/{id}/suspend");
    let r = post(&b, &suspend, &suspend, &with(&form_fields(&check), &[("action", "confirm")])).await;
    let stale = html(r, StatusCode::CONFLICT).await;
    assert!(stale.contains("Nothing was saved") && stale.contains("changed after you opened this page"), "{stale}");
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "active");
    assert!(b.page(&format!("/casework/{id}/revoke")).await.contains("Revoking is permanent"));
    let check = reasons_journey(&app, &b, id, "revoke", &w.inspector, "active").await;
    assert!(check.contains("Revoking is permanent"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "revoked");
}

#[tokio::test]
async fn an_inspector_extends_a_trial() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let end: NaiveDate = status_of(&app, id, &w.inspector).await["trial_end_date"].as_str().unwrap().parse().unwrap();
    let page = format!("/casework/{id}/extend");
    let form = b.page(&page).await;
    assert!(form.contains("It can run until"));
    let mut f = form_fields(&form);
    set(&mut f, "reasons", "Winter data is needed.");
    // Beyond the longest trial the granted provision allows: said before the confirmation page.
    set_date(&mut f, "new_end_date", end + Months::new(30));
    let r = post(&b, &page, &page, &with(&f, &[("action", "check")])).await;
    let too_long = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(too_long.contains("href=\"#new_end_date\">The new end date would make the trial"), "{too_long}");
    let limit = (start_of_trial(&app, id, &w).await + Months::new(36)).format("%-d %B %Y").to_string();
    assert!(too_long.contains(&format!("(until {limit})")), "the limit as a person reads it: {too_long}");
    set_date(&mut f, "new_end_date", end + Months::new(6));
    let check = html(post(&b, &page, &page, &with(&f, &[("action", "check")])).await, StatusCode::OK).await;
    assert!(check.contains("Check before you confirm: extend the trial"));
    let r = post(&b, &page, &page, &with(&form_fields(&check), &[("action", "confirm")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, id, &w.inspector).await["trial_end_date"], (end + Months::new(6)).to_string());
    assert!(b.page("/account").await.contains("Trial extended to"));
}

#[tokio::test]
async fn the_assigned_inspector_starts_an_approved_trial() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let page = format!("/casework/{id}/start");
    let shown = b.page(&page).await;
    assert!(shown.contains("will show as active on the public register") && shown.contains("will be emailed"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "approved");
    let r = post(&b, &page, &page, &form_fields(&shown)).await;
    assert_eq!(location(&r), format!("/casework/{id}"));
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "active");
    assert!(b.page("/account").await.contains("Trial started"));
}

async fn start_of_trial(app: &TestApp, id: i64, w: &World) -> NaiveDate {
    status_of(app, id, &w.inspector).await["trial_start_date"].as_str().unwrap().parse().unwrap()
}

/// The innovator reports on the milestone `index` through the API.
async fn report(app: &TestApp, id: i64, w: &World, index: usize, text: &str) -> (i64, Value) {
    let (_, case) = current(app, id, &w.innovator).await;
    let m = case["milestones"][index].clone();
    let mid = m["id"].as_i64().unwrap();
    let tag = format!("\"{}\"", m["version"].as_i64().unwrap());
    let r = change(
        app,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/report"),
        Some(&w.innovator),
        Some(&tag),
        &json!({"report": text}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    (mid, m)
}

async fn review(b: &Browser, id: i64, mid: i64, outcome: &str, note: &str) -> reqwest::Response {
    let page = format!("/casework/{id}/milestones/{mid}");
    let html = b.page(&page).await;
    assert!(html.contains("Review the report"));
    let mut f = form_fields(&html);
    set(&mut f, "outcome", outcome);
    set(&mut f, "note", note);
    post(b, &page, &page, &f).await
}

#[tokio::test]
async fn milestone_reports_are_accepted_or_sent_back_and_the_trial_completed() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let (mid, _) = report(&app, id, &w, 0, "Quarter one.").await;
    assert!(b.page(&format!("/casework/{id}/milestones/{mid}")).await.contains("Quarter one."));
    let r = review(&b, id, mid, "revision_requested", "Add the meter readings.").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, id, &w.inspector).await["milestones"][0]["status"], "revision_requested");
    report(&app, id, &w, 0, "Quarter one, with readings.").await;
    let r = review(&b, id, mid, "accepted", "Good.").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, id, &w.inspector).await["milestones"][0]["status"], "accepted");

    // The final report accepted, the trial is completed with a recommendation per provision.
    let case = status_of(&app, id, &w.inspector).await;
    let fi = case["milestones"].as_array().unwrap().iter().position(|m| m["kind"] == "final_report").unwrap();
    let (fmid, _) = report(&app, id, &w, fi, "Final report.").await;
    assert_eq!(review(&b, id, fmid, "accepted", "Thorough.").await.status(), StatusCode::SEE_OTHER);
    let page = format!("/casework/{id}/complete");
    let form = b.page(&page).await;
    assert!(form.contains("What do you recommend for") && form.contains("Make permanent"));
    let mut f = form_fields(&form);
    set(&mut f, "outcomes", "Forty homes generated their own power.");
    set(&mut f, "lessons", "Front slopes are fine with black frames.");
    let r = post(&b, &page, &page, &with(&f, &[("action", "check")])).await;
    let missing = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(missing.contains("href=\"#recommendations-0-recommendation\">The recommendation for"), "{missing}");
    set(&mut f, "recommendations[0].recommendation", "make_permanent");
    set(&mut f, "recommendations[0].rationale", "No harm to the conservation area.");
    let check = html(post(&b, &page, &page, &with(&f, &[("action", "check")])).await, StatusCode::OK).await;
    assert!(check.contains("Make permanent") && check.contains("learning register"));
    let r = post(&b, &page, &page, &with(&form_fields(&check), &[("action", "confirm")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = status_of(&app, id, &w.inspector).await;
    assert_eq!(case["status"], "completed");
    assert!(b.page("/account").await.contains("Trial completed"));
}

async fn evidence(app: &TestApp, id: i64, w: &World, index: usize, value: f64) -> i64 {
    let cid = status_of(app, id, &w.innovator).await["conditions"][index]["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/conditions/{cid}/evidence"),
            &json!({"body": "Bank statement.", "reported_value": value}),
            Some(&w.innovator),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    cid
}

async fn condition_status(app: &TestApp, id: i64, token: &str, index: usize) -> String {
    status_of(app, id, token).await["conditions"][index]["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn evidence_below_target_is_met_only_with_a_reason_and_rejected_with_feedback() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let b = inspector(&app, "ivy@pins.example.org").await;
    let cid = evidence(&app, id, &w, 0, 4000.0).await;
    let page = format!("/casework/{id}/conditions/{cid}");
    let shown = b.page(&page).await;
    assert!(shown.contains("Review evidence: Community energy fund") && shown.contains("Bank statement."));
    assert!(shown.contains("Below target") && shown.contains("against a target of 5,000 GBP"), "{shown}");
    let mut f = form_fields(&shown);
    set(&mut f, "outcome", "met");
    set(&mut f, "note", "Close enough.");
    let r = post(&b, &page, &page, &f).await;
    let refused = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        refused.contains("href=\"#below_target_reason\">")
            && refused.contains("give the reason it is met all the same")
    );
    assert!(refused.contains("Close enough."), "the input is kept");
    assert_eq!(condition_status(&app, id, &w.inspector, 0).await, "evidence_submitted", "nothing changed");
    set(&mut f, "below_target_reason", "The shortfall was paid in the next month.");
    let r = post(&b, &page, &page, &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(condition_status(&app, id, &w.inspector, 0).await, "met");
    assert!(b.page("/account").await.contains("Condition marked as met"));

    let cid = evidence(&app, id, &w, 1, 40.0).await;
    let page = format!("/casework/{id}/conditions/{cid}");
    let mut f = form_fields(&b.page(&page).await);
    set(&mut f, "outcome", "rejected");
    set(&mut f, "note", "Send the supplier's statement.");
    assert_eq!(post(&b, &page, &page, &f).await.status(), StatusCode::SEE_OTHER);
    let case = status_of(&app, id, &w.inspector).await;
    assert_eq!(case["conditions"][1]["status"], "pending");

    // Waived after a confirmation page.
    let waive = format!("/casework/{id}/conditions/{cid}/waive");
    let mut f = form_fields(&b.page(&waive).await);
    set(&mut f, "reasons", "The supplier went out of business.");
    let check = html(post(&b, &waive, &waive, &with(&f, &[("action", "check")])).await, StatusCode::OK).await;
    assert!(check.contains("will show as waived on the public register"));
    assert_eq!(condition_status(&app, id, &w.inspector, 1).await, "pending");
    let r = post(&b, &waive, &waive, &with(&form_fields(&check), &[("action", "confirm")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(condition_status(&app, id, &w.inspector, 1).await, "waived");
}

#[tokio::test]
async fn those_not_assigned_cannot_approve_or_suspend_with_a_crafted_post() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let assigned = inspector(&app, "ivy@pins.example.org").await;
    let carried = form_fields(&to_check_page(&app, &assigned, id).await);
    let other = inspector(&app, "ola@pins.example.org").await;
    assert_eq!(other.get(&format!("/casework/{id}/approve")).await.status(), StatusCode::FORBIDDEN, "no form to fill");
    let admin = Browser::new(&app);
    admin.sign_in("admin@example.org", PASSWORD).await;
    let approve = format!("/casework/{id}/approve");
    for b in [&other, &admin] {
        let r = post(b, "/account", &approve, &with(&carried, &[("action", "confirm")])).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "assessment");
    assert_eq!(app.count("conditions").await, 0);

    let id = active_trial(&app, &w).await;
    let suspend = format!("/casework/{id}/suspend");
    let version = status_of(&app, id, &w.inspector).await["version"].to_string();
    for b in [&other, &admin] {
        let f = vec![("version".to_string(), version.clone()), ("reasons".to_string(), "Crafted.".to_string())];
        let r = post(b, "/account", &suspend, &with(&f, &[("action", "confirm")])).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(status_of(&app, id, &w.inspector).await["status"], "active");
}

#[tokio::test]
async fn the_approval_api_takes_grant_end_dates_and_a_schedule() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let start = today(&app) + Duration::days(10);
    let mut body = approval(&app, 10, 12);
    body["derogations"][0]["ends_on"] = json!((start + Months::new(40)).to_string());
    body["milestones"] = json!([
        {"kind": "site_inspection", "title": "Site visit", "due_on": (start + Duration::days(30)).to_string()},
        {"kind": "final_report", "title": "Final report", "due_on": (start - Duration::days(1)).to_string()},
        {"kind": "exit", "title": ""}
    ]);
    let (tag, before) = current(&app, id, &w.inspector).await;
    let path = format!("/api/v1/applications/{id}/approve");
    let r = change(&app, Method::POST, &path, Some(&w.inspector), Some(&tag), &body).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = fields(&p);
    named.sort();
    assert_eq!(named, ["milestones[2].due_on", "milestones[2].title"], "the parse first: {p}");
    body["milestones"][2] = json!({"kind": "exit", "title": "Exit", "due_on": (start + Months::new(15)).to_string()});
    let r = change(&app, Method::POST, &path, Some(&w.inspector), Some(&tag), &body).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = fields(&p);
    named.sort();
    assert_eq!(named, ["derogations[0].ends_on", "milestones[1].due_on", "milestones[2].due_on"], "{p}");
    assert_eq!(current(&app, id, &w.inspector).await.1, before, "nothing was saved");
    assert_eq!(app.count("milestones").await, 0);

    let ends = start + Months::new(6);
    body["derogations"][0]["ends_on"] = json!(ends.to_string());
    body["milestones"][1]["due_on"] = json!((start + Months::new(12)).to_string());
    body["milestones"][2]["due_on"] = json!((start + Months::new(13)).to_string());
    let case = transition(&app, id, "approve", &w.inspector, body).await;
    let kinds: Vec<&str> = case["milestones"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["site_inspection", "final_report", "exit"], "the schedule as given");
    assert_eq!(case["requested_derogations"][0]["granted_until"], ends.to_string());

    let doc: Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["GrantBody"]["properties"]["ends_on"].is_object(), "{}", schemas["GrantBody"]);
    assert!(schemas["ApproveBody"]["properties"]["milestones"].is_object());
}
