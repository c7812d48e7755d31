//! The contract every interface shares: typed records (a corrupt value is an error, never a
//! default), `If-Match` parsed strictly, refusals in the documented order, public data that carries
//! the ids a member acts on, unknown query parameters named, pages past the end, and concurrent
//! writers on one case.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app, spawn_app_with, TestApp};

async fn reference_of(app: &TestApp, id: i64, token: &str) -> String {
    let (_, case) = current(app, id, token).await;
    case["reference"].as_str().unwrap().to_string()
}

async fn first_condition(app: &TestApp, id: i64, token: &str) -> Value {
    let list: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/conditions"), Some(token)).await.json().await.unwrap();
    list[0].clone()
}

fn tag_of(v: &Value) -> String {
    format!("\"{}\"", v["version"].as_i64().unwrap())
}

async fn evidence(app: &TestApp, cid: i64, token: &str, value: f64) {
    let r = change(
        app,
        Method::POST,
        &format!("/api/v1/conditions/{cid}/evidence"),
        Some(token),
        None,
        &json!({"body": "Statement of the fund's account.", "reported_value": value}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn a_corrupt_enumerated_value_is_a_500_with_a_request_id_and_never_a_default() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let reference = reference_of(&app, id, &w.innovator).await;
    app.query(move |c| {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("UPDATE applications SET intervention = 'cold_fusion' WHERE id = {id}")).execute(c)
    })
    .await;
    for (path, token) in [
        (format!("/api/v1/register/{reference}"), None),
        ("/api/v1/register".to_string(), None),
        (format!("/api/v1/applications/{id}"), Some(w.innovator.as_str())),
        ("/api/v1/applications".to_string(), Some(w.inspector.as_str())),
    ] {
        let body = problem(app.get(&path, token).await, StatusCode::INTERNAL_SERVER_ERROR).await;
        assert!(body["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{path}: {body}");
        assert!(!body.to_string().contains("cold_fusion"), "the stored value is not shown: {body}");
    }
    // A change is refused the same way, and writes nothing.
    let audit = app.count("audit_events").await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/suspend"),
        Some(&w.inspector),
        Some("\"5\""),
        &json!({"reasons": "x"}),
    )
    .await;
    problem(r, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(app.count("audit_events").await, audit);
}

#[tokio::test]
async fn a_malformed_if_match_is_a_400_naming_the_header_and_changes_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (tag, before) = current(&app, id, &w.inspector).await;
    let unquoted = tag.trim_matches('"').to_string();
    for bad in [unquoted.as_str(), "W/9", "\"9"] {
        let r = change(
            &app,
            Method::POST,
            &format!("/api/v1/applications/{id}/suspend"),
            Some(&w.inspector),
            Some(bad),
            &json!({"reasons": "Missed payments."}),
        )
        .await;
        let body = problem(r, StatusCode::BAD_REQUEST).await;
        assert!(body["detail"].as_str().unwrap().contains("If-Match"), "{body}");
    }
    let (_, after) = current(&app, id, &w.inspector).await;
    assert_eq!(after["status"], "active");
    assert_eq!(after["version"], before["version"]);
    // A well-formed tag that names no version is stale, but only once the case is known.
    let r = change(
        &app,
        Method::POST,
        "/api/v1/applications/999999/suspend",
        Some(&w.inspector),
        Some("\"\""),
        &json!({"reasons": "x"}),
    )
    .await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/applications/{id}/suspend"),
        Some(&w.inspector),
        Some("\"\""),
        &json!({"reasons": "x"}),
    )
    .await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
}

#[tokio::test]
async fn one_condition_is_read_with_its_etag() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let listed = first_condition(&app, id, &w.innovator).await;
    let cid = listed["id"].as_i64().unwrap();
    let r = app.get(&format!("/api/v1/conditions/{cid}"), Some(&w.innovator)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(etag(&r), tag_of(&listed));
    let one: Value = r.json().await.unwrap();
    assert_eq!(one, listed);
    // The ETag read there is the one a change needs.
    let r = change(
        &app,
        Method::POST,
        &format!("/api/v1/conditions/{cid}/waive"),
        Some(&w.inspector),
        Some(&tag_of(&one)),
        &json!({"reasons": "The fund was replaced by a direct payment scheme."}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The trial is public: anyone signed in may read its conditions.
    assert_eq!(app.get(&format!("/api/v1/conditions/{cid}"), Some(&w.other_innovator)).await.status(), StatusCode::OK);
    problem(app.get(&format!("/api/v1/conditions/{cid}"), None).await, StatusCode::UNAUTHORIZED).await;
    problem(app.get("/api/v1/conditions/999999", Some(&w.inspector)).await, StatusCode::NOT_FOUND).await;
    // A condition set during assessment is not public yet.
    let pending = case_in_assessment(&app, &w).await;
    let r = app
        .post(
            &format!("/api/v1/applications/{pending}/conditions"),
            &json!({"category": "engagement", "description": "Quarterly public meetings", "metric": "Meetings held",
                "target_value": 4, "unit": "meetings", "due_on": day(&app, 200)}),
            Some(&w.inspector),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let pid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/conditions/{pid}"), Some(&w.innovator)).await.status(), StatusCode::OK);
    for token in [&w.other_innovator, &w.community] {
        problem(app.get(&format!("/api/v1/conditions/{pid}"), Some(token)).await, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn a_condition_met_below_its_target_needs_a_reason_that_is_published() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let cid = first_condition(&app, id, &w.innovator).await["id"].as_i64().unwrap();
    evidence(&app, cid, &w.innovator, 650.0).await;
    let cond = first_condition(&app, id, &w.inspector).await;
    let audit = app.count("audit_events").await;
    let path = format!("/api/v1/conditions/{cid}/verify");
    let tag = tag_of(&cond);
    let verify = |body: Value| {
        let (app, path, tag, token) = (&app, &path, &tag, &w.inspector);
        async move { change(app, Method::POST, path, Some(token), Some(tag), &body).await }
    };
    let r = verify(json!({"outcome": "met", "note": "Payment seen."})).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), ["below_target_reason"]);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("650"), "{body}");
    assert_eq!(app.count("audit_events").await, audit, "nothing was written");
    assert_eq!(first_condition(&app, id, &w.inspector).await["status"], "evidence_submitted");

    let reason = "The first year's payment was part-year; the fund is on course for the full target.";
    let r = verify(json!({"outcome": "met", "note": "Payment seen.", "below_target_reason": reason})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let reference = reference_of(&app, id, &w.innovator).await;
    let trial: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    let public = trial["conditions"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap().clone();
    assert_eq!(public["status"], "met");
    assert_eq!(public["met_below_target_reason"], reason);
    let history: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/history"), Some(&w.innovator)).await.json().await.unwrap();
    let met = history.iter().find(|e| e["action"] == "condition.met").expect("the author sees the decision");
    assert_eq!(met["details"]["below_target_reason"], reason);
}

#[tokio::test]
async fn public_data_carries_the_ids_a_member_acts_on() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/observations"),
            &json!({"kind": "support", "body": "Glad to see it."}),
            Some(&w.community),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let list: Vec<Value> = app.get("/api/v1/register", None).await.json().await.unwrap();
    assert_eq!(list[0]["id"], id);
    let reference = list[0]["reference"].as_str().unwrap();
    let trial: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    assert_eq!(trial["id"], id);
    for key in ["conditions", "milestones", "observations"] {
        let items = trial[key].as_array().unwrap();
        assert!(!items.is_empty() && items.iter().all(|i| i["id"].as_i64().is_some()), "{key}: {trial}");
    }
    // Acting on them: follow the trial, and read a condition, with the ids found in public data.
    let r = app.post("/api/v1/subscriptions", &json!({"application_id": trial["id"]}), Some(&w.community)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let cid = trial["conditions"][0]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/conditions/{cid}"), Some(&w.community)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_query_parameters_are_named_and_the_feed_takes_the_register_filters() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let reference = reference_of(&app, id, &w.innovator).await;
    let mut empty_zone = zone_body();
    empty_zone["name"] = json!("A zone with no trials");
    let other_zone = zone(&app, &w.admin, empty_zone).await;
    for (path, token, name) in [
        ("/api/v1/register?zoen=1", None, "zoen"),
        ("/api/v1/register.csv?statuss=active", None, "statuss"),
        ("/api/v1/register/feed.atom?zone=1&colour=red", None, "colour"),
        ("/api/v1/applications?sortt=target", Some(w.inspector.as_str()), "sortt"),
        ("/api/v1/users?rol=admin", Some(w.admin.as_str()), "rol"),
        ("/api/v1/zones?open=true", None, "open"),
    ] {
        let body = problem(app.get(path, token).await, StatusCode::BAD_REQUEST).await;
        assert!(body["detail"].as_str().unwrap().contains(name), "{path}: {body}");
    }
    // The HTML register names the parameter in its error summary instead.
    let r = app.get("/register?zoen=1", None).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("There is a problem") && page.contains("zoen"), "{page}");
    let feed = |q: String| {
        let app = &app;
        async move { app.get(&format!("/api/v1/register/feed.atom{q}"), None).await.text().await.unwrap() }
    };
    assert!(feed(String::new()).await.contains(&reference));
    assert!(feed(format!("?zone={}", w.zone_id)).await.contains(&reference));
    assert!(feed("?status=active".into()).await.contains(&reference));
    let empty = feed(format!("?zone={other_zone}")).await;
    assert!(!empty.contains(&reference) && !empty.contains("<entry>"), "{empty}");
    assert!(!feed("?status=refused".into()).await.contains(&reference));
    problem(app.get("/api/v1/register/feed.atom?status=bogus", None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn monitoring_refusals_come_in_the_documented_order_and_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let cond = first_condition(&app, id, &w.innovator).await;
    let cid = cond["id"].as_i64().unwrap();
    evidence(&app, cid, &w.innovator, 5200.0).await;
    let cond = first_condition(&app, id, &w.inspector).await;
    let (_, case) = current(&app, id, &w.innovator).await;
    let mid = case["milestones"][0]["id"].as_i64().unwrap();
    let audit = app.count("audit_events").await;
    let cases = [
        // (who, method, path, If-Match, body, status): the body is wrong every time; the first
        // refusal that applies is the one heard.
        (
            "member",
            format!("/api/v1/conditions/{cid}/verify"),
            None,
            json!({"outcome": "bogus"}),
            StatusCode::NOT_FOUND,
        ),
        ("other innovator", format!("/api/v1/conditions/{cid}/verify"), None, json!({}), StatusCode::NOT_FOUND),
        (
            "author",
            format!("/api/v1/conditions/{cid}/verify"),
            None,
            json!({"outcome": "bogus"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "inspector",
            format!("/api/v1/conditions/{cid}/verify"),
            None,
            json!({"outcome": "bogus"}),
            StatusCode::PRECONDITION_REQUIRED,
        ),
        (
            "inspector",
            format!("/api/v1/conditions/{cid}/verify"),
            Some("\"999\""),
            json!({"outcome": "bogus"}),
            StatusCode::PRECONDITION_FAILED,
        ),
        (
            "inspector",
            format!("/api/v1/conditions/{cid}/verify"),
            Some(""),
            json!({"outcome": "bogus"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "other innovator",
            format!("/api/v1/conditions/{cid}/evidence"),
            None,
            json!({"body": ""}),
            StatusCode::NOT_FOUND,
        ),
        ("inspector", format!("/api/v1/conditions/{cid}/evidence"), None, json!({"body": ""}), StatusCode::FORBIDDEN),
        ("author", format!("/api/v1/conditions/{cid}/evidence"), None, json!({"body": ""}), StatusCode::CONFLICT),
        ("inspector", format!("/api/v1/milestones/{mid}/report"), None, json!({"report": ""}), StatusCode::FORBIDDEN),
        ("author", format!("/api/v1/milestones/{mid}/review"), None, json!({"outcome": "x"}), StatusCode::FORBIDDEN),
        (
            "author",
            format!("/api/v1/milestones/{mid}/report"),
            None,
            json!({"report": ""}),
            StatusCode::PRECONDITION_REQUIRED,
        ),
        ("member", format!("/api/v1/milestones/{mid}/waive"), Some("\"1\""), json!({}), StatusCode::NOT_FOUND),
        ("other innovator", "/api/v1/conditions/999999/breach".into(), Some("\"\""), json!({}), StatusCode::NOT_FOUND),
    ];
    for (who, path, if_match, body, status) in cases {
        let token = match who {
            "member" => &w.community,
            "other innovator" => &w.other_innovator,
            "author" => &w.innovator,
            _ => &w.inspector,
        };
        // "" stands for the condition's current tag.
        let tag = if_match.map(|t| if t.is_empty() { tag_of(&cond) } else { t.to_string() });
        let r = change(&app, Method::POST, &path, Some(token), tag.as_deref(), &body).await;
        problem(r, status).await;
    }
    assert_eq!(app.count("audit_events").await, audit, "refused requests wrote nothing");
    assert_eq!(first_condition(&app, id, &w.inspector).await["status"], "evidence_submitted");
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_with_the_true_total_and_a_link_to_the_last_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    active_trial(&app, &w).await;
    active_trial(&app, &w).await;
    let r = app.get("/api/v1/register?page=50&per_page=1", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("x-total-count").unwrap(), "2");
    let link = r.headers().get("link").unwrap().to_str().unwrap().to_string();
    assert!(link.contains("page=2&per_page=1>; rel=\"last\""), "{link}");
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert!(link.contains("page=2&per_page=1>; rel=\"prev\""), "{link}");
    assert_eq!(r.json::<Vec<Value>>().await.unwrap(), Vec::<Value>::new());
    let page = app.get("/register?page=50&per_page=1", None).await.text().await.unwrap();
    assert!(page.contains("There is no page 50"), "{page}");
    assert!(page.contains("Go to the last page"));
    assert!(!page.contains("No entries match these filters"));
}

/// Sixteen writers on one trial at once: observations and attestations by three members, evidence
/// from the author and three inspectors' suspensions with the same `If-Match`. Nothing fails, one
/// suspension wins, and every audit chain is intact.
#[tokio::test]
async fn sixteen_writers_on_one_case_take_turns() {
    let app = spawn_app_with(&[("community.posts_per_hour", "100".into())]).await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let list: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/conditions"), Some(&w.innovator)).await.json().await.unwrap();
    let (fund, bills) = (list[0]["id"].as_i64().unwrap(), list[1]["id"].as_i64().unwrap());
    evidence(&app, fund, &w.innovator, 5200.0).await;
    let mut members = Vec::new();
    for n in 0..3 {
        members.push(app.registered(&format!("member{n}@example.org"), "community").await.1);
    }
    let (tag, _) = current(&app, id, &w.inspector).await;
    let observations = app.count("observations").await;
    let attestations = app.count("attestations").await;
    let mut calls: Vec<(String, Option<String>, String, Value)> = Vec::new();
    for m in &members {
        for _ in 0..2 {
            calls.push((
                format!("/api/v1/applications/{id}/observations"),
                None,
                m.clone(),
                json!({"kind": "comment", "body": "Seen it working."}),
            ));
            calls.push((
                format!("/api/v1/conditions/{fund}/attestations"),
                None,
                m.clone(),
                json!({"stance": "confirm", "comment": "We got the payment."}),
            ));
        }
    }
    calls.push((
        format!("/api/v1/conditions/{bills}/evidence"),
        None,
        w.innovator.clone(),
        json!({"body": "Bills of 42 households.", "reported_value": 42}),
    ));
    for _ in 0..3 {
        calls.push((
            format!("/api/v1/applications/{id}/suspend"),
            Some(tag.clone()),
            w.inspector.clone(),
            json!({"reasons": "Payments missed."}),
        ));
    }
    assert_eq!(calls.len(), 16);
    let sent = calls.into_iter().map(|(path, tag, token, body)| {
        let app = &app;
        async move {
            let r = change(app, Method::POST, &path, Some(&token), tag.as_deref(), &body).await;
            (path, r.status())
        }
    });
    let answers = futures_util::future::join_all(sent).await;
    for (path, status) in &answers {
        assert!(!status.is_server_error(), "{path}: {status}");
    }
    let suspensions: Vec<StatusCode> =
        answers.iter().filter(|(p, _)| p.ends_with("/suspend")).map(|(_, s)| *s).collect();
    assert_eq!(suspensions.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{suspensions:?}");
    assert!(
        suspensions.iter().all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::PRECONDITION_FAILED].contains(s)),
        "{suspensions:?}"
    );
    for (path, status) in answers.iter().filter(|(p, _)| !p.ends_with("/suspend")) {
        assert_eq!(*status, StatusCode::CREATED, "{path}");
    }
    assert_eq!(app.count("observations").await, observations + 6);
    assert_eq!(app.count("attestations").await, attestations + 6);
    let (_, case) = current(&app, id, &w.inspector).await;
    assert_eq!(case["status"], "suspended");
    assert!(app.query(sandbox::db::audit::verify_all).await.is_ok(), "every audit chain is intact");
}

#[tokio::test]
async fn the_openapi_document_names_every_route_once_with_its_allowed_values() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    let enum_of = |schema: &str, prop: &str| -> Vec<String> {
        let p = &schemas[schema]["properties"][prop];
        let target = p["$ref"]
            .as_str()
            .or_else(|| p["oneOf"][0]["$ref"].as_str())
            .map(|r| r.rsplit('/').next().unwrap().to_string());
        let values = match target {
            Some(name) => schemas[name.as_str()]["enum"].clone(),
            None => p["enum"].clone(),
        };
        values.as_array().unwrap_or(&Vec::new()).iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    assert!(enum_of("CaseResponse", "status").contains(&"information_requested".to_string()));
    assert_eq!(enum_of("ConditionResponse", "status").len(), 6);
    assert_eq!(enum_of("VerifyBody", "outcome"), ["met", "rejected"]);
    assert!(enum_of("ConditionBody", "category").contains(&"community_fund".to_string()));
    assert_eq!(enum_of("OutboxEmailResponse", "status"), ["pending", "sending", "sent", "dead"]);
    assert_eq!(enum_of("PublicObservation", "kind"), ["comment", "concern", "support"]);
    let mut ids = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ids.push(op["operationId"].as_str().unwrap().to_string());
            // Every documented operation is routed: the framework never answers 404/405 for it.
            let url = path
                .replace("{id}", "1")
                .replace("{cid}", "1")
                .replace("{mid}", "1")
                .replace("{oid}", "1")
                .replace("{eid}", "1")
                .replace("{rid}", "1")
                .replace("{code}", "GPDO-ART2-3")
                .replace("{reference}", "SBX-2026-00001");
            let r = app.client.request(method.to_uppercase().parse().unwrap(), app.url(&url)).send().await.unwrap();
            assert_ne!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let body = r.text().await.unwrap();
            assert!(!body.contains("there is nothing at this address"), "{method} {path}: {body}");
            // Every problem an operation can answer is documented once, by reference.
            assert!(op["responses"]["500"]["$ref"].is_string(), "{method} {path}");
        }
    }
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "operation ids are unique");
    assert!(total >= 76, "{total}");
}

/// Files are split by resource and stay small enough to read in one sitting.
#[test]
fn no_source_file_is_over_500_lines() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, usize)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("db/schema.rs") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                out.push((path.display().to_string(), lines));
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let long: Vec<_> = files.iter().filter(|(_, n)| *n > 500).collect();
    assert!(long.is_empty(), "{long:?}");
    assert!(files.len() > 50);
}

#[tokio::test]
async fn pages_use_the_embedded_govuk_frontend_set_in_arial() {
    let app = spawn_app().await;
    let page = app.get("/register", None).await.text().await.unwrap();
    for part in [
        "/static/govuk/govuk-frontend.min.css",
        "govuk-service-navigation",
        "govuk-phase-banner",
        ">Beta<",
        "govuk-footer",
    ] {
        assert!(page.contains(part), "the page lacks {part}");
    }
    let r = app.get("/static/govuk/govuk-frontend.min.css", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    let css = r.text().await.unwrap();
    assert!(css.contains("font-family:arial") && !css.contains("GDS Transport"), "the font is Arial");
    // Everything the stylesheet and the page refer to is served by the binary itself.
    let mut urls: Vec<String> = css.split("url(\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect();
    urls.extend(
        page.split("href=\"/static/govuk/").skip(1).map(|s| format!("/static/govuk/{}", s.split('"').next().unwrap())),
    );
    assert!(!urls.is_empty());
    for url in urls {
        assert_eq!(app.get(&url, None).await.status(), StatusCode::OK, "{url}");
    }
    assert_eq!(app.get("/static/govuk/nothing.css", None).await.status(), StatusCode::NOT_FOUND);
}

/// The served OpenAPI document passes the Redocly linter's recommended rules with no error and no
/// warning. Needs `npm ci --prefix tests/openapi`; CI installs it and sets `BROWSER_TESTS=1`, which
/// makes this test fail if it is missing.
#[tokio::test]
async fn the_openapi_document_passes_the_redocly_linter() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openapi");
    let cli = dir.join("node_modules/.bin/redocly");
    if !cli.exists() {
        assert!(
            std::env::var("BROWSER_TESTS").map_or(true, |v| v != "1"),
            "BROWSER_TESTS=1 but tests/openapi/node_modules is missing (run npm ci --prefix tests/openapi)"
        );
        eprintln!("skipped: run `npm ci --prefix tests/openapi` to lint the OpenAPI document");
        return;
    }
    let app = spawn_app().await;
    let doc = app.get("/api/openapi.json", None).await.text().await.unwrap();
    let file = std::env::temp_dir().join(format!("sandbox-openapi-{}.json", rand::random::<u64>()));
    std::fs::write(&file, doc).unwrap();
    let out = std::process::Command::new(&cli)
        .args(["lint", "--format=summary"])
        .arg(&file)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    // The summary lists each rule that found something as `error <rule>: n` or `warning <rule>: n`.
    let found: Vec<&str> = text.lines().filter(|l| l.starts_with("error ") || l.starts_with("warning ")).collect();
    assert!(found.is_empty() && text.contains("Your API description is valid"), "no warning and no error:\n{text}");
}

/// Schemathesis (pinned in `tests/openapi/requirements.txt`) against the served document, with
/// every check, as an inspector and as an innovator on a small demo: no failure of any kind.
/// `tests/openapi/schemathesis.toml` says where a check's expectations are widened and why.
/// Needs the virtual environment (`python3 -m venv tests/openapi/.venv && tests/openapi/.venv/bin/pip
/// install -r tests/openapi/requirements.txt`); CI makes it and sets `BROWSER_TESTS=1`, which makes
/// this test fail if it is missing.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_wrong_as_an_inspector_or_an_innovator() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openapi");
    let st = dir.join(".venv/bin/st");
    if !st.exists() {
        assert!(
            std::env::var("BROWSER_TESTS").map_or(true, |v| v != "1"),
            "BROWSER_TESTS=1 but tests/openapi/.venv is missing (see this test's comment)"
        );
        eprintln!("skipped: make tests/openapi/.venv to run Schemathesis");
        return;
    }
    let db = crate::helpers::TestDb::new();
    let out = crate::cli::sandbox(&db).args(["seed-demo", "--cases", "30", "--seed", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let app = crate::helpers::spawn_on(db, &[]).await;
    let work = std::env::temp_dir().join(format!("sandbox-schemathesis-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&work).unwrap();
    for who in ["inspector1", "innovator1"] {
        let (access, _) = app.login(&format!("{who}@demo.sandbox.example"), sandbox::jobs::seed::DEMO_PASSWORD).await;
        let out = std::process::Command::new(&st)
            .current_dir(&work)
            .arg("--config-file")
            .arg(dir.join("schemathesis.toml"))
            .args(["run", &app.url("/api/openapi.json"), "--checks", "all"])
            .args(["-H", &format!("Authorization: Bearer {access}")])
            // One worker: two race in CPython 3.11's AST constructor when Hypothesis describes
            // its filters ("AST constructor recursion depth mismatch"), an error of the tool.
            .args(["--max-examples", "10", "--workers", "1", "--seed", "1", "--no-color"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let tail: String =
            text.lines().rev().take(400).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        // Schemathesis exits 1 on any failure or error of its own.
        assert!(out.status.success(), "as {who}:\n{tail}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("test cases") || text.contains("Test cases"), "it ran:\n{tail}");
    }
    let _ = std::fs::remove_dir_all(&work);
}
