//! What community members and moderators send: observations, replies, moderation, attestations,
//! follows and notification preferences.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{finish, optional_text, parse_required, Field, Parsed};
use crate::domain::application::text;
use crate::domain::community::{AttestationStance, ModerationAction, ObservationKind};
use crate::domain::FieldErrors;

/// The longest observation, reply, redacted text or attestation comment.
pub const MAX_POST: usize = 4000;
/// The longest moderation reason.
pub const MAX_MODERATION_REASON: usize = 2000;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationBody {
    #[serde(default)]
    #[schema(required = true, value_type = ObservationKind)]
    pub kind: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 4000)]
    pub body: Field<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservationInput {
    pub kind: ObservationKind,
    pub body: String,
}

impl ObservationBody {
    pub fn parse(self) -> Parsed<ObservationInput> {
        let mut e = FieldErrors::new();
        let kind = parse_required(self.kind, &mut e, "kind", |s| s.parse::<ObservationKind>());
        let body = parse_required(self.body, &mut e, "body", |s| text(s, MAX_POST));
        let parsed = match (kind, body) {
            (Some(kind), Some(body)) => Some(ObservationInput { kind, body }),
            _ => None,
        };
        finish(e, parsed)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 4000)]
    pub body: Field<String>,
}

impl ReplyBody {
    pub fn parse(self) -> Parsed<String> {
        let mut e = FieldErrors::new();
        let body = parse_required(self.body, &mut e, "body", |s| text(s, MAX_POST));
        finish(e, body)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateBody {
    #[serde(default)]
    #[schema(required = true, value_type = ModerationAction)]
    pub action: Field<String>,
    /// Required to hide or redact; optional to keep.
    #[serde(default)]
    #[schema(value_type = String, format = "text", max_length = 2000)]
    pub reason: Field<String>,
    /// With `redact`: the text to publish instead.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text", max_length = 4000)]
    pub redacted_body: Field<String>,
}

/// A moderation: hide (no text), publish `redacted` instead of the original, or keep the
/// observation as the public sees it. Hiding and redacting need a reason; keeping may have one.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderation {
    pub action: ModerationAction,
    pub redacted: Option<String>,
    pub reason: Option<String>,
}

impl ModerateBody {
    pub fn parse(self) -> Parsed<Moderation> {
        let mut e = FieldErrors::new();
        let action = parse_required(self.action, &mut e, "action", |s| s.parse::<ModerationAction>());
        let reason = match action {
            Some(ModerationAction::Keep) => match self.reason.optional(&mut e, "reason") {
                Some(Some(t)) => e.check("reason", text(&t, MAX_MODERATION_REASON)).map(Some),
                _ => Some(None),
            },
            _ => parse_required(self.reason, &mut e, "reason", |s| text(s, MAX_MODERATION_REASON)).map(Some),
        };
        let redacted = match self.redacted_body.optional(&mut e, "redacted_body") {
            Some(Some(t)) => e.check("redacted_body", text(&t, MAX_POST)),
            Some(None) => None,
            None => None,
        };
        let redact = action == Some(ModerationAction::Redact);
        if redact && redacted.is_none() && !e.0.iter().any(|f| f.field == "redacted_body") {
            e.add("redacted_body", "is required to redact");
        }
        let parsed = match (action, reason) {
            (Some(action), Some(reason)) => {
                Some(Moderation { action, redacted: if redact { redacted } else { None }, reason })
            }
            _ => None,
        };
        finish(e, parsed)
    }
}

/// The longest reason a reporter may give.
pub const MAX_REPORT_REASON: usize = 1000;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// Why the observation is inappropriate (optional; seen by moderators only).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "text-or-blank", max_length = 1000)]
    pub reason: Field<String>,
}

impl ReportBody {
    /// The reason, if one was given.
    pub fn parse(self) -> Parsed<Option<String>> {
        let mut e = FieldErrors::new();
        let reason = optional_text(self.reason, &mut e, "reason", MAX_REPORT_REASON);
        finish(e, Some(reason))
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationBody {
    #[serde(default)]
    #[schema(required = true, value_type = AttestationStance)]
    pub stance: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "text", max_length = 4000)]
    pub comment: Field<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttestationInput {
    pub stance: AttestationStance,
    pub comment: String,
}

impl AttestationBody {
    pub fn parse(self) -> Parsed<AttestationInput> {
        let mut e = FieldErrors::new();
        let stance = parse_required(self.stance, &mut e, "stance", |s| s.parse::<AttestationStance>());
        let comment = parse_required(self.comment, &mut e, "comment", |s| text(s, MAX_POST));
        let parsed = match (stance, comment) {
            (Some(stance), Some(comment)) => Some(AttestationInput { stance, comment }),
            _ => None,
        };
        finish(e, parsed)
    }
}

/// What a user follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Trial(i64),
    Zone(i64),
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowBody {
    /// A trial to follow…
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub application_id: Field<i64>,
    /// …or a zone.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub zone_id: Field<i64>,
}

impl FollowBody {
    pub fn parse(self) -> Parsed<Target> {
        let mut e = FieldErrors::new();
        let app = self.application_id.optional(&mut e, "application_id").flatten();
        let zone = self.zone_id.optional(&mut e, "zone_id").flatten();
        let target = match (app, zone) {
            (Some(a), None) => Some(Target::Trial(a)),
            (None, Some(z)) => Some(Target::Zone(z)),
            _ => {
                if e.is_empty() {
                    e.add("body", "send application_id or zone_id (one of them)");
                }
                None
            }
        };
        finish(e, target)
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PreferencesBody {
    /// Category → on/off; categories left out keep their setting. Security mail (verification,
    /// password reset) is always sent.
    #[schema(value_type = PreferenceCategories)]
    pub categories: serde_json::Map<String, serde_json::Value>,
}

/// The notification categories one may turn off (`case_mail::PREFERENCES`; a unit test keeps
/// the two lists the same).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Only the document reads it.
pub struct PreferenceCategories {
    /// Changes to one's own cases.
    #[schema(nullable = false)]
    pub case_updates: Option<bool>,
    /// New cases to screen (inspectors).
    #[schema(nullable = false)]
    pub new_cases: Option<bool>,
    /// Reminders of conditions and milestones due.
    #[schema(nullable = false)]
    pub reminders: Option<bool>,
    /// Observations and attestations on one's cases.
    #[schema(nullable = false)]
    pub community: Option<bool>,
    /// Decisions and changes to trials and zones one follows.
    #[schema(nullable = false)]
    pub followed_trials: Option<bool>,
}

impl PreferencesBody {
    pub fn parse(self) -> Parsed<Vec<(String, bool)>> {
        let mut e = FieldErrors::new();
        let mut wanted = Vec::new();
        for (k, v) in self.categories {
            match v.as_bool() {
                Some(b) => wanted.push((k, b)),
                None => e.add(format!("categories.{k}"), "must be true or false"),
            }
        }
        finish(e, Some(wanted))
    }

    pub fn of(list: Vec<(String, bool)>) -> Self {
        PreferencesBody { categories: list.into_iter().map(|(k, v)| (k, serde_json::Value::Bool(v))).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_categories_are_the_preferences() {
        let schema = serde_json::to_value(<PreferenceCategories as utoipa::PartialSchema>::schema()).unwrap();
        let mut documented: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut preferences = crate::app::case_mail::PREFERENCES.to_vec();
        documented.sort_unstable();
        preferences.sort_unstable();
        assert_eq!(documented, preferences);
        assert_eq!(schema["additionalProperties"], false, "{schema}");
    }
}
