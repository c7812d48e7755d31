//! What people read for each stored enum value, and the colour of its status tag. One table for
//! every enum in `domain` (and the outbox's delivery status): a value has the same label wherever
//! it appears, so values shared by two enums (`submitted`, `met`, `overdue`, ...) read the same.

use std::borrow::Cow;

/// Every enum value and its label, grouped by enum. The test below checks that each value of
/// each enum is here, so that a new value is given a label when it is added.
const LABELS: &[(&str, &str)] = &[
    // case::Status
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("screening", "Screening"),
    ("information_requested", "Information requested"),
    ("assessment", "In assessment"),
    ("approved", "Approved"),
    ("refused", "Refused"),
    ("withdrawn", "Withdrawn"),
    ("active", "Active"),
    ("suspended", "Suspended"),
    ("revoked", "Revoked"),
    ("completed", "Completed"),
    // case::Intervention
    ("solar_pv", "Solar PV"),
    ("heat_pump", "Heat pump"),
    ("ev_charging", "EV charging"),
    ("battery_storage", "Battery storage"),
    ("retrofit", "Retrofit"),
    ("community_wind", "Community wind"),
    ("heat_network", "Heat network"),
    ("other", "Other"),
    // case::CaseAction
    ("edit", "Edit"),
    ("submit", "Submit"),
    ("withdraw", "Withdraw"),
    ("assign", "Assign"),
    ("screen", "Screen"),
    ("request_information", "Request information"),
    ("answer", "Answer"),
    ("approve", "Approve"),
    ("refuse", "Refuse"),
    ("start", "Start"),
    ("suspend", "Suspend"),
    ("reinstate", "Reinstate"),
    ("revoke", "Revoke"),
    ("extend", "Extend"),
    ("complete", "Complete"),
    // account::Role
    ("innovator", "Innovator"),
    ("community", "Community member"),
    ("inspector", "Inspector"),
    ("admin", "Administrator"),
    // account::OrganisationKind
    ("community_owned_enterprise", "Community-owned enterprise"),
    ("community_group", "Community group"),
    ("sme", "SME"),
    ("large_business", "Large business"),
    ("public_body", "Public body"),
    ("charity", "Charity"),
    // account::TokenPurpose
    ("verify_email", "Email address confirmation"),
    ("password_reset", "Password reset"),
    ("invitation", "Invitation"),
    // decision::ScreeningCriterion
    ("genuine_innovation", "Genuine innovation"),
    ("carbon_reduction", "Carbon reduction"),
    ("community_benefit", "Community benefit"),
    ("need_for_derogation", "Need for derogation"),
    ("readiness", "Readiness"),
    ("safeguards", "Safeguards"),
    ("exit_plan", "Exit plan"),
    // decision::CriterionOutcome (and Decision: approved, refused)
    ("met", "Met"),
    ("not_met", "Not met"),
    // decision::AttachmentSide (and answer)
    ("request", "Request"),
    // decision::RecommendationKind
    ("make_permanent", "Make permanent"),
    ("amend", "Amend"),
    ("do_not_adopt", "Do not adopt"),
    ("inconclusive", "Inconclusive"),
    // monitoring::ConditionCategory (and carbon_reduction, other)
    ("community_fund", "Community fund"),
    ("community_ownership", "Community ownership"),
    ("local_employment", "Local employment"),
    ("bill_savings", "Bill savings"),
    ("biodiversity", "Biodiversity"),
    ("engagement", "Engagement"),
    // monitoring::ConditionStatus (and met)
    ("pending", "Pending"),
    ("evidence_submitted", "Evidence submitted"),
    ("overdue", "Overdue"),
    ("breached", "Breached"),
    ("waived", "Waived"),
    // monitoring::ConditionEvent
    ("submit_evidence", "Submit evidence"),
    ("verify", "Verify"),
    ("reject_evidence", "Reject evidence"),
    ("mark_overdue", "Mark overdue"),
    ("breach", "Breach"),
    ("waive", "Waive"),
    // monitoring::MilestoneKind
    ("interim_report", "Interim report"),
    ("mid_trial_review", "Mid-trial review"),
    ("final_report", "Final report"),
    ("exit", "Exit"),
    ("site_inspection", "Site inspection"),
    ("community_meeting", "Community meeting"),
    ("custom", "Custom"),
    // monitoring::MilestoneStatus (and submitted, overdue, waived) and ReviewOutcome
    ("scheduled", "Scheduled"),
    ("revision_requested", "Revision requested"),
    ("accepted", "Accepted"),
    // monitoring::MilestoneEvent (and mark_overdue, waive)
    ("submit_report", "Submit report"),
    ("accept", "Accept"),
    ("request_revision", "Request revision"),
    // monitoring::EvidenceVerdict and EvidenceOutcome (and met, pending)
    ("verified", "Verified"),
    ("rejected", "Rejected"),
    // monitoring::EnforcementKind
    ("suspension", "Suspension"),
    ("reinstatement", "Reinstatement"),
    ("revocation", "Revocation"),
    ("extension", "Extension"),
    // community::ObservationKind
    ("comment", "Comment"),
    ("concern", "Concern"),
    ("support", "Support"),
    // community::Visibility
    ("published", "Published"),
    ("redacted", "Redacted"),
    ("hidden", "Hidden"),
    // community::ModerationAction
    ("hide", "Hide"),
    ("redact", "Redact"),
    ("keep", "Keep"),
    // community::AttestationStance
    ("confirm", "Confirmed"),
    ("dispute", "Disputed"),
    // email::DeliveryStatus (and pending)
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("dead", "Not delivered"),
];

/// The label of an enum value: "solar_pv" → "Solar PV", "sme" → "SME". A value not in the table
/// reads with its underscores as spaces and its first letter capitalised.
pub fn label(value: &str) -> Cow<'static, str> {
    if let Some((_, l)) = LABELS.iter().find(|(v, _)| *v == value) {
        return Cow::Borrowed(l);
    }
    let spaced = value.trim().replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => Cow::Owned(first.to_uppercase().chain(chars).collect()),
        None => Cow::Borrowed(""),
    }
}

/// The GOV.UK tag colour of each status-like value; `blue` is the plain `govuk-tag`.
const TAG_COLOURS: &[(&str, &str)] = &[
    // case::Status
    ("draft", "grey"),
    ("submitted", "blue"),
    ("screening", "blue"),
    ("information_requested", "yellow"),
    ("assessment", "blue"),
    ("approved", "green"),
    ("refused", "red"),
    ("withdrawn", "grey"),
    ("active", "green"),
    ("suspended", "orange"),
    ("revoked", "red"),
    ("completed", "purple"),
    // monitoring::ConditionStatus
    ("pending", "grey"),
    ("evidence_submitted", "blue"),
    ("met", "green"),
    ("overdue", "red"),
    ("breached", "red"),
    ("waived", "grey"),
    // monitoring::MilestoneStatus
    ("scheduled", "grey"),
    ("revision_requested", "yellow"),
    ("accepted", "green"),
    // monitoring::EvidenceOutcome
    ("verified", "green"),
    ("rejected", "red"),
    // decision::CriterionOutcome
    ("not_met", "red"),
    // decision::RecommendationKind
    ("make_permanent", "green"),
    ("amend", "yellow"),
    ("do_not_adopt", "red"),
    ("inconclusive", "grey"),
    // email::DeliveryStatus (and pending)
    ("sending", "blue"),
    ("sent", "green"),
    ("dead", "red"),
    // community::Visibility
    ("published", "green"),
    ("redacted", "yellow"),
    ("hidden", "red"),
];

/// The classes of a status's GOV.UK tag: `govuk-tag govuk-tag--green` for "approved". Blue is
/// the plain tag in GOV.UK Frontend 6; a value without a colour of its own is grey.
pub fn tag_class(status: &str) -> &'static str {
    match TAG_COLOURS.iter().find(|(v, _)| *v == status).map_or("grey", |(_, c)| *c) {
        "blue" => "govuk-tag",
        "green" => "govuk-tag govuk-tag--green",
        "yellow" => "govuk-tag govuk-tag--yellow",
        "orange" => "govuk-tag govuk-tag--orange",
        "red" => "govuk-tag govuk-tag--red",
        "purple" => "govuk-tag govuk-tag--purple",
        _ => "govuk-tag govuk-tag--grey",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{OrganisationKind, Role, TokenPurpose};
    use crate::domain::case::{CaseAction, Intervention, Status};
    use crate::domain::community::{AttestationStance, ModerationAction, ObservationKind, Visibility};
    use crate::domain::decision::{AttachmentSide, CriterionOutcome, Decision, RecommendationKind, ScreeningCriterion};
    use crate::domain::monitoring::{
        ConditionCategory, ConditionEvent, ConditionStatus, EnforcementKind, EvidenceOutcome, EvidenceVerdict,
        MilestoneEvent, MilestoneKind, MilestoneStatus, ReviewOutcome,
    };
    use crate::email::DeliveryStatus;

    macro_rules! values {
        ($($enum:ident),+) => { vec![$($enum::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),+].concat() };
    }

    #[test]
    fn every_enum_value_has_a_label_of_its_own() {
        let all = values!(
            Status,
            Intervention,
            CaseAction,
            Role,
            OrganisationKind,
            TokenPurpose,
            ScreeningCriterion,
            CriterionOutcome,
            Decision,
            AttachmentSide,
            RecommendationKind,
            ConditionCategory,
            ConditionStatus,
            ConditionEvent,
            MilestoneKind,
            MilestoneStatus,
            MilestoneEvent,
            EvidenceVerdict,
            ReviewOutcome,
            EvidenceOutcome,
            EnforcementKind,
            ObservationKind,
            Visibility,
            ModerationAction,
            AttestationStance,
            DeliveryStatus
        );
        for v in &all {
            assert!(LABELS.iter().any(|(k, _)| k == v), "no label for {v}");
            let l = label(v);
            assert!(!l.contains('_') && l.starts_with(|c: char| c.is_uppercase()), "{v} → {l}");
        }
        for (k, _) in LABELS {
            assert_eq!(LABELS.iter().filter(|(v, _)| v == k).count(), 1, "{k} is labelled twice");
            assert!(all.contains(k), "{k} is labelled but is no enum's value");
        }
    }

    #[test]
    fn labels_read_as_people_write() {
        assert_eq!(label("solar_pv"), "Solar PV");
        assert_eq!(label("ev_charging"), "EV charging");
        assert_eq!(label("sme"), "SME");
        assert_eq!(label("community_owned_enterprise"), "Community-owned enterprise");
        assert_eq!(label("information_requested"), "Information requested");
        assert_eq!(label("assessment"), "In assessment");
        assert_eq!(label("mid_trial_review"), "Mid-trial review");
        assert_eq!(label("do_not_adopt"), "Do not adopt");
    }

    #[test]
    fn an_unknown_value_falls_back_to_spaces_and_a_capital() {
        assert_eq!(label("in_assessment"), "In assessment");
        assert_eq!(label("some_new_value"), "Some new value");
        assert_eq!(label("élan"), "Élan");
        assert_eq!(label(""), "");
        assert_eq!(label("Already fine"), "Already fine");
    }

    #[test]
    fn every_status_has_a_tag_colour_and_unknown_ones_are_grey() {
        let statuses = values!(Status, ConditionStatus, MilestoneStatus, EvidenceOutcome, Decision, CriterionOutcome);
        for s in statuses.iter().chain(values!(RecommendationKind).iter()) {
            assert!(TAG_COLOURS.iter().any(|(k, _)| k == s), "no colour for {s}");
        }
        assert_eq!(tag_class("draft"), "govuk-tag govuk-tag--grey");
        assert_eq!(tag_class("submitted"), "govuk-tag");
        assert_eq!(tag_class("assessment"), "govuk-tag");
        assert_eq!(tag_class("information_requested"), "govuk-tag govuk-tag--yellow");
        assert_eq!(tag_class("approved"), "govuk-tag govuk-tag--green");
        assert_eq!(tag_class("active"), "govuk-tag govuk-tag--green");
        assert_eq!(tag_class("suspended"), "govuk-tag govuk-tag--orange");
        assert_eq!(tag_class("refused"), "govuk-tag govuk-tag--red");
        assert_eq!(tag_class("revoked"), "govuk-tag govuk-tag--red");
        assert_eq!(tag_class("withdrawn"), "govuk-tag govuk-tag--grey");
        assert_eq!(tag_class("completed"), "govuk-tag govuk-tag--purple");
        assert_eq!(tag_class("met"), "govuk-tag govuk-tag--green");
        assert_eq!(tag_class("overdue"), "govuk-tag govuk-tag--red");
        assert_eq!(tag_class("breached"), "govuk-tag govuk-tag--red");
        assert_eq!(tag_class("pending"), "govuk-tag govuk-tag--grey");
        assert_eq!(tag_class("no_such_status"), "govuk-tag govuk-tag--grey");
    }
}
