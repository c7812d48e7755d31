//! The emails that case events send, queued in the event's transaction.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use crate::db::models::{Application, Condition, Milestone, User};
use crate::db::{users, DbConn};
use crate::domain::account::Role;
use crate::email::{self, human_number, Mailer, Outgoing};
use crate::error::AppResult;

/// The page where a person manages what we email them.
pub const PREFERENCES_PAGE: &str = "/account/notifications";

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

/// The preference a user can turn off for an event (the page [`PREFERENCES_PAGE`]; in the API
/// `GET|PUT /api/v1/me/notification-preferences`).
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

/// The page a case email links `recipient` to: the author goes to their case page
/// (`/applications/{id}`), inspectors and admins to the staff case page (`/casework/{id}`), and
/// everyone else (followers, the author of an observation) to the case's register entry.
///
/// A case has no reference only while it is a draft, and a draft mails nobody but its author, so
/// the last arm is for completeness: the register, never a page about a case they may not see.
pub fn case_page(app: &Application, recipient: &User) -> String {
    if recipient.id == app.author_id {
        return format!("/applications/{}", app.id);
    }
    if matches!(recipient.role, Role::Inspector | Role::Admin) {
        return format!("/casework/{}", app.id);
    }
    match &app.reference {
        Some(reference) => format!("/register/{reference}"),
        None => "/register".into(),
    }
}

/// The extra context of an approval email: the trial's dates, its community-benefit conditions and
/// its review milestones (dates as ISO strings; the template shows them with `human_date`).
pub fn approval_details(start: NaiveDate, end: NaiveDate, conditions: &[Condition], milestones: &[Milestone]) -> Value {
    json!({
        "trial_start": start,
        "trial_end": end,
        "conditions": conditions.iter().map(|c| json!({
            "description": c.description,
            "metric": c.metric,
            "target": format!("{} {}", human_number(c.target_value), c.unit),
            "due_on": c.due_on,
        })).collect::<Vec<_>>(),
        "milestones": milestones.iter().map(|m| json!({ "title": m.title, "due_on": m.due_on })).collect::<Vec<_>>(),
    })
}

/// The deduplication key of the email about case `case`'s `event` (made unique by `key`) to
/// `user`: one delivery per key and person, however often the event is retried or rerun.
pub fn dedup_key(case: i64, event: &str, key: &str, user: i64) -> String {
    format!("case:{case}:{event}:{key}:{user}")
}

/// The key of the reminder of milestone `milestone` sent `threshold` days before it is due.
pub fn reminder_key(milestone: i64, threshold: i64) -> String {
    format!("{milestone}:{threshold}")
}

pub const PREFERENCES: [&str; 5] = ["case_updates", "new_cases", "reminders", "community", "followed_trials"];

/// Queues one email per recipient of a case event and returns how many were new. `key` makes each delivery unique, so a
/// retried transaction or a second scheduler pass never queues it twice. `extra` adds to the
/// `case_event` template's context (its optional sections, e.g. [`approval_details`]).
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
    extra: Option<&Value>,
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
        let preferences_link = as_follower.then(|| mailer.link(PREFERENCES_PAGE));
        let mut context = json!({
            "display_name": user.display_name,
            "headline": headline,
            "reference": reference,
            "title": app.title,
            "message": message,
            "preferences_link": preferences_link,
            "link": mailer.link(&case_page(app, user)),
        });
        if let (Value::Object(context), Some(Value::Object(extra))) = (&mut context, extra) {
            context.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        queued += usize::from(email::queue(
            c,
            mailer,
            Outgoing {
                dedup_key: dedup_key(app.id, event, key, user.id),
                user_id: Some(user.id),
                to: &user.email,
                category: &format!("case.{event}"),
                template: "case_event",
                context,
            },
            now,
        )?);
    }
    Ok(queued)
}
