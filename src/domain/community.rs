//! What community members say about a trial: observations and how they are shown, and their
//! confirmation or dispute of a condition's evidence.

use super::case::string_enum;

string_enum! {
    /// The kind of an observation on a trial.
    ObservationKind {
        Comment => "comment",
        Concern => "concern",
        Support => "support",
    }
}

string_enum! {
    /// How an observation is shown: as written, with a moderator's redacted text, or not at all.
    Visibility {
        Published => "published",
        Redacted => "redacted",
        Hidden => "hidden",
    }
}

string_enum! {
    /// What a moderator does with an observation: hide it, publish a redacted text, or keep it
    /// as the public sees it (it leaves the moderators' list).
    ModerationAction {
        Hide => "hide",
        Redact => "redact",
        Keep => "keep",
    }
}

/// How many different people's reports hold an observation back from the public until a
/// moderator looks at it.
pub const REPORTS_TO_HOLD: i64 = 3;

/// Whether an observation with `reports` reports made since a moderator last acted on it (or
/// since it was posted) is held back for review.
pub fn held_by_reports(reports: i64) -> bool {
    reports >= REPORTS_TO_HOLD
}

string_enum! {
    /// A community member's view of a condition's latest evidence.
    AttestationStance {
        Confirm => "confirm",
        Dispute => "dispute",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_report_holds_an_observation_back() {
        assert!(!held_by_reports(0));
        assert!(!held_by_reports(2));
        assert!(held_by_reports(3));
        assert!(held_by_reports(4));
        assert_eq!("keep".parse::<ModerationAction>(), Ok(ModerationAction::Keep));
    }
}
