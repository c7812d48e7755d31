//! Reporting an observation as inappropriate: anyone signed in with a verified email, once per
//! person per observation. The third report made since a moderator last acted on it holds the
//! observation back from the public (`observations.held_at`) and puts it at the top of the
//! moderators' list, until an inspector hides it, publishes a redacted text or keeps it.

use serde_json::json;

use super::community::{publicly_visible, NO_SUCH_OBSERVATION};
use super::input::Parsed;
use super::tx::{self, facts_of};
use super::AppContext;
use crate::db::models::ObservationReport;
use crate::db::{cases, community, reports as repo};
use crate::domain::community::held_by_reports;
use crate::domain::policy::{authorize_report, Actor};
use crate::error::{AppError, AppResult};

/// A report as made, and whether it was the one that held the observation back.
#[derive(Debug, Clone)]
pub struct Reported {
    pub report: ObservationReport,
    pub now_held: bool,
}

/// Reports an observation (`404` when it is not one the public can see, `409` when this person
/// has reported it already). Audited as a staff-only event, in the same transaction.
pub async fn report(
    ctx: &AppContext,
    actor: &Actor,
    observation_id: i64,
    reason: Parsed<Option<String>>,
) -> AppResult<Reported> {
    tx::write(ctx, actor, move |tx| {
        let not_found = || AppError::NotFound(NO_SUCH_OBSERVATION.into());
        let case_id = community::find_observation(tx.c, observation_id)?.ok_or_else(not_found)?.application_id;
        let app = cases::lock_application(tx.c, case_id)?.ok_or_else(not_found)?;
        // Read again under the case's hold.
        let o = community::find_observation(tx.c, observation_id)?.ok_or_else(not_found)?;
        authorize_report(Some(&tx.actor), &facts_of(&app), o.author_id).map_err(|r| {
            match AppError::refused(r, "report this observation") {
                AppError::NotFound(_) => not_found(),
                AppError::Forbidden(_) if tx.actor.email_verified => {
                    AppError::Forbidden("you cannot report your own observation".into())
                }
                other => other,
            }
        })?;
        if !publicly_visible(&o) {
            return Err(not_found());
        }
        if repo::find_report(tx.c, o.id, tx.actor.user_id)?.is_some() {
            return Err(AppError::conflict("you have already reported this observation"));
        }
        let reason = reason?;
        let report = repo::insert_report(tx.c, o.id, tx.actor.user_id, reason.as_deref(), tx.now)?;
        let times = repo::report_times(tx.c, &[o.id])?;
        let count = repo::reports_since_moderation(&times, o.id, o.moderated_at);
        let now_held = held_by_reports(count);
        if now_held {
            repo::hold(tx.c, o.id, tx.now)?;
        }
        // Staff only: it names the reporter (as the event's actor) and their reason.
        let details = json!({
            "observation_id": o.id, "report_id": report.id, "reason": reason,
            "reports_since_moderation": count, "held_for_review": now_held,
        });
        tx.record(&app, "observation.reported", None, None, details, false)?;
        Ok(Reported { report, now_held })
    })
    .await
}
