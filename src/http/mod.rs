//! The HTTP interface: routes, extractors, input parsing, DTOs and the request middleware.
//! Handlers are thin: parse input, call one use-case in `app`, map the result.

pub mod accounts;
pub mod cases;
pub mod catalogue;
pub mod concurrency;
pub mod dto;
pub mod extract;
pub mod health;
pub mod input;
pub mod middleware;
pub mod monitoring;
pub mod openapi;
pub mod register;
pub mod upload;
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
                .service(
                    web::resource("/provisions")
                        .route(web::get().to(catalogue::list_provisions))
                        .route(web::post().to(catalogue::create_provision)),
                )
                .service(
                    web::resource("/provisions/{code}")
                        .route(web::get().to(catalogue::get_provision))
                        .route(web::patch().to(catalogue::update_provision)),
                )
                .service(
                    web::resource("/zones")
                        .route(web::get().to(catalogue::list_zones))
                        .route(web::post().to(catalogue::create_zone)),
                )
                .service(
                    web::resource("/zones/{id}")
                        .route(web::get().to(catalogue::get_zone))
                        .route(web::patch().to(catalogue::update_zone)),
                )
                .service(
                    web::resource("/applications")
                        .route(web::get().to(cases::list))
                        .route(web::post().to(cases::create)),
                )
                .service(
                    web::resource("/applications/{id}")
                        .route(web::get().to(cases::get))
                        .route(web::put().to(cases::update)),
                )
                .service(web::resource("/applications/{id}/submit").route(web::post().to(cases::submit)))
                .service(web::resource("/applications/{id}/withdraw").route(web::post().to(cases::withdraw)))
                .service(web::resource("/applications/{id}/assign").route(web::post().to(cases::assign)))
                .service(web::resource("/applications/{id}/screening").route(web::post().to(cases::screening)))
                .service(web::resource("/applications/{id}/approve").route(web::post().to(cases::approve)))
                .service(web::resource("/applications/{id}/refuse").route(web::post().to(cases::refuse)))
                .service(web::resource("/applications/{id}/start").route(web::post().to(cases::start)))
                .service(web::resource("/applications/{id}/suspend").route(web::post().to(cases::suspend)))
                .service(web::resource("/applications/{id}/reinstate").route(web::post().to(cases::reinstate)))
                .service(web::resource("/applications/{id}/revoke").route(web::post().to(cases::revoke)))
                .service(web::resource("/applications/{id}/extend").route(web::post().to(cases::extend)))
                .service(web::resource("/applications/{id}/complete").route(web::post().to(cases::complete)))
                .service(
                    web::resource("/applications/{id}/information-requests")
                        .route(web::post().to(cases::request_information)),
                )
                .service(
                    web::resource("/applications/{id}/information-requests/{rid}/answer")
                        .route(web::post().to(cases::answer)),
                )
                .service(web::resource("/applications/{id}/history").route(web::get().to(cases::history)))
                .service(
                    web::resource("/applications/{id}/conditions")
                        .route(web::get().to(monitoring::list_conditions))
                        .route(web::post().to(monitoring::add_condition)),
                )
                .service(
                    web::resource("/applications/{id}/milestones")
                        .route(web::get().to(cases::milestones))
                        .route(web::post().to(monitoring::add_milestone)),
                )
                .service(
                    web::resource("/applications/{id}/observations")
                        .route(web::get().to(monitoring::observations))
                        .route(web::post().to(monitoring::post_observation)),
                )
                .service(
                    web::resource("/conditions/{cid}")
                        .route(web::put().to(monitoring::update_condition))
                        .route(web::delete().to(monitoring::remove_condition)),
                )
                .service(web::resource("/conditions/{cid}/evidence").route(web::post().to(monitoring::submit_evidence)))
                .service(web::resource("/conditions/{cid}/verify").route(web::post().to(monitoring::verify)))
                .service(web::resource("/conditions/{cid}/breach").route(web::post().to(monitoring::breach)))
                .service(web::resource("/conditions/{cid}/waive").route(web::post().to(monitoring::waive)))
                .service(
                    web::resource("/conditions/{cid}/attestations")
                        .route(web::get().to(monitoring::attestations))
                        .route(web::post().to(monitoring::attest)),
                )
                .service(web::resource("/evidence/{eid}/file").route(web::get().to(monitoring::evidence_file)))
                .service(web::resource("/milestones/{mid}").route(web::patch().to(monitoring::update_milestone)))
                .service(web::resource("/milestones/{mid}/waive").route(web::post().to(monitoring::waive_milestone)))
                .service(web::resource("/observations/{oid}/replies").route(web::post().to(monitoring::reply)))
                .service(web::resource("/observations/{oid}/moderate").route(web::post().to(monitoring::moderate)))
                .service(
                    web::resource("/subscriptions")
                        .route(web::get().to(monitoring::subscriptions))
                        .route(web::post().to(monitoring::follow)),
                )
                .service(web::resource("/subscriptions/{id}").route(web::delete().to(monitoring::unfollow)))
                .service(
                    web::resource("/me/notification-preferences")
                        .route(web::get().to(monitoring::preferences))
                        .route(web::put().to(monitoring::set_preferences)),
                )
                .service(web::resource("/milestones/{mid}/report").route(web::post().to(cases::report_milestone)))
                .service(web::resource("/milestones/{mid}/review").route(web::post().to(cases::review_milestone)))
                .service(web::resource("/register").route(web::get().to(register::list)))
                .service(web::resource("/register.csv").route(web::get().to(register::csv)))
                .service(web::resource("/register/feed.atom").route(web::get().to(register::feed)))
                .service(web::resource("/register/{reference}").route(web::get().to(register::trial)))
                .service(web::resource("/stats").route(web::get().to(register::stats)))
                .service(web::resource("/learning").route(web::get().to(register::learning)))
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
