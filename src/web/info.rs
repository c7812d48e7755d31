//! The service's information pages, linked from every page's footer: the accessibility
//! statement, the privacy notice, the cookies page and the open data page (what is published for
//! reuse, every CSV column and feed field, and the licence).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::render;
use crate::error::AppResult;

pub const TEMPLATES: &[(&str, &str)] =
    crate::page_templates!["accessibility.html", "privacy.html", "cookies.html", "open_data.html"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/accessibility").route(web::get().to(accessibility)))
        .service(web::resource("/privacy").route(web::get().to(privacy)))
        .service(web::resource("/cookies").route(web::get().to(cookies)))
        .service(web::resource("/open-data").route(web::get().to(open_data)));
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

async fn open_data() -> AppResult<HttpResponse> {
    use crate::http::register::{CSV_COLUMNS, FEED_FIELDS};
    let rows = |list: &[(&str, &str)]| -> Vec<serde_json::Value> {
        // A long column name may wrap after each underscore rather than inside a word.
        list.iter()
            .map(|(name, meaning)| {
                let breakable = super::format::escape_html(name).replace('_', "_<wbr>");
                json!({ "name": name, "breakable": breakable, "meaning": meaning })
            })
            .collect()
    };
    render("open_data.html", json!({ "columns": rows(&CSV_COLUMNS), "feed": rows(&FEED_FIELDS) }))
}
