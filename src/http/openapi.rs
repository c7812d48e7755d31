//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{accounts, cases, catalogue, health, monitoring, register, users};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Planning Sandbox API",
        description = "Case management for planning regulatory sandboxes. Errors are application/problem+json (RFC 9457); lists are JSON arrays with X-Total-Count (capped) and Link headers.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        health::healthz, health::readyz,
        accounts::register, accounts::verify_email, accounts::login, accounts::refresh, accounts::logout,
        accounts::password_reset, accounts::password_reset_confirm, accounts::me,
        users::list, users::create, users::get, users::update, users::outbox, users::resend,
        catalogue::list_provisions, catalogue::get_provision, catalogue::create_provision, catalogue::update_provision,
        catalogue::list_zones, catalogue::get_zone, catalogue::create_zone, catalogue::update_zone,
        cases::create, cases::list, cases::get, cases::update, cases::submit, cases::withdraw, cases::assign,
        cases::screening, cases::request_information, cases::answer, cases::approve, cases::refuse, cases::start,
        cases::suspend, cases::reinstate, cases::revoke, cases::extend, cases::complete, cases::history,
        cases::milestones, cases::report_milestone, cases::review_milestone,
        monitoring::list_conditions, monitoring::add_condition, monitoring::update_condition, monitoring::remove_condition,
        monitoring::submit_evidence, monitoring::evidence_file, monitoring::verify, monitoring::breach, monitoring::waive,
        monitoring::attest, monitoring::attestations, monitoring::add_milestone, monitoring::update_milestone,
        monitoring::waive_milestone, monitoring::observations, monitoring::post_observation, monitoring::reply,
        monitoring::moderate, monitoring::subscriptions, monitoring::follow, monitoring::unfollow,
        monitoring::preferences, monitoring::set_preferences,
        register::list, register::trial, register::csv, register::feed, register::stats, register::learning,
    ),
    components(schemas(crate::error::Problem, crate::domain::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login and tokens"),
        (name = "users", description = "User administration"),
        (name = "admin", description = "Operations for administrators"),
        (name = "catalogue", description = "Sandbox zones and the provisions (derogation) catalogue"),
        (name = "applications", description = "Applications: drafts, the inspectors' queue, the full record and its history"),
        (name = "lifecycle", description = "Transitions of an application, from submission to the end of its trial"),
        (name = "monitoring", description = "Trials in operation: conditions, evidence, milestones"),
        (name = "community", description = "Following trials and zones, observations, attestations"),
        (name = "register", description = "The public register: decisions, trials, open data"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}
