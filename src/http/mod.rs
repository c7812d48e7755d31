//! The HTTP interface: one declaration per route builds both the actix routing and the OpenAPI
//! document (each resource module's `routes` lists its handlers, whose attributes carry the path,
//! the method and the documentation). Handlers are thin: extract, call one use-case in `app`,
//! map the result.

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod case_dto;
pub mod catalogue;
pub mod community;
pub mod concurrency;
pub mod conditions;
pub mod dto;
pub mod extract;
pub mod health;
pub mod input;
pub mod middleware;
pub mod milestones;
pub mod openapi;
pub mod problem;
pub mod register;
pub mod transitions;
pub mod upload;
pub mod users;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_actix_web::OpenApiFactory;
use utoipa_swagger_ui::SwaggerUi;

use self::openapi::MethodTable;
use self::problem::problem_for_status;

/// Registers every route. Shared by the server and nothing else, so tests see the real app.
pub fn configure(cfg: &mut web::ServiceConfig, json_limit: usize) {
    // actix tries routes in the order they are registered; the public register is read most.
    let api = utoipa_actix_web::scope("/api/v1")
        .configure(register::routes)
        .configure(accounts::routes)
        .configure(users::routes)
        .configure(admin::routes)
        .configure(catalogue::routes)
        .configure(applications::routes)
        .configure(transitions::routes)
        .configure(conditions::routes)
        .configure(milestones::routes)
        .configure(community::routes);
    let mut paths = api.paths();
    let mut schemas = Vec::new();
    api.schemas(&mut schemas);
    let health = utoipa_actix_web::scope("").service(health::healthz).service(health::readyz);
    paths.merge(health.paths());
    health.schemas(&mut schemas);
    let doc = openapi::document(paths, schemas);
    let methods = Arc::new(MethodTable::new(&doc));
    cfg.app_data(input::json_config(json_limit))
        .app_data(input::query_config())
        .app_data(input::path_config())
        .service(health::healthz)
        .service(health::readyz);
    // The health routes' other methods, and anything under /api/v1 no route took.
    for path in ["/healthz", "/readyz"] {
        let methods = methods.clone();
        cfg.route(
            path,
            web::route().to(move |req: HttpRequest| {
                let methods = methods.clone();
                async move { fallback(&req, &methods) }
            }),
        );
    }
    cfg.service(api.default_service(web::to(move |req: HttpRequest| {
        let methods = methods.clone();
        async move { fallback(&req, &methods) }
    })))
    .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", doc))
    .route("/docs", web::get().to(|| async { HttpResponse::Found().insert_header(("Location", "/docs/")).finish() }))
    .configure(crate::web::configure);
}

/// No route took the request: `405` with `Allow` when the path exists with other methods,
/// otherwise `404`.
fn fallback(req: &HttpRequest, methods: &MethodTable) -> HttpResponse {
    match methods.allowed(req.path()) {
        Some(allow) => {
            let mut response = problem_for_status(actix_web::http::StatusCode::METHOD_NOT_ALLOWED).response();
            if let Ok(v) = header::HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, v);
            }
            response
        }
        None => problem_for_status(actix_web::http::StatusCode::NOT_FOUND).response(),
    }
}
