//! The authorization matrix of the case endpoints: each refused cell (public, the author, another
//! innovator, a community member, the assigned inspector, another inspector, an admin, a disabled
//! user) gets its status, and a refused request changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{problem, TestApp};

/// What a refused request must not change.
async fn snapshot(app: &TestApp, id: i64, admin_view: &str) -> (Value, Vec<i64>) {
    let (_, case) = current_as_admin(app, id, admin_view).await;
    let mut counts = Vec::new();
    for table in [
        "applications",
        "audit_events",
        "outbound_emails",
        "conditions",
        "milestones",
        "screenings",
        "information_requests",
        "enforcement_actions",
        "evaluations",
        "zones",
        "provisions",
    ] {
        counts.push(app.count(table).await);
    }
    (case, counts)
}

async fn current_as_admin(app: &TestApp, id: i64, token: &str) -> (String, Value) {
    // Drafts are hidden from admins, so read the row as stored.
    let r = app.get(&format!("/api/v1/applications/{id}"), Some(token)).await;
    if r.status() == StatusCode::OK {
        let tag = etag(&r);
        return (tag, r.json().await.unwrap());
    }
    let row = app
        .query(move |c| {
            use diesel::prelude::*;
            use sandbox::db::schema::applications::dsl::*;
            applications.find(id).select((status, version, title)).first::<(String, i64, String)>(c)
        })
        .await;
    (format!("\"{}\"", row.1), json!({"status": row.0, "version": row.1, "title": row.2}))
}

struct Callers<'a> {
    list: Vec<(&'static str, Option<&'a str>)>,
}

impl<'a> Callers<'a> {
    fn of(w: &'a World, disabled: &'a str) -> Self {
        Callers {
            list: vec![
                ("public", None),
                ("author", Some(w.innovator.as_str())),
                ("other innovator", Some(w.other_innovator.as_str())),
                ("community", Some(w.community.as_str())),
                ("assigned inspector", Some(w.inspector.as_str())),
                ("other inspector", Some(w.other_inspector.as_str())),
                ("admin", Some(w.admin.as_str())),
                ("disabled", Some(disabled)),
            ],
        }
    }

    fn token(&self, who: &str) -> Option<&'a str> {
        self.list.iter().find(|(n, _)| *n == who).and_then(|(_, t)| *t)
    }
}

/// Sends one request per refused caller and checks the status and that nothing changed.
#[allow(clippy::too_many_arguments)]
async fn refused(
    app: &TestApp,
    callers: &Callers<'_>,
    id: i64,
    admin: &str,
    method: Method,
    path: &str,
    body: Value,
    expected: &[(&str, StatusCode)],
) {
    for (who, status) in expected {
        let before = snapshot(app, id, admin).await;
        let (tag, _) = current_as_admin(app, id, admin).await;
        let r = change(app, method.clone(), path, callers.token(who), Some(&tag), &body).await;
        assert_eq!(r.status(), *status, "{who} {method} {path}");
        problem(r, *status).await;
        assert_eq!(snapshot(app, id, admin).await, before, "{who} {method} {path} changed something");
    }
}

const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;

fn outsiders() -> Vec<(&'static str, StatusCode)> {
    vec![("public", UNAUTHORIZED), ("other innovator", NOT_FOUND), ("community", NOT_FOUND), ("disabled", UNAUTHORIZED)]
}

fn with(
    mut base: Vec<(&'static str, StatusCode)>,
    more: &[(&'static str, StatusCode)],
) -> Vec<(&'static str, StatusCode)> {
    base.extend_from_slice(more);
    base
}

async fn disabled_user(app: &TestApp, admin: &str) -> String {
    let (id, token, _) = app.registered("dora@example.org", "innovator").await;
    let r = app.patch(&format!("/api/v1/users/{id}"), &json!({"disabled": true}), Some(admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    token
}

#[tokio::test]
async fn drafts_are_only_their_authors() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let disabled = disabled_user(&app, &w.admin).await;
    let callers = Callers::of(&w, &disabled);
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    let everyone_else =
        with(outsiders(), &[("assigned inspector", NOT_FOUND), ("other inspector", NOT_FOUND), ("admin", NOT_FOUND)]);
    let path = format!("/api/v1/applications/{id}");
    refused(&app, &callers, id, &w.admin, Method::GET, &path, json!({}), &everyone_else).await;
    refused(&app, &callers, id, &w.admin, Method::GET, &format!("{path}/history"), json!({}), &everyone_else).await;
    refused(&app, &callers, id, &w.admin, Method::PUT, &path, complete_draft(&app, w.zone_id), &everyone_else).await;
    refused(&app, &callers, id, &w.admin, Method::POST, &format!("{path}/submit"), json!({}), &everyone_else).await;

    // Lists: an innovator sees only their own; staff never see drafts; community may not list.
    let mine: Vec<Value> = app.get("/api/v1/applications", Some(&w.innovator)).await.json().await.unwrap();
    assert_eq!(mine.len(), 1);
    let theirs: Vec<Value> = app.get("/api/v1/applications", Some(&w.other_innovator)).await.json().await.unwrap();
    assert!(theirs.is_empty());
    let staff: Vec<Value> = app.get("/api/v1/applications", Some(&w.admin)).await.json().await.unwrap();
    assert!(staff.is_empty());
    problem(app.get("/api/v1/applications", Some(&w.community)).await, FORBIDDEN).await;
    problem(app.get("/api/v1/applications", None).await, UNAUTHORIZED).await;
    problem(app.get("/api/v1/applications", Some(&disabled)).await, UNAUTHORIZED).await;

    // Only innovators create applications.
    let before = app.count("applications").await;
    for (who, status) in [
        ("community", FORBIDDEN),
        ("assigned inspector", FORBIDDEN),
        ("admin", FORBIDDEN),
        ("public", UNAUTHORIZED),
        ("disabled", UNAUTHORIZED),
    ] {
        let r = app.post("/api/v1/applications", &complete_draft(&app, w.zone_id), callers.token(who)).await;
        problem(r, status).await;
    }
    assert_eq!(app.count("applications").await, before);
}

#[tokio::test]
async fn the_refused_cells_of_every_case_endpoint() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let disabled = disabled_user(&app, &w.admin).await;
    let callers = Callers::of(&w, &disabled);

    // Submitted and assigned: screening.
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, id, "submit", &w.innovator, json!({})).await;
    transition(&app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    let path = format!("/api/v1/applications/{id}");
    refused(&app, &callers, id, &w.admin, Method::GET, &path, json!({}), &outsiders()).await;
    refused(&app, &callers, id, &w.admin, Method::GET, &format!("{path}/history"), json!({}), &outsiders()).await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/assign"),
        json!({"inspector_id": w.other_inspector_id}),
        &with(outsiders(), &[("author", FORBIDDEN)]),
    )
    .await;
    let assigned_only =
        with(outsiders(), &[("author", FORBIDDEN), ("other inspector", FORBIDDEN), ("admin", FORBIDDEN)]);
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/screening"),
        all_criteria(true),
        &assigned_only,
    )
    .await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/information-requests"),
        json!({"question": "Why?"}),
        &assigned_only,
    )
    .await;
    let author_only =
        with(outsiders(), &[("assigned inspector", FORBIDDEN), ("other inspector", FORBIDDEN), ("admin", FORBIDDEN)]);
    refused(&app, &callers, id, &w.admin, Method::POST, &format!("{path}/withdraw"), json!({}), &author_only).await;

    // Assessment: decisions belong to the assigned inspector.
    transition(&app, id, "screening", &w.inspector, all_criteria(true)).await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/approve"),
        approval(&app, 0, 12),
        &assigned_only,
    )
    .await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/refuse"),
        json!({"reasons": "No."}),
        &assigned_only,
    )
    .await;

    // Information requested: only the author answers.
    let asked =
        transition(&app, id, "information-requests", &w.inspector, json!({"question": "Who maintains it?"})).await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/information-requests/{rid}/answer"),
        json!({"answer": "Us."}),
        &author_only,
    )
    .await;
    transition(&app, id, &format!("information-requests/{rid}/answer"), &w.innovator, json!({"answer": "Us."})).await;

    // Approved: the author or the assigned inspector starts it.
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/start"),
        json!({}),
        &with(outsiders(), &[("other inspector", FORBIDDEN), ("admin", FORBIDDEN)]),
    )
    .await;
    transition(&app, id, "start", &w.innovator, json!({})).await;

    // Active: enforcement and completion.
    for (action, body) in [
        ("suspend", json!({"reasons": "x"})),
        ("revoke", json!({"reasons": "x"})),
        ("extend", json!({"new_end_date": day(&app, 400), "reasons": "x"})),
        ("complete", crate::cases::evaluation()),
    ] {
        refused(&app, &callers, id, &w.admin, Method::POST, &format!("{path}/{action}"), body, &assigned_only).await;
    }
    let (_, case) = current(&app, id, &w.inspector).await;
    let mid = case["milestones"][0]["id"].as_i64().unwrap();
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("/api/v1/milestones/{mid}/report"),
        json!({"report": "Done."}),
        &author_only,
    )
    .await;
    transition(&app, id, "suspend", &w.inspector, json!({"reasons": "x"})).await;
    refused(
        &app,
        &callers,
        id,
        &w.admin,
        Method::POST,
        &format!("{path}/reinstate"),
        json!({"reasons": "x"}),
        &assigned_only,
    )
    .await;
}

#[tokio::test]
async fn catalogue_changes_are_admin_only() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let disabled = disabled_user(&app, &w.admin).await;
    let callers = Callers::of(&w, &disabled);
    let zones_before = app.count("zones").await;
    let provisions_before = app.count("provisions").await;
    let (ztag, zone_before) = {
        let r = app.get(&format!("/api/v1/zones/{}", w.zone_id), None).await;
        (etag(&r), r.json::<Value>().await.unwrap())
    };
    for (who, status) in [
        ("public", UNAUTHORIZED),
        ("author", FORBIDDEN),
        ("community", FORBIDDEN),
        ("assigned inspector", FORBIDDEN),
        ("disabled", UNAUTHORIZED),
    ] {
        let t = callers.token(who);
        problem(app.post("/api/v1/zones", &zone_body(), t).await, status).await;
        problem(
            change(
                &app,
                Method::PATCH,
                &format!("/api/v1/zones/{}", w.zone_id),
                t,
                Some(&ztag),
                &json!({"open": false}),
            )
            .await,
            status,
        )
        .await;
        let p =
            json!({"code": "NEW-RULE-1", "title": "t", "legal_reference": "r", "summary": "s", "max_trial_months": 12});
        problem(app.post("/api/v1/provisions", &p, t).await, status).await;
        problem(
            change(
                &app,
                Method::PATCH,
                "/api/v1/provisions/GPDO-SCH2-PT14-A",
                t,
                Some("\"1\""),
                &json!({"retired": true}),
            )
            .await,
            status,
        )
        .await;
    }
    assert_eq!(app.count("zones").await, zones_before);
    assert_eq!(app.count("provisions").await, provisions_before);
    let zone_after: Value = app.get(&format!("/api/v1/zones/{}", w.zone_id), None).await.json().await.unwrap();
    assert_eq!(zone_before, zone_after);
}
