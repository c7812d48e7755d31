//! A person's browser for page tests: a client that keeps cookies, does not follow redirects
//! (so that each test sees them), and fills in forms with the token the page gave it.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};

use crate::helpers::TestApp;

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("text/html,application/xhtml+xml"));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser { client, base: app.address.clone() }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    /// Posts `fields` to `action` as the form on `page` would, with that page's form token.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.page(page).await;
        let token = csrf_token(&html);
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_form(&self, action: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{action}", self.base)).form(fields).send().await.unwrap()
    }

    /// Signs in with the sign-in page and returns where it sent the browser.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let r = self.submit("/sign-in", "/sign-in", &[("email", email), ("password", password)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign in {email}: {}", r.text().await.unwrap());
        location(&r)
    }
}

pub fn csrf_token(html: &str) -> String {
    let at = html.find("name=\"csrf_token\" value=\"").expect("the page has a form token") + 25;
    html[at..].chars().take_while(|c| *c != '"').collect()
}

pub fn location(r: &Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The session cookie a response set, if any.
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("sandbox_session=") || c.starts_with("__Host-sandbox_session="))
}
