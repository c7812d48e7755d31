//! The service's information pages, linked from every page's footer: the accessibility
//! statement, the privacy notice and the cookies page.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::render;
use crate::error::AppResult;

pub const TEMPLATES: &[(&str, &str)] = crate::page_templates!["accessibility.html", "privacy.html", "cookies.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accessibility").route(web::get().to(accessibility)))
        .service(web::resource("/privacy").route(web::get().to(privacy)))
        .service(web::resource("/cookies").route(web::get().to(cookies)));
}

async fn accessibility() -> AppResult<HttpResponse> {
    render("accessibility.html", json!({}))
}

async fn privacy() -> AppResult<HttpResponse> {
    render("privacy.html", json!({}))
}

async fn cookies() -> AppResult<HttpResponse> {
    render("cookies.html", json!({}))
}
