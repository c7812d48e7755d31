//! Errors as the API answers them: `application/problem+json` (RFC 9457) with the status each
//! [`AppError`] kind deserves. Internal errors are logged with the request id and answered
//! without their text.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::FieldError;
use crate::error::{current_request_id, AppError};

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub extra: Option<serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            request_id: current_request_id(),
            extra: None,
        }
    }

    pub fn response(self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .body(body)
    }
}

/// A problem for a status with a stock explanation (used for framework-made errors).
pub fn problem_for_status(status: StatusCode) -> Problem {
    let (slug, detail) = match status.as_u16() {
        400 => ("bad-request", "the request could not be understood"),
        401 => ("unauthenticated", "log in to do this"),
        403 => ("forbidden", "you are not allowed to do this"),
        404 => ("not-found", "there is nothing at this address"),
        405 => ("method-not-allowed", "this address does not accept that method"),
        406 => ("not-acceptable", "no acceptable representation"),
        413 => ("payload-too-large", "the request body is too large"),
        415 => ("unsupported-media-type", "the request body has the wrong content type"),
        s if s >= 500 => ("internal", "something went wrong on our side; quote the request id when reporting it"),
        _ => ("error", "the request failed"),
    };
    Problem::new(status, slug, detail)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let problem = match self {
            AppError::Validation(errors) => {
                let mut p = Problem::new(status, "validation", "some fields are not valid; see errors");
                p.errors = errors.0.clone();
                p
            }
            AppError::BadRequest(d) => Problem::new(status, "bad-request", d.clone()),
            AppError::Unauthenticated(d) => Problem::new(status, "unauthenticated", d.clone()),
            AppError::Forbidden(d) => Problem::new(status, "forbidden", d.clone()),
            AppError::NotFound(d) => Problem::new(status, "not-found", d.clone()),
            AppError::Conflict { detail, errors, extra } => {
                let mut p = Problem::new(status, "conflict", detail.clone());
                p.errors = errors.clone();
                p.extra = extra.clone();
                p
            }
            AppError::PreconditionRequired => Problem::new(
                status,
                "precondition-required",
                "send If-Match with the record's current ETag to change it",
            ),
            AppError::PreconditionFailed { current_version } => {
                let mut p = Problem::new(
                    status,
                    "precondition-failed",
                    "the record has changed since you read it; read it again and reapply your change",
                );
                if *current_version >= 0 {
                    p.extra = Some(serde_json::json!({ "current_version": current_version }));
                }
                p
            }
            AppError::TooManyRequests { detail, .. } => Problem::new(status, "too-many-requests", detail.clone()),
            AppError::PayloadTooLarge(d) => Problem::new(status, "payload-too-large", d.clone()),
            AppError::UnsupportedMediaType(d) => Problem::new(status, "unsupported-media-type", d.clone()),
            AppError::Unavailable(reason) => {
                tracing::error!(request_id = current_request_id(), %reason, "service unavailable");
                Problem::new(status, "unavailable", "the service is temporarily unavailable; try again shortly")
            }
            AppError::Internal(reason) => {
                tracing::error!(request_id = current_request_id(), %reason, "internal error");
                problem_for_status(status)
            }
        };
        let mut response = problem.response();
        if let AppError::TooManyRequests { retry_after_seconds, .. } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_seconds.max(&1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
