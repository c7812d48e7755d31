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
    /// What a moderator does with an observation.
    ModerationAction {
        Hide => "hide",
        Redact => "redact",
    }
}

string_enum! {
    /// A community member's view of a condition's latest evidence.
    AttestationStance {
        Confirm => "confirm",
        Dispute => "dispute",
    }
}
