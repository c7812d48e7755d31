//! The emails that case events send, queued in the event's transaction.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::models::{Application, User};
use crate::db::{users, DbConn};
use crate::email::{self, Mailer, Outgoing};
use crate::error::AppResult;

/// Who an event's email goes to.
pub enum To {
    Author,
    AssignedInspector,
    AllInspectors,
    /// Followers of the trial and of its zone.
    Followers,
    /// One particular user.
    User(i64),
}

/// The preference a user can turn off for an event (`GET|PUT /api/v1/me/notification-preferences`).
/// Security mail is not sent through here and cannot be turned off.
pub fn preference_for(event: &str, as_follower: bool) -> &'static str {
    if as_follower {
        return "followed_trials";
    }
    match event {
        "awaiting_assignment" => "new_cases",
        "milestone_reminder" => "reminders",
        "observation_posted" | "observation_replied" | "attestation_disputed" => "community",
        _ => "case_updates",
    }
}

pub const PREFERENCES: [&str; 5] = ["case_updates", "new_cases", "reminders", "community", "followed_trials"];

/// Queues one email per recipient of a case event and returns how many were new. `key` makes each delivery unique, so a
/// retried transaction or a second scheduler pass never queues it twice.
#[allow(clippy::too_many_arguments)]
pub fn notify(
    c: &mut DbConn,
    mailer: &Mailer,
    app: &Application,
    event: &str,
    key: &str,
    to: &[To],
    headline: &str,
    message: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let mut queued = 0;
    let mut recipients: Vec<(User, bool)> = Vec::new();
    for who in to {
        match who {
            To::Author => recipients.extend(users::find_user(c, app.author_id)?.map(|u| (u, false))),
            To::AssignedInspector => {
                if let Some(i) = app.assigned_inspector_id {
                    recipients.extend(users::find_user(c, i)?.map(|u| (u, false)));
                }
            }
            To::AllInspectors => recipients.extend(
                users::active_users_with_role(c, crate::domain::account::Role::Inspector)?
                    .into_iter()
                    .map(|u| (u, false)),
            ),
            To::User(id) => recipients.extend(users::find_user(c, *id)?.map(|u| (u, false))),
            To::Followers => {
                for id in crate::db::community::follower_ids(c, app.id, app.zone_id)? {
                    recipients.extend(users::find_user(c, id)?.map(|u| (u, true)));
                }
            }
        }
    }
    // One email per person, as a direct recipient rather than a follower where both.
    recipients.sort_by_key(|(u, follower)| (u.id, *follower));
    recipients.dedup_by_key(|(u, _)| u.id);
    let reference = app.reference.clone().unwrap_or_else(|| format!("draft {}", app.id));
    for (user, as_follower) in recipients.iter().filter(|(u, _)| u.disabled_at.is_none()) {
        let preference = preference_for(event, *as_follower);
        if crate::db::community::opted_out(c, user.id, preference)? {
            continue;
        }
        let preferences_link = as_follower.then(|| mailer.link("/api/v1/me/notification-preferences"));
        queued += usize::from(email::queue(
            c,
            mailer,
            Outgoing {
                dedup_key: format!("case:{}:{event}:{key}:{}", app.id, user.id),
                user_id: Some(user.id),
                to: &user.email,
                category: &format!("case.{event}"),
                template: "case_event",
                context: json!({
                    "display_name": user.display_name,
                    "headline": headline,
                    "reference": reference,
                    "title": app.title,
                    "message": message,
                    "preferences_link": preferences_link,
                    "link": mailer.link(&format!("/api/v1/applications/{}", app.id)),
                }),
            },
            now,
        )?);
    }
    Ok(queued)
}
