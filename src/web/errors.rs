//! Error pages for people. Outside the API (and the docs, metrics, health checks and static
//! files), a browser that prefers HTML gets its error as a page in the site layout instead of
//! problem+json, with the same status and headers. [`wants_html`] decides and [`error_page`]
//! renders; the `request_context` middleware (`http::middleware`) applies them to every error
//! response, whether a handler's [`crate::error::AppError`] or one the framework made.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

use super::render_string;
use crate::error::AppResult;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates!["error.html"];

/// Paths whose errors are always problem+json, whatever the `Accept` header says.
const MACHINE_PATHS: [&str; 6] = ["/api", "/docs", "/metrics", "/healthz", "/readyz", "/static"];

/// Whether `path` is one of the site's pages (and so may answer an error as HTML).
pub fn is_page_path(path: &str) -> bool {
    !MACHINE_PATHS.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// Whether an error on `path` is answered with an HTML page: the path is a page's, and `accept`
/// prefers HTML to JSON. A missing header, `*/*` alone, or JSON at least as acceptable as HTML
/// keeps problem+json (scripts, `curl` and API clients); a browser's `text/html,…,*/*;q=0.8` gets
/// the page.
pub fn wants_html(path: &str, accept: Option<&str>) -> bool {
    if !is_page_path(path) {
        return false;
    }
    let (mut html, mut json) = (0.0_f32, 0.0_f32);
    for range in accept.unwrap_or("").split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, v)| v.trim().parse::<f32>().unwrap_or(0.0));
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => html = html.max(q),
            "application/json" | "application/problem+json" => json = json.max(q),
            _ => {}
        }
    }
    html > 0.0 && html > json
}

/// "2 minutes" for a `Retry-After` of seconds (rounded up); `None` when it is not a number.
fn wait_from(retry_after: Option<&str>) -> Option<String> {
    let seconds: u64 = retry_after?.trim().parse().ok()?;
    let minutes = seconds.div_ceil(60).max(1);
    Some(if minutes == 1 { "1 minute".into() } else { format!("{minutes} minutes") })
}

/// The page's kind (which text the template shows), its heading and, for the generic pages, what
/// went wrong.
fn content(status: StatusCode) -> (&'static str, &'static str, &'static str) {
    match status.as_u16() {
        404 => ("not_found", "Page not found", ""),
        403 => ("forbidden", "You cannot do this", ""),
        429 => ("too_many", "Too many attempts", ""),
        503 => ("unavailable", "Sorry, the service is unavailable", ""),
        s if s >= 500 => ("internal", "Sorry, there is a problem with the service", ""),
        400 => (
            "request",
            "There is a problem with your request",
            "The service could not understand the address or the form you sent.",
        ),
        401 => ("request", "You need to sign in to see this page", "This page is only for people who are signed in."),
        405 => ("request", "You cannot do that on this page", "This page does not take that kind of request."),
        413 => (
            "request",
            "What you sent is too large",
            "The file or form you sent is larger than the service accepts. Send a smaller one.",
        ),
        _ => ("request", "Sorry, we could not do that", "The service could not do what you asked."),
    }
}

/// The HTML of the error page for `status`. `retry_after` is the response's `Retry-After` header
/// (how long to wait, on 429 and 503 pages); `request_id` is shown where a person may need to
/// report the problem (server errors and the generic pages).
pub fn error_page(status: StatusCode, retry_after: Option<&str>, request_id: Option<&str>) -> AppResult<String> {
    let (kind, title, detail) = content(status);
    render_string(
        "error.html",
        json!({
            "kind": kind,
            "title": title,
            "detail": detail,
            "wait": wait_from(retry_after),
            "request_id": request_id.filter(|_| !matches!(kind, "not_found" | "forbidden" | "too_many")),
        }),
    )
}

/// The error page as a response with `status`, keeping `headers` (`Retry-After`, `Allow`, …) but
/// not the old body's type or length. `None` (logged) if the page cannot be rendered.
pub fn error_response(status: StatusCode, headers: &HeaderMap, request_id: &str) -> Option<HttpResponse> {
    let retry_after = headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok());
    let page = match error_page(status, retry_after, Some(request_id)) {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "error page does not render");
            return None;
        }
    };
    let mut response = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page);
    for (name, value) in headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";

    #[test]
    fn browsers_get_pages_outside_the_api_and_everyone_else_problems() {
        for path in ["/", "/register/SBX-2026-00001", "/nothing", "/apiary", "/account/notifications"] {
            assert!(wants_html(path, Some(BROWSER)), "{path}");
            assert!(!wants_html(path, Some("application/json")), "{path}");
            assert!(!wants_html(path, None), "{path}");
            assert!(!wants_html(path, Some("*/*")), "{path}");
        }
        for path in ["/api", "/api/v1/nope", "/api/openapi.json", "/docs", "/docs/", "/metrics", "/healthz", "/readyz"]
        {
            assert!(!wants_html(path, Some(BROWSER)), "{path}");
        }
        assert!(!wants_html("/static/govuk/none.css", Some(BROWSER)));
        assert!(wants_html("/x", Some("text/html")));
        assert!(wants_html("/x", Some("application/json;q=0.5, text/html")));
        assert!(!wants_html("/x", Some("text/html;q=0.5, application/json")));
        assert!(!wants_html("/x", Some("text/html, application/problem+json")), "a tie goes to JSON");
        assert!(!wants_html("/x", Some("text/html;q=0")));
        assert!(!wants_html("/x", Some("TEXT/HTML;q=nonsense")));
        assert!(wants_html("/x", Some("TEXT/HTML ; Q=0.7")));
    }

    fn one_h1(page: &str, h1: &str) {
        assert_eq!(page.matches("<h1").count(), 1, "{page}");
        assert!(page.contains(&format!(">{h1}</h1>")), "{page}");
        assert!(page.contains(&format!("<title>{h1} – Planning Sandbox</title>")), "{page}");
    }

    #[test]
    fn each_status_has_its_page() {
        let page = error_page(StatusCode::NOT_FOUND, None, Some("req-1")).unwrap();
        one_h1(&page, "Page not found");
        assert!(page.contains("If you typed the web address, check it is correct."));
        assert!(page.contains("If you pasted the web address, check you copied the entire address."));
        assert!(!page.contains("req-1"));

        let page = error_page(StatusCode::INTERNAL_SERVER_ERROR, None, Some("req-2")).unwrap();
        one_h1(&page, "Sorry, there is a problem with the service");
        assert!(page.contains("Try again later.") && page.contains("req-2"));

        let page = error_page(StatusCode::FORBIDDEN, None, Some("req-3")).unwrap();
        one_h1(&page, "You cannot do this");

        let page = error_page(StatusCode::SERVICE_UNAVAILABLE, Some("30"), Some("req-4")).unwrap();
        one_h1(&page, "Sorry, the service is unavailable");
        assert!(page.contains("Try again in 1 minute."));

        for (status, h1) in [
            (StatusCode::BAD_REQUEST, "There is a problem with your request"),
            (StatusCode::METHOD_NOT_ALLOWED, "You cannot do that on this page"),
            (StatusCode::PAYLOAD_TOO_LARGE, "What you sent is too large"),
            (StatusCode::CONFLICT, "Sorry, we could not do that"),
        ] {
            let page = error_page(status, None, Some("req-5")).unwrap();
            one_h1(&page, h1);
            assert!(page.contains("req-5"), "{status}");
        }
    }

    #[test]
    fn too_many_attempts_says_when_to_try_again() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("600"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        let response = error_response(StatusCode::TOO_MANY_REQUESTS, &headers, "req-6").unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "600");
        assert!(response.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/html"));
        let page = error_page(StatusCode::TOO_MANY_REQUESTS, Some("600"), None).unwrap();
        one_h1(&page, "Too many attempts");
        assert!(page.contains("Try again in 10 minutes."), "{page}");
        assert!(error_page(StatusCode::TOO_MANY_REQUESTS, Some("61"), None)
            .unwrap()
            .contains("Try again in 2 minutes."));
        assert!(error_page(StatusCode::TOO_MANY_REQUESTS, None, None).unwrap().contains("Try again later."));
        assert_eq!(wait_from(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
    }
}
