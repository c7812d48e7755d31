//! Community-benefit conditions and review milestones: their kinds and lifecycles.

use std::fmt;

use chrono::NaiveDate;

use super::case::string_enum;

string_enum! {
    ConditionCategory {
        CommunityFund => "community_fund",
        CommunityOwnership => "community_ownership",
        LocalEmployment => "local_employment",
        BillSavings => "bill_savings",
        CarbonReduction => "carbon_reduction",
        Biodiversity => "biodiversity",
        Engagement => "engagement",
        Other => "other",
    }
}

string_enum! {
    ConditionStatus {
        Pending => "pending",
        EvidenceSubmitted => "evidence_submitted",
        Met => "met",
        Overdue => "overdue",
        Breached => "breached",
        Waived => "waived",
    }
}

string_enum! {
    ConditionEvent {
        SubmitEvidence => "submit_evidence",
        Verify => "verify",
        RejectEvidence => "reject_evidence",
        MarkOverdue => "mark_overdue",
        Breach => "breach",
        Waive => "waive",
    }
}

string_enum! {
    MilestoneKind {
        InterimReport => "interim_report",
        MidTrialReview => "mid_trial_review",
        FinalReport => "final_report",
        Exit => "exit",
        SiteInspection => "site_inspection",
        CommunityMeeting => "community_meeting",
        Custom => "custom",
    }
}

string_enum! {
    MilestoneStatus {
        Scheduled => "scheduled",
        Submitted => "submitted",
        RevisionRequested => "revision_requested",
        Accepted => "accepted",
        Overdue => "overdue",
        Waived => "waived",
    }
}

string_enum! {
    MilestoneEvent {
        SubmitReport => "submit_report",
        Accept => "accept",
        RequestRevision => "request_revision",
        MarkOverdue => "mark_overdue",
        Waive => "waive",
    }
}

string_enum! {
    /// What an inspector decides about a condition's latest evidence.
    EvidenceVerdict {
        Met => "met",
        Rejected => "rejected",
    }
}

string_enum! {
    /// What an inspector decides about a milestone report.
    ReviewOutcome {
        Accepted => "accepted",
        RevisionRequested => "revision_requested",
    }
}

string_enum! {
    /// The inspector's verdict on a piece of evidence.
    EvidenceOutcome {
        Pending => "pending",
        Verified => "verified",
        Rejected => "rejected",
    }
}

string_enum! {
    /// An enforcement action on a trial, or its extension.
    EnforcementKind {
        Suspension => "suspension",
        Reinstatement => "reinstatement",
        Revocation => "revocation",
        Extension => "extension",
    }
}

/// A lifecycle event the current status does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAllowed<S, E> {
    pub current: S,
    pub event: E,
}

impl<S: fmt::Display, E: fmt::Display> fmt::Display for NotAllowed<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} when the status is {}", self.event.to_string().replace('_', " "), self.current)
    }
}

impl ConditionStatus {
    pub fn is_open(self) -> bool {
        matches!(self, ConditionStatus::Pending | ConditionStatus::EvidenceSubmitted | ConditionStatus::Overdue)
    }
}

/// `pending → evidence_submitted → met`; `evidence_submitted → pending` (rejected);
/// `pending|evidence_submitted → overdue`; `overdue → evidence_submitted`; open → breached | waived.
pub fn condition_transition(
    s: ConditionStatus,
    e: ConditionEvent,
) -> Result<ConditionStatus, NotAllowed<ConditionStatus, ConditionEvent>> {
    use ConditionEvent as E;
    use ConditionStatus as S;
    match (s, e) {
        (S::Pending | S::Overdue, E::SubmitEvidence) => Ok(S::EvidenceSubmitted),
        (S::EvidenceSubmitted, E::Verify) => Ok(S::Met),
        (S::EvidenceSubmitted, E::RejectEvidence) => Ok(S::Pending),
        // Evidence waiting for its verdict is the innovator's part done: it does not go overdue
        // (and a late submission is not undone by the next pass).
        (S::Pending, E::MarkOverdue) => Ok(S::Overdue),
        (s, E::Breach) if s.is_open() => Ok(S::Breached),
        (s, E::Waive) if s.is_open() => Ok(S::Waived),
        _ => Err(NotAllowed { current: s, event: e }),
    }
}

impl MilestoneStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            MilestoneStatus::Scheduled
                | MilestoneStatus::Submitted
                | MilestoneStatus::RevisionRequested
                | MilestoneStatus::Overdue
        )
    }
}

/// `scheduled → submitted → accepted`; `submitted → revision_requested → submitted`;
/// `scheduled|revision_requested → overdue → submitted`; open → waived.
pub fn milestone_transition(
    s: MilestoneStatus,
    e: MilestoneEvent,
) -> Result<MilestoneStatus, NotAllowed<MilestoneStatus, MilestoneEvent>> {
    use MilestoneEvent as E;
    use MilestoneStatus as S;
    match (s, e) {
        (S::Scheduled | S::RevisionRequested | S::Overdue, E::SubmitReport) => Ok(S::Submitted),
        (S::Submitted, E::Accept) => Ok(S::Accepted),
        (S::Submitted, E::RequestRevision) => Ok(S::RevisionRequested),
        (S::Scheduled | S::RevisionRequested, E::MarkOverdue) => Ok(S::Overdue),
        (s, E::Waive) if s.is_open() => Ok(S::Waived),
        _ => Err(NotAllowed { current: s, event: e }),
    }
}

/// Whether a condition or milestone due on `due_on` is past due on `today`: a due date is the last
/// day to deliver, so it is overdue from the day after. The scheduler marks what is past due.
pub fn past_due(due_on: NaiveDate, today: NaiveDate) -> bool {
    due_on < today
}

/// What is wrong with a condition being due on `due_on`, if anything, on a case whose trial starts
/// on `trial_start` (none before approval), `today` being today: a condition set or moved now is
/// not due in the past nor before its trial starts. `current` is the date it is due on already,
/// which may stay as it is.
pub fn condition_due_problem(
    due_on: NaiveDate,
    trial_start: Option<NaiveDate>,
    today: NaiveDate,
    current: Option<NaiveDate>,
) -> Option<&'static str> {
    if current == Some(due_on) {
        None
    } else if trial_start.is_some_and(|start| due_on < start) {
        Some("must not be before the trial starts")
    } else if due_on < today {
        Some("must be today or later")
    } else {
        None
    }
}

/// How far ahead of a due date a milestone is first looked at by the scheduler; no reminder may
/// go earlier (`scheduler.reminder_days` is checked against it).
pub const REMINDER_HORIZON_DAYS: i64 = 365;

/// When the scheduler is next to look at a condition (`scheduler_check_on`), as it is written:
/// a pending one the day after it is due (it is overdue from then), any other never.
pub fn condition_check_on(status: ConditionStatus, due_on: NaiveDate) -> Option<NaiveDate> {
    (status == ConditionStatus::Pending).then(|| due_on + chrono::TimeDelta::days(1))
}

/// When the scheduler is first to look at a milestone, as it is written: one awaiting its report
/// early enough for any reminder (the scheduler then settles the date, see
/// [`milestone_next_check`]), any other never.
pub fn milestone_check_on(status: MilestoneStatus, due_on: NaiveDate) -> Option<NaiveDate> {
    matches!(status, MilestoneStatus::Scheduled | MilestoneStatus::RevisionRequested)
        .then(|| due_on - chrono::TimeDelta::days(REMINDER_HORIZON_DAYS))
}

/// What the scheduler does on `today` with a milestone it looks at, and when it looks again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneVisit {
    /// Past due: mark it overdue (and tell its people once).
    pub overdue: bool,
    /// The reminder due today, by its number of days before the due date.
    pub remind: Option<i64>,
    /// The next day to look (after today), or never.
    pub next: Option<NaiveDate>,
}

/// The scheduler's look at a milestone in `status`, due on `due_on`, of a trial that is or is not
/// `monitored`, with reminders `days` before due dates (sorted, fewest first). Its next look is
/// the day the next reminder is reached, or else the day it becomes overdue.
pub fn milestone_visit(
    status: MilestoneStatus,
    monitored: bool,
    due_on: NaiveDate,
    today: NaiveDate,
    days: &[i64],
) -> MilestoneVisit {
    let never = MilestoneVisit { overdue: false, remind: None, next: None };
    if !monitored || !matches!(status, MilestoneStatus::Scheduled | MilestoneStatus::RevisionRequested) {
        return never;
    }
    if past_due(due_on, today) {
        return MilestoneVisit { overdue: true, ..never };
    }
    let left = (due_on - today).num_days();
    let next_reminder = days.iter().copied().filter(|d| *d < left).max().map(|d| due_on - chrono::TimeDelta::days(d));
    let becomes_overdue = due_on + chrono::TimeDelta::days(1);
    MilestoneVisit {
        overdue: false,
        remind: reminder_threshold(left, days),
        next: Some(next_reminder.map_or(becomes_overdue, |r| r.min(becomes_overdue))),
    }
}

/// The scheduler's look at a condition: whether to mark it overdue (pending past its due date on
/// a monitored trial), and when to look again (a pending one not yet due, the day after its due
/// date; otherwise never: a change to it sets its next look).
pub fn condition_visit(
    status: ConditionStatus,
    monitored: bool,
    due_on: NaiveDate,
    today: NaiveDate,
) -> (bool, Option<NaiveDate>) {
    if !monitored || status != ConditionStatus::Pending {
        (false, None)
    } else if past_due(due_on, today) {
        (true, None)
    } else {
        (false, condition_check_on(status, due_on))
    }
}

/// The reminder a milestone due in `days_left` days gets today, of the reminders sent `days`
/// before a due date (sorted, fewest days first): the nearest one not yet passed, identified by
/// its number of days, or none when the due date is further off than every reminder (or past).
pub fn reminder_threshold(days_left: i64, days: &[i64]) -> Option<i64> {
    if days_left < 0 {
        return None;
    }
    days.iter().copied().find(|d| days_left <= *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_milestone_is_looked_at_on_each_reminder_day_and_the_day_it_becomes_overdue() {
        let days = [1, 7, 30];
        let due = d("2027-03-31");
        let visit = |today: &str| milestone_visit(MilestoneStatus::Scheduled, true, due, d(today), &days);
        // Far off: no reminder yet; next look when the 30-day reminder is reached.
        assert_eq!(visit("2026-04-01"), MilestoneVisit { overdue: false, remind: None, next: Some(d("2027-03-01")) });
        assert_eq!(
            visit("2027-03-01"),
            MilestoneVisit { overdue: false, remind: Some(30), next: Some(d("2027-03-24")) }
        );
        // Looked at late (a pass missed): the reminder of the day, the next one after.
        assert_eq!(
            visit("2027-03-26"),
            MilestoneVisit { overdue: false, remind: Some(7), next: Some(d("2027-03-30")) }
        );
        assert_eq!(
            visit("2027-03-30"),
            MilestoneVisit { overdue: false, remind: Some(1), next: Some(d("2027-04-01")) }
        );
        assert_eq!(
            visit("2027-03-31"),
            MilestoneVisit { overdue: false, remind: Some(1), next: Some(d("2027-04-01")) }
        );
        assert_eq!(visit("2027-04-01"), MilestoneVisit { overdue: true, remind: None, next: None });
        // Each look is on or after the day the milestone was first to be looked at.
        assert!(milestone_check_on(MilestoneStatus::Scheduled, due).unwrap() <= d("2026-04-01"));
        // Not awaiting a report, or the trial not monitored: never again.
        let never = MilestoneVisit { overdue: false, remind: None, next: None };
        assert_eq!(milestone_visit(MilestoneStatus::Submitted, true, due, d("2027-03-01"), &days), never);
        assert_eq!(milestone_visit(MilestoneStatus::Scheduled, false, due, d("2027-04-02"), &days), never);
        assert_eq!(milestone_check_on(MilestoneStatus::Accepted, due), None);
    }

    #[test]
    fn a_pending_condition_is_looked_at_the_day_after_it_is_due() {
        let due = d("2027-03-31");
        assert_eq!(condition_check_on(ConditionStatus::Pending, due), Some(d("2027-04-01")));
        assert_eq!(condition_check_on(ConditionStatus::EvidenceSubmitted, due), None);
        assert_eq!(condition_visit(ConditionStatus::Pending, true, due, d("2027-04-01")), (true, None));
        assert_eq!(
            condition_visit(ConditionStatus::Pending, true, due, d("2027-03-31")),
            (false, Some(d("2027-04-01")))
        );
        assert_eq!(condition_visit(ConditionStatus::Pending, false, due, d("2027-04-01")), (false, None));
        assert_eq!(condition_visit(ConditionStatus::EvidenceSubmitted, true, due, d("2027-04-02")), (false, None));
    }

    #[test]
    fn condition_lifecycle() {
        use ConditionEvent as E;
        use ConditionStatus as S;
        let allowed = [
            (S::Pending, E::SubmitEvidence, S::EvidenceSubmitted),
            (S::Overdue, E::SubmitEvidence, S::EvidenceSubmitted),
            (S::EvidenceSubmitted, E::Verify, S::Met),
            (S::EvidenceSubmitted, E::RejectEvidence, S::Pending),
            (S::Pending, E::MarkOverdue, S::Overdue),
            (S::Pending, E::Breach, S::Breached),
            (S::EvidenceSubmitted, E::Breach, S::Breached),
            (S::Overdue, E::Breach, S::Breached),
            (S::Pending, E::Waive, S::Waived),
            (S::EvidenceSubmitted, E::Waive, S::Waived),
            (S::Overdue, E::Waive, S::Waived),
        ];
        for &s in S::ALL {
            for &e in E::ALL {
                let expected = allowed.iter().find(|(a, b, _)| *a == s && *b == e).map(|t| t.2);
                assert_eq!(condition_transition(s, e).ok(), expected, "{s} {e}");
            }
        }
    }

    #[test]
    fn milestone_lifecycle() {
        use MilestoneEvent as E;
        use MilestoneStatus as S;
        let allowed = [
            (S::Scheduled, E::SubmitReport, S::Submitted),
            (S::RevisionRequested, E::SubmitReport, S::Submitted),
            (S::Overdue, E::SubmitReport, S::Submitted),
            (S::Submitted, E::Accept, S::Accepted),
            (S::Submitted, E::RequestRevision, S::RevisionRequested),
            (S::Scheduled, E::MarkOverdue, S::Overdue),
            (S::RevisionRequested, E::MarkOverdue, S::Overdue),
            (S::Scheduled, E::Waive, S::Waived),
            (S::Submitted, E::Waive, S::Waived),
            (S::RevisionRequested, E::Waive, S::Waived),
            (S::Overdue, E::Waive, S::Waived),
        ];
        for &s in S::ALL {
            for &e in E::ALL {
                let expected = allowed.iter().find(|(a, b, _)| *a == s && *b == e).map(|t| t.2);
                assert_eq!(milestone_transition(s, e).ok(), expected, "{s} {e}");
            }
        }
    }

    #[test]
    fn reminders_and_past_due() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!past_due(d("2026-12-03"), d("2026-12-03")), "due today is not yet overdue");
        assert!(past_due(d("2026-12-02"), d("2026-12-03")));
        let days = [3, 14];
        assert_eq!(reminder_threshold(15, &days), None);
        assert_eq!(reminder_threshold(14, &days), Some(14));
        assert_eq!(reminder_threshold(4, &days), Some(14));
        assert_eq!(reminder_threshold(3, &days), Some(3));
        assert_eq!(reminder_threshold(0, &days), Some(3));
        assert_eq!(reminder_threshold(-1, &days), None);
    }
}
