//! Searching, sorting and paging the public register (`?q=`, `?sort=`, numbered pages), in JSON,
//! on the page, in the CSV and the feed. Besides one case decided through the API, the entries are
//! written straight into the database (as the bulk seeder writes them), so that the search index
//! is seen to follow every write path through its triggers.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use reqwest::StatusCode;
use sandbox::db::models::Application;
use sandbox::db::schema::{applications, organisations, zones};
use sandbox::domain::case::Status;
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{fields, problem, TestApp};

/// The register's entries for these tests: their references, newest decision first.
struct Entries {
    /// Decided through the API (refused): "Street-scale solar on terraced roofs in a conservation
    /// area", Sunny Hill Energy Co-op, Bristol Harbourside Net Zero Zone (Bristol City Council), BS1.
    solar: String,
    /// "Heat pumps for a terrace of almshouses", Bob's Heat Pumps Ltd, Leeds Retrofit Streets (Leeds
    /// City Council), LS6; active, decided 10 days ago.
    almshouses: String,
    /// "Community battery by the market square", Sunny Hill Energy Co-op, Leeds, LS6; refused, decided
    /// 20 days ago.
    battery: String,
    /// Ids, for changing them in the database.
    almshouses_id: i64,
    battery_id: i64,
    leeds_zone: i64,
}

/// A copy of the case `template` as the seeder would insert it, with its own place on the register.
#[allow(clippy::too_many_arguments)]
async fn insert_entry(
    app: &TestApp,
    template: i64,
    id: i64,
    title: &str,
    organisation: &str,
    zone: i64,
    district: &str,
    status: Status,
    decided_at: Option<NaiveDateTime>,
) -> String {
    let (title, organisation, district) = (title.to_string(), organisation.to_string(), district.to_string());
    let reference = format!("SBX-2026-{}", 90000 + id);
    let r = reference.clone();
    app.query(move |c| {
        let org: i64 =
            organisations::table.filter(organisations::name.eq(&organisation)).select(organisations::id).first(c)?;
        let mut row: Application = applications::table.find(template).select(Application::as_select()).first(c)?;
        row.id = id;
        row.reference = Some(r);
        row.title = title;
        row.organisation_id = Some(org);
        row.zone_id = Some(zone);
        row.postcode_district = Some(district);
        row.status = status;
        row.decided_at = decided_at;
        diesel::insert_into(applications::table).values(&row).execute(c)
    })
    .await;
    reference
}

fn days_ago(app: &TestApp, days: i64) -> Option<NaiveDateTime> {
    (today(app) - TimeDelta::days(days)).and_hms_opt(12, 0, 0)
}

async fn entries(app: &TestApp) -> Entries {
    let w = world(app).await;
    let solar_id = case_in_assessment(app, &w).await;
    transition(app, solar_id, "refuse", &w.inspector, json!({"reasons": "Harm to the conservation area."})).await;
    let (_, solar) = current(app, solar_id, &w.inspector).await;
    let mut leeds = zone_body();
    leeds["name"] = json!("Leeds Retrofit Streets");
    leeds["lpa_code"] = json!("E08000035");
    leeds["lpa_name"] = json!("Leeds City Council");
    let leeds_zone = zone(app, &w.admin, leeds).await;
    let almshouses = insert_entry(
        app,
        solar_id,
        1001,
        "Heat pumps for a terrace of almshouses",
        "Bob's Heat Pumps Ltd",
        leeds_zone,
        "LS6",
        Status::Active,
        days_ago(app, 10),
    )
    .await;
    let battery = insert_entry(
        app,
        solar_id,
        1002,
        "Community battery by the market square",
        "Sunny Hill Energy Co-op",
        leeds_zone,
        "LS6",
        Status::Refused,
        days_ago(app, 20),
    )
    .await;
    // Never on the register, so never found.
    insert_entry(
        app,
        solar_id,
        1003,
        "Secret battery draft",
        "Sunny Hill Energy Co-op",
        leeds_zone,
        "LS6",
        Status::Draft,
        None,
    )
    .await;
    Entries {
        solar: solar["reference"].as_str().unwrap().to_string(),
        almshouses,
        battery,
        almshouses_id: 1001,
        battery_id: 1002,
        leeds_zone,
    }
}

/// The references the JSON register answers for `query`, and its total.
async fn search(app: &TestApp, query: &str) -> (Vec<String>, String) {
    let r = app.get(&format!("/api/v1/register?{query}"), None).await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let total = r.headers().get("x-total-count").unwrap().to_str().unwrap().to_string();
    let list: Vec<Value> = r.json().await.unwrap();
    (list.iter().map(|e| e["reference"].as_str().unwrap().to_string()).collect(), total)
}

/// A page as a person reads its links: minijinja writes `/`, `&` and quotes in values as entities.
fn unescape(html: String) -> String {
    html.replace("&#x2f;", "/").replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

fn q(text: &str) -> String {
    format!("q={}", url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>())
}

#[tokio::test]
async fn a_search_finds_entries_by_each_published_field_and_nothing_else() {
    let app = crate::helpers::spawn_app().await;
    let e = entries(&app).await;
    let lower = e.almshouses.to_lowercase();
    let cases: Vec<(&str, Vec<&String>)> = vec![
        // Reference, as written or not.
        (e.almshouses.as_str(), vec![&e.almshouses]),
        (lower.as_str(), vec![&e.almshouses]),
        // Title words, in any case and order.
        ("ALMSHOUSES", vec![&e.almshouses]),
        ("roofs terraced", vec![&e.solar]),
        // Organisation.
        ("Sunny Hill", vec![&e.solar, &e.battery]),
        ("heat pumps ltd", vec![&e.almshouses]),
        // Postcode district, zone and planning authority.
        ("LS6", vec![&e.almshouses, &e.battery]),
        ("bs1", vec![&e.solar]),
        ("Retrofit Streets", vec![&e.almshouses, &e.battery]),
        ("Leeds City Council", vec![&e.almshouses, &e.battery]),
        ("Bristol", vec![&e.solar]),
        // Every word must appear, whole.
        ("battery almshouses", vec![]),
        ("terrace", vec![&e.almshouses]),
        ("solar terraces", vec![]),
        // What the register does not publish is not searched: the street address, the full
        // postcode, a draft.
        ("Harbour Terrace", vec![]),
        ("5TR", vec![]),
        ("Secret", vec![]),
    ];
    for (text, want) in cases {
        let (got, total) = search(&app, &q(text)).await;
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(got, want, "q={text}");
        assert_eq!(total, want.len().to_string(), "the total of q={text}");
    }
    // With the filters: all of them apply together.
    let (got, _) = search(&app, &format!("{}&status=refused", q("LS6"))).await;
    assert_eq!(got, vec![e.battery.clone()]);
    let (got, _) = search(&app, &format!("{}&zone={}", q("Sunny Hill"), e.leeds_zone)).await;
    assert_eq!(got, vec![e.battery.clone()]);
    // An empty search is no search.
    let (got, _) = search(&app, "q=%20%20").await;
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn search_text_is_only_ever_words_never_sql_or_query_syntax() {
    let app = crate::helpers::spawn_app().await;
    let e = entries(&app).await;
    let before = app.count("applications").await;
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("'; DROP TABLE applications; --", vec![]),
        ("\"solar", vec![&e.solar]),
        ("solar\"", vec![&e.solar]),
        ("-solar", vec![&e.solar]),
        ("solar*", vec![&e.solar]),
        ("(solar", vec![&e.solar]),
        ("solar OR battery", vec![]),
        ("NEAR(solar roofs)", vec![]),
        ("NOT solar", vec![]),
        ("solar AND", vec![]),
        ("solar & !roofs | (x:*)", vec![]),
        ("\\' % _ ;", vec![]),
        // Only punctuation: no word, so no entry.
        ("!!! ' \" * ( ) - :", vec![]),
        ("\"\"", vec![]),
    ];
    for (text, want) in cases {
        let (got, total) = search(&app, &q(text)).await;
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(got, want, "q={text}");
        assert_eq!(total, want.len().to_string(), "q={text}");
        let page = app.get(&format!("/register?{}", q(text)), None).await;
        assert_eq!(page.status(), StatusCode::OK, "the page for q={text}");
        let body = page.text().await.unwrap();
        assert_eq!(body.contains("No entries match your search"), want.is_empty(), "q={text}");
    }
    for path in ["/api/v1/register.csv", "/api/v1/register/feed.atom"] {
        let r = app.get(&format!("{path}?{}", q("'; DROP TABLE applications; -- NEAR(\"x*")), None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(app.count("applications").await, before, "the table is still there, with every case");
    let (all, _) = search(&app, "").await;
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn a_search_longer_than_200_characters_is_refused_by_name() {
    let app = crate::helpers::spawn_app().await;
    entries(&app).await;
    let long = "solar ".repeat(34); // 204 characters
    let body =
        problem(app.get(&format!("/api/v1/register?{}", q(&long)), None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["q"]);
    let page = app.get(&format!("/register?{}", q(&long)), None).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("<a href=\"#q\">Search text must be 200 characters or fewer</a>"), "{html}");
    assert!(html.contains("govuk-input--error"), "the box is marked");
    assert!(html.contains("value=\"solar solar solar"), "the box keeps what was typed");
    // 200 exactly is fine.
    let (got, _) = search(&app, &q(&"a".repeat(200))).await;
    assert!(got.is_empty());
}

#[tokio::test]
async fn the_register_sorts_by_decision_date_both_ways_with_or_without_a_search() {
    let app = crate::helpers::spawn_app().await;
    let e = entries(&app).await;
    let newest = vec![e.solar.clone(), e.almshouses.clone(), e.battery.clone()];
    let oldest: Vec<String> = newest.iter().rev().cloned().collect();
    assert_eq!(search(&app, "").await.0, newest, "newest decision first by default");
    assert_eq!(search(&app, "sort=newest").await.0, newest);
    assert_eq!(search(&app, "sort=oldest").await.0, oldest);
    assert_eq!(
        search(&app, &format!("{}&sort=oldest", q("LS6"))).await.0,
        vec![e.battery.clone(), e.almshouses.clone()]
    );
    assert_eq!(
        search(&app, &format!("{}&sort=newest", q("LS6"))).await.0,
        vec![e.almshouses.clone(), e.battery.clone()]
    );
    // A page at a time, each way.
    assert_eq!(search(&app, "sort=oldest&per_page=1&page=2").await.0, vec![e.almshouses.clone()]);
    assert_eq!(search(&app, "sort=oldest&per_page=2&page=2").await.0, vec![e.solar.clone()]);

    let body =
        problem(app.get("/api/v1/register?sort=alphabetical", None).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&body), vec!["sort"]);
    let page = app.get("/register?sort=alphabetical", None).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("<a href=\"#sort\">Sort order must be newest or oldest</a>"), "{html}");

    // The page offers the order as a labelled select and keeps the choice.
    let html = app.get("/register?sort=oldest", None).await.text().await.unwrap();
    assert!(html.contains("<label class=\"govuk-label\" for=\"sort\">Sort order</label>"));
    assert!(html.contains("<option value=\"oldest\" selected>"));
    assert!(html.contains("decided longest ago first"));
    let at = |r: &str| html.find(&format!(">{r}</a>")).unwrap();
    assert!(at(&e.battery) < at(&e.almshouses) && at(&e.almshouses) < at(&e.solar), "oldest first on the page");

    // The OpenAPI document describes both parameters of the register.
    let doc: Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    let params = doc["paths"]["/api/v1/register"]["get"]["parameters"].as_array().unwrap().clone();
    let param = |name: &str| params.iter().find(|p| p["name"] == name).cloned().unwrap_or_default();
    assert!(param("q")["description"].as_str().unwrap_or("").contains("200 characters"), "{}", param("q"));
    // Each query parameter is its value's schema or empty (the same as left out).
    assert_eq!(param("q")["schema"]["anyOf"][0]["maxLength"], 200, "{}", param("q"));
    assert_eq!(param("q")["schema"]["anyOf"][1]["maxLength"], 0, "{}", param("q"));
    let sort = param("sort").to_string();
    assert!(sort.contains("\"newest\"") && sort.contains("\"oldest\""), "{sort}");
}

#[tokio::test]
async fn the_register_page_searches_with_its_box_and_numbers_its_pages() {
    let app = crate::helpers::spawn_app().await;
    let e = entries(&app).await;
    // Eight more entries with a word in common, enough to page through and (on PostgreSQL) for
    // the word to be read as a common one.
    for n in 0..8 {
        insert_entry(
            &app,
            e.almshouses_id,
            1100 + n,
            &format!("Solar canopy trial {n} in a car park"),
            "Bob's Heat Pumps Ltd",
            e.leeds_zone,
            "LS6",
            Status::Active,
            days_ago(&app, 30 + n),
        )
        .await;
    }
    let html = app.get("/register", None).await.text().await.unwrap();
    assert!(
        html.contains("<label class=\"govuk-label govuk-label--s\" for=\"q\">Search the register</label>"),
        "{html}"
    );
    assert!(html.contains("id=\"q\" name=\"q\""));
    // The box is in the filters' form, before them.
    let form = html.find("<form method=\"get\" action=\"/register\"").unwrap();
    assert!(
        form < html.find("id=\"q\"").unwrap() && html.find("id=\"q\"").unwrap() < html.find("id=\"zone\"").unwrap()
    );

    let html = app.get(&format!("/register?{}", q("LS6")), None).await.text().await.unwrap();
    assert!(html.contains(&e.almshouses) && html.contains(&e.battery) && !html.contains(&e.solar), "{html}");
    assert!(html.contains("value=\"LS6\""), "the box keeps the search");
    assert!(html.contains("10 entries match your search"), "{html}");

    let html = app.get(&format!("/register?{}", q("xyzzy")), None).await.text().await.unwrap();
    assert!(html.contains("No entries match your search"), "{html}");
    assert!(!html.contains("<table"));

    // Eight canopies, three a page: pages 1 2 3, the current one marked, previous and next.
    let html =
        unescape(app.get(&format!("/register?{}&per_page=3&page=2", q("canopy")), None).await.text().await.unwrap());
    let link = |n: i64| format!("href=\"/register?q=canopy&per_page=3&page={n}\"");
    for n in 1..=3 {
        assert!(html.contains(&link(n)), "a link to page {n}: {html}");
    }
    assert!(html.contains("aria-label=\"Page 2\" aria-current=\"page\""), "{html}");
    assert!(html.contains(&format!("{} rel=\"prev\"", link(1))) && html.contains(&format!("{} rel=\"next\"", link(3))));
    assert!(html.contains("Solar canopy trial 3") && !html.contains("Solar canopy trial 2 "), "the second page's rows");
    let api = search(&app, &format!("{}&per_page=3&page=2", q("canopy"))).await;
    assert_eq!(api.0.len(), 3);
    assert_eq!(api.1, "8");
    // The last page has no next; past it, the page says so and links to the last.
    let html =
        unescape(app.get(&format!("/register?{}&per_page=3&page=3", q("canopy")), None).await.text().await.unwrap());
    assert!(!html.contains("rel=\"next\"") && html.contains("rel=\"prev\""));
    let html =
        unescape(app.get(&format!("/register?{}&per_page=3&page=9", q("canopy")), None).await.text().await.unwrap());
    assert!(html.contains("There is no page 9") && html.contains(&link(3)), "{html}");
    // Many pages: the ends, the neighbours and gaps.
    let html = app.get("/register?per_page=1&page=6", None).await.text().await.unwrap();
    for n in [1, 5, 6, 7, 11] {
        assert!(html.contains(&format!("aria-label=\"Page {n}\"")), "page {n} is linked");
    }
    assert!(!html.contains("aria-label=\"Page 3\"") && html.contains("govuk-pagination__item--ellipses"));
}

#[tokio::test]
async fn the_index_follows_changes_and_renames_and_the_csv_and_feed_take_q() {
    let app = crate::helpers::spawn_app().await;
    let e = entries(&app).await;
    let (battery_id, almshouses_id, leeds) = (e.battery_id, e.almshouses_id, e.leeds_zone);
    app.query(move |c| {
        diesel::update(organisations::table.filter(organisations::name.eq("Sunny Hill Energy Co-op")))
            .set(organisations::name.eq("Solent Tidal Power"))
            .execute(c)?;
        diesel::update(zones::table.find(leeds)).set(zones::name.eq("Yorkshire Warm Streets")).execute(c)?;
        diesel::update(applications::table.find(almshouses_id))
            .set(applications::title.eq("Ground source heat for almshouses"))
            .execute(c)?;
        // Off the register (withdrawn is never shown), then the search forgets it.
        diesel::update(applications::table.find(battery_id)).set(applications::status.eq(Status::Withdrawn)).execute(c)
    })
    .await;
    assert_eq!(search(&app, &q("Solent")).await.0, vec![e.solar.clone()]);
    assert!(search(&app, &q("Sunny")).await.0.is_empty());
    assert_eq!(search(&app, &q("Yorkshire")).await.0, vec![e.almshouses.clone()]);
    assert!(search(&app, &q("Retrofit")).await.0.is_empty());
    assert_eq!(search(&app, &q("ground source")).await.0, vec![e.almshouses.clone()]);
    assert!(search(&app, &q("pumps for a terrace")).await.0.is_empty());
    assert!(search(&app, &q("battery")).await.0.is_empty());

    // The CSV: the header and the matching rows.
    let csv = app.get(&format!("/api/v1/register.csv?{}", q("Yorkshire")), None).await.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with(&e.almshouses));
    let csv = app.get(&format!("/api/v1/register.csv?{}", q("xyzzy")), None).await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "the header only");
    // The feed: the events of the matching entries only.
    let feed = app.get(&format!("/api/v1/register/feed.atom?{}", q("conservation")), None).await.text().await.unwrap();
    assert!(feed.contains(&e.solar), "{feed}");
    let feed = app.get(&format!("/api/v1/register/feed.atom?{}", q("Yorkshire")), None).await.text().await.unwrap();
    assert!(!feed.contains(&e.solar), "{feed}");
    let r = app.get(&format!("/api/v1/register.csv?{}", q(&"x".repeat(201))), None).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), vec!["q"]);
}
