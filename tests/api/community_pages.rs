//! The community member's job on the trial page, as a browser without JavaScript does it:
//! signing in from the trial page and coming back to it, following the trial and its zone,
//! posting an observation (errors kept, the quota's page), confirming or disputing a condition's
//! evidence, replying where the policy allows, `/following` with unfollow, and the zone page.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::web::{csrf_token, location, Browser};

/// A page as a person reads its links: minijinja writes `/` in values as `&#x2f;`.
pub fn decoded(html: String) -> String {
    html.replace("&#x2f;", "/")
}

pub async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let b = Browser::new(app);
    b.sign_in(email, password).await;
    b
}

/// An active trial and its reference.
pub async fn trial(app: &TestApp, w: &World) -> (i64, String) {
    let id = active_trial(app, w).await;
    let (_, case) = current(app, id, &w.inspector).await;
    (id, case["reference"].as_str().unwrap().to_string())
}

/// The page a redirect leads to (without its fragment).
pub async fn follow_redirect(b: &Browser, r: reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    let to = location(&r);
    decoded(b.page(to.split('#').next().unwrap()).await)
}

async fn subscriptions(app: &TestApp, token: &str) -> Vec<Value> {
    app.get("/api/v1/subscriptions", Some(token)).await.json().await.unwrap()
}

/// The innovator sends evidence with a PDF against the trial's first condition (the fund).
pub async fn evidence(app: &TestApp, w: &World, id: i64) -> i64 {
    let list: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/conditions"), Some(&w.innovator)).await.json().await.unwrap();
    let cid = list.iter().find(|c| c["target_value"] == 5000.0).unwrap()["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let form = Form::new()
        .text("body", "We paid £5,200 into the community energy fund.")
        .text("reported_value", "5200")
        .part("file", Part::bytes(pdf).file_name("fund-statement-jane-doe.pdf").mime_str("application/pdf").unwrap());
    let r = app
        .client
        .post(app.url(&format!("/api/v1/conditions/{cid}/evidence")))
        .bearer_auth(&w.innovator)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    cid
}

#[tokio::test]
async fn a_signed_out_visitor_is_asked_to_sign_in_and_comes_back_to_the_trial() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, reference) = trial(&app, &w).await;
    let path = format!("/register/{reference}");
    let b = Browser::new(&app);
    let r = b.get(&path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("public"), "the public copy is cacheable");
    assert!(
        r.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("Cookie")),
        "kept apart from signed-in copies"
    );
    let html = decoded(r.text().await.unwrap());
    let link = format!("/sign-in?next=%2Fregister%2F{reference}");
    assert!(html.contains(&format!("href=\"{link}\">Sign in to comment, follow or confirm</a>")), "{html}");
    assert!(!html.contains("Follow this trial") && !html.contains("csrf_token"), "no controls signed out");

    let sign_in = b.page(&link).await;
    assert!(sign_in.contains("name=\"next\""), "the sign-in page keeps where to return");
    let token = csrf_token(&sign_in);
    let r = b
        .post_form(
            "/sign-in",
            &[("csrf_token", &token), ("email", "cat@example.org"), ("password", PASSWORD), ("next", &path)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), path, "back to the trial after signing in");
    let r = b.get(&path).await;
    assert_eq!(r.headers()["cache-control"], "no-store", "a signed-in copy is never stored");
    let html = decoded(r.text().await.unwrap());
    assert!(html.contains("Follow this trial") && html.contains("Follow this zone"), "{html}");
    assert!(html.contains("Post your observation") && html.contains(">Following</a>"), "the member's controls");
    assert!(!html.contains("Sign in to comment"));

    // Another site's return address is not followed.
    let b = Browser::new(&app);
    let r = b
        .submit(
            "/sign-in",
            "/sign-in",
            &[("email", "cat@example.org"), ("password", PASSWORD), ("next", "//evil.example/x")],
        )
        .await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn a_member_follows_the_trial_and_its_zone_and_unfollows_from_the_following_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let path = format!("/register/{reference}");
    let b = signed_in(&app, "cat@example.org", PASSWORD).await;

    // A form without its token changes nothing.
    let r = b.post_form(&format!("{path}/follow"), &[("application_id", &id.to_string())]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(subscriptions(&app, &w.community).await.is_empty());

    let r = b.submit(&path, &format!("{path}/follow"), &[("application_id", &id.to_string())]).await;
    assert_eq!(location(&r), format!("{path}#follow"));
    let html = follow_redirect(&b, r).await;
    assert!(html.contains("You are following this trial"), "the banner says so");
    assert!(html.contains("Unfollow this trial") && html.contains("Follow this zone"));
    let r = b.submit(&path, &format!("{path}/follow"), &[("zone_id", &w.zone_id.to_string())]).await;
    let html = follow_redirect(&b, r).await;
    assert!(html.contains("You are following this zone"), "{html}");
    assert!(html.contains("Unfollow this zone"));
    let subs = subscriptions(&app, &w.community).await;
    assert_eq!(subs.len(), 2, "{subs:?}");
    let r = b.submit(&path, &format!("{path}/follow"), &[("application_id", &id.to_string())]).await;
    assert!(follow_redirect(&b, r).await.contains("You already follow this trial"));
    assert_eq!(subscriptions(&app, &w.community).await.len(), 2);

    let following = decoded(b.page("/following").await);
    assert_eq!(following.matches("<h1").count(), 1);
    assert!(following.contains(&format!("href=\"{path}\">{reference}: Street-scale solar")), "{following}");
    assert!(following.contains(&format!("href=\"/zones/{}\">Bristol Harbourside Net Zero Zone</a>", w.zone_id)));
    assert!(following.contains("href=\"/account/notifications\""), "the way to the preferences");
    assert!(following.contains(">Following</a>"), "the navigation item");

    let trial_sub = subs.iter().find(|s| s["application_id"] == id).unwrap()["id"].as_i64().unwrap();
    let r = b.post_form(&format!("/following/{trial_sub}/unfollow"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token, no change");
    assert_eq!(subscriptions(&app, &w.community).await.len(), 2);
    let r = b.submit("/following", &format!("/following/{trial_sub}/unfollow"), &[]).await;
    assert_eq!(location(&r), "/following");
    let html = follow_redirect(&b, r).await;
    assert!(html.contains("You no longer follow that trial"));
    assert!(!html.contains(&format!("href=\"{path}\"")) && html.contains("You do not follow any trials"), "{html}");
    let subs = subscriptions(&app, &w.community).await;
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["zone_id"], w.zone_id);

    // Someone else's subscription is not theirs to end.
    let ana = signed_in(&app, "ana@example.org", PASSWORD).await;
    let r = ana.submit("/following", &format!("/following/{}/unfollow", subs[0]["id"]), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(subscriptions(&app, &w.community).await.len(), 1);
}

#[tokio::test]
async fn observations_keep_their_input_on_errors_and_the_quota_says_when_to_post_again() {
    let app = spawn_app_with(&[("community.posts_per_hour", "2".into())]).await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let path = format!("/register/{reference}");
    let action = format!("{path}/observations");
    let case = id.to_string();
    let b = signed_in(&app, "cat@example.org", PASSWORD).await;
    let html = decoded(b.page(&path).await);
    assert!(html.contains("data-module=\"govuk-character-count\" data-maxlength=\"4000\""), "{html}");
    assert!(html.contains("You can enter up to 4,000 characters"));

    let r = b.submit(&path, &action, &[("application_id", &case), ("kind", ""), ("body", "  ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = decoded(r.text().await.unwrap());
    assert!(html.contains("<title>Error: "), "{html}");
    assert!(html.contains("href=\"#kind\">Select comment, concern or support</a>"), "{html}");
    assert!(html.contains("href=\"#body\">Enter your observation</a>"), "{html}");

    let long = "a".repeat(4001);
    let r = b.submit(&path, &action, &[("application_id", &case), ("kind", "concern"), ("body", &long)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = decoded(r.text().await.unwrap());
    assert!(html.contains("Your observation must be 4,000 characters or fewer"), "{html}");
    assert!(html.contains("You have 1 character too many"), "the count without JavaScript");
    assert!(html.contains(&long) && html.contains("value=\"concern\" checked"), "the input is kept");
    assert_eq!(app.count("observations").await, 0, "nothing written");

    let r = b.post_form(&action, &[("application_id", &case), ("kind", "comment"), ("body", "Tidy work.")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    assert_eq!(app.count("observations").await, 0);

    let r = b
        .submit(
            &path,
            &action,
            &[("application_id", &case), ("kind", "comment"), ("body", "The scaffolding went up quietly.")],
        )
        .await;
    let to = location(&r);
    assert!(to.starts_with(&format!("{path}#observation-")), "{to}");
    let html = follow_redirect(&b, r).await;
    assert!(html.contains("Your comment is published on this trial"), "{html}");
    assert!(html.contains("The scaffolding went up quietly."));
    let public: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    assert_eq!(public["observations"][0]["body"], "The scaffolding went up quietly.");

    let r = b.submit(&path, &action, &[("application_id", &case), ("kind", "support"), ("body", "Second.")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .submit(&path, &action, &[("application_id", &case), ("kind", "support"), ("body", "A third, kept for later.")])
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let html = decoded(r.text().await.unwrap());
    assert!(html.contains("You can post again at") && html.contains("(in 60 minutes)"), "{html}");
    assert!(html.contains("A third, kept for later."), "what was written is shown");
    assert_eq!(app.count("observations").await, 2);
}

#[tokio::test]
async fn a_member_sees_the_evidence_and_disputes_it_and_the_inspector_and_author_hear_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let cid = evidence(&app, &w, id).await;
    let path = format!("/register/{reference}");

    // The public sees what was sent, not the file's name nor the file.
    let public = decoded(Browser::new(&app).page(&path).await);
    assert!(public.contains("We paid £5,200 into the community energy fund."), "{public}");
    assert!(public.contains("Reported £5,200 against a target of £5,000"), "{public}");
    assert!(public.contains("sign in to download it") && !public.contains("jane-doe"), "{public}");
    let json: Value = app.get(&format!("/api/v1/register/{reference}"), None).await.json().await.unwrap();
    let c = json["conditions"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap();
    assert_eq!(c["evidence"]["reported_value"], 5200.0);
    assert_eq!(c["evidence"]["file"]["content_type"], "application/pdf");
    assert!(!json.to_string().contains("jane-doe"), "no file name in the public JSON");
    let eid = c["evidence"]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/evidence/{eid}/file"), None).await.status(), StatusCode::UNAUTHORIZED);

    let b = signed_in(&app, "cat@example.org", PASSWORD).await;
    let html = decoded(b.page(&path).await);
    assert!(html.contains(&format!("href=\"{path}/evidence/{eid}\">Download the file sent with it")), "{html}");
    let file = b.get(&format!("{path}/evidence/{eid}")).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF"));

    let action = format!("{path}/conditions/{cid}/attestations");
    let r = b.submit(&path, &action, &[("stance", ""), ("comment", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = decoded(r.text().await.unwrap());
    assert!(
        html.contains(&format!("href=\"#stance-{cid}\">Select whether you confirm or dispute the evidence")),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"#comment-{cid}\">Enter a comment")), "{html}");
    let r = b.submit(&path, &action, &[("stance", "dispute"), ("comment", "")]).await;
    let html = decoded(r.text().await.unwrap());
    assert!(
        html.contains(&format!("id=\"stance-{cid}-2\" name=\"stance\" type=\"radio\" value=\"dispute\" checked")),
        "kept"
    );
    assert_eq!(app.count("attestations").await, 0, "nothing written");

    let before = app.outbox().await.len();
    let r = b
        .submit(
            &path,
            &action,
            &[
                ("stance", "dispute"),
                ("comment", "No payment reached the fund."),
                ("condition", "Community energy fund"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("{path}#condition-{cid}"));
    let html = follow_redirect(&b, r).await;
    assert!(html.contains("You disputed the evidence for: Community energy fund"), "{html}");
    assert!(html.contains("No payment reached the fund.") && html.contains("0 confirmed, 1 disputed"), "{html}");
    let mail = app.outbox().await;
    let disputes: Vec<_> = mail[before..].iter().filter(|m| m.category == "case.attestation_disputed").collect();
    let to: Vec<&str> = disputes.iter().map(|m| m.to_address.as_str()).collect();
    assert_eq!(to.len(), 2, "{to:?}");
    assert!(to.contains(&"ivy@pins.example.org") && to.contains(&"ana@example.org"), "{to:?}");
}

#[tokio::test]
async fn only_the_author_and_inspectors_get_the_reply_form_and_others_an_explanation() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (id, reference) = trial(&app, &w).await;
    let path = format!("/register/{reference}");
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/observations"),
            &json!({"kind": "concern", "body": "Noisy at 7am."}),
            Some(&w.community),
        )
        .await;
    let oid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let cat = signed_in(&app, "cat@example.org", PASSWORD).await;
    assert!(!cat.page(&path).await.contains("Publish the reply"), "members cannot reply");

    let ana = signed_in(&app, "ana@example.org", PASSWORD).await;
    let html = decoded(ana.page(&path).await);
    assert!(html.contains("Publish the reply") && !html.contains("Post your observation"), "{html}");
    assert!(html.contains("applicant you can reply to observations"), "{html}");
    let action = format!("{path}/observations/{oid}/replies");
    let r = ana.submit(&path, &action, &[("body", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = decoded(r.text().await.unwrap());
    assert!(
        html.contains(&format!("href=\"#reply-{oid}\">Enter your reply</a>"))
            && html.contains("<details class=\"govuk-details\" open>"),
        "{html}"
    );
    assert_eq!(app.count("observation_replies").await, 0);
    let r = ana.submit(&path, &action, &[("body", "We now start at 9am.")]).await;
    let html = follow_redirect(&ana, r).await;
    assert!(html.contains("Your reply is published on this trial") && html.contains("We now start at 9am."));

    // Signed in but not verified: an explanation rather than controls.
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "new@example.org", "password": PASSWORD, "display_name": "New", "role": "community"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let new = signed_in(&app, "new@example.org", PASSWORD).await;
    let html = decoded(new.page(&path).await);
    assert!(html.contains("Confirm your email address to post observations"), "{html}");
    assert!(!html.contains("Post your observation") && !html.contains("Publish the reply"));
}

#[tokio::test]
async fn the_zone_page_shows_its_rules_and_trials_and_can_be_followed() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, reference) = trial(&app, &w).await;
    let zone = format!("/zones/{}", w.zone_id);
    let b = Browser::new(&app);
    let r = b.get(&zone).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    let html = decoded(r.text().await.unwrap());
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.contains("<title>Bristol Harbourside Net Zero Zone – Planning Sandbox</title>"), "{html}");
    assert!(
        html.contains("Bristol City Council (E06000023)") && html.contains("Declared on 13 November 2018"),
        "{html}"
    );
    assert!(html.contains(">Open</strong>") && html.contains("At least 10%"), "{html}");
    assert!(html.contains("GPDO-SCH2-PT14-A") && html.contains("GPDO-ART2-3"), "the allowed provisions");
    assert!(html.contains(&format!("href=\"/register/{reference}\">{reference}: Street-scale solar")), "{html}");
    assert!(html.contains("Sign in to follow this zone"));
    assert!(
        decoded(b.page("/register").await).contains(&format!("href=\"{zone}\">Bristol Harbourside")),
        "the register links it"
    );
    assert!(decoded(b.page(&format!("/register/{reference}")).await)
        .contains(&format!("href=\"{zone}\">Bristol Harbourside")));
    assert!(decoded(b.page(&format!("{zone}?page=2")).await).contains("There are no more entries"));
    assert_eq!(b.get("/zones/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(b.get("/zones/not-a-zone").await.status(), StatusCode::NOT_FOUND);

    let cat = signed_in(&app, "cat@example.org", PASSWORD).await;
    let r = cat.submit(&zone, &format!("{zone}/follow"), &[]).await;
    assert_eq!(location(&r), zone);
    let html = follow_redirect(&cat, r).await;
    assert!(html.contains("You are following this zone") && html.contains("Unfollow this zone"), "{html}");
    let subs = subscriptions(&app, &w.community).await;
    assert_eq!(subs.len(), 1);
    let sid = subs[0]["id"].as_i64().unwrap();
    let r = cat.submit(&zone, &format!("/following/{sid}/unfollow"), &[("return_to", &zone)]).await;
    assert_eq!(location(&r), zone, "back to the zone page");
    assert!(follow_redirect(&cat, r).await.contains("You no longer follow that zone"));
    assert!(subscriptions(&app, &w.community).await.is_empty());
}
