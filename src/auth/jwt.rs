//! Access tokens: HS256 JWTs with the algorithm pinned and `iss`, `aud`, `sub`, `exp`, `iat` and
//! `sid` required. The `typ` claim keeps access tokens apart from any other token the service may
//! sign; `ver` carries the user's token version and `sid` the login the token belongs to (its
//! refresh tokens' family), both checked against the database on every request, so that a token
//! dies with its login (logout, or a refresh token presented twice). A token that is not valid yet
//! (`nbf` in the future) or that would live longer than the service issues them is refused.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::JwtSettings;

pub const ACCESS_TOKEN_TYPE: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub typ: String,
    pub ver: i32,
    /// The login (session) the token belongs to.
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub user_id: i64,
    pub token_version: i32,
    pub login: String,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    ttl_seconds: i64,
    leeway: u64,
}

impl JwtKeys {
    pub fn new(settings: &JwtSettings) -> Self {
        let secret = settings.secret.expose_secret().as_bytes();
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.access_ttl_seconds,
            leeway: settings.leeway_seconds.min(30),
        }
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    /// Signs an access token for a user's login `sid`, valid from `now` (Unix seconds).
    pub fn issue(&self, user_id: i64, token_version: i32, sid: &str, now: i64) -> Result<String, String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.ttl_seconds,
            iat: now,
            typ: ACCESS_TOKEN_TYPE.into(),
            ver: token_version,
            sid: sid.to_string(),
            nbf: None,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Checks signature, algorithm, issuer, audience, expiry, issue time and type. `now` is Unix
    /// seconds; the library checks `exp` against the system clock with the same leeway.
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessToken, String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
        let data = decode::<Claims>(token, &self.decoding, &validation).map_err(|e| e.to_string())?;
        let claims = data.claims;
        if claims.typ != ACCESS_TOKEN_TYPE {
            return Err("not an access token".into());
        }
        if claims.iat > now + self.leeway as i64 {
            return Err("issued in the future".into());
        }
        if claims.exp + (self.leeway as i64) < now {
            return Err("expired".into());
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + self.leeway as i64) {
            return Err("not valid yet".into());
        }
        if claims.exp - claims.iat > self.ttl_seconds {
            return Err("lives longer than this service issues tokens for".into());
        }
        if claims.sid.is_empty() {
            return Err("no login".into());
        }
        let user_id = claims.sub.parse::<i64>().map_err(|_| "bad subject".to_string())?;
        Ok(AccessToken { user_id, token_version: claims.ver, login: claims.sid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RunEnv, Settings};

    fn keys() -> JwtKeys {
        let s = Settings::load_from(RunEnv::Test, std::path::Path::new("config"), false, &[]).unwrap();
        JwtKeys::new(&s.jwt)
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let t = k.issue(7, 3, "login-1", now()).unwrap();
        assert_eq!(k.verify(&t, now()).unwrap(), AccessToken { user_id: 7, token_version: 3, login: "login-1".into() });
    }

    #[test]
    fn refuses_tampered_expired_foreign_and_other_types() {
        let k = keys();
        let t = k.issue(7, 0, "l", now()).unwrap();
        let mut tampered = t.clone();
        tampered.pop();
        tampered.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(k.verify(&tampered, now()).is_err());
        let old = k.issue(7, 0, "l", now() - 10_000).unwrap();
        assert!(k.verify(&old, now()).is_err());
        let secret = b"development-secret-change-me-development-secret";
        let forge = |claims: &Claims, alg: Algorithm| {
            encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
        };
        let good = Claims {
            iss: "sandbox".into(),
            aud: "sandbox-api".into(),
            sub: "7".into(),
            exp: now() + 600,
            iat: now(),
            typ: "access".into(),
            ver: 0,
            sid: "l".into(),
            nbf: None,
        };
        assert!(k.verify(&forge(&good, Algorithm::HS256), now()).is_ok());
        assert!(k.verify(&forge(&good, Algorithm::HS512), now()).is_err(), "algorithm is pinned");
        assert!(k.verify(&forge(&Claims { aud: "other".into(), ..good.clone() }, Algorithm::HS256), now()).is_err());
        assert!(k.verify(&forge(&Claims { iss: "other".into(), ..good.clone() }, Algorithm::HS256), now()).is_err());
        assert!(k.verify(&forge(&Claims { typ: "refresh".into(), ..good.clone() }, Algorithm::HS256), now()).is_err());
        assert!(k.verify(&forge(&Claims { iat: now() + 3600, ..good.clone() }, Algorithm::HS256), now()).is_err());
        // Not valid yet, or living longer than the service issues tokens for, or of no login.
        let soon = Claims { nbf: Some(now() + 3600), ..good.clone() };
        assert!(k.verify(&forge(&soon, Algorithm::HS256), now()).is_err(), "nbf in the future");
        let begun = Claims { nbf: Some(now() - 5), ..good.clone() };
        assert!(k.verify(&forge(&begun, Algorithm::HS256), now()).is_ok());
        let long = Claims { exp: now() + k.ttl_seconds() + 3600, ..good.clone() };
        assert!(k.verify(&forge(&long, Algorithm::HS256), now()).is_err(), "a lifetime past the service's");
        assert!(k.verify(&forge(&Claims { sid: String::new(), ..good.clone() }, Algorithm::HS256), now()).is_err());
        // A token without iat does not parse.
        #[derive(Serialize)]
        struct NoIat {
            iss: String,
            aud: String,
            sub: String,
            exp: i64,
            typ: String,
            ver: i32,
        }
        let no_iat = encode(
            &Header::new(Algorithm::HS256),
            &NoIat { iss: good.iss, aud: good.aud, sub: good.sub, exp: good.exp, typ: good.typ, ver: 0 },
            &EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert!(k.verify(&no_iat, now()).is_err());
    }
}
