//! The public register: what it shows, what it never shows, open data formats and caching.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, spawn_app, TestApp};

/// Every string in a JSON document.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out)
        }),
        _ => {}
    }
}

fn assert_no_personal_data(v: &Value, what: &str) {
    let mut all = Vec::new();
    strings(v, &mut all);
    for s in all {
        assert!(!s.contains('@'), "{what}: an email address in {s:?}");
        assert!(!s.contains("Person "), "{what}: an applicant's name in {s:?}");
        assert!(!s.contains("07700"), "{what}: a phone number in {s:?}");
        assert!(!s.contains("Harbour Terrace, Bristol"), "{what}: a street address in {s:?}");
        assert!(!s.contains("BS1 5TR"), "{what}: a full postcode in {s:?}");
    }
}

async fn populated(app: &TestApp, w: &World) -> (i64, i64, i64, i64) {
    let trial = active_trial(app, w).await;
    let refused = case_in_assessment(app, w).await;
    transition(app, refused, "refuse", &w.inspector, json!({"reasons": "Harm to the conservation area."})).await;
    let pending = case_in_assessment(app, w).await;
    let draft = create_draft(app, &w.innovator, &complete_draft(app, w.zone_id)).await;
    // A submitted case and one awaiting information never appear either.
    let submitted = create_draft(app, &w.innovator, &complete_draft(app, w.zone_id)).await;
    transition(app, submitted, "submit", &w.innovator, json!({})).await;
    let asked = case_in_assessment(app, w).await;
    transition(app, asked, "information-requests", &w.inspector, json!({"question": "?"})).await;
    (trial, refused, pending, draft)
}

#[tokio::test]
async fn the_register_shows_decisions_and_never_personal_data() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (trial, refused, pending, draft) = populated(&app, &w).await;
    let (_, member, _) = app.registered("nia@example.org", "community").await;
    app.post(
        &format!("/api/v1/applications/{trial}/observations"),
        &json!({"kind": "concern", "body": "Ring 07700 900123 about it."}),
        Some(&member),
    )
    .await;
    let obs: Vec<Value> =
        app.get(&format!("/api/v1/applications/{trial}/observations"), Some(&w.inspector)).await.json().await.unwrap();
    change(
        &app,
        Method::POST,
        &format!("/api/v1/observations/{}/moderate", obs[0]["id"]),
        Some(&w.inspector),
        Some("\"1\""),
        &json!({"action": "redact", "reason": "phone", "redacted_body": "Ring [removed] about it."}),
    )
    .await;

    let r = app.get("/api/v1/register", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("x-total-count").unwrap(), "2");
    let list: Vec<Value> = r.json().await.unwrap();
    let refs: Vec<&str> = list.iter().map(|e| e["reference"].as_str().unwrap()).collect();
    let (_, t) = current(&app, trial, &w.inspector).await;
    let (_, rf) = current(&app, refused, &w.inspector).await;
    let (_, p) = current(&app, pending, &w.inspector).await;
    assert!(refs.contains(&t["reference"].as_str().unwrap()) && refs.contains(&rf["reference"].as_str().unwrap()));
    assert!(!refs.contains(&p["reference"].as_str().unwrap()), "cases in assessment never appear");
    assert!(list.iter().all(|e| e["postcode_district"] == "BS1"));
    assert_eq!(list.iter().find(|e| e["status"] == "active").unwrap()["organisation"], "Sunny Hill Energy Co-op");
    assert_no_personal_data(&Value::Array(list.clone()), "register");

    // Filters.
    for (q, n) in [
        ("status=refused", 1),
        ("status=active", 1),
        ("intervention=solar_pv", 2),
        ("intervention=heat_pump", 0),
        ("authority=e06000023", 2),
        ("applicant_kind=community_owned_enterprise", 2),
        ("applicant_kind=sme", 0),
    ] {
        let l: Vec<Value> = app.get(&format!("/api/v1/register?{q}"), None).await.json().await.unwrap();
        assert_eq!(l.len(), n, "{q}");
    }
    let year = today(&app).format("%Y").to_string();
    let l: Vec<Value> =
        app.get(&format!("/api/v1/register?year={year}&zone={}", w.zone_id), None).await.json().await.unwrap();
    assert_eq!(l.len(), 2);
    let body = problem(
        app.get("/api/v1/register?status=draft&year=12&applicant_kind=pirates", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut named = fields(&body);
    named.sort();
    assert_eq!(named, ["applicant_kind", "status", "year"]);

    // The trial page: decision notice, derogations, conditions, milestones, observations.
    let page: Value = app
        .get(&format!("/api/v1/register/{}", t["reference"].as_str().unwrap().to_lowercase()), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["decision"], "approved");
    assert_eq!(page["derogations"].as_array().unwrap().len(), 1, "granted derogations only");
    assert_eq!(page["derogations"][0]["provision_code"], "GPDO-SCH2-PT14-A");
    assert_eq!(page["conditions"].as_array().unwrap().len(), 2);
    assert_eq!(page["milestones"].as_array().unwrap().len(), 5);
    assert_eq!(page["inspector"], "Inspector ivy", "inspectors are named");
    let obs = page["observations"].as_array().unwrap();
    assert_eq!(obs.len(), 1, "hidden observations never appear");
    assert_eq!(obs[0]["body"], "Ring [removed] about it.");
    let html = app.get(&format!("/register/{}", t["reference"].as_str().unwrap()), None).await.text().await.unwrap();
    assert!(html.contains("Ring [removed] about it.") && !html.contains("07700") && !html.contains("watches"));
    // Every other public response, walked too.
    for path in ["/api/v1/stats", "/api/v1/learning"] {
        let v: Value = app.get(path, None).await.json().await.unwrap();
        assert_no_personal_data(&v, path);
    }
    let csv_text = app.get("/api/v1/register.csv", None).await.text().await.unwrap();
    assert_no_personal_data(&Value::String(csv_text), "register.csv");
    let atom = app.get("/api/v1/register/feed.atom", None).await.text().await.unwrap();
    assert_no_personal_data(&Value::String(atom.replace("http://", "")), "feed.atom");
    assert_no_personal_data(&page, "trial page");
    let notice: Value =
        app.get(&format!("/api/v1/register/{}", rf["reference"].as_str().unwrap()), None).await.json().await.unwrap();
    assert_eq!(notice["decision"], "refused");
    assert_eq!(notice["decision_reasons"], "Harm to the conservation area.");
    problem(
        app.get(&format!("/api/v1/register/{}", p["reference"].as_str().unwrap()), None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(app.get(&format!("/api/v1/register/{draft}"), None).await, StatusCode::NOT_FOUND).await;
    problem(app.get(&format!("/api/v1/register/{pending}"), None).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn open_data_and_caching() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (trial, _, _, _) = populated(&app, &w).await;
    let (_, t) = current(&app, trial, &w.inspector).await;

    let r = app.get("/api/v1/register.csv", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(headers[0], "reference");
    assert_eq!(headers.len(), 17);
    assert_eq!(headers[16], "url");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(text.contains("\r\n"), "RFC 4180 line endings");
    assert!(!text.contains('@'));
    assert!(rows.iter().any(|r| r[0] == *t["reference"].as_str().unwrap() && &r[11] == "BS1"));
    // Each row links to its page on this service, as an absolute address.
    for row in &rows {
        assert_eq!(
            row[16],
            format!("{}/register/{}", app.ctx.settings.base_url.trim_end_matches('/'), &row[0]),
            "{row:?}"
        );
    }

    let r = app.get("/api/v1/register/feed.atom", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("application/atom+xml"));
    let xml = r.text().await.unwrap();
    let feed: atom_syndication::Feed = xml.parse().expect("valid Atom");
    let titles: Vec<String> = feed.entries().iter().map(|e| e.title().value.clone()).collect();
    assert!(titles.iter().any(|t| t.contains("Approved")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("Trial started")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("Refused")), "{titles:?}");
    assert!(feed.entries().iter().all(|e| !e.id().is_empty() && !e.links().is_empty()));

    // Conditional requests.
    let r = app.get("/api/v1/register", None).await;
    let tag = r.headers().get("etag").unwrap().to_str().unwrap().to_string();
    assert!(r.headers().get("cache-control").unwrap().to_str().unwrap().contains("public"));
    let r = app.client.get(app.url("/api/v1/register")).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    // A change to the register changes the tag.
    transition(&app, trial, "suspend", &w.inspector, json!({"reasons": "Checks."})).await;
    let r = app.client.get(app.url("/api/v1/register")).header("if-none-match", &tag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn relogin(app: &TestApp, w: &mut World) {
    w.innovator = app.login("ana@example.org", crate::helpers::PASSWORD).await.0;
    w.other_innovator = app.login("bob@example.org", crate::helpers::PASSWORD).await.0;
    w.inspector = app.login("ivy@pins.example.org", INSPECTOR_PASSWORD).await.0;
    w.admin = app.login("admin@example.org", crate::helpers::PASSWORD).await.0;
}

async fn advance_days(app: &TestApp, w: &mut World, days: i64) {
    app.clock.advance(days * 86_400);
    relogin(app, w).await;
}

async fn submitted_and_screened(app: &TestApp, w: &World, token: &str, body: Value) -> i64 {
    let id = create_draft(app, token, &body).await;
    transition(app, id, "submit", token, json!({})).await;
    transition(app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(app, id, "screening", &w.inspector, all_criteria(true)).await;
    id
}

#[tokio::test]
async fn statistics_from_a_known_set_of_cases() {
    let app = spawn_app().await;
    let mut w = world(&app).await;

    // A: a community-owned enterprise's trial, decided after 10 days, completed with 47 t reported.
    let a = submitted_and_screened(&app, &w, &w.innovator.clone(), complete_draft(&app, w.zone_id)).await;
    advance_days(&app, &mut w, 10).await;
    transition(&app, a, "approve", &w.inspector, approval(&app, 0, 12)).await;
    transition(&app, a, "start", &w.innovator, json!({})).await;
    let (_, case) = current(&app, a, &w.innovator).await;
    let fin = case["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "final_report").unwrap().clone();
    let mid = fin["id"].as_i64().unwrap();
    change(
        &app,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/report"),
        Some(&w.innovator),
        Some("\"1\""),
        &json!({"report": "Done."}),
    )
    .await;
    change(
        &app,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/review"),
        Some(&w.inspector),
        Some("\"2\""),
        &json!({"outcome": "accepted", "note": "Good."}),
    )
    .await;
    transition(&app, a, "complete", &w.inspector, crate::cases::evaluation()).await;

    // B: the same enterprise, refused after 20 days.
    let b = submitted_and_screened(&app, &w, &w.innovator.clone(), complete_draft(&app, w.zone_id)).await;
    advance_days(&app, &mut w, 20).await;
    transition(&app, b, "refuse", &w.inspector, json!({"reasons": "No."})).await;

    // C: an SME's case still in assessment.
    let mut sme = complete_draft(&app, w.zone_id);
    sme["community_ownership_pct"] = json!(30);
    submitted_and_screened(&app, &w, &w.other_innovator.clone(), sme.clone()).await;

    // D: an SME's trial approved after 5 days, 2 of which waiting for information (3 counted).
    let d = submitted_and_screened(&app, &w, &w.other_innovator.clone(), sme).await;
    let asked = transition(&app, d, "information-requests", &w.inspector, json!({"question": "?"})).await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    advance_days(&app, &mut w, 2).await;
    transition(&app, d, &format!("information-requests/{rid}/answer"), &w.other_innovator, json!({"answer": "!"}))
        .await;
    advance_days(&app, &mut w, 3).await;
    transition(&app, d, "approve", &w.inspector, approval(&app, 0, 12)).await;

    let s: Value = app.get("/api/v1/stats", None).await.json().await.unwrap();
    assert!(s["computed_at"].is_string());
    for key in [
        "inclusion",
        "trials_by_zone",
        "trials_by_planning_authority",
        "timeliness",
        "conditions_by_status",
        "enforcement_actions",
        "carbon",
        "community_ownership",
    ] {
        assert!(s[key]["definition"].as_str().unwrap().len() > 20, "{key} has a definition");
    }
    assert_eq!(
        s["inclusion"]["value"],
        json!([
            {"applicant_kind": "community_owned_enterprise", "applications": 2, "decided": 2, "approved": 1, "approval_rate": 0.5},
            {"applicant_kind": "sme", "applications": 2, "decided": 1, "approved": 1, "approval_rate": 1.0}
        ])
    );
    assert_eq!(
        s["trials_by_zone"]["value"],
        json!([{"name": "Bristol Harbourside Net Zero Zone", "code": "E06000023", "trials": 2}])
    );
    assert_eq!(
        s["trials_by_planning_authority"]["value"],
        json!([{"name": "Bristol City Council", "code": "E06000023", "trials": 2}])
    );
    assert_eq!(
        s["timeliness"]["value"],
        json!({"decisions": 3, "median_days": 10.0, "p90_days": 20.0, "milestones_on_time": 1, "milestones_late": 0,
        "within_target": [
            {"applicant_kind": "community_owned_enterprise", "decisions": 2, "within_target": 2, "share_within_target": 1.0},
            {"applicant_kind": "sme", "decisions": 1, "within_target": 1, "share_within_target": 1.0}
        ]})
    );
    assert_eq!(s["conditions_by_status"]["value"], json!({"pending": 4}));
    assert_eq!(s["enforcement_actions"]["value"], json!({}));
    assert_eq!(
        s["carbon"]["value"],
        json!({"estimated_annual_tco2e": 42.5, "reported_annual_tco2e": 47.0, "trials_estimated": 1, "trials_reported": 1})
    );
    assert_eq!(s["community_ownership"]["value"], json!({"trials": 2, "mean_pct": 45.0, "median_pct": 45.0}));

    // The learning register.
    let learning: Vec<Value> = app.get("/api/v1/learning", None).await.json().await.unwrap();
    assert_eq!(learning.len(), 1);
    assert_eq!(learning[0]["provision_code"], "GPDO-SCH2-PT14-A");
    assert_eq!(learning[0]["tally"], json!({"make_permanent": 1}));
    assert_eq!(
        learning[0]["findings"][0]["lessons"],
        "Front-slope panels with black frames were not noticed by residents."
    );

    // Decisions by quarter: one row per quarter and applicant kind, from the decision dates.
    let register: Vec<Value> = app.get("/api/v1/register", None).await.json().await.unwrap();
    let mut expected: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
    for e in &register {
        let on = chrono::NaiveDate::parse_from_str(e["decided_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        use chrono::Datelike;
        let quarter = format!("{}-Q{}", on.year(), on.month0() / 3 + 1);
        let row = expected.entry((quarter, e["applicant_kind"].as_str().unwrap().to_string())).or_default();
        row.0 += 1;
        row.1 += i64::from(e["decision"] == "approved");
    }
    let rows: Vec<((String, String), (i64, i64))> = s["decisions_by_quarter"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (r["quarter"].as_str().unwrap().to_string(), r["applicant_kind"].as_str().unwrap().to_string()),
                (r["decided"].as_i64().unwrap(), r["approved"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(rows, expected.into_iter().collect::<Vec<_>>());
    assert_eq!(rows.iter().map(|r| r.1 .0).sum::<i64>(), 3);

    // The page draws rates where it talks of rates, and the quarters in words.
    let page = app.get("/stats", None).await.text().await.unwrap();
    assert!(page.contains("Approval rate by applicant kind"));
    assert!(page.contains("Community-owned enterprise: 50%; SME: 100%"), "the rates chart describes its rates");
    assert!(page.contains("Decisions and approvals by quarter"));
    let (quarter, _) = &rows[0].0;
    let words = sandbox_quarter_words(quarter);
    assert!(page.contains(&words), "{words} on the statistics page");
    let _ = (b, d);
}

/// `2027-Q1` as the page writes it.
fn sandbox_quarter_words(q: &str) -> String {
    sandbox::web::format::quarter(q).unwrap()
}

#[tokio::test]
async fn the_pages_people_read_work_without_javascript() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (trial, refused, _, _) = populated(&app, &w).await;
    let (_, t) = current(&app, trial, &w.inspector).await;
    let (_, rf) = current(&app, refused, &w.inspector).await;
    let reference = t["reference"].as_str().unwrap();

    let page = |path: String| {
        let app = &app;
        async move {
            let r = app.get(&path, None).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
            let html = r.text().await.unwrap();
            assert!(
                html.contains("<html lang=\"en\"")
                    && html.contains("href=\"#main\"")
                    && html.contains("<main id=\"main\""),
                "{path}"
            );
            assert!(!html.contains("<script"), "{path} needs no JavaScript");
            // Links to elsewhere (the licence) are fine; nothing is loaded from there.
            assert!(
                !html.contains("src=\"http") && !html.contains("stylesheet\" href=\"http"),
                "{path} loads nothing from elsewhere"
            );
            html
        }
    };
    let home = page("/".into()).await;
    assert!(home.contains("href=\"/register\""));

    let list = page("/register".into()).await;
    assert!(list.contains(reference) && list.contains(rf["reference"].as_str().unwrap()));
    for control in ["zone", "authority", "status", "intervention", "applicant_kind", "year"] {
        assert!(list.contains(&format!("<label class=\"govuk-label\" for=\"{control}\">")), "{control} is labelled");
    }
    assert!(list.contains("/api/v1/register.csv") && list.contains("/api/v1/register/feed.atom"));
    assert!(!list.contains('@'));
    let filtered = page("/register?status=refused".into()).await;
    assert!(filtered.contains(rf["reference"].as_str().unwrap()) && !filtered.contains(reference));
    let r = app.get("/register?year=nonsense", None).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("There is a problem"));

    let notice = page(format!("/register/{reference}")).await;
    for text in [
        "Decision notice",
        "Derogations granted",
        "GPDO-SCH2-PT14-A",
        "Community-benefit conditions",
        "Review milestones",
        "BS1",
        "Bristol City Council",
    ] {
        assert!(notice.contains(text), "trial page shows {text}");
    }
    assert!(!notice.contains("BS1 5TR") && !notice.contains("ana@example.org"));
    let r = app.get("/register/SBX-1999-00001", None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let stats = page("/stats".into()).await;
    assert!(stats.contains("<svg") && stats.contains("role=\"img\"") && stats.contains("<title id=\"chart-"));
    assert!(stats.contains("Days to decision"));
    let learning = page("/learning".into()).await;
    assert!(learning.contains("No trial has finished yet."));
}

#[tokio::test]
async fn statistics_are_reused_for_their_cache_period_and_say_when_they_were_computed() {
    let app = crate::helpers::spawn_app_with(&[("stats.cache_seconds", "60".into())]).await;
    let w = world(&app).await;
    let first: Value = app.get("/api/v1/stats", None).await.json().await.unwrap();
    assert_eq!(first["inclusion"]["value"], json!([]));
    let id = case_in_assessment(&app, &w).await;
    transition(&app, id, "refuse", &w.inspector, json!({"reasons": "No."})).await;
    let cached: Value = app.get("/api/v1/stats", None).await.json().await.unwrap();
    assert_eq!(cached, first, "reused within the cache period");
    app.clock.advance(61);
    let stale: Value = app.get("/api/v1/stats", None).await.json().await.unwrap();
    assert_eq!(stale, first, "a stale copy is served at once while the next is computed in the background");
    let mut fresh = stale;
    for _ in 0..100 {
        fresh = app.get("/api/v1/stats", None).await.json().await.unwrap();
        if fresh["computed_at"] != first["computed_at"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_ne!(fresh["computed_at"], first["computed_at"], "the background computation replaced it");
    assert_eq!(fresh["inclusion"]["value"][0]["decided"], 1);
}

#[tokio::test]
async fn the_open_data_page_describes_every_column_and_field_and_the_licence() {
    let app = spawn_app().await;
    let page = app.get("/open-data", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains("<title>Open data – Planning Sandbox</title>"));
    assert!(page.contains("Open Government Licence v3.0"));
    let home = app.get("/", None).await.text().await.unwrap().replace("&#x2f;", "/");
    assert!(home.contains("href=\"/open-data\""), "every page's footer links to it");
    let csv = app.get("/api/v1/register.csv", None).await.text().await.unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let openapi: Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    let described = openapi["paths"]["/api/v1/register.csv"]["get"]["description"].as_str().unwrap().to_string();
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/OPEN_DATA.md")).unwrap();
    for column in &header {
        let shown = format!("<code>{}</code>", column.replace('_', "_<wbr>"));
        assert!(page.contains(&shown), "the page describes {column}");
        assert!(described.contains(&format!("`{column}`")), "the OpenAPI description names {column}");
        assert!(docs.contains(&format!("`{column}`")), "docs/OPEN_DATA.md names {column}");
    }
    let words = described.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Open Government Licence v3.0") && words.contains("RFC 4180"), "{words}");
    for field in ["Entry title", "Entry link", "Entry updated"] {
        assert!(page.contains(field), "the page describes the feed's {field}");
    }
}
