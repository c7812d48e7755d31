//! Optimistic concurrency over HTTP: records carry a version, responses send it as `ETag`, and
//! changes must send it back in `If-Match`.

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::app::tx::Expected;
use crate::error::AppError;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// What `If-Match` says: nothing, `*` (no version: the change is refused as if nothing were
/// sent), or entity tags. A tag must be quoted (`"3"`, or weak `W/"3"`); one that names no
/// version of ours never matches. Anything else is not an entity tag: `400`, naming the header.
pub fn parse_if_match(raw: Option<&str>) -> Result<Expected, AppError> {
    let Some(raw) = raw.map(str::trim) else { return Ok(Expected::Missing) };
    if raw == "*" {
        return Ok(Expected::Missing);
    }
    let mut found = Expected::Unmatchable;
    for tag in raw.split(',').map(str::trim) {
        let opaque = tag.strip_prefix("W/").unwrap_or(tag);
        let Some(inner) = opaque.strip_prefix('"').and_then(|r| r.strip_suffix('"')).filter(|i| !i.contains('"'))
        else {
            return Err(AppError::BadRequest(
                "If-Match must be the ETag you read, in quotes (for example \"3\")".into(),
            ));
        };
        if let Some(v) = inner.parse::<i64>().ok().filter(|v| *v >= 0) {
            if found == Expected::Unmatchable {
                found = Expected::Version(v);
            }
        }
    }
    Ok(found)
}

/// The `If-Match` of a change. A malformed header is refused before anything else is read; an
/// absent or stale one is refused by the use-case after permission and state (`428`/`412`).
pub struct IfMatch(pub Expected);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = match req.headers().get(header::IF_MATCH).map(|v| v.to_str()) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(_)) => {
                return ready(Err(AppError::BadRequest("If-Match must be the ETag you read, in quotes".into())))
            }
        };
        ready(parse_if_match(raw).map(IfMatch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tags_are_quoted_versions() {
        assert_eq!(parse_if_match(Some(&etag(7))).unwrap(), Expected::Version(7));
        assert_eq!(parse_if_match(Some("W/\"7\"")).unwrap(), Expected::Version(7));
        assert_eq!(parse_if_match(Some("\"abc\", \"4\"")).unwrap(), Expected::Version(4));
        assert_eq!(parse_if_match(Some("\"\"")).unwrap(), Expected::Unmatchable);
        assert_eq!(parse_if_match(Some("\"-1\"")).unwrap(), Expected::Unmatchable);
        assert_eq!(parse_if_match(None).unwrap(), Expected::Missing);
        assert_eq!(parse_if_match(Some("*")).unwrap(), Expected::Missing);
        for bad in ["7", "abc", "\"7", "W/7", "\"7\"x"] {
            assert!(matches!(parse_if_match(Some(bad)), Err(AppError::BadRequest(_))), "{bad}");
        }
    }
}
