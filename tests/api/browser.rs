//! A real browser on the public pages: headless Chromium (Debian's `chromium`) driven by
//! `tests/browser/check.mjs` with playwright-core and axe-core from the npm registry.
//!
//! CI installs both and sets `BROWSER_TESTS=1`, which makes this test fail if they are missing.
//! Elsewhere it runs when they are there and says that it was skipped when they are not.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use crate::casework::*;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_register_in_a_real_browser_is_usable_and_accessible() {
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
        return;
    }

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

    let base = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(dir.join("check.mjs")).arg(&base).env("CHROMIUM", chromium).output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "browser checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("browser: all checks passed"));
}
