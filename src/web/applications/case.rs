//! The case page after submission, and the author's forms on it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{case_json, render, with_notice};
use crate::app::cases::CaseView;
use crate::app::AppContext;
use crate::error::AppResult;
use crate::web::session::Visitor;

pub fn routes(cfg: &mut web::ServiceConfig) {
    let _ = cfg;
}

pub async fn case_page(
    ctx: &AppContext,
    v: &Visitor,
    view: &CaseView,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let _ = ctx;
    render(v, status, "applications/case.html", with_notice(json!({ "case": case_json(view) }), notice))
}
