//! The application (case) lifecycle: its states, the actions on it, and the one function that
//! says where an action leads from a state. See `docs/LIFECYCLE.md` for the table.

use std::fmt;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        /// Compares with the stored text, so that a row can be checked against a literal.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    format!("must be one of {}; not '{s}'", names.join(", "))
                })
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Where a case is in its lifecycle.
    Status {
        Draft => "draft",
        Submitted => "submitted",
        Screening => "screening",
        InformationRequested => "information_requested",
        Assessment => "assessment",
        Approved => "approved",
        Refused => "refused",
        Withdrawn => "withdrawn",
        Active => "active",
        Suspended => "suspended",
        Revoked => "revoked",
        Completed => "completed",
    }
}

string_enum! {
    /// What kind of net-zero intervention a trial is.
    Intervention {
        SolarPv => "solar_pv",
        HeatPump => "heat_pump",
        EvCharging => "ev_charging",
        BatteryStorage => "battery_storage",
        Retrofit => "retrofit",
        CommunityWind => "community_wind",
        HeatNetwork => "heat_network",
        Other => "other",
    }
}

string_enum! {
    /// Everything that can be done to a case.
    CaseAction {
        Edit => "edit",
        Submit => "submit",
        Withdraw => "withdraw",
        Assign => "assign",
        Screen => "screen",
        RequestInformation => "request_information",
        Answer => "answer",
        Approve => "approve",
        Refuse => "refuse",
        Start => "start",
        Suspend => "suspend",
        Reinstate => "reinstate",
        Revoke => "revoke",
        Extend => "extend",
        Complete => "complete",
    }
}

impl Status {
    /// A trial the public may see in full (`access.md`).
    pub fn is_public_trial(self) -> bool {
        matches!(self, Status::Approved | Status::Active | Status::Suspended | Status::Revoked | Status::Completed)
    }

    /// Decided or otherwise finished with.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Refused | Status::Withdrawn | Status::Revoked | Status::Completed)
    }
}

/// What a transition needs to know besides the state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// For `Screen`: whether every criterion was met.
    pub all_criteria_met: bool,
    /// For `Answer`: the state to return to.
    pub resume: Option<Status>,
}

/// An action that the case's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAllowed {
    pub current: Status,
    pub action: CaseAction,
    pub allowed: Vec<CaseAction>,
}

impl fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed: Vec<&str> = self.allowed.iter().map(|a| a.as_str()).collect();
        write!(
            f,
            "cannot {} a case that is {}; allowed now: {}",
            self.action.as_str().replace('_', " "),
            self.current,
            if allowed.is_empty() { "nothing".to_string() } else { allowed.join(", ") }
        )
    }
}

/// The actions a state allows, whoever asks.
pub fn allowed_actions(status: Status) -> Vec<CaseAction> {
    use CaseAction::*;
    match status {
        Status::Draft => vec![Edit, Submit],
        Status::Submitted => vec![Assign, Withdraw],
        Status::Screening => vec![Assign, Screen, RequestInformation, Withdraw],
        Status::InformationRequested => vec![Assign, Answer, Withdraw],
        Status::Assessment => vec![Assign, RequestInformation, Approve, Refuse, Withdraw],
        Status::Approved => vec![Start],
        Status::Active => vec![Suspend, Revoke, Extend, Complete],
        Status::Suspended => vec![Reinstate, Revoke],
        Status::Refused | Status::Withdrawn | Status::Revoked | Status::Completed => vec![],
    }
}

/// Where `action` leads from `status`. The one place the lifecycle table is encoded.
pub fn transition(status: Status, action: CaseAction, facts: Facts) -> Result<Status, NotAllowed> {
    use CaseAction as A;
    use Status as S;
    let refuse = || NotAllowed { current: status, action, allowed: allowed_actions(status) };
    if !allowed_actions(status).contains(&action) {
        return Err(refuse());
    }
    Ok(match (status, action) {
        (S::Draft, A::Edit) => S::Draft,
        (S::Draft, A::Submit) => S::Submitted,
        (S::Submitted, A::Assign) => S::Screening,
        (s, A::Assign) => s,
        (S::Screening, A::Screen) => {
            if facts.all_criteria_met {
                S::Assessment
            } else {
                S::Refused
            }
        }
        (_, A::RequestInformation) => S::InformationRequested,
        (S::InformationRequested, A::Answer) => match facts.resume {
            Some(r @ (S::Screening | S::Assessment)) => r,
            _ => return Err(refuse()),
        },
        (S::Assessment, A::Approve) => S::Approved,
        (S::Assessment, A::Refuse) => S::Refused,
        (_, A::Withdraw) => S::Withdrawn,
        (S::Approved, A::Start) => S::Active,
        (S::Active, A::Suspend) => S::Suspended,
        (S::Suspended, A::Reinstate) => S::Active,
        (_, A::Revoke) => S::Revoked,
        (S::Active, A::Extend) => S::Active,
        (S::Active, A::Complete) => S::Completed,
        _ => return Err(refuse()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_met() -> Facts {
        Facts { all_criteria_met: true, resume: None }
    }

    #[test]
    fn every_allowed_transition_leads_where_the_table_says() {
        use CaseAction as A;
        use Status as S;
        let cases = [
            (S::Draft, A::Edit, all_met(), S::Draft),
            (S::Draft, A::Submit, all_met(), S::Submitted),
            (S::Submitted, A::Assign, all_met(), S::Screening),
            (S::Submitted, A::Withdraw, all_met(), S::Withdrawn),
            (S::Screening, A::Assign, all_met(), S::Screening),
            (S::Screening, A::Screen, all_met(), S::Assessment),
            (S::Screening, A::Screen, Facts::default(), S::Refused),
            (S::Screening, A::RequestInformation, all_met(), S::InformationRequested),
            (S::Screening, A::Withdraw, all_met(), S::Withdrawn),
            (S::InformationRequested, A::Assign, all_met(), S::InformationRequested),
            (
                S::InformationRequested,
                A::Answer,
                Facts { resume: Some(S::Screening), ..Facts::default() },
                S::Screening,
            ),
            (
                S::InformationRequested,
                A::Answer,
                Facts { resume: Some(S::Assessment), ..Facts::default() },
                S::Assessment,
            ),
            (S::InformationRequested, A::Withdraw, all_met(), S::Withdrawn),
            (S::Assessment, A::Assign, all_met(), S::Assessment),
            (S::Assessment, A::RequestInformation, all_met(), S::InformationRequested),
            (S::Assessment, A::Approve, all_met(), S::Approved),
            (S::Assessment, A::Refuse, all_met(), S::Refused),
            (S::Assessment, A::Withdraw, all_met(), S::Withdrawn),
            (S::Approved, A::Start, all_met(), S::Active),
            (S::Active, A::Suspend, all_met(), S::Suspended),
            (S::Active, A::Revoke, all_met(), S::Revoked),
            (S::Active, A::Extend, all_met(), S::Active),
            (S::Active, A::Complete, all_met(), S::Completed),
            (S::Suspended, A::Reinstate, all_met(), S::Active),
            (S::Suspended, A::Revoke, all_met(), S::Revoked),
        ];
        for (from, action, facts, to) in cases {
            assert_eq!(transition(from, action, facts), Ok(to), "{from} --{action}-->");
        }
        // The table above covers exactly the allowed pairs.
        let listed: usize = Status::ALL.iter().map(|s| allowed_actions(*s).len()).sum();
        let distinct: std::collections::BTreeSet<(Status, CaseAction)> = cases.iter().map(|c| (c.0, c.1)).collect();
        assert_eq!(listed, distinct.len());
    }

    #[test]
    fn every_other_transition_is_refused_with_the_allowed_ones() {
        for &status in Status::ALL {
            let allowed = allowed_actions(status);
            for &action in CaseAction::ALL {
                if allowed.contains(&action) {
                    continue;
                }
                let err = transition(status, action, all_met()).unwrap_err();
                assert_eq!(err.current, status);
                assert_eq!(err.allowed, allowed);
                assert!(err.to_string().contains(status.as_str()));
            }
        }
    }

    #[test]
    fn answer_needs_a_state_to_return_to() {
        let r = transition(Status::InformationRequested, CaseAction::Answer, Facts::default());
        assert!(r.is_err());
        let r = transition(
            Status::InformationRequested,
            CaseAction::Answer,
            Facts { resume: Some(Status::Approved), ..Facts::default() },
        );
        assert!(r.is_err());
    }

    #[test]
    fn terminal_states_allow_nothing() {
        for s in [Status::Refused, Status::Withdrawn, Status::Revoked, Status::Completed] {
            assert!(allowed_actions(s).is_empty());
            assert!(s.is_closed());
        }
        assert!(Status::Active.is_public_trial() && !Status::Assessment.is_public_trial());
    }
}

#[cfg(test)]
mod properties {
    //! Random command sequences against the lifecycle, checking the invariants the design promises.
    use std::collections::BTreeSet;

    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::application::{check_approval, Approval, ConditionInput, Grant, ProvisionFacts};
    use crate::domain::monitoring::ConditionCategory;

    #[derive(Debug, Clone)]
    struct Step {
        action: CaseAction,
        all_met: bool,
        grant: BTreeSet<u8>,
    }

    fn step() -> impl Strategy<Value = Step> {
        (0..CaseAction::ALL.len(), any::<bool>(), proptest::collection::btree_set(0u8..6, 0..4))
            .prop_map(|(i, all_met, grant)| Step { action: CaseAction::ALL[i], all_met, grant })
    }

    fn provisions(codes: &BTreeSet<u8>) -> Vec<ProvisionFacts> {
        codes
            .iter()
            .map(|c| ProvisionFacts { id: *c as i64, code: format!("P-{c}"), max_trial_months: 24, retired: false })
            .collect()
    }

    proptest! {
        #[test]
        fn invariants_hold_for_any_command_sequence(
            requested in proptest::collection::btree_set(0u8..6, 1..4),
            steps in proptest::collection::vec(step(), 1..60),
        ) {
            let today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
            let mut status = Status::Draft;
            let mut resume: Option<Status> = None;
            let mut trail: Vec<(Status, CaseAction, Status)> = Vec::new();
            let mut passed_screening = false;
            let mut approved = false;
            let mut granted: BTreeSet<u8> = BTreeSet::new();
            for s in steps {
                let facts = Facts { all_criteria_met: s.all_met, resume };
                let Ok(next) = transition(status, s.action, facts) else {
                    prop_assert!(!allowed_actions(status).contains(&s.action) || s.action == CaseAction::Answer);
                    continue;
                };
                if s.action == CaseAction::Approve {
                    // The use-case validates the grant; only a valid approval is carried out.
                    let approval = Approval {
                        reasons: "r".into(),
                        trial_start_date: today,
                        trial_end_date: NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(),
                        grants: s.grant.iter().map(|g| Grant { provision_code: format!("P-{g}"), limits: String::new(), ends_on: None }).collect(),
                        conditions: vec![ConditionInput {
                            category: ConditionCategory::Other, description: "d".into(), metric: "m".into(),
                            target_value: 1.0, unit: "u".into(), due_on: today,
                        }],
                        milestones: None,
                    };
                    let errors = check_approval(&approval, &provisions(&requested), false, today);
                    prop_assert_eq!(errors.is_empty(), !s.grant.is_empty() && s.grant.is_subset(&requested));
                    if !errors.is_empty() {
                        continue;
                    }
                    prop_assert!(passed_screening, "no decision without screening");
                    granted = s.grant.clone();
                    approved = true;
                }
                if s.action == CaseAction::Screen && next == Status::Assessment {
                    passed_screening = true;
                }
                if s.action == CaseAction::Start {
                    prop_assert!(approved, "no trial without approval");
                }
                if s.action == CaseAction::RequestInformation {
                    resume = Some(status);
                }
                if s.action == CaseAction::Answer {
                    resume = None;
                }
                trail.push((status, s.action, next));
                status = next;
                prop_assert!(granted.is_subset(&requested), "granted ⊆ requested");
                if matches!(status, Status::Active | Status::Suspended | Status::Completed | Status::Revoked) {
                    prop_assert!(approved);
                }
            }
            // The trail replays to the status, link by link.
            let mut replay = Status::Draft;
            for (from, _, to) in &trail {
                prop_assert_eq!(*from, replay);
                replay = *to;
            }
            prop_assert_eq!(replay, status);
        }
    }
}

#[cfg(test)]
mod doc {
    use super::*;

    /// docs/LIFECYCLE.md's table of states and actions is the code's.
    #[test]
    fn lifecycle_doc_matches_the_code() {
        let doc = include_str!("../../docs/LIFECYCLE.md");
        let mut seen = 0;
        for line in doc.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 {
                continue;
            }
            let Ok(status) = cells[1].parse::<Status>() else { continue };
            let documented: Vec<String> =
                cells[2].split(',').map(|a| a.trim().to_string()).filter(|a| !a.is_empty() && a != "–").collect();
            let actual: Vec<String> = allowed_actions(status).iter().map(|a| a.as_str().to_string()).collect();
            assert_eq!(documented, actual, "docs/LIFECYCLE.md row for {status}");
            seen += 1;
        }
        assert_eq!(seen, Status::ALL.len(), "every state has a row");
    }
}
