//! The page session: the cookie, the visitor it makes known to each page, and the checks every
//! form passes (a CSRF token bound to the session, and a same-origin request).
//!
//! The [`layer`] middleware resolves the session cookie once per page request and hands the
//! result to handlers as a [`Visitor`]; what a handler changes (a sign-in, a sign-out, the
//! anonymous form token) is written back as cookies on the way out. Before sign-in, forms are
//! protected by a random token kept in a second cookie (double submit) as well as by the origin
//! check; after sign-in the token is the session's own, stored with it.

use std::cell::RefCell;
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use subtle::ConstantTimeEq;

use crate::app::accounts::sessions::{self, NewSession, PageSession};
use crate::app::AppContext;
use crate::auth::tokens;
use crate::domain::policy::Actor;
use crate::error::AppError;

/// The name of the field every state-changing form carries its token in.
pub const CSRF_FIELD: &str = "csrf_token";

/// Cookie names and attributes, from the base URL: `Secure` and the `__Host-` prefix on https.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    pub secure: bool,
    pub session: String,
    pub csrf: String,
}

impl CookiePolicy {
    pub fn for_base_url(base_url: &str) -> Self {
        let secure = base_url.starts_with("https://");
        let prefix = if secure { "__Host-" } else { "" };
        CookiePolicy { secure, session: format!("{prefix}sandbox_session"), csrf: format!("{prefix}sandbox_csrf") }
    }

    fn cookie(&self, name: &str, value: String) -> Cookie<'static> {
        let mut c = Cookie::new(name.to_string(), value);
        c.set_path("/");
        c.set_http_only(true);
        c.set_same_site(SameSite::Lax);
        c.set_secure(self.secure);
        c
    }

    fn removal(&self, name: &str) -> Cookie<'static> {
        let mut c = self.cookie(name, String::new());
        c.set_max_age(CookieDuration::ZERO);
        c
    }
}

/// Paths that are pages (and so have sessions); the API, its documents, health, metrics and
/// static files do not read the cookie.
pub fn is_page_path(path: &str) -> bool {
    !["/api/", "/docs", "/static/", "/metrics", "/healthz", "/readyz"].iter().any(|p| path.starts_with(p))
}

#[derive(Debug, Default)]
enum CookieChange {
    #[default]
    None,
    Start(NewSession),
    End,
}

#[derive(Debug, Default)]
struct State {
    session: Option<PageSession>,
    /// The anonymous form token from the request's cookie, or one made for this response.
    anonymous_csrf: Option<String>,
    new_anonymous_csrf: bool,
    /// Whether the page carries a form token (and so must not be cached).
    token_used: bool,
    change: CookieChange,
}

/// Who is asking for a page: signed in or not, with the token their forms must carry.
#[derive(Clone, Debug)]
pub struct Visitor(Rc<RefCell<State>>);

impl Visitor {
    pub fn session(&self) -> Option<PageSession> {
        self.0.borrow().session.clone()
    }

    pub fn actor(&self) -> Option<Actor> {
        self.0.borrow().session.as_ref().map(|s| s.actor)
    }

    /// The token this visitor's forms carry: the session's, or before sign-in the anonymous
    /// one (made, and set as a cookie, on first use).
    pub fn csrf_token(&self) -> String {
        let mut state = self.0.borrow_mut();
        state.token_used = true;
        if let Some(s) = &state.session {
            return s.csrf_token.clone();
        }
        if let Some(t) = &state.anonymous_csrf {
            return t.clone();
        }
        let token = tokens::random_token();
        state.anonymous_csrf = Some(token.clone());
        state.new_anonymous_csrf = true;
        token
    }

    /// Refuses a form whose token is not this visitor's, or that came from another site.
    pub fn check_form(&self, req: &HttpRequest, given: &str) -> Result<(), AppError> {
        let ctx = req.app_data::<web::Data<AppContext>>().ok_or_else(|| AppError::internal("no context"))?;
        if !same_origin(req.headers(), &ctx.settings.base_url) {
            tracing::warn!(path = req.path(), "form refused: cross-site request");
            return Err(AppError::Forbidden("this form was sent from another site".into()));
        }
        let state = self.0.borrow();
        let expected = match &state.session {
            Some(s) => Some(s.csrf_token.as_str()),
            None if !state.new_anonymous_csrf => state.anonymous_csrf.as_deref(),
            None => None,
        };
        match expected {
            Some(e) if !given.is_empty() && bool::from(e.as_bytes().ct_eq(given.as_bytes())) => Ok(()),
            _ => {
                tracing::warn!(path = req.path(), "form refused: missing or wrong form token");
                Err(AppError::Forbidden(
                    "this form has expired or was not sent from this service; go back, reload the page and try again"
                        .into(),
                ))
            }
        }
    }

    /// Makes the response carry a new session's cookie (replacing any earlier one).
    pub fn begin(&self, session: NewSession) {
        let mut state = self.0.borrow_mut();
        state.change = CookieChange::Start(session);
        state.session = None;
    }

    /// Makes the response remove the session cookie.
    pub fn end(&self) {
        let mut state = self.0.borrow_mut();
        state.change = CookieChange::End;
        state.session = None;
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Visitor>().cloned();
        // Outside the layer (never for page paths) a visitor is simply not signed in.
        std::future::ready(Ok(found.unwrap_or_else(|| Visitor(Rc::new(RefCell::new(State::default()))))))
    }
}

/// Whether a form submission comes from this service's own pages. Browsers send
/// `Sec-Fetch-Site` (which must be `same-origin`, or `none` for a user's own navigation) or at
/// least `Origin` (which must be the base URL's origin or the request's own host). A client that
/// sends neither is not a browser that could be tricked, and still needs the form token.
pub fn same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    let get = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = get(header::ORIGIN) else {
        return true;
    };
    let base = url::Url::parse(base_url).ok().map(|u| u.origin().ascii_serialization());
    if base.as_deref() == Some(origin.as_str()) {
        return true;
    }
    match (url::Url::parse(&origin), get(header::HOST)) {
        (Ok(o), Some(host)) => {
            let authority = match o.port() {
                Some(p) => format!("{}:{p}", o.host_str().unwrap_or_default()),
                None => o.host_str().unwrap_or_default().to_string(),
            };
            authority == host
        }
        _ => false,
    }
}

/// Resolves the session cookie of every page request and writes back what the handler changed.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !is_page_path(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let ctx = req.app_data::<web::Data<AppContext>>().cloned().ok_or_else(|| AppError::internal("no context"))?;
    let policy = CookiePolicy::for_base_url(&ctx.settings.base_url);
    let presented = req.cookie(&policy.session).map(|c| c.value().to_string()).filter(|v| !v.is_empty());
    let session = match &presented {
        Some(token) => sessions::resolve(&ctx, token.clone()).await?,
        None => None,
    };
    let signed_in = session.is_some();
    let state = State {
        session,
        anonymous_csrf: req.cookie(&policy.csrf).map(|c| c.value().to_string()).filter(|v| !v.is_empty()),
        ..State::default()
    };
    let visitor = Visitor(Rc::new(RefCell::new(state)));
    req.extensions_mut().insert(visitor.clone());
    let mut res = next.call(req).await?.map_into_boxed_body();
    let state = std::mem::take(&mut *visitor.0.borrow_mut());
    let mut cookies = Vec::new();
    match state.change {
        CookieChange::Start(new) => {
            cookies.push(policy.cookie(&policy.session, new.token));
            cookies.push(policy.removal(&policy.csrf));
        }
        CookieChange::End => cookies.push(policy.removal(&policy.session)),
        CookieChange::None if presented.is_some() && !signed_in => cookies.push(policy.removal(&policy.session)),
        CookieChange::None => {}
    }
    if state.new_anonymous_csrf && !matches!(cookies.first(), Some(c) if c.name() == policy.session) {
        if let Some(token) = state.anonymous_csrf {
            cookies.push(policy.cookie(&policy.csrf, token));
        }
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    if signed_in || presented.is_some() || state.token_used {
        // A signed-in page is for that person only.
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res.headers_mut().remove(header::ETAG);
    }
    Ok(res)
}

/// A redirect to sign-in that comes back to `next` afterwards.
pub fn to_sign_in(next: &str) -> HttpResponse {
    let target = format!("/sign-in?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
    HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish()
}

/// Where to go after sign-in: only a local path of this service, never another site.
pub fn local_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.contains(['\r', '\n', '\\'])
        && !n.starts_with("/sign-in")
        && !n.starts_with("/sign-out");
    local.then(|| n.to_string())
}

/// A signed-in visitor. Anyone else is sent to sign-in and brought back to this page after.
pub struct SignedIn {
    pub visitor: Visitor,
    pub session: PageSession,
}

impl SignedIn {
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }
}

impl FromRequest for SignedIn {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visitor = req.extensions().get::<Visitor>().cloned();
        let session = visitor.as_ref().and_then(Visitor::session);
        std::future::ready(match (visitor, session) {
            (Some(visitor), Some(session)) => Ok(SignedIn { visitor, session }),
            _ => {
                let next = match req.uri().path_and_query() {
                    Some(pq) if req.method() == actix_web::http::Method::GET => pq.as_str().to_string(),
                    _ => req
                        .headers()
                        .get(header::REFERER)
                        .and_then(|r| r.to_str().ok())
                        .and_then(|r| {
                            url::Url::parse(r).ok().map(|u| match u.query() {
                                Some(q) => format!("{}?{q}", u.path()),
                                None => u.path().to_string(),
                            })
                        })
                        .unwrap_or_else(|| "/".into()),
                };
                Err(actix_web::error::InternalError::from_response("sign in", to_sign_in(&next)).into())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderName;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forms_from_other_sites_are_refused() {
        let base = "https://sandbox.example.gov.uk";
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), base));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), base));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")]), base));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")]), base));
        assert!(same_origin(&headers(&[("origin", "https://sandbox.example.gov.uk")]), base));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example")]), base));
        assert!(!same_origin(&headers(&[("origin", "null")]), base));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:4000"), ("host", "127.0.0.1:4000")]), base));
        assert!(!same_origin(&headers(&[("origin", "http://127.0.0.1:4001"), ("host", "127.0.0.1:4000")]), base));
        assert!(same_origin(&headers(&[]), base));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_next(Some("/applications/3?tab=a")).as_deref(), Some("/applications/3?tab=a"));
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/sign-in?next=/x",
            "",
            "/a\r\nLocation: x",
        ] {
            assert_eq!(local_next(Some(bad)), None, "{bad}");
        }
        assert_eq!(local_next(None), None);
    }

    #[test]
    fn cookies_are_host_only_and_secure_on_https() {
        let p = CookiePolicy::for_base_url("https://x.example");
        assert_eq!(p.session, "__Host-sandbox_session");
        let c = p.cookie(&p.session, "t".into()).to_string();
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure") && c.contains("Path=/"),
            "{c}"
        );
        let p = CookiePolicy::for_base_url("http://127.0.0.1:8080");
        assert_eq!(p.session, "sandbox_session");
        assert!(!p.cookie(&p.session, "t".into()).to_string().contains("Secure"));
    }
}
