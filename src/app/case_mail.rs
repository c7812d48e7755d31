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
}

/// Queues one email per recipient of a case event. `key` makes each delivery unique, so a
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
) -> AppResult<()> {
    let mut recipients: Vec<User> = Vec::new();
    for who in to {
        match who {
            To::Author => recipients.extend(users::find_user(c, app.author_id)?),
            To::AssignedInspector => {
                if let Some(i) = app.assigned_inspector_id {
                    recipients.extend(users::find_user(c, i)?);
                }
            }
            To::AllInspectors => recipients.extend(users::active_users_with_role(c, "inspector")?),
        }
    }
    let reference = app.reference.clone().unwrap_or_else(|| format!("draft {}", app.id));
    for user in recipients.iter().filter(|u| u.disabled_at.is_none()) {
        email::queue(
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
                    "link": mailer.link(&format!("/api/v1/applications/{}", app.id)),
                }),
            },
            now,
        )?;
    }
    Ok(())
}
