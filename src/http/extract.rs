//! Extractors: the authenticated actor (required or optional) and the client's address.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::app::{accounts, AppContext};
use crate::config::TrustedNet;
use crate::domain::policy::Actor;
use crate::error::AppError;

fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value =
        value.to_str().map_err(|_| AppError::Unauthenticated("the Authorization header is not valid".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(AppError::Unauthenticated("use Authorization: Bearer <access token>".into())),
    }
}

fn context(req: &HttpRequest) -> Result<web::Data<AppContext>, AppError> {
    req.app_data::<web::Data<AppContext>>().cloned().ok_or_else(|| AppError::internal("application context missing"))
}

/// A request from a logged-in, enabled user. Without a valid token the request gets `401`.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub Actor);

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let ctx = context(req);
        Box::pin(async move {
            let token = token?.ok_or_else(|| AppError::Unauthenticated("log in to do this".into()))?;
            let actor = accounts::authenticate(&*ctx?, &token).await?;
            Ok(AuthUser(actor))
        })
    }
}

/// A request that may or may not carry a login. A token that is sent must be valid.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthUser(pub Option<Actor>);

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let ctx = context(req);
        Box::pin(async move {
            match token? {
                None => Ok(MaybeAuthUser(None)),
                Some(t) => Ok(MaybeAuthUser(Some(accounts::authenticate(&*ctx?, &t).await?))),
            }
        })
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<TrustedNet>);

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address(req: &HttpRequest) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = req.app_data::<web::Data<TrustedProxies>>().map(|t| t.0.clone()).unwrap_or_default();
    resolve_client(peer, req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()), &trusted)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn resolve_client(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[TrustedNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    let mut client = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = vec![TrustedNet::parse("10.0.0.0/8").unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(resolve_client(Some(ip("1.2.3.4")), Some("9.9.9.9"), &trusted), Some(ip("1.2.3.4")));
        assert_eq!(resolve_client(Some(ip("10.0.0.1")), Some("9.9.9.9"), &trusted), Some(ip("9.9.9.9")));
        assert_eq!(
            resolve_client(Some(ip("10.0.0.1")), Some("6.6.6.6, 9.9.9.9, 10.0.0.2"), &trusted),
            Some(ip("9.9.9.9"))
        );
        assert_eq!(resolve_client(Some(ip("10.0.0.1")), None, &trusted), Some(ip("10.0.0.1")));
        assert_eq!(resolve_client(Some(ip("10.0.0.1")), Some("garbage"), &trusted), Some(ip("10.0.0.1")));
    }
}
