//! A real browser: headless Chromium (Debian's `chromium`) driven by scripts in `tests/browser`
//! with playwright-core and axe-core from the npm registry. `check.mjs` visits the public pages;
//! `innovator.mjs` is an innovator's journey from creating an account to sending evidence, with
//! JavaScript and without, the inspector's side done here through the API between its parts;
//! `staff.mjs` is the staff's journey and `community.mjs` a resident's (follow, comment, dispute,
//! report).
//!
//! CI installs both and sets `BROWSER_TESTS=1`, which makes these tests fail if they are missing.
//! Elsewhere they run when they are there and say that they were skipped when they are not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};

/// The scripts' folder and Chromium, or `None` (the test is skipped) when they are not installed.
fn browser() -> Option<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = dir.join("node_modules/playwright-core").exists()
        && dir.join("node_modules/axe-core").exists()
        && PathBuf::from(&chromium).exists();
    let required = std::env::var("BROWSER_TESTS").is_ok_and(|v| v == "1");
    if !ready {
        assert!(
            !required,
            "BROWSER_TESTS=1 but Chromium or tests/browser/node_modules is missing (run npm ci --prefix tests/browser)"
        );
        eprintln!("skipped: install chromium and run `npm ci --prefix tests/browser` to run the browser test");
        return None;
    }
    Some((dir, chromium))
}

/// Runs `node <script> <arg>` off the test's runtime (the server keeps answering meanwhile).
async fn node(dir: &Path, chromium: &str, script: &str, arg: String) -> Output {
    let (script, chromium) = (dir.join(script), chromium.to_string());
    tokio::task::spawn_blocking(move || Command::new("node").arg(script).arg(arg).env("CHROMIUM", chromium).output())
        .await
        .unwrap()
        .expect("node runs")
}

#[tokio::test]
async fn the_register_in_a_real_browser_is_usable_and_accessible() {
    let Some((dir, chromium)) = browser() else { return };

    let app = spawn_app().await;
    let w = world(&app).await;
    let trial = active_trial(&app, &w).await;
    let refused = case_in_assessment(&app, &w).await;
    transition(
        &app,
        refused,
        "refuse",
        &w.inspector,
        json!({"reasons": "Harm to the conservation area outweighs the benefit."}),
    )
    .await;
    let (_, member, _) = app.registered("nia@example.org", "community").await;
    app.post(
        &format!("/api/v1/applications/{trial}/observations"),
        &json!({"kind": "support", "body": "Quiet and tidy."}),
        Some(&member),
    )
    .await;

    let out = node(&dir, &chromium, "check.mjs", app.address.clone()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "browser checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("browser: all checks passed"));
}

/// The public pages a visitor reads, as `public.mjs` checks them with JavaScript and without: the
/// register, a decision notice with a question and its answer, the statistics, learning and open
/// data pages.
#[tokio::test]
async fn the_public_pages_read_well_in_a_real_browser_on_a_phone_and_a_desktop() {
    let Some((dir, chromium)) = browser() else { return };
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = case_in_assessment(&app, &w).await;
    let asked =
        transition(&app, id, "information-requests", &w.inspector, json!({"question": "Who maintains the panels?"}))
            .await;
    let rid = asked["information_requests"][0]["id"].as_i64().unwrap();
    transition(
        &app,
        id,
        &format!("information-requests/{rid}/answer"),
        &w.innovator,
        json!({"answer": "Our installer."}),
    )
    .await;
    transition(&app, id, "approve", &w.inspector, approval(&app, 0, 12)).await;
    transition(&app, id, "start", &w.innovator, json!({})).await;
    let refused = case_in_assessment(&app, &w).await;
    transition(&app, refused, "refuse", &w.inspector, json!({"reasons": "Harm to the conservation area."})).await;
    let (_, case) = current(&app, id, &w.inspector).await;
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    for variant in ["js", "nojs"] {
        let options =
            json!({ "base": app.address, "variant": variant, "shots": shots, "reference": case["reference"] });
        part(&dir, &chromium, "public.mjs", &options, "read").await;
    }
}

/// One part of a journey script (`innovator.mjs`, `staff.mjs`) with `options` and its `phase`;
/// returns what the script reported (`RESULT {...}`).
async fn part(dir: &Path, chromium: &str, script: &str, options: &Value, phase: &str) -> Value {
    let mut arg = options.clone();
    arg["phase"] = json!(phase);
    let out = node(dir, chromium, script, arg.to_string()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    let variant = options["variant"].as_str().unwrap_or("");
    assert!(out.status.success(), "{script} ({phase}, {variant}) failed:\n{stdout}\n{stderr}");
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).expect("the script reports its result");
    serde_json::from_str(result).expect("the result is JSON")
}

/// One part of the innovator's journey, about `application` once there is one.
async fn journey(dir: &Path, chromium: &str, options: &Value, phase: &str, application: Option<i64>) -> Value {
    let mut options = options.clone();
    options["application"] = json!(application);
    part(dir, chromium, "innovator.mjs", &options, phase).await
}

#[tokio::test]
async fn an_innovator_applies_answers_and_sends_evidence_in_a_real_browser_with_and_without_javascript() {
    let Some((dir, chromium)) = browser() else { return };

    // Mail is written as .eml files, which the script reads as a mail program would.
    let work = std::env::temp_dir().join(format!("sandbox-browser-{}", uuid::Uuid::new_v4().simple()));
    let mail = work.join("mail");
    let app = spawn_app_with(&[
        ("mail.transport", "file".into()),
        ("mail.dir", mail.display().to_string()),
        ("mail.worker", "true".into()),
    ])
    .await;
    let w = world(&app).await;

    // The two run side by side: different people, different applications.
    let run = |variant| innovator(&app, &w, &dir, &chromium, &work, variant);
    tokio::join!(run("js"), run("nojs"));
    let _ = std::fs::remove_dir_all(&work);
}

/// One innovator's journey, with JavaScript (`js`) or without (`nojs`): the browser's parts in
/// `innovator.mjs`, the inspector's in between through the API, and what was stored after each.
async fn innovator(app: &TestApp, w: &World, dir: &Path, chromium: &str, work: &Path, variant: &str) {
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    let mail = work.join("mail");
    let options = json!({
        "base": app.address, "variant": variant, "email": format!("ada-{variant}@example.org"),
        "password": PASSWORD, "mailDir": mail, "shots": shots,
        "state": work.join(format!("cookies-{variant}.json")),
    });

    // Steps 1–7: from a new account to a submitted application.
    let applied = journey(dir, chromium, &options, "apply", None).await;
    let id = applied["application"].as_i64().expect("the application's id");
    let (_, case) = current(app, id, &w.inspector).await;
    assert_eq!(case["status"], "submitted", "{variant}: {case}");
    assert_eq!(case["reference"], applied["reference"], "{variant}");
    assert_eq!(case["site_postcode"].as_str().map(str::to_uppercase).as_deref(), Some("SW9 8EL"));
    assert_eq!(case["community_ownership_pct"], 60.0);
    assert_eq!(case["intervention"], "solar_pv");
    assert_eq!(case["requested_derogations"].as_array().map(Vec::len), Some(1), "{variant}: {case}");
    assert_eq!(case["requested_derogations"][0]["provision_code"], applied["provision"]);

    // The inspector takes the case and asks a question.
    transition(app, id, "assign", &w.inspector, json!({ "inspector_id": w.inspector_id })).await;
    transition(app, id, "screening", &w.inspector, all_criteria(true)).await;
    transition(app, id, "information-requests", &w.inspector, json!({"question": "Who maintains the panels?"})).await;

    // Step 9: the innovator answers with a file.
    journey(dir, chromium, &options, "answer", Some(id)).await;
    let (_, case) = current(app, id, &w.inspector).await;
    assert_eq!(case["status"], "assessment", "{variant}: {case}");
    let attachments = &case["information_requests"][0]["attachments"];
    assert_eq!(attachments.as_array().map(Vec::len), Some(1), "{variant}: {case}");

    // The inspector approves, granting the rule the innovator asked to relax.
    let mut body = approval(app, 0, 12);
    body["derogations"][0]["provision_code"] = case["requested_derogations"][0]["provision_code"].clone();
    transition(app, id, "approve", &w.inspector, body).await;

    // Step 10: the innovator starts the trial and sends evidence.
    journey(dir, chromium, &options, "trial", Some(id)).await;
    let (_, case) = current(app, id, &w.inspector).await;
    assert_eq!(case["status"], "active", "{variant}: {case}");
    assert!(
        case["conditions"].as_array().into_iter().flatten().any(|c| c["status"] != "pending"),
        "{variant}: the evidence is on a condition: {case}"
    );
}

#[tokio::test]
async fn staff_invite_an_inspector_who_takes_a_case_to_an_active_trial_in_a_real_browser_with_and_without_javascript() {
    let Some((dir, chromium)) = browser() else { return };
    let work = std::env::temp_dir().join(format!("sandbox-browser-{}", uuid::Uuid::new_v4().simple()));
    let mail = work.join("mail");
    let app = spawn_app_with(&[
        ("mail.transport", "file".into()),
        ("mail.dir", mail.display().to_string()),
        ("mail.worker", "true".into()),
    ])
    .await;
    let w = world(&app).await;
    // Each variant takes its own submitted case (submitted one after the other: the first
    // submissions of a year both creating the year's reference counter is issue 14's to settle).
    let mut cases = Vec::new();
    for _ in 0..2 {
        let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
        transition(&app, id, "submit", &w.innovator, json!({})).await;
        cases.push(id);
    }
    let run = |variant, id| staff(&app, &w, &dir, &chromium, &work, variant, id);
    tokio::join!(run("js", cases[0]), run("nojs", cases[1]));
    let _ = std::fs::remove_dir_all(&work);
}

/// The staff's journey, with JavaScript (`js`) or without (`nojs`): the browser's parts in
/// `staff.mjs`, the innovator's in between through the API, and what was stored after each.
async fn staff(app: &TestApp, w: &World, dir: &Path, chromium: &str, work: &Path, variant: &str, id: i64) {
    let (_, case) = current(app, id, &w.admin).await;
    let reference = case["reference"].as_str().unwrap().to_string();
    let inspector = format!("iris-{variant}@pins.example.org");
    let options = json!({
        "base": app.address, "variant": variant, "admin": "admin@example.org", "adminPassword": PASSWORD,
        "inspector": inspector, "password": "lantern-orchard-basalt-77", "mailDir": work.join("mail"),
        "shots": PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"),
        "state": work.join(format!("staff-cookies-{variant}.json")), "application": id, "reference": reference,
    });

    // The admin invites the inspector, who chooses a password and signs in.
    part(dir, chromium, "staff.mjs", &options, "invite").await;
    let (new_inspector, _) = app.login(&inspector, "lantern-orchard-basalt-77").await;

    // The inspector assigns, screens and asks, with a file.
    part(dir, chromium, "staff.mjs", &options, "take").await;
    let (_, case) = current(app, id, &w.admin).await;
    assert_eq!(case["status"], "information_requested", "{variant}: {case}");
    let me: Value = app.get("/api/v1/me", Some(&new_inspector)).await.json().await.unwrap();
    assert_eq!(case["assigned_inspector"]["id"], me["id"], "{variant}: assigned to the new inspector");
    assert_eq!(case["screening"].as_array().map(Vec::len), Some(7), "{variant}: {case}");
    let request = &case["information_requests"][0];
    assert_eq!(request["attachments"][0]["sent_with"], "request", "{variant}: {request}");

    // The innovator answers.
    let rid = request["id"].as_i64().unwrap();
    let answer = json!({"answer": "We maintain them monthly, under contract."});
    transition(app, id, &format!("information-requests/{rid}/answer"), &w.innovator, answer).await;

    // The inspector approves with two conditions and the default milestones, and starts the trial.
    part(dir, chromium, "staff.mjs", &options, "decide").await;
    let (_, case) = current(app, id, &w.admin).await;
    assert_eq!(case["status"], "active", "{variant}: {case}");
    assert_eq!(case["conditions"].as_array().map(Vec::len), Some(2), "{variant}: {case}");
    assert!(case["milestones"].as_array().map(Vec::len).unwrap_or(0) >= 2, "{variant}: {case}");

    // The innovator reports less than the fund's target.
    let fund = case["conditions"].as_array().unwrap().iter().find(|c| c["target_value"] == 5000.0).unwrap().clone();
    let cid = fund["id"].as_i64().unwrap();
    let evidence = json!({"body": "Paid £4,000 so far; the rest follows.", "reported_value": 4000});
    let r = app.post(&format!("/api/v1/conditions/{cid}/evidence"), &evidence, Some(&w.innovator)).await;
    assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{}", r.text().await.unwrap());

    // The inspector verifies it (with a reason), suspends and reinstates the trial.
    part(dir, chromium, "staff.mjs", &options, "monitor").await;
    let (_, case) = current(app, id, &w.admin).await;
    assert_eq!(case["status"], "active", "{variant}: {case}");
    let fund = case["conditions"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap().clone();
    assert_eq!(fund["status"], "met", "{variant}: {fund}");
    let kinds: Vec<&str> =
        case["enforcement_actions"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["suspension", "reinstatement"], "{variant}: {case}");
}

#[tokio::test]
async fn residents_follow_comment_dispute_and_report_in_a_real_browser_with_and_without_javascript() {
    let Some((dir, chromium)) = browser() else { return };
    let work = std::env::temp_dir().join(format!("sandbox-browser-{}", uuid::Uuid::new_v4().simple()));
    let mail = work.join("mail");
    let app = spawn_app_with(&[
        ("mail.transport", "file".into()),
        ("mail.dir", mail.display().to_string()),
        ("mail.worker", "true".into()),
    ])
    .await;
    let w = world(&app).await;
    // Each variant has its own active trial with evidence on its fund condition, built one after
    // the other, and its own three residents to report with.
    let mut trials = Vec::new();
    for _ in 0..2 {
        let (id, reference) = crate::community_pages::trial(&app, &w).await;
        crate::community_pages::evidence(&app, &w, id).await;
        trials.push((id, reference));
    }
    for variant in ["js", "nojs"] {
        for n in 1..=3 {
            app.registered(&format!("neighbour{n}-{variant}@example.org"), "community").await;
        }
    }
    let run = |variant, trial| resident(&app, &w, &dir, &chromium, &work, variant, trial);
    tokio::join!(run("js", trials[0].clone()), run("nojs", trials[1].clone()));
    let _ = std::fs::remove_dir_all(&work);
}

/// A resident's journey, with JavaScript (`js`) or without (`nojs`): the browser's parts in
/// `community.mjs`, and what was stored and emailed after each.
async fn resident(
    app: &TestApp,
    w: &World,
    dir: &Path,
    chromium: &str,
    work: &Path,
    variant: &str,
    (id, reference): (i64, String),
) {
    let email = format!("rosa-{variant}@example.org");
    let reporters: Vec<String> = (1..=3).map(|n| format!("neighbour{n}-{variant}@example.org")).collect();
    let mut options = json!({
        "base": app.address, "variant": variant, "email": email, "password": PASSWORD,
        "mailDir": work.join("mail"), "shots": PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"),
        "state": work.join(format!("community-cookies-{variant}.json")), "reference": reference,
        "reporters": reporters,
    });

    // Account, follows, a comment and a dispute.
    let joined = part(dir, chromium, "community.mjs", &options, "join").await;
    let oid = joined["observation"].as_i64().expect("the observation's id");
    let (token, _) = app.login(&email, PASSWORD).await;
    let subs: Vec<Value> = app.get("/api/v1/subscriptions", Some(&token)).await.json().await.unwrap();
    assert_eq!(subs.len(), 2, "{variant}: {subs:?}");
    assert!(subs.iter().any(|s| s["application_id"] == id), "{variant}: follows the trial");
    assert!(subs.iter().any(|s| s["zone_id"] == w.zone_id), "{variant}: follows the zone");
    let disputes = format!("case:{id}:attestation_disputed:");
    let mail = app.outbox().await;
    for to in ["ivy@pins.example.org", "ana@example.org"] {
        let n = mail.iter().filter(|m| m.dedup_key.starts_with(&disputes) && m.to_address == to).count();
        assert_eq!(n, 1, "{variant}: {to} has exactly one email about the dispute");
    }
    let public: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    assert!(public["observations"].as_array().unwrap().iter().any(|o| o["id"] == oid), "{variant}: published");

    // Three neighbours report the comment; it leaves the public page.
    options["observation"] = json!(oid);
    part(dir, chromium, "community.mjs", &options, "report").await;
    let public: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    assert!(public["observations"].as_array().unwrap().iter().all(|o| o["id"] != oid), "{variant}: held back");
}
