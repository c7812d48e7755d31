//! The inspectors' pages: the work queue (`queue`), the case page with its tabs and the
//! assignment, screening and information-request pages (`case`), the decision and the trial's
//! later actions with their check and confirmation pages (`decision`), the review of evidence and
//! milestone reports, breach and waive (`review`), and moderation (`moderation`).
//!
//! Every form here builds the JSON endpoint's raw input and calls the same parse and use-case.

pub mod case;
pub mod decision;
pub mod moderation;
pub mod queue;
pub mod review;

use actix_web::web;

use crate::domain::case::CaseAction;

/// Every casework template, for the page environment.
pub const TEMPLATES: &[&[(&str, &str)]] =
    &[queue::TEMPLATES, case::TEMPLATES, decision::TEMPLATES, review::TEMPLATES, moderation::TEMPLATES];

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Fixed paths before `/casework/{id}`.
    queue::routes(cfg);
    moderation::routes(cfg);
    case::routes(cfg);
    decision::routes(cfg);
    review::routes(cfg);
}

/// The page that carries out a case action, under `/casework/{id}/`.
pub fn action_path(action: CaseAction) -> Option<&'static str> {
    Some(match action {
        CaseAction::Assign => "assign",
        CaseAction::Screen => "screening",
        CaseAction::RequestInformation => "request-information",
        CaseAction::Approve => "approve",
        CaseAction::Refuse => "refuse",
        CaseAction::Start => "start",
        CaseAction::Suspend => "suspend",
        CaseAction::Reinstate => "reinstate",
        CaseAction::Revoke => "revoke",
        CaseAction::Extend => "extend",
        CaseAction::Complete => "complete",
        CaseAction::Edit | CaseAction::Submit | CaseAction::Withdraw | CaseAction::Answer => return None,
    })
}
