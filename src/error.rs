//! The one error type use-cases return. It says what went wrong in the application's terms; how
//! each kind is answered (a status and an `application/problem+json` body in `http::problem`, an
//! HTML error page in `web/`) is decided at the edge. Nothing here knows about HTTP.

use crate::db::DbError;
use crate::domain::policy::Refusal;
use crate::domain::{FieldError, FieldErrors};

tokio::task_local! {
    /// The id of the request being served, for problem bodies and logs.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {detail}")]
    Conflict { detail: String, errors: Vec<FieldError>, extra: Option<serde_json::Value> },
    #[error("precondition required")]
    PreconditionRequired,
    #[error("precondition failed")]
    PreconditionFailed { current_version: i64 },
    #[error("too many requests")]
    TooManyRequests { detail: String, retry_after_seconds: u64 },
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn conflict(detail: impl Into<String>) -> Self {
        AppError::Conflict { detail: detail.into(), errors: Vec::new(), extra: None }
    }

    pub fn validation(field: &str, message: &str) -> Self {
        AppError::Validation(FieldErrors::single(field, message))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    /// The answer for a policy refusal of an action on a kind of record.
    pub fn refused(refusal: Refusal, what: &str) -> Self {
        match refusal {
            Refusal::Unauthenticated => AppError::Unauthenticated("log in to do this".into()),
            Refusal::Forbidden => AppError::Forbidden(format!("you are not allowed to {what}")),
            Refusal::Hidden => AppError::NotFound("no such record".into()),
            Refusal::EmailUnverified => {
                AppError::Forbidden(format!("verify your email address before you {what}; see the email we sent"))
            }
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Pool(msg) => AppError::Unavailable(msg),
            DbError::Query(q) => AppError::from(q),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound("no such record".into()),
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;
