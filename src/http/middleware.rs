//! The request wrapper: request ids, the access log line, security headers, and turning every
//! error the framework makes itself (unknown route, wrong method, …) into problem+json, or, for a
//! browser on a page (see [`crate::web::errors::wants_html`]), every error into an HTML page.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Instrument;

use super::problem::{problem_for_status, PROBLEM_JSON};
use crate::error::REQUEST_ID;
use crate::web::errors;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Pages load nothing from elsewhere and run no script of their own; forms post only here.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";
/// The API reference (`/docs/`, Swagger UI) sets styles on its elements, and draws icons as data.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";
/// Answers that are data (JSON, CSV, files) may load nothing and be framed nowhere.
pub const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
/// Sent when the service is on https (its base URL): browsers keep to https for a year.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The most bytes of headers (names and values) and the most headers a request may have.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
pub const MAX_HEADER_COUNT: usize = 64;

/// Whether a path or query string holds a NUL character once percent-decoded.
fn nul_in(raw: &str) -> bool {
    raw.contains("%00") && percent_encoding::percent_decode_str(raw).any(|b| b == 0)
}

fn head_too_large(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers.len() > MAX_HEADER_COUNT
        || headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum::<usize>() > MAX_HEAD_BYTES
}

/// The policy for a path: pages, the API reference, or data.
pub fn content_security_policy(path: &str) -> &'static str {
    if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else if path.starts_with("/api/") || path == "/metrics" || path == "/healthz" || path == "/readyz" {
        DATA_CSP
    } else {
        PAGE_CSP
    }
}

fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let authenticated = req.headers().contains_key(header::AUTHORIZATION);
    let path = req.path().to_string();
    let sensitive = authenticated || path.starts_with("/api/v1/auth") || path.starts_with("/account/");
    let method = req.method().to_string();
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let html_errors = errors::wants_html(&path, accept);
    let span = tracing::info_span!("request", request_id = %request_id, %method, %path);
    let https = req
        .app_data::<actix_web::web::Data<crate::app::AppContext>>()
        .is_some_and(|ctx| ctx.settings.base_url.starts_with("https://"));

    let nul = nul_in(req.uri().path())
        .then_some(actix_web::http::StatusCode::NOT_FOUND)
        .or_else(|| req.uri().query().is_some_and(nul_in).then_some(actix_web::http::StatusCode::BAD_REQUEST));
    let result = if let Some(status) = nul {
        // No record's key or filter holds a NUL character, and PostgreSQL refuses text with one:
        // refused here, for every route.
        let (req, _) = req.into_parts();
        let mut problem = REQUEST_ID.sync_scope(request_id.clone(), || problem_for_status(status));
        problem.detail = "the address holds a NUL character (%00)".into();
        Ok(ServiceResponse::new(req, problem.response()).map_into_boxed_body())
    } else if head_too_large(req.headers()) {
        // Refused here, below the framework's own limit (whose bare 431 carries no headers), so
        // that the answer is a problem with every security header.
        let (req, _) = req.into_parts();
        let mut problem = REQUEST_ID.sync_scope(request_id.clone(), || {
            problem_for_status(actix_web::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        });
        problem.detail = format!(
            "the request's headers are larger than {MAX_HEAD_BYTES} bytes in all, or more than {MAX_HEADER_COUNT}"
        );
        Ok(ServiceResponse::new(req, problem.response()).map_into_boxed_body())
    } else {
        REQUEST_ID
            .scope(request_id.clone(), next.call(req).instrument(span.clone()))
            .await
            .map(|r| r.map_into_boxed_body())
    };
    // A clone of the request held across the call would stop the router from matching it, so an
    // error from an inner middleware is passed on as it is (handlers' errors are responses here).
    let response = result?;
    let status = response.status();
    let is_html = |r: &ServiceResponse<BoxBody>| {
        r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"))
    };
    // A browser on a page gets the error page (if it cannot be rendered, the problem below).
    let response = if html_errors && status.as_u16() >= 400 && !is_html(&response) {
        let (req, old) = response.into_parts();
        match errors::error_response(status, old.headers(), &request_id) {
            Some(page) => ServiceResponse::new(req, page),
            None => ServiceResponse::new(req, old),
        }
    } else {
        response
    };
    let needs_problem = status.as_u16() >= 400 && {
        let ct = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        !(ct.starts_with(PROBLEM_JSON) || ct.starts_with("text/html"))
    };
    let mut response = if needs_problem {
        let (req, old) = response.into_parts();
        let mut problem = REQUEST_ID.sync_scope(request_id.clone(), || problem_for_status(status));
        if status.as_u16() == 405 {
            if let Some(allow) = old.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()) {
                problem.detail = format!("this address accepts {allow}");
            }
        }
        let mut new = problem.response();
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                new.headers_mut().insert(name.clone(), value.clone());
            }
        }
        ServiceResponse::new(req, new)
    } else {
        response
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(content_security_policy(&path)));
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    headers.insert(HeaderName::from_static("permissions-policy"), HeaderValue::from_static(PERMISSIONS_POLICY));
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if sensitive {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if status.as_u16() >= 400 && errors::is_page_path(&path) {
        // A page's error is HTML or problem+json by `Accept`.
        headers.append(header::VARY, HeaderValue::from_static("Accept"));
    }
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), elapsed_ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), elapsed_ms, "request");
        }
    });
    Ok(response)
}
