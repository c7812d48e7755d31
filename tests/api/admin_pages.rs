//! The admins' pages, as a browser without JavaScript uses them: inviting an inspector who then
//! chooses a password from the emailed link and signs in, changing a role and disabling (and
//! the protections against locking oneself out), zones and provisions with a deliberate error
//! each, resending dead mail, and every admin page refused to everyone else.

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::Value;

use crate::casework::*;
use crate::helpers::{TestApp, PASSWORD};
use crate::web::{location, Browser};

async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let b = Browser::new(app);
    b.sign_in(email, password).await;
    b
}

async fn admin_browser(app: &TestApp) -> Browser {
    signed_in(app, "admin@example.org", PASSWORD).await
}

/// minijinja escapes `/` in variables.
fn decoded(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

fn version(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").expect("the form carries the version") + 22;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

async fn text(r: reqwest::Response) -> String {
    decoded(&r.text().await.unwrap())
}

async fn api(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let r = app.get(path, token).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json().await.unwrap()
}

async fn user_count(app: &TestApp) -> i64 {
    app.count("users").await
}

#[tokio::test]
async fn an_admin_invites_an_inspector_who_chooses_a_password_and_signs_in() {
    let app = crate::helpers::spawn_app().await;
    let _w = world(&app).await;
    let b = admin_browser(&app).await;

    let list = decoded(&b.page("/admin/users").await);
    assert!(list.contains("<title>Users – Planning Sandbox</title>"), "{list}");
    assert!(list.contains("href=\"/admin/users\">Admin</a>"), "admins have the Admin item");
    assert!(list.contains("ivy@pins.example.org") && list.contains(">Inspector<"));
    let filtered = decoded(&b.page("/admin/users?role=innovator").await);
    assert!(filtered.contains("ana@example.org") && !filtered.contains("ivy@pins.example.org"));
    let searched = decoded(&b.page("/admin/users?q=ola").await);
    assert!(searched.contains("ola@pins.example.org") && !searched.contains("ana@example.org"));

    // A deliberate error: the summary names the field, the input is kept, nobody is created.
    let before = user_count(&app).await;
    let fields = [("email", "nia-at-pins"), ("display_name", "Nia Jones"), ("role", "inspector")];
    let r = b.submit("/admin/users/invite", "/admin/users/invite", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(r).await;
    assert!(html.contains("<title>Error: Invite an inspector or admin – Planning Sandbox</title>"), "{html}");
    assert!(html.contains("href=\"#email\">The email address"), "{html}");
    assert!(html.contains("value=\"nia-at-pins\"") && html.contains("value=\"Nia Jones\""));
    assert_eq!(user_count(&app).await, before, "nothing was created");

    let fields = [("email", "nia@pins.example.org"), ("display_name", "Nia Jones"), ("role", "inspector")];
    let r = b.submit("/admin/users/invite", "/admin/users/invite", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let user_page = location(&r);
    assert!(user_page.starts_with("/admin/users/"), "{user_page}");
    let html = decoded(&b.page(&user_page).await);
    assert!(html.contains("Nia Jones has been invited as inspector"), "{html}");
    assert!(html.contains("Not chosen yet"), "the invitation is not used yet");
    // The same address again names the field.
    let r = b.submit("/admin/users/invite", "/admin/users/invite", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("href=\"#email\">The email address is already registered"));

    // The invitation links to a page, not to the API.
    let mail = app.outbox().await.into_iter().rev().find(|m| m.to_address == "nia@pins.example.org").unwrap();
    assert!(!mail.body_text.contains("/api/"), "{}", mail.body_text);
    let at = mail.body_text.find("/account/reset-password?token=").expect("the invitation has a page link");
    let link: String = mail.body_text[at..].chars().take_while(|c| !c.is_whitespace()).collect();

    let nia = Browser::new(&app);
    let form = decoded(&nia.page(&link).await);
    assert!(form.contains("name=\"new_password\""), "{form}");
    let token = link.split("token=").nth(1).unwrap();
    let chosen = "copper-meadow-violin-73";
    let r = nia
        .submit(
            &link,
            "/account/reset-password",
            &[("token", token), ("new_password", chosen), ("confirm_password", chosen)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done = decoded(&r.text().await.unwrap());
    assert!(done.contains("href=\"/sign-in\""), "{done}");
    let start = nia.sign_in("nia@pins.example.org", chosen).await;
    assert!(["/account", "/casework"].contains(&start.as_str()), "lands on the start page, not {start}");
    let home = decoded(&nia.page(&start).await);
    assert!(home.contains("Sign out") && !home.contains("href=\"/admin/users\">Admin</a>"), "{home}");
    assert!(decoded(&b.page(&user_page).await).contains(">Set<"), "the admin sees the password is set");
}

#[tokio::test]
async fn admins_change_roles_and_access_but_cannot_lock_themselves_out() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let b = admin_browser(&app).await;
    let id = w.inspector_id;
    let page = format!("/admin/users/{id}");
    let path = format!("/api/v1/users/{id}");

    let r = b.submit(&page, &format!("{page}/role"), &[("role", "admin")]).await;
    assert_eq!(location(&r), page);
    assert!(decoded(&b.page(&page).await).contains("Inspector ivy is now an administrator"));
    assert_eq!(api(&app, &path, Some(&w.admin)).await["role"], "admin");
    let r = b.submit(&page, &format!("{page}/role"), &[("role", "inspector")]).await;
    assert_eq!(location(&r), page);
    assert_eq!(api(&app, &path, Some(&w.admin)).await["role"], "inspector");

    let confirm = decoded(&b.page(&format!("{page}/disable")).await);
    assert!(confirm.contains("Are you sure you want to disable Inspector ivy’s account?"), "{confirm}");
    let r = b.submit(&format!("{page}/disable"), &format!("{page}/disable"), &[]).await;
    assert_eq!(location(&r), page);
    let html = decoded(&b.page(&page).await);
    assert!(html.contains("account has been disabled") && html.contains(">Disabled</strong>"), "{html}");
    assert_eq!(api(&app, &path, Some(&w.admin)).await["disabled"], true);
    assert_eq!(app.get("/api/v1/me", Some(&w.inspector)).await.status(), StatusCode::UNAUTHORIZED);
    let r = b.submit(&page, &format!("{page}/enable"), &[]).await;
    assert_eq!(location(&r), page);
    assert!(decoded(&b.page(&page).await).contains("account has been enabled"));
    assert_eq!(api(&app, &path, Some(&w.admin)).await["disabled"], false);

    // Oneself, the only admin: refused with the reason, nothing changed.
    let me = api(&app, "/api/v1/me", Some(&w.admin)).await["id"].as_i64().unwrap();
    let mine = format!("/admin/users/{me}");
    let r = b.submit(&mine, &format!("{mine}/disable"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = text(r).await;
    assert!(html.contains("<title>Error: Admin – Planning Sandbox</title>"), "{html}");
    assert!(html.contains("href=\"#access\">You cannot disable yourself"), "{html}");
    assert!(html.contains("Nothing was changed"));
    let r = b.submit(&mine, &format!("{mine}/role"), &[("role", "inspector")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("href=\"#role\">You cannot disable yourself or remove your own admin role"));
    let still = api(&app, &format!("/api/v1/users/{me}"), Some(&w.admin)).await;
    assert_eq!((still["role"].as_str(), still["disabled"].as_bool()), (Some("admin"), Some(false)));
    assert_eq!(b.get("/admin/users").await.status(), StatusCode::OK, "the admin is still signed in");
}

#[tokio::test]
async fn zones_are_added_and_changed_through_their_pages() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let b = admin_browser(&app).await;
    let list = decoded(&b.page("/admin/zones").await);
    assert!(list.contains("Bristol Harbourside Net Zero Zone") && list.contains(">Open</strong>"), "{list}");
    assert!(list.contains("10%"), "{list}");

    let bad = [
        ("name", ""),
        ("lpa_name", "Bath and North East Somerset Council"),
        ("lpa_code", "e06000022"),
        ("open", "true"),
        ("window_opens_on-day", "1"),
        ("window_opens_on-month", "3"),
        ("window_opens_on-year", "2027"),
        ("window_closes_on-day", "1"),
        ("window_closes_on-month", "2"),
        ("window_closes_on-year", "2027"),
        ("min_community_ownership_pct", "150"),
        ("allowed_provisions", "GPDO-SCH2-PT14-A"),
    ];
    let r = b.submit("/admin/zones/new", "/admin/zones/new", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(r).await;
    assert!(html.contains("<title>Error: Add a zone – Planning Sandbox</title>"), "{html}");
    assert!(html.contains("href=\"#name\">The zone's name"), "{html}");
    assert!(html.contains("href=\"#min_community_ownership_pct\">The minimum community ownership"), "{html}");
    assert!(html.contains("value=\"150\"") && html.contains("value=\"Bath and North East Somerset Council\""));
    assert!(html.contains("value=\"GPDO-SCH2-PT14-A\" checked"), "the ticks are kept");
    assert_eq!(api(&app, "/api/v1/zones", None).await.as_array().unwrap().len(), 1, "nothing was created");

    // Both names right; the window the wrong way round.
    let mut good: Vec<(&str, &str)> = bad.to_vec();
    good[0] = ("name", "Bath Riverside Zone");
    good[10] = ("min_community_ownership_pct", "25");
    let r = b.submit("/admin/zones/new", "/admin/zones/new", &good).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r)
        .await
        .contains("href=\"#window_closes_on\">The date the window closes must not be before the window opens"));
    good[9] = ("window_closes_on-year", "2028");
    let r = b.submit("/admin/zones/new", "/admin/zones/new", &good).await;
    assert_eq!(location(&r), "/admin/zones");
    let list = decoded(&b.page("/admin/zones").await);
    assert!(list.contains("Bath Riverside Zone has been added") && list.contains("1 March 2027 to 1 February 2028"));
    let all = api(&app, "/api/v1/zones", None).await;
    let z = all.as_array().unwrap().iter().find(|z| z["name"] == "Bath Riverside Zone").unwrap().clone();
    assert_eq!((z["lpa_code"].as_str(), z["min_community_ownership_pct"].as_f64()), (Some("E06000022"), Some(25.0)));
    assert_eq!(z["allowed_provisions"], serde_json::json!(["GPDO-SCH2-PT14-A"]));

    // Edit: close the zone, clear the closing date, allow another provision.
    let edit = format!("/admin/zones/{}", z["id"]);
    let form = decoded(&b.page(&edit).await);
    assert!(form.contains("value=\"Bath Riverside Zone\"") && form.contains("value=\"25\""), "{form}");
    let v = version(&form);
    let mut changed = good.clone();
    changed[3] = ("open", "false");
    changed[7] = ("window_closes_on-day", "");
    changed[8] = ("window_closes_on-month", "");
    changed[9] = ("window_closes_on-year", "");
    changed.push(("allowed_provisions", "GPDO-ART2-3"));
    let mut with_version = changed.clone();
    with_version.push(("version", &v));
    let r = b.submit(&edit, &edit, &with_version).await;
    assert_eq!(location(&r), "/admin/zones");
    assert!(decoded(&b.page("/admin/zones").await).contains("Bath Riverside Zone has been saved"));
    let saved = api(&app, &format!("/api/v1/zones/{}", z["id"]), None).await;
    assert_eq!((saved["open"].as_bool(), saved["window_closes_on"].is_null()), (Some(false), true), "{saved}");
    assert_eq!(saved["allowed_provisions"].as_array().unwrap().len(), 2);

    // The same form again is stale: nothing is saved and the page says why.
    let mut stale = changed.clone();
    stale[0] = ("name", "Renamed from a stale page");
    stale.push(("version", &v));
    let r = b.submit(&edit, &edit, &stale).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(text(r).await.contains("This zone changed after you opened this page"));
    assert_eq!(api(&app, &format!("/api/v1/zones/{}", z["id"]), None).await["name"], "Bath Riverside Zone");
    let _ = w;
}

#[tokio::test]
async fn provisions_are_added_changed_and_retired() {
    let app = crate::helpers::spawn_app().await;
    let _w = world(&app).await;
    let b = admin_browser(&app).await;
    let list = decoded(&b.page("/admin/provisions").await);
    assert!(list.contains("GPDO-SCH2-PT14-A") && list.contains(">Current</strong>"), "{list}");

    let r =
        b.submit("/admin/provisions/new", "/admin/provisions/new", &[("code", "!"), ("max_trial_months", "0")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(r).await;
    for field in ["code", "title", "legal_reference", "summary", "max_trial_months"] {
        assert!(html.contains(&format!("href=\"#{field}\"")), "{field}: {html}");
    }
    assert!(
        html.contains("href=\"#max_trial_months\">The longest trial must be a whole number of months from 1 to 120")
    );

    let fields = [
        ("code", "tcpa-1990-s171e"),
        ("title", "Temporary stop notices"),
        ("legal_reference", "Town and Country Planning Act 1990, section 171E"),
        ("summary", "Lets an authority stop an activity at once for 28 days."),
        ("max_trial_months", "6"),
    ];
    let r = b.submit("/admin/provisions/new", "/admin/provisions/new", &fields).await;
    assert_eq!(location(&r), "/admin/provisions");
    assert!(
        decoded(&b.page("/admin/provisions").await).contains("TCPA-1990-S171E – Temporary stop notices has been added")
    );
    let r = b.submit("/admin/provisions/new", "/admin/provisions/new", &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("href=\"#code\">The code is already in the catalogue"));

    let edit = "/admin/provisions/TCPA-1990-S171E";
    let v = version(&b.page(edit).await);
    let changes = |months: &'static str, retired: &'static str, v: String| {
        vec![
            ("title", "Temporary stop notices".to_string()),
            ("legal_reference", "Town and Country Planning Act 1990, section 171E".to_string()),
            ("summary", "Lets an authority stop an activity at once for 28 days.".to_string()),
            ("max_trial_months", months.to_string()),
            ("retired", retired.to_string()),
            ("version", v),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let b = &b;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.submit(edit, edit, &pairs).await
        }
    };
    let r = send(changes("200", "false", v.clone())).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(r).await.contains("value=\"200\""), "the input is kept");
    let r = send(changes("9", "false", v.clone())).await;
    assert_eq!(location(&r), "/admin/provisions");
    let p = api(&app, "/api/v1/provisions/TCPA-1990-S171E", None).await;
    assert_eq!((p["max_trial_months"].as_i64(), p["retired"].as_bool()), (Some(9), Some(false)));
    let r = send(changes("9", "true", v.clone())).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "a stale page saves nothing");
    assert!(text(r).await.contains("This provision changed after you opened this page"));
    let v = version(&b.page(edit).await);
    let r = send(changes("9", "true", v)).await;
    assert_eq!(location(&r), "/admin/provisions");
    let list = decoded(&b.page("/admin/provisions").await);
    assert!(list.contains("has been retired") && list.contains(">Retired</strong>"), "{list}");
    assert_eq!(api(&app, "/api/v1/provisions/TCPA-1990-S171E", None).await["retired"], true);
}

/// Makes one delivered email dead, as the worker does after its last failed attempt.
async fn kill_mail(app: &TestApp, to: &str) -> i64 {
    app.drain_outbox().await;
    let id = app.outbox().await.into_iter().rev().find(|m| m.to_address == to).expect("a mail").id;
    app.query(move |c| {
        diesel::sql_query(format!(
            "UPDATE outbound_emails SET status = 'dead', attempts = 5, sent_at = NULL, \
             last_error = 'smtp: connection refused by mail.example.org' WHERE id = {id}"
        ))
        .execute(c)
    })
    .await;
    id
}

#[tokio::test]
async fn dead_mail_is_listed_and_resent() {
    let app = crate::helpers::spawn_app().await;
    let _w = world(&app).await;
    let id = kill_mail(&app, "ana@example.org").await;
    let b = admin_browser(&app).await;

    let html = decoded(&b.page("/admin/outbox").await);
    assert!(
        html.contains("ana@example.org") && html.contains("smtp: connection refused by mail.example.org"),
        "{html}"
    );
    assert!(
        html.contains(">Not delivered</strong>") && html.contains(&format!("action=\"/admin/outbox/{id}/resend\""))
    );
    assert_eq!(html.matches(">Resend<").count(), 1, "only dead mail is listed at first");
    let everything = decoded(&b.page("/admin/outbox?status=all").await);
    assert!(everything.matches("govuk-summary-card__title").count() > 1, "{everything}");

    let action = format!("/admin/outbox/{id}/resend");
    let r = b.submit("/admin/outbox", &action, &[]).await;
    assert_eq!(location(&r), "/admin/outbox");
    let html = decoded(&b.page("/admin/outbox").await);
    assert!(html.contains("The email to ana@example.org has been put back in the queue"), "{html}");
    let row = app.outbox().await.into_iter().find(|m| m.id == id).unwrap();
    assert!(row.status != "dead" && row.attempts <= 1, "back in the queue: {:?} {}", row.status, row.attempts);

    // Resending again is refused in words, without the database's.
    let r = b.submit("/admin/outbox?status=all", &action, &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = text(r).await;
    assert!(html.contains("Only dead mail can be resent"), "{html}");
    for leak in ["SELECT", "UPDATE", "diesel", "sqlite", "postgres"] {
        assert!(!html.contains(leak), "{leak}");
    }
}

#[tokio::test]
async fn only_admins_see_the_admin_pages_and_others_posts_change_nothing() {
    let app = crate::helpers::spawn_app().await;
    let w = world(&app).await;
    let dead = kill_mail(&app, "bob@example.org").await;
    let inspector = signed_in(&app, "ivy@pins.example.org", INSPECTOR_PASSWORD).await;
    let innovator = signed_in(&app, "ana@example.org", PASSWORD).await;
    let zone = format!("/admin/zones/{}", w.zone_id);
    let user = format!("/admin/users/{}", w.other_inspector_id);
    let pages = [
        "/admin/users",
        "/admin/users/invite",
        &user,
        &format!("{user}/disable"),
        "/admin/zones",
        "/admin/zones/new",
        &zone,
        "/admin/provisions",
        "/admin/provisions/new",
        "/admin/provisions/GPDO-ART2-3",
        "/admin/outbox",
    ];
    let before = (
        user_count(&app).await,
        api(&app, "/api/v1/zones", None).await,
        api(&app, "/api/v1/provisions?include_retired=true", None).await,
        api(&app, &format!("/api/v1/users/{}", w.other_inspector_id), Some(&w.admin)).await,
    );
    for (who, b) in [("inspector", &inspector), ("innovator", &innovator)] {
        let start = decoded(&b.page("/account").await);
        assert!(!start.contains("href=\"/admin/users\">Admin</a>"), "{who} has no Admin item");
        for path in pages {
            let r = b.get(path).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} GET {path}");
            assert!(text(r).await.contains("You cannot do this"), "{who} GET {path}: the 403 page");
        }
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/admin/users/invite".into(),
                vec![("email", "mal@example.org"), ("display_name", "Mal"), ("role", "admin")],
            ),
            (format!("{user}/role"), vec![("role", "admin")]),
            (format!("{user}/disable"), vec![]),
            ("/admin/zones/new".into(), vec![("name", "Z"), ("lpa_name", "L"), ("lpa_code", "E1"), ("open", "true")]),
            (zone.clone(), vec![("name", "Taken over"), ("open", "false"), ("version", "1")]),
            (
                "/admin/provisions/new".into(),
                vec![
                    ("code", "MAL-1"),
                    ("title", "T"),
                    ("legal_reference", "L"),
                    ("summary", "S"),
                    ("max_trial_months", "6"),
                ],
            ),
            ("/admin/provisions/GPDO-ART2-3".into(), vec![("retired", "true"), ("version", "1")]),
            (format!("/admin/outbox/{dead}/resend"), vec![]),
        ];
        for (action, fields) in &posts {
            let r = b.submit("/account", action, fields).await;
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} POST {action}");
        }
    }
    let after = (
        user_count(&app).await,
        api(&app, "/api/v1/zones", None).await,
        api(&app, "/api/v1/provisions?include_retired=true", None).await,
        api(&app, &format!("/api/v1/users/{}", w.other_inspector_id), Some(&w.admin)).await,
    );
    assert_eq!(before, after, "nothing changed");
    assert_eq!(app.outbox().await.into_iter().find(|m| m.id == dead).unwrap().status, "dead");

    let visitor = Browser::new(&app);
    let r = visitor.get("/admin/zones").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?next=%2Fadmin%2Fzones");
}
