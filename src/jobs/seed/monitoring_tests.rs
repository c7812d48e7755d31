//! The replay of a record's history with the scheduler's passes.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn condition(
    planned: &[(NaiveDateTime, Option<i64>, CE)],
    closed: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> (ConditionStatus, Vec<(NaiveDateTime, CE)>) {
    let (status, steps) = replay(
        ConditionStatus::Pending,
        planned,
        condition_transition,
        condition_open,
        CE::MarkOverdue,
        d("2026-06-30"),
        at(d("2026-01-05"), 15),
        closed,
        now,
    );
    (status, steps.iter().map(|s| (s.at, s.event)).collect())
}

#[test]
fn the_first_pass_after_the_due_date_marks_an_open_condition_overdue() {
    let (status, steps) = condition(&[], None, at(d("2026-12-03"), 12));
    assert_eq!(status, ConditionStatus::Overdue);
    assert_eq!(steps, [(at(d("2026-07-01"), 0), CE::MarkOverdue)]);
    // Not yet: on its due date it is still open.
    let (status, steps) = condition(&[], None, at(d("2026-06-30"), 23));
    assert_eq!((status, steps.len()), (ConditionStatus::Pending, 0));
    // Nor once the trial had ended before the due date.
    let (status, _) = condition(&[], Some(at(d("2026-05-01"), 12)), at(d("2026-12-03"), 12));
    assert_eq!(status, ConditionStatus::Pending);
}

#[test]
fn what_was_done_in_time_is_never_marked_and_what_came_late_is() {
    let on_time =
        [(at(d("2026-06-20"), 12), Some(1), CE::SubmitEvidence), (at(d("2026-06-25"), 12), Some(2), CE::Verify)];
    let (status, steps) = condition(&on_time, None, at(d("2026-12-03"), 12));
    assert_eq!((status, steps.len()), (ConditionStatus::Met, 2));
    // Evidence sent in time and verified after the due date: evidence awaiting its verdict does
    // not go overdue, so the verification stands.
    let late = [(at(d("2026-06-20"), 12), Some(1), CE::SubmitEvidence), (at(d("2026-07-05"), 12), Some(2), CE::Verify)];
    let (status, steps) = condition(&late, None, at(d("2026-12-03"), 12));
    assert_eq!(status, ConditionStatus::Met);
    assert_eq!(steps.iter().map(|s| s.1).collect::<Vec<_>>(), [CE::SubmitEvidence, CE::Verify]);
    // Evidence sent after the due date: overdue first, then the evidence, then its verdict.
    let after =
        [(at(d("2026-07-03"), 12), Some(1), CE::SubmitEvidence), (at(d("2026-07-05"), 12), Some(2), CE::Verify)];
    let (status, steps) = condition(&after, None, at(d("2026-12-03"), 12));
    assert_eq!(status, ConditionStatus::Met);
    assert_eq!(steps.iter().map(|s| s.1).collect::<Vec<_>>(), [CE::MarkOverdue, CE::SubmitEvidence, CE::Verify]);
    // What has not happened yet is not taken.
    let (status, steps) = condition(&on_time, None, at(d("2026-06-22"), 12));
    assert_eq!((status, steps.len()), (ConditionStatus::EvidenceSubmitted, 1));
}
