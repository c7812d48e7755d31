//! The case lifecycle end to end, its refusals, validation, concurrency and audit trail.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app};

#[tokio::test]
async fn happy_path_from_registration_to_completed_trial() {
    let app = spawn_app().await;
    let w = world(&app).await;

    // Draft, then a whole-record edit with If-Match.
    let mut draft = complete_draft(&app, w.zone_id);
    let r = app.post("/api/v1/applications", &json!({"title": "Solar terrace"}), Some(&w.innovator)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let tag = etag(&r);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "draft");
    assert!(created["reference"].is_null());
    assert_eq!(created["allowed_actions"], json!(["edit", "submit"]));
    draft["title"] = json!("Street-scale solar, Harbour Terrace");
    let r =
        change(&app, Method::PUT, &format!("/api/v1/applications/{id}"), Some(&w.innovator), Some(&tag), &draft).await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!(edited["title"], "Street-scale solar, Harbour Terrace");
    assert_eq!(edited["postcode_district"], "BS1");
    assert_eq!(edited["applicant"]["id"], w.innovator_id);
    assert_eq!(edited["requested_derogations"].as_array().unwrap().len(), 2);

    // Submit: a reference and a receipt.
    let submitted = transition(&app, id, "submit", &w.innovator, json!({})).await;
    assert_eq!(submitted["status"], "submitted");
    let reference = submitted["reference"].as_str().unwrap().to_string();
    let year = today(&app).format("%Y").to_string();
    assert!(reference.starts_with(&format!("SBX-{year}-")) && reference.len() == 14, "{reference}");
    let mails = app.outbox().await;
    assert!(mails.iter().any(|m| m.to_address == "ana@example.org"
        && m.subject.contains(&reference)
        && m.category == "case.submitted"));
    assert!(mails.iter().any(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.awaiting_assignment"));

    // The inspector's queue shows it as unassigned.
    let queue: Vec<Value> =
        app.get("/api/v1/applications?inspector=unassigned", Some(&w.inspector)).await.json().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["reference"], reference.as_str());
    assert_eq!(queue[0]["organisation_name"], "Sunny Hill Energy Co-op");

    let assigned = transition(&app, id, "assign", &w.admin, json!({ "inspector_id": w.inspector_id })).await;
    assert_eq!(assigned["status"], "screening");
    assert_eq!(assigned["assigned_inspector"]["id"], w.inspector_id);
    assert!(app.outbox().await.iter().any(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.assigned"));

    let screened = transition(&app, id, "screening", &w.inspector, all_criteria(true)).await;
    assert_eq!(screened["status"], "assessment");
    assert_eq!(screened["screening"].as_array().unwrap().len(), 7);

    // An information request pauses the case; the answer brings it back to assessment.
    let asked =
        transition(&app, id, "information-requests", &w.inspector, json!({"question": "Who maintains the panels?"}))
            .await;
    assert_eq!(asked["status"], "information_requested");
    let request = &asked["information_requests"][0];
    let expected_due = app.ctx.settings.holidays().add_working_days(today(&app), 15);
    assert_eq!(request["due_on"], expected_due.to_string());
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "ana@example.org" && m.category == "case.information_requested"));
    let rid = request["id"].as_i64().unwrap();
    let answered = transition(
        &app,
        id,
        &format!("information-requests/{rid}/answer"),
        &w.innovator,
        json!({"answer": "The co-op's installer, under contract."}),
    )
    .await;
    assert_eq!(answered["status"], "assessment");
    assert!(app
        .outbox()
        .await
        .iter()
        .any(|m| m.to_address == "ivy@pins.example.org" && m.category == "case.information_answered"));

    // Approve with conditions; the default schedule appears.
    let approved = transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision"]["outcome"], "approved");
    assert_eq!(approved["conditions"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> =
        approved["milestones"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["interim_report", "interim_report", "interim_report", "final_report", "exit"]);
    let granted: Vec<bool> =
        approved["requested_derogations"].as_array().unwrap().iter().map(|d| d["granted"].as_bool().unwrap()).collect();
    assert_eq!(granted, [true, false]);
    assert!(app.outbox().await.iter().any(|m| m.to_address == "ana@example.org" && m.category == "case.decided"));

    let started = transition(&app, id, "start", &w.innovator, json!({})).await;
    assert_eq!(started["status"], "active");

    // Completing needs the final report accepted.
    let r = {
        let (tag, _) = current(&app, id, &w.inspector).await;
        change(
            &app,
            Method::POST,
            &format!("/api/v1/applications/{id}/complete"),
            Some(&w.inspector),
            Some(&tag),
            &evaluation(),
        )
        .await
    };
    problem(r, StatusCode::CONFLICT).await;
    let final_report =
        started["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "final_report").unwrap().clone();
    let mid = final_report["id"].as_i64().unwrap();
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/report"),
        Some(&w.innovator),
        Some("\"1\""),
        &json!({"report": "All forty homes generating."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/review"),
        Some(&w.inspector),
        Some("\"2\""),
        &json!({"outcome": "accepted", "note": "Thorough."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    let completed = transition(&app, id, "complete", &w.inspector, evaluation()).await;
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["evaluation"]["recommendations"][0]["recommendation"], "make_permanent");
    assert!(app.outbox().await.iter().any(|m| m.to_address == "ana@example.org" && m.category == "case.completed"));

    // The history names every transition, its actor and states, in order.
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.inspector)).await.json().await.unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "application.created",
            "application.edited",
            "application.submitted",
            "application.assigned",
            "application.screened",
            "information.requested",
            "information.answered",
            "application.approved",
            "trial.started",
            "milestone.submit_report",
            "milestone.accept",
            "trial.completed"
        ]
    );
    let submitted_event = &history[2];
    assert_eq!(submitted_event["from_status"], "draft");
    assert_eq!(submitted_event["to_status"], "submitted");
    assert_eq!(submitted_event["actor"], "Person ana@example.org");
    for pair in history.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "hash chain");
    }
    // Status and audit trail agree.
    let last_status = history.iter().rev().find(|h| h["action"].as_str().unwrap().starts_with("trial.")).unwrap();
    assert_eq!(last_status["to_status"], "completed");

    let intact = app.query(sandbox::db::audit::verify_all).await;
    assert!(intact.is_ok(), "{intact:?}");
}

pub fn evaluation() -> Value {
    json!({
        "outcomes": "All conditions met; 47 tCO2e a year saved.",
        "lessons": "Front-slope panels with black frames were not noticed by residents.",
        "reported_annual_co2e_tonnes": 47.0,
        "recommendations": [{"provision_code": "GPDO-SCH2-PT14-A", "recommendation": "make_permanent", "rationale": "No harm found."}]
    })
}

#[tokio::test]
async fn disallowed_transitions_answer_409_with_the_allowed_actions_and_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, id, "submit", &w.innovator, json!({})).await;
    let (tag, before) = current(&app, id, &w.innovator).await;
    let mails = app.count("outbound_emails").await;
    let events = app.count("audit_events").await;

    // Submitting again.
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        Some(&w.innovator),
        Some(&tag),
        &json!({}),
    )
    .await;
    let body = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(body["current_status"], "submitted");
    assert_eq!(body["allowed_actions"], json!(["assign", "withdraw"]));
    assert!(body["detail"].as_str().unwrap().contains("submitted"));
    // Editing a submitted case.
    let r = change(
        &app,
        Method::PUT,
        &format!("/api/v1/applications/{id}"),
        Some(&w.innovator),
        Some(&tag),
        &complete_draft(&app, w.zone_id),
    )
    .await;
    problem(r, StatusCode::CONFLICT).await;
    // Starting before approval (the author may start, but not now).
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/start"),
        Some(&w.innovator),
        Some(&tag),
        &json!({}),
    )
    .await;
    problem(r, StatusCode::CONFLICT).await;

    let (tag_after, after) = current(&app, id, &w.innovator).await;
    assert_eq!(tag, tag_after);
    assert_eq!(before, after);
    assert_eq!(app.count("outbound_emails").await, mails);
    assert_eq!(app.count("audit_events").await, events);
}

#[tokio::test]
async fn submission_names_every_problem_and_writes_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let closed_zone = zone(
        &app,
        &w.admin,
        json!({"name": "Closed zone", "lpa_code": "E07000178", "lpa_name": "Oxford City Council", "open": true,
               "window_opens_on": "2020-01-01", "window_closes_on": "2020-12-31",
               "min_community_ownership_pct": 50, "allowed_provisions": ["GPDO-SCH2-PT14-G"]}),
    )
    .await;
    let mut draft = complete_draft(&app, closed_zone);
    draft["proposed_start_date"] = json!("2020-01-01");
    draft["proposed_duration_months"] = json!(60);
    draft["community_ownership_pct"] = json!(20);
    draft.as_object_mut().unwrap().remove("exit_plan");
    let id = create_draft(&app, &w.innovator, &draft).await;
    let (tag, before) = current(&app, id, &w.innovator).await;
    let mails = app.count("outbound_emails").await;

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
    let mut named = fields(&body);
    named.sort();
    named.dedup();
    assert_eq!(
        named,
        [
            "community_ownership_pct",
            "exit_plan",
            "proposed_duration_months",
            "proposed_start_date",
            "requested_derogations[0].provision_code",
            "requested_derogations[1].provision_code",
            "zone_id"
        ],
        "{body}"
    );
    let (_, after) = current(&app, id, &w.innovator).await;
    assert_eq!(before, after);
    assert!(after["reference"].is_null());
    assert_eq!(app.count("outbound_emails").await, mails);
    assert_eq!(app.count("reference_counters").await, 0);
}

#[tokio::test]
async fn bad_draft_input_is_refused_field_by_field() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let before = app.count("applications").await;
    let r = app
        .post(
            "/api/v1/applications",
            &json!({
                "title": "x".repeat(201),
                "intervention": "nuclear",
                "site_postcode": "not a postcode",
                "proposed_start_date": "2026-02-30",
                "proposed_duration_months": -3,
                "estimated_annual_co2e_tonnes": -1,
                "community_ownership_pct": 140,
                "zone_id": "one",
                "summary": "y".repeat(10_001),
                "requested_derogations": [{"provision_code": "NOT-A-PROVISION", "justification": "j", "scope": "s"}, {"justification": 5}]
            }),
            Some(&w.innovator),
        )
        .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = fields(&body);
    named.sort();
    assert_eq!(
        named,
        [
            "community_ownership_pct",
            "estimated_annual_co2e_tonnes",
            "intervention",
            "proposed_duration_months",
            "proposed_start_date",
            "requested_derogations[1].justification",
            "requested_derogations[1].provision_code",
            "requested_derogations[1].scope",
            "site_postcode",
            "summary",
            "title",
            "zone_id"
        ],
        "{body}"
    );
    // Well-formed but unknown provision codes and zones are named too.
    let mut draft = complete_draft(&app, 999_999);
    draft["requested_derogations"][0]["provision_code"] = json!("NOT-A-PROVISION");
    let body =
        problem(app.post("/api/v1/applications", &draft, Some(&w.innovator)).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    let mut named = fields(&body);
    named.sort();
    assert_eq!(named, ["requested_derogations[0].provision_code", "zone_id"]);
    assert_eq!(app.count("applications").await, before);
}

#[tokio::test]
async fn changes_need_if_match_and_stale_ones_fail() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let path = format!("/api/v1/applications/{id}");
    let draft = complete_draft(&app, w.zone_id);
    problem(
        change(&app, Method::PUT, &path, Some(&w.innovator), None, &draft).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    problem(
        change(&app, Method::PUT, &path, Some(&w.innovator), Some("\"99\""), &draft).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    problem(
        change(&app, Method::POST, &format!("{path}/submit"), Some(&w.innovator), None, &json!({})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;

    // Concurrent edits with the same ETag: exactly one wins, nothing is lost silently.
    let (tag, _) = current(&app, id, &w.innovator).await;
    let mut futures = Vec::new();
    let (app_ref, token, tag_ref) = (&app, w.innovator.as_str(), tag.as_str());
    for i in 0..6 {
        let mut body = draft.clone();
        body["title"] = json!(format!("Title from editor {i}"));
        futures.push(async move {
            let r =
                change(app_ref, Method::PUT, &format!("/api/v1/applications/{id}"), Some(token), Some(tag_ref), &body)
                    .await;
            (i, r.status())
        });
    }
    let results = futures_util::future::join_all(futures).await;
    let winners: Vec<usize> = results.iter().filter(|(_, s)| *s == StatusCode::OK).map(|(i, _)| *i).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results.iter().all(|(_, s)| *s == StatusCode::OK || *s == StatusCode::PRECONDITION_FAILED), "{results:?}");
    let (new_tag, now) = current(&app, id, &w.innovator).await;
    assert_eq!(now["title"], format!("Title from editor {}", winners[0]));
    let old: i64 = tag.trim_matches('"').parse().unwrap();
    assert_eq!(new_tag, format!("\"{}\"", old + 1));
}

#[tokio::test]
async fn screening_failure_refusal_and_withdrawal() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Screening with an unmet criterion refuses with that criterion as the reason.
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, id, "submit", &w.innovator, json!({})).await;
    transition(&app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    let (tag, _) = current(&app, id, &w.inspector).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/screening"),
        Some(&w.inspector),
        Some(&tag),
        &json!({"criteria": [{"criterion": "readiness", "outcome": "maybe"}]}),
    )
    .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(fields(&body).contains(&"criteria[0].outcome".to_string()));
    assert!(fields(&body).contains(&"criteria".to_string()));
    let refused = transition(&app, id, "screening", &w.inspector, all_criteria(false)).await;
    assert_eq!(refused["status"], "refused");
    assert!(refused["decision"]["reasons"].as_str().unwrap().contains("genuine innovation"));
    assert!(app.outbox().await.iter().any(|m| m.to_address == "ana@example.org" && m.category == "case.decided"));

    // Refusal from assessment needs reasons.
    let id = case_in_assessment(&app, &w).await;
    let (tag, _) = current(&app, id, &w.inspector).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/refuse"),
        Some(&w.inspector),
        Some(&tag),
        &json!({}),
    )
    .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["reasons"]);
    let refused = transition(
        &app,
        id,
        "refuse",
        &w.inspector,
        json!({"reasons": "Harm to the conservation area outweighs the benefit."}),
    )
    .await;
    assert_eq!(refused["decision"]["outcome"], "refused");

    // Withdrawal before a decision.
    let id = case_in_assessment(&app, &w).await;
    let withdrawn = transition(&app, id, "withdraw", &w.innovator, json!({"reason": null})).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["allowed_actions"], json!([]));
}

#[tokio::test]
async fn approval_is_checked_against_what_was_requested() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let (tag, before) = current(&app, id, &w.inspector).await;
    let mut bad = approval(&app, -10, 40);
    bad["derogations"] =
        json!([{"provision_code": "GPDO-SCH2-PT14-G", "limits": ""}, {"provision_code": "GPDO-SCH2-PT14-A"}]);
    bad["conditions"] = json!([]);
    let r =
        change(&app, Method::POST, &format!("/api/v1/applications/{id}/approve"), Some(&w.inspector), Some(&tag), &bad)
            .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut named = fields(&body);
    named.sort();
    named.dedup();
    assert_eq!(named, ["conditions", "derogations[0].provision_code", "trial_end_date", "trial_start_date"], "{body}");
    let (_, after) = current(&app, id, &w.inspector).await;
    assert_eq!(before, after);
    assert_eq!(app.count("conditions").await, 0);
    assert_eq!(app.count("milestones").await, 0);
}

#[tokio::test]
async fn enforcement_and_extension() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let suspended =
        transition(&app, id, "suspend", &w.inspector, json!({"reasons": "Community fund payment missed."})).await;
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(suspended["enforcement_actions"][0]["kind"], "suspension");
    let reinstated = transition(&app, id, "reinstate", &w.inspector, json!({"reasons": "Payment made."})).await;
    assert_eq!(reinstated["status"], "active");

    // GPDO-SCH2-PT14-A allows 36 months; the trial is 12.
    let end = reinstated["trial_end_date"].as_str().unwrap().to_string();
    let (tag, _) = current(&app, id, &w.inspector).await;
    let too_long = (today(&app) + chrono::Duration::days(365 * 4)).to_string();
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/extend"),
        Some(&w.inspector),
        Some(&tag),
        &json!({"new_end_date": too_long, "reasons": "More data."}),
    )
    .await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["new_end_date"]);
    let new_end =
        (chrono::NaiveDate::parse_from_str(&end, "%Y-%m-%d").unwrap() + chrono::Duration::days(180)).to_string();
    let extended = transition(
        &app,
        id,
        "extend",
        &w.inspector,
        json!({"new_end_date": new_end, "reasons": "A second winter of data."}),
    )
    .await;
    assert_eq!(extended["trial_end_date"], new_end.as_str());
    let final_report =
        extended["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "final_report").unwrap().clone();
    assert_eq!(final_report["due_on"], new_end.as_str(), "the final report moves with the end");
    assert_eq!(extended["enforcement_actions"].as_array().unwrap().last().unwrap()["kind"], "extension");

    let revoked = transition(&app, id, "revoke", &w.inspector, json!({"reasons": "Repeated breaches."})).await;
    assert_eq!(revoked["status"], "revoked");
    let categories: Vec<String> =
        app.outbox().await.into_iter().filter(|m| m.to_address == "ana@example.org").map(|m| m.category).collect();
    for c in ["case.started", "case.suspended", "case.reinstated", "case.extended", "case.revoked"] {
        assert!(categories.iter().any(|x| x == c), "{c} in {categories:?}");
    }
}

#[tokio::test]
async fn a_trial_cannot_start_before_its_start_date() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    transition(&app, id, "approve", &w.inspector, approval(&app, 10, 12)).await;
    let (tag, _) = current(&app, id, &w.innovator).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/start"),
        Some(&w.innovator),
        Some(&tag),
        &json!({}),
    )
    .await;
    problem(r, StatusCode::CONFLICT).await;
    app.clock.advance(10 * 86_400);
    let (inspector, _) = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let started = transition(&app, id, "start", &inspector, json!({})).await;
    assert_eq!(started["status"], "active");
}

#[tokio::test]
async fn the_audit_verifier_finds_a_tampered_row() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    assert!(app.query(sandbox::db::audit::verify_all).await.is_ok());
    let stream = format!("application:{id}");
    let s2 = stream.clone();
    app.query(move |c| {
        use diesel::prelude::*;
        use sandbox::db::schema::audit_events::dsl::*;
        diesel::update(audit_events.filter(self::stream_eq(&s2)).filter(seq.eq(3)))
            .set(details.eq(r#"{"criteria": "all met, honest"}"#))
            .execute(c)
    })
    .await;
    let broken = app.query(sandbox::db::audit::verify_all).await.unwrap_err();
    assert_eq!(broken.stream, stream);
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("changed"));
}

fn stream_eq(s: &str) -> diesel::dsl::Eq<sandbox::db::schema::audit_events::stream, String> {
    use diesel::ExpressionMethods;
    sandbox::db::schema::audit_events::stream.eq(s.to_string())
}

#[tokio::test]
async fn the_queue_filters_searches_and_pages() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let a = case_in_assessment(&app, &w).await; // assigned to ivy
    let b = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, b, "submit", &w.innovator, json!({})).await; // unassigned
    let mut heat = complete_draft(&app, w.zone_id);
    heat["title"] = json!("Heat pumps for the Wapping Wharf flats");
    heat["intervention"] = json!("heat_pump");
    heat["requested_derogations"] = json!([{"provision_code": "GPDO-SCH2-PT14-G", "justification": "j", "scope": "s"}]);
    let c = create_draft(&app, &w.other_innovator, &heat).await;
    let submitted = transition(&app, c, "submit", &w.other_innovator, json!({})).await;
    let c_ref = submitted["reference"].as_str().unwrap().to_string();
    transition(&app, c, "assign", &w.admin, json!({ "inspector_id": w.other_inspector_id })).await;
    let _draft = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;

    let ids = |v: Vec<Value>| v.iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let get = |q: &str| {
        let app = &app;
        let token = w.inspector.clone();
        let q = q.to_string();
        async move {
            let r = app.get(&format!("/api/v1/applications{q}"), Some(&token)).await;
            assert_eq!(r.status(), StatusCode::OK, "{q}");
            r.json::<Vec<Value>>().await.unwrap()
        }
    };
    assert_eq!(ids(get("").await), [c, b, a], "newest first, no drafts");
    assert_eq!(ids(get("?inspector=me").await), [a]);
    assert_eq!(ids(get("?inspector=unassigned").await), [b]);
    assert_eq!(ids(get(&format!("?inspector={}", w.other_inspector_id)).await), [c]);
    assert_eq!(ids(get("?status=assessment").await), [a]);
    assert_eq!(ids(get("?intervention=heat_pump").await), [c]);
    assert_eq!(ids(get(&format!("?zone={}", w.zone_id)).await), [c, b, a]);
    assert_eq!(ids(get("?q=wapping").await), [c]);
    assert_eq!(ids(get(&format!("?q={}", c_ref.to_lowercase())).await), [c]);
    assert_eq!(ids(get("?q=Sunny%20Hill").await), [b, a], "organisation name");
    assert_eq!(ids(get("?q=100%25").await), Vec::<i64>::new(), "LIKE wildcards are literal");

    let r = app.get("/api/v1/applications?per_page=2", Some(&w.inspector)).await;
    assert_eq!(r.headers().get("x-total-count").unwrap(), "3");
    assert!(r.headers().get("link").unwrap().to_str().unwrap().contains("rel=\"next\""));
    let r = app.get("/api/v1/applications?per_page=2&page=2", Some(&w.inspector)).await;
    assert_eq!(ids(r.json().await.unwrap()), [a]);

    let r = app
        .get(
            "/api/v1/applications?status=pending&intervention=fusion&inspector=someone&zone=x&page=0",
            Some(&w.inspector),
        )
        .await;
    let mut named = fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await);
    named.sort();
    assert_eq!(named, ["inspector", "intervention", "page", "status", "zone"]);

    // The other innovator sees only their own; their view of ours is a 404.
    let theirs: Vec<Value> = app.get("/api/v1/applications", Some(&w.other_innovator)).await.json().await.unwrap();
    assert_eq!(ids(theirs), [c]);
    problem(app.get(&format!("/api/v1/applications/{a}"), Some(&w.other_innovator)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_total_count_is_capped() {
    let app = crate::helpers::spawn_app_with(&[("lists.total_count_cap", "2".into())]).await;
    let w = world(&app).await;
    for _ in 0..3 {
        create_draft(&app, &w.innovator, &json!({"title": "t"})).await;
    }
    let r = app.get("/api/v1/applications?per_page=1", Some(&w.innovator)).await;
    assert_eq!(r.headers().get("x-total-count").unwrap(), "2");
    assert_eq!(r.headers().get("x-total-count-capped").unwrap(), "true");
    assert!(r.headers().get("link").unwrap().to_str().unwrap().contains("rel=\"next\""));
}
