//! Reporting an observation as inappropriate: once per person, never one's own; three people's
//! reports hold it back from the public page and JSON and put it first on the moderators' list,
//! "Reported by 3 people"; keeping it published brings it back and clears it from the list.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::community_pages::{decoded, follow_redirect, signed_in, trial};
use crate::helpers::{problem, spawn_app, TestApp, PASSWORD};
use crate::web::location;

async fn observe(app: &TestApp, id: i64, token: &str, body: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/observations"),
            &json!({"kind": "concern", "body": body}),
            Some(token),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn report(app: &TestApp, oid: i64, token: Option<&str>) -> reqwest::Response {
    app.post(&format!("/api/v1/observations/{oid}/reports"), &json!({"reason": "Names a neighbour"}), token).await
}

async fn public_bodies(app: &TestApp, reference: &str) -> String {
    let page: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    page["observations"].to_string()
}

#[tokio::test]
async fn three_people_s_reports_hold_an_observation_until_an_inspector_keeps_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let path = format!("/register/{reference}");
    let older = observe(&app, id, &w.community, "An older observation nobody minds.").await;
    let o = observe(&app, id, &w.community, "The man at number 4 is to blame.").await;
    let oid = o["id"].as_i64().unwrap();
    let mut people = Vec::new();
    for name in ["dee", "eli", "fay", "gus"] {
        let (_, token, _) = app.registered(&format!("{name}@example.org"), "community").await;
        people.push(token);
    }

    // The refused cells change nothing.
    problem(report(&app, oid, None).await, StatusCode::UNAUTHORIZED).await;
    let own = problem(report(&app, oid, Some(&w.community)).await, StatusCode::FORBIDDEN).await;
    assert!(own["detail"].as_str().unwrap().contains("your own"), "{own}");
    problem(report(&app, 999_999, Some(&people[0])).await, StatusCode::NOT_FOUND).await;
    let long = json!({ "reason": "x".repeat(1001) });
    let bad = problem(
        app.post(&format!("/api/v1/observations/{oid}/reports"), &long, Some(&people[0])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::fields(&bad), vec!["reason"]);
    assert_eq!(app.count("observation_reports").await, 0);

    // Once per person.
    let r = report(&app, oid, Some(&people[0])).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["observation_id"], oid);
    problem(report(&app, oid, Some(&people[0])).await, StatusCode::CONFLICT).await;
    assert_eq!(app.count("observation_reports").await, 1);
    assert!(public_bodies(&app, &reference).await.contains("number 4"), "one report hides nothing");

    // The second through the page: the confirm page, then the report.
    let eli = signed_in(&app, "eli@example.org", PASSWORD).await;
    let html = decoded(eli.page(&path).await);
    let link = format!("{path}/observations/{oid}/report");
    assert!(html.contains(&format!("href=\"{link}\">Report as inappropriate")), "{html}");
    let confirm = decoded(eli.page(&link).await);
    assert!(confirm.contains("Report this concern as inappropriate") && confirm.contains("The man at number 4"));
    let r = eli.submit(&link, &link, &[("reason", "")]).await;
    assert_eq!(location(&r), format!("{path}#observations"));
    let html = follow_redirect(&eli, r).await;
    assert!(html.contains("Thank you: your report has been sent to the moderators"), "{html}");
    assert!(html.contains("You reported this observation to the moderators"));
    let r = eli.submit(&link, &link, &[]).await;
    assert!(follow_redirect(&eli, r).await.contains("You have already reported that observation"));
    assert_eq!(app.count("observation_reports").await, 2);

    // The third holds it back: off the public page and JSON, first on the moderators' list.
    assert_eq!(report(&app, oid, Some(&people[2])).await.status(), StatusCode::CREATED);
    assert!(!public_bodies(&app, &reference).await.contains("number 4"));
    assert!(public_bodies(&app, &reference).await.contains("An older observation"));
    assert!(!crate::web::Browser::new(&app).page(&path).await.contains("number 4"), "off the public page");
    let listed: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/observations"), None).await.json().await.unwrap();
    assert!(listed.iter().all(|x| x["id"] != oid));
    problem(report(&app, oid, Some(&people[3])).await, StatusCode::NOT_FOUND).await;
    let staff: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/observations"), Some(&w.inspector)).await.json().await.unwrap();
    let held = staff.iter().find(|x| x["id"] == oid).unwrap();
    assert_eq!(held["held_for_review"], true, "{held}");

    let ivy = signed_in(&app, "ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let list = decoded(ivy.page("/casework/moderation").await);
    let (at_held, at_older) = (list.find("The man at number 4").unwrap(), list.find("An older observation").unwrap());
    assert!(at_held < at_older, "the reported one comes first");
    assert!(list.contains("Reported by 3 people"), "{list}");

    // Reports are for staff: the author's history has none, and names no reporter.
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.inspector)).await.json().await.unwrap();
    assert_eq!(history.iter().filter(|h| h["action"] == "observation.reported").count(), 3);
    let own: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.innovator)).await.json().await.unwrap();
    assert!(own.iter().all(|h| h["action"] != "observation.reported"), "{own:?}");
    // Nor, while it is held, the text of the observation.
    let posted: Vec<&Value> = own.iter().filter(|h| h["action"] == "observation.posted").collect();
    assert_eq!(posted.len(), 2);
    assert!(!serde_json::to_string(&own).unwrap().contains("number 4"), "{own:?}");
    assert!(posted.iter().any(|h| h["details"]["withheld"] == true && h["details"]["body"].is_null()), "{own:?}");

    // Keeping it published (JSON) brings it back and clears it from the list.
    let tag = format!("\"{}\"", held["version"].as_i64().unwrap());
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/observations/{oid}/moderate"),
        Some(&w.inspector),
        Some(&tag),
        &json!({"action": "keep"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(public_bodies(&app, &reference).await.contains("number 4"));
    let list = decoded(ivy.page("/casework/moderation").await);
    assert!(!list.contains("number 4") && list.contains("An older observation"), "{list}");

    // The other one, kept from the moderation page: the list empties.
    let oid2 = older["id"].as_i64().unwrap();
    let page = format!("/casework/moderation/{oid2}");
    let form = decoded(ivy.page(&page).await);
    assert!(form.contains("value=\"keep\"") && form.contains("Keep it published"), "{form}");
    let at = form.find("name=\"version\" value=\"").unwrap() + 22;
    let version: String = form[at..].chars().take_while(|c| *c != '"').collect();
    let r = ivy.submit(&page, &page, &[("version", &version), ("action", "keep"), ("reason", "")]).await;
    assert_eq!(location(&r), "/casework/moderation");
    let list = follow_redirect(&ivy, r).await;
    assert!(list.contains("The observation stays published and is off the list"), "{list}");
    assert!(list.contains("There is nothing to moderate."), "{list}");
    assert!(public_bodies(&app, &reference).await.contains("An older observation"));
}

#[tokio::test]
async fn a_held_observation_can_still_be_hidden_with_a_reason() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let o = observe(&app, id, &w.community, "Rude words.").await;
    let oid = o["id"].as_i64().unwrap();
    for name in ["dee", "eli", "fay"] {
        let (_, token, _) = app.registered(&format!("{name}@example.org"), "community").await;
        assert_eq!(report(&app, oid, Some(&token)).await.status(), StatusCode::CREATED);
    }
    let staff: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/observations"), Some(&w.inspector)).await.json().await.unwrap();
    let tag = format!("\"{}\"", staff[0]["version"].as_i64().unwrap());
    let path = format!("/api/v1/observations/{oid}/moderate");
    let r = change(&app, Method::POST, &path, Some(&w.inspector), Some(&tag), &json!({"action": "hide"})).await;
    let bad = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::helpers::fields(&bad), vec!["reason"], "hiding needs a reason");
    let r = change(
        &app,
        Method::POST,
        &path,
        Some(&w.inspector),
        Some(&tag),
        &json!({"action": "hide", "reason": "Abuse"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["visibility"], "hidden");
    assert_eq!(body["held_for_review"], false, "moderated: no longer held");
    assert!(!public_bodies(&app, &reference).await.contains("Rude words"));
}
