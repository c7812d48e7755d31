//! What the events of a case's history say to people: a few words for each action (the
//! author's timeline and the staff history), and for staff the detail an event records (whom a
//! case was assigned to, the question asked, the reasons given).

use serde_json::Value;

use crate::db::models::AuditEvent;

/// What an event in the history says, in a few words.
pub fn event_text(action: &str) -> &'static str {
    match action {
        "application.created" => "Draft started",
        "application.edited" => "Draft saved",
        "application.submitted" => "Application submitted",
        "application.assigned" => "Inspector assigned",
        "application.screened" => "Application screened",
        "information.requested" => "More information requested",
        "information.answered" => "Information request answered",
        "application.approved" => "Application approved",
        "application.refused" => "Application refused",
        "application.withdrawn" => "Application withdrawn",
        "trial.started" => "Trial started",
        "trial.extended" => "Trial extended",
        "trial.completed" => "Trial completed",
        "trial.suspended" => "Trial suspended",
        "trial.reinstated" => "Trial reinstated",
        "trial.revoked" => "Trial revoked",
        "condition.added" => "Condition added",
        "condition.amended" => "Condition changed",
        "condition.removed" => "Condition removed",
        "condition.evidence_submitted" => "Evidence sent",
        "condition.met" => "Condition met",
        "condition.evidence_rejected" => "Evidence not accepted",
        "condition.breached" => "Condition breached",
        "condition.waived" => "Condition waived",
        "condition.attested" => "Community confirmation or dispute",
        "milestone.added" => "Milestone added",
        "milestone.rescheduled" => "Milestone rescheduled",
        "milestone.submit_report" => "Milestone report sent",
        "milestone.waived" => "Milestone waived",
        "observation.posted" => "Community observation posted",
        "observation.replied" => "Reply to an observation",
        "observation.moderated" => "Observation moderated",
        _ => "Update",
    }
}

/// What staff read under an event: the person, the question, the reasons or the note it records.
pub fn event_detail(event: &AuditEvent) -> Option<String> {
    let details: Value = serde_json::from_str(&event.details).ok()?;
    let text =
        |key: &str| details.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string);
    match event.action.as_str() {
        "application.assigned" => text("inspector").map(|i| format!("Assigned to {i}")),
        "application.submitted" => text("reference").map(|r| format!("Reference {r}")),
        "information.requested" => text("question"),
        "information.answered" => match details.get("attachment_count").and_then(Value::as_i64) {
            Some(n) if n > 0 => Some(format!("{n} {} attached", if n == 1 { "file" } else { "files" })),
            _ => None,
        },
        "application.screened" => {
            let list = details.get("criteria").and_then(Value::as_array)?;
            let unmet = list.iter().filter(|c| c.get("outcome").and_then(Value::as_str) == Some("not_met")).count();
            Some(match unmet {
                0 => "All seven criteria met".to_string(),
                1 => "1 criterion not met".to_string(),
                n => format!("{n} criteria not met"),
            })
        }
        "observation.moderated" => text("reason").map(|r| format!("Reason: {r}")),
        "observation.posted" | "observation.replied" => match details.get("withheld").and_then(Value::as_bool) {
            Some(true) if text("body").is_none() => Some("Withheld by a moderator".to_string()),
            _ => text("body"),
        },
        _ => text("reasons").or_else(|| text("reason")).or_else(|| text("note")),
    }
}
