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
        OrganisationResponse {
            id: o.id,
            name: o.name,
            kind: o.kind.parse().unwrap_or(OrganisationKind::Sme),
            registration_number: o.registration_number,
        }
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

/// A JSON array response with `X-Total-Count` (capped), `X-Total-Count-Capped` and `Link`.
pub fn list_response<T, D: Serialize>(req: &HttpRequest, page: Page<T>, map: impl Fn(T) -> D) -> HttpResponse {
    let current = page.page;
    let has_next = page.has_next();
    let total = page.total;
    let capped = page.capped;
    let items: Vec<D> = page.items.into_iter().map(map).collect();
    let mut links = Vec::new();
    let link_for = |n: i64| {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.push(("page".into(), n.to_string()));
        pairs.push(("per_page".into(), current.per_page.to_string()));
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        format!("<{}?{}>", req.path(), query)
    };
    if has_next {
        links.push(format!("{}; rel=\"next\"", link_for(current.page + 1)));
    }
    if current.page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_for(current.page - 1)));
    }
    let mut builder = HttpResponse::Ok();
    builder.insert_header(("X-Total-Count", total.to_string()));
    if capped {
        builder.insert_header(("X-Total-Count-Capped", "true"));
    }
    if !links.is_empty() {
        builder.insert_header((header::LINK, links.join(", ")));
    }
    builder.json(items)
}
