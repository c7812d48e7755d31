//! Optimistic concurrency over HTTP: records carry a version, responses send it as `ETag`, and
//! changes must send it back in `If-Match`.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::{AppError, AppResult};

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version a change was based on: `428` without `If-Match`, `412` when it is not one of ours.
pub fn if_match(req: &HttpRequest) -> AppResult<i64> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Err(AppError::PreconditionRequired);
    };
    let raw = value.to_str().map_err(|_| AppError::PreconditionFailed { current_version: -1 })?.trim();
    if raw == "*" {
        return Err(AppError::PreconditionRequired);
    }
    parse_etag(raw).ok_or(AppError::PreconditionFailed { current_version: -1 })
}

pub fn parse_etag(raw: &str) -> Option<i64> {
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    let raw = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    raw.parse::<i64>().ok().filter(|v| *v >= 0)
}

/// `If-Match` when sent (malformed: `412`); the use-case answers `428` when it is needed and absent.
pub fn if_match_opt(req: &HttpRequest) -> AppResult<Option<i64>> {
    match if_match(req) {
        Ok(v) => Ok(Some(v)),
        Err(AppError::PreconditionRequired) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_round_trip() {
        assert_eq!(parse_etag(&etag(7)), Some(7));
        assert_eq!(parse_etag("W/\"7\""), Some(7));
        assert_eq!(parse_etag("7"), Some(7));
        assert_eq!(parse_etag("\"abc\""), None);
        assert_eq!(parse_etag("\"-1\""), None);
    }
}
