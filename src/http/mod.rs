//! The HTTP interface: routes, extractors, input parsing, DTOs and the request middleware.
//! Handlers are thin: parse input, call one use-case in `app`, map the result.

pub mod accounts;
pub mod dto;
pub mod extract;
pub mod health;
pub mod input;
pub mod middleware;
pub mod openapi;
pub mod users;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{problem_for_status, AppError};

/// Registers every route. Shared by the server and nothing else, so tests see the real app.
pub fn configure(cfg: &mut web::ServiceConfig, json_limit: usize) {
    cfg.app_data(input::json_config(json_limit))
        .app_data(input::query_config())
        .app_data(input::path_config())
        .service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/readyz").route(web::get().to(health::readyz)))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/auth/register").route(web::post().to(accounts::register)))
                .service(web::resource("/auth/verify-email").route(web::post().to(accounts::verify_email)))
                .service(web::resource("/auth/login").route(web::post().to(accounts::login)))
                .service(web::resource("/auth/refresh").route(web::post().to(accounts::refresh)))
                .service(web::resource("/auth/logout").route(web::post().to(accounts::logout)))
                .service(web::resource("/auth/password-reset").route(web::post().to(accounts::password_reset)))
                .service(
                    web::resource("/auth/password-reset/confirm")
                        .route(web::post().to(accounts::password_reset_confirm)),
                )
                .service(web::resource("/me").route(web::get().to(accounts::me)))
                .service(web::resource("/users").route(web::get().to(users::list)).route(web::post().to(users::create)))
                .service(
                    web::resource("/users/{id}").route(web::get().to(users::get)).route(web::patch().to(users::update)),
                )
                .service(web::resource("/admin/outbox").route(web::get().to(users::outbox)))
                .service(web::resource("/admin/outbox/{id}/resend").route(web::post().to(users::resend)))
                .default_service(web::to(not_found)),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/openapi.json", openapi::ApiDoc::openapi()))
        .route(
            "/docs",
            web::get().to(|| async { HttpResponse::Found().insert_header(("Location", "/docs/")).finish() }),
        )
        .configure(crate::web::configure);
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Ok(problem_for_status(actix_web::http::StatusCode::NOT_FOUND).response())
}
