//! What an inspector decides about a case: the screening criteria and their outcomes, the decision
//! itself, and the recommendation made for each derogated provision when a trial is evaluated.

use super::case::string_enum;
use super::FieldErrors;

string_enum! {
    /// The seven screening criteria, in the order an inspector works through them.
    ScreeningCriterion {
        GenuineInnovation => "genuine_innovation",
        CarbonReduction => "carbon_reduction",
        CommunityBenefit => "community_benefit",
        NeedForDerogation => "need_for_derogation",
        Readiness => "readiness",
        Safeguards => "safeguards",
        ExitPlan => "exit_plan",
    }
}

string_enum! {
    /// Which side of an information request sent a file: the inspector with the question, or the
    /// applicant with the answer.
    AttachmentSide {
        Request => "request",
        Answer => "answer",
    }
}

string_enum! {
    /// Whether a screening criterion was met.
    CriterionOutcome {
        Met => "met",
        NotMet => "not_met",
    }
}

string_enum! {
    /// The decision on an application.
    Decision {
        Approved => "approved",
        Refused => "refused",
    }
}

string_enum! {
    /// What an evaluation recommends for a derogated provision.
    RecommendationKind {
        MakePermanent => "make_permanent",
        Amend => "amend",
        DoNotAdopt => "do_not_adopt",
        Inconclusive => "inconclusive",
    }
}

/// One screening criterion as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionResult {
    pub criterion: ScreeningCriterion,
    pub met: bool,
    pub note: String,
}

/// Every criterion recorded exactly once.
pub fn check_screening(criteria: &[CriterionResult]) -> FieldErrors {
    let mut e = FieldErrors::new();
    for (i, c) in criteria.iter().enumerate() {
        if criteria.iter().filter(|x| x.criterion == c.criterion).count() > 1 {
            e.add(format!("criteria[{i}].criterion"), "is recorded twice");
        }
    }
    for name in ScreeningCriterion::ALL {
        if !criteria.iter().any(|c| c.criterion == *name) {
            e.add("criteria", format!("{name} is not recorded; all seven criteria are required"));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_text() {
        for c in ScreeningCriterion::ALL {
            assert_eq!(c.as_str().parse::<ScreeningCriterion>(), Ok(*c));
        }
        assert!("maybe".parse::<CriterionOutcome>().is_err());
        assert_eq!("do_not_adopt".parse::<RecommendationKind>(), Ok(RecommendationKind::DoNotAdopt));
    }
}
