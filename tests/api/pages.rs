//! Pages for people: errors as HTML pages in the site layout for browsers outside the API (the API
//! keeps problem+json whatever it is asked for), and the information pages in the footer.

use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::casework::*;
use crate::helpers::{problem, spawn_app, spawn_app_with};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// Checks an HTML error page: status, type, the site layout with its title and one h1; returns it.
async fn error_page(r: Response, status: StatusCode, h1: &str) -> String {
    assert_eq!(r.status(), status);
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    assert_eq!(r.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert!(r.headers().get_all("vary").iter().any(|v| v.to_str().unwrap().contains("Accept")));
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("<title>{h1} – Planning Sandbox</title>")), "{page}");
    assert_eq!(page.matches("<h1").count(), 1, "{page}");
    assert!(page.contains(&format!(">{h1}</h1>")), "{page}");
    assert!(page.contains("govuk-footer") && page.contains("<main id=\"main\""), "in the site layout");
    for leak in ["panicked", "backtrace", "SELECT", "diesel", "src/", "sqlite", "postgres"] {
        assert!(!page.contains(leak), "the page leaks {leak}: {page}");
    }
    page
}

#[tokio::test]
async fn browsers_get_error_pages_outside_the_api_and_everyone_else_problems() {
    let app = spawn_app().await;
    let get = |path: &str, accept: &str| app.client.get(app.url(path)).header("accept", accept).send();

    let page = error_page(get("/nothing-here", BROWSER).await.unwrap(), StatusCode::NOT_FOUND, "Page not found").await;
    assert!(page.contains("If you typed the web address, check it is correct."));
    assert!(page.contains("If you pasted the web address, check you copied the entire address."));
    problem(get("/nothing-here", "application/json").await.unwrap(), StatusCode::NOT_FOUND).await;
    problem(get("/nothing-here", "*/*").await.unwrap(), StatusCode::NOT_FOUND).await;
    problem(app.get("/nothing-here", None).await, StatusCode::NOT_FOUND).await;

    // A register entry that does not exist is a normal 404.
    error_page(get("/register/SBX-1999-00001", BROWSER).await.unwrap(), StatusCode::NOT_FOUND, "Page not found").await;
    problem(get("/register/SBX-1999-00001", "application/json").await.unwrap(), StatusCode::NOT_FOUND).await;

    // The API, the docs and static files answer as they always do.
    for path in ["/api/v1/nope", "/api/v1/register/SBX-1999-00001", "/static/govuk/nothing.css"] {
        let r = get(path, BROWSER).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(ct.starts_with("application/problem+json"), "{path}: {ct}");
    }
    problem(get("/api/v1/nope", BROWSER).await.unwrap(), StatusCode::NOT_FOUND).await;

    // A wrong method on a page keeps its Allow header.
    let r = app.client.post(app.url("/register")).header("accept", BROWSER).send().await.unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    let page = error_page(r, StatusCode::METHOD_NOT_ALLOWED, "You cannot do that on this page").await;
    assert!(page.contains("If you report this problem, quote this reference"), "{page}");
    let r = app.client.post(app.url("/register")).header("accept", "application/json").send().await.unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
    let r = app.client.delete(app.url("/api/v1/me")).header("accept", BROWSER).send().await.unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;

    // Pages that answer an error themselves (the register's own error summary) are left alone.
    let r = get("/register?zoen=1", BROWSER).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("zoen"));
}

#[tokio::test]
async fn the_api_throttle_stays_a_problem_for_a_browser() {
    let app = spawn_app_with(&[("auth.login_max_failures_per_address", "1".into())]).await;
    let login = || {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("accept", BROWSER)
            .json(&json!({"email": "ana@example.org", "password": "wrong-password-x"}))
            .send()
    };
    assert_eq!(login().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let r = login().await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    problem(r, StatusCode::TOO_MANY_REQUESTS).await;
}

#[tokio::test]
async fn a_server_error_page_shows_the_request_id_and_nothing_else_of_the_fault() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = active_trial(&app, &w).await;
    let (_, case) = current(&app, id, &w.innovator).await;
    let reference = case["reference"].as_str().unwrap().to_string();
    app.query(move |c| {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("UPDATE applications SET intervention = 'cold_fusion' WHERE id = {id}")).execute(c)
    })
    .await;
    let path = format!("/register/{reference}");
    let r = app.client.get(app.url(&path)).header("accept", BROWSER).send().await.unwrap();
    let request_id = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    let page = error_page(r, StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service").await;
    assert!(page.contains("Try again later."));
    assert!(page.contains(&format!("<strong>{request_id}</strong>")), "{page}");
    assert!(!page.contains("cold_fusion"), "{page}");
    // A request id the client sent is the one shown.
    let r = app.client.get(app.url(&path)).header("accept", BROWSER).header("x-request-id", "report-me-42").send();
    let page =
        error_page(r.await.unwrap(), StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service");
    assert!(page.await.contains("report-me-42"));
    // The same fault for a JSON client is the problem document.
    let r = app.client.get(app.url(&path)).header("accept", "application/json").send().await.unwrap();
    let body = problem(r, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert!(body["request_id"].is_string());
}

#[tokio::test]
async fn the_information_pages_are_linked_from_every_page() {
    let app = spawn_app().await;
    let home = app.get("/", None).await.text().await.unwrap();
    for (path, h1, texts) in [
        (
            "/accessibility",
            "Accessibility statement for Planning Sandbox",
            &[
                "Web Content Accessibility Guidelines version 2.2",
                "axe-core",
                "320 pixels",
                "Enforcement procedure",
                "Equality and Human Rights Commission",
            ][..],
        ),
        (
            "/privacy",
            "Privacy notice",
            &[
                "your name",
                "your email address",
                "public task",
                "Your rights",
                "the planning inspectorate that runs this service",
            ][..],
        ),
        (
            "/cookies",
            "Cookies",
            &[
                "sandbox_session",
                "__Host-sandbox_session",
                "sandbox_csrf",
                "2 hours",
                "12 hours",
                "When you close your browser",
            ][..],
        ),
    ] {
        assert!(home.contains(&format!("class=\"govuk-footer__link\" href=\"{path}\"")), "the footer links {path}");
        let r = app.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        let page = r.text().await.unwrap();
        assert_eq!(page.matches("<h1").count(), 1, "{path}");
        assert!(page.contains(&format!("<h1 class=\"govuk-heading-l\">{h1}</h1>")), "{path}: {page}");
        assert!(page.contains("govuk-body") && !page.contains("<script"), "{path}");
        for text in texts {
            assert!(page.contains(text), "{path} says {text}");
        }
    }
    // The existing footer links stay.
    assert!(home.contains("/api/v1/register.csv") && home.contains("/docs/"));
}
