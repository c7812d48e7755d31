//! Response bodies shared by several resources, and the list helper that adds pagination headers.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::accounts::Account;
use crate::app::Page;
use crate::db::models::Organisation;
use crate::domain::account::{OrganisationKind, Role};

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub registration_number: Option<String>,
}

impl From<Organisation> for OrganisationResponse {
    fn from(o: Organisation) -> Self {
        OrganisationResponse { id: o.id, name: o.name, kind: o.kind, registration_number: o.registration_number }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    pub disabled: bool,
    pub organisation: Option<OrganisationResponse>,
    pub created_at: DateTime<Utc>,
}

impl From<Account> for UserResponse {
    fn from(a: Account) -> Self {
        let role = a.role();
        UserResponse {
            id: a.user.id,
            email: a.user.email,
            display_name: a.user.display_name,
            role,
            email_verified: a.user.email_verified_at.is_some(),
            disabled: a.user.disabled_at.is_some(),
            organisation: a.organisation.map(Into::into),
            created_at: utc(a.user.created_at),
        }
    }
}

/// `X-Total-Count` (capped), `X-Total-Count-Capped` and `Link` (next, prev and — when the total is
/// exact — last, keeping the filters) for one page of a list. A page past the end links back to
/// the last one.
pub fn page_headers<T>(req: &HttpRequest, page: &Page<T>) -> Vec<(String, String)> {
    let mut headers = vec![("X-Total-Count".to_string(), page.total.to_string())];
    if page.capped {
        headers.push(("X-Total-Count-Capped".into(), "true".into()));
    }
    let link = |n: i64| {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("page".into(), n.to_string()));
        pairs.push(("per_page".into(), page.page.per_page.to_string()));
        format!(
            "<{}?{}>",
            req.path(),
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
        )
    };
    let mut links = Vec::new();
    if page.has_next() {
        links.push(format!("{}; rel=\"next\"", link(page.page.page + 1)));
    }
    if page.page.page > 1 {
        let prev = page.last_page().map_or(page.page.page - 1, |last| (page.page.page - 1).min(last));
        links.push(format!("{}; rel=\"prev\"", link(prev)));
    }
    if let Some(last) = page.last_page() {
        links.push(format!("{}; rel=\"last\"", link(last)));
    }
    if !links.is_empty() {
        headers.push((header::LINK.to_string(), links.join(", ")));
    }
    headers
}

/// A JSON array response with the pagination headers of [`page_headers`].
pub fn list_response<T, D: Serialize>(req: &HttpRequest, page: Page<T>, map: impl Fn(T) -> D) -> HttpResponse {
    let headers = page_headers(req, &page);
    let items: Vec<D> = page.items.into_iter().map(map).collect();
    let mut builder = HttpResponse::Ok();
    for h in headers {
        builder.insert_header(h);
    }
    builder.json(items)
}
