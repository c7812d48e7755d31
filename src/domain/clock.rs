//! The decision clock: the date by which a submitted case should be decided, counted in working
//! days from its submission and stopped while the inspector waits for the applicant.
//!
//! - The target is `submitted_on` plus the target number of working days, moved on by every
//!   working day the case spent waiting for information.
//! - A wait runs from the day a request is raised to the day it is answered (or to today while it
//!   is open), counted as [`Holidays::working_days_between`] counts: the day it was raised still
//!   counts on the clock, the day it was answered does not. Waits that overlap count once.
//! - While a request is open the clock is paused: the target moves on one working day for each
//!   working day that passes, and the working days left stay the same.
//! - The clock runs only while a decision is awaited ([`clock_runs`]): a draft has none yet, and a
//!   decided, withdrawn or later case has none any more (its decision date is the record).

use chrono::NaiveDate;

use super::calendar::Holidays;
use super::case::Status;

/// One wait for information: raised on one day, answered on another (or not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub raised_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
}

/// Where a case stands against its target decision date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionClock {
    /// The date the case should be decided by.
    pub target: NaiveDate,
    /// Working days from today to the target; negative when the target has passed.
    pub working_days_left: i64,
    /// Whether the clock is stopped now (an information request is open).
    pub paused: bool,
}

/// Whether a case in `status` awaits a decision, and so has a clock.
pub fn clock_runs(status: Status) -> bool {
    matches!(status, Status::Submitted | Status::Screening | Status::InformationRequested | Status::Assessment)
}

/// Working days spent waiting, each day counted once however many waits cover it.
pub fn paused_working_days(pauses: &[Pause], today: NaiveDate, calendar: &Holidays) -> u32 {
    let mut spans: Vec<(NaiveDate, NaiveDate)> =
        pauses.iter().map(|p| (p.raised_on, p.answered_on.unwrap_or(today).max(p.raised_on))).collect();
    spans.sort();
    let mut merged: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged.into_iter().map(|(start, end)| calendar.working_days_between(start, end)).sum()
}

/// The clock of a case submitted on `submitted_on` with `target_days` working days to decide.
pub fn decision_clock(
    submitted_on: NaiveDate,
    pauses: &[Pause],
    target_days: u32,
    today: NaiveDate,
    calendar: &Holidays,
) -> DecisionClock {
    let paused_days = paused_working_days(pauses, today, calendar);
    let target = calendar.add_working_days(submitted_on, target_days.saturating_add(paused_days));
    let working_days_left = if target >= today {
        i64::from(calendar.working_days_between(today, target))
    } else {
        -i64::from(calendar.working_days_between(target, today))
    };
    DecisionClock { target, working_days_left, paused: pauses.iter().any(|p| p.answered_on.is_none()) }
}

/// The clock of a case in `status`, if it has one: submitted and not yet decided.
pub fn case_clock(
    status: Status,
    submitted_on: Option<NaiveDate>,
    pauses: &[Pause],
    target_days: u32,
    today: NaiveDate,
    calendar: &Holidays,
) -> Option<DecisionClock> {
    let submitted_on = submitted_on.filter(|_| clock_runs(status))?;
    Some(decision_clock(submitted_on, pauses, target_days, today, calendar))
}

/// The target decision date of a case submitted on `submitted_on`, as it stood when the case was
/// decided (`decided_on`) or stands today: the value the queue keeps on the case row.
pub fn target_date(
    submitted_on: NaiveDate,
    decided_on: Option<NaiveDate>,
    pauses: &[Pause],
    target_days: u32,
    today: NaiveDate,
    calendar: &Holidays,
) -> NaiveDate {
    decision_clock(submitted_on, pauses, target_days, decided_on.unwrap_or(today), calendar).target
}

/// The clock of a queue row from the target kept on it, the same as [`case_clock`] gives: only
/// while a decision is awaited, and while a wait is open (since `paused_since`) the target moves
/// on by the working days it has lasted, as the full clock counts them.
pub fn clock_from_target(
    status: Status,
    kept: Option<NaiveDate>,
    paused_since: Option<NaiveDate>,
    today: NaiveDate,
    calendar: &Holidays,
) -> Option<DecisionClock> {
    let kept = kept.filter(|_| clock_runs(status))?;
    let paused = status == Status::InformationRequested;
    let target = match paused_since.filter(|_| paused) {
        Some(since) => calendar.add_working_days(kept, calendar.working_days_between(since, today.max(since))),
        None => kept,
    };
    let working_days_left = if target >= today {
        i64::from(calendar.working_days_between(today, target))
    } else {
        -i64::from(calendar.working_days_between(target, today))
    };
    Some(DecisionClock { target, working_days_left, paused })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn england() -> Holidays {
        Holidays::parse(&["2026-12-25", "2026-12-28", "2027-01-01"].map(String::from)).unwrap()
    }

    fn answered(raised: &str, answered: &str) -> Pause {
        Pause { raised_on: d(raised), answered_on: Some(d(answered)) }
    }

    #[test]
    fn the_target_is_the_working_days_after_submission() {
        let h = Holidays::default();
        // Monday 2 Nov 2026 + 40 working days (8 weeks) = Monday 28 Dec 2026.
        let c = decision_clock(d("2026-11-02"), &[], 40, d("2026-11-02"), &h);
        assert_eq!(c, DecisionClock { target: d("2026-12-28"), working_days_left: 40, paused: false });
        // A week later five working days have gone.
        let c = decision_clock(d("2026-11-02"), &[], 40, d("2026-11-09"), &h);
        assert_eq!(c.working_days_left, 35);
        // With the Christmas bank holidays the target is two working days later.
        let c = decision_clock(d("2026-11-02"), &[], 40, d("2026-11-02"), &england());
        assert_eq!(c.target, d("2026-12-30"));
        assert_eq!(c.working_days_left, 40);
    }

    #[test]
    fn a_pause_across_bank_holidays_moves_the_target_by_its_working_days() {
        let h = england();
        // Raised Thursday 24 Dec, answered Tuesday 29 Dec: Fri 25 and Mon 28 are bank holidays, so
        // the wait cost one working day (Tuesday 29).
        let pause = answered("2026-12-24", "2026-12-29");
        assert_eq!(paused_working_days(&[pause], d("2027-01-04"), &h), 1);
        let without = decision_clock(d("2026-12-01"), &[], 40, d("2027-01-04"), &h);
        let with = decision_clock(d("2026-12-01"), &[pause], 40, d("2027-01-04"), &h);
        assert_eq!(with.target, h.add_working_days(without.target, 1));
        assert_eq!(with.working_days_left, without.working_days_left + 1);
        assert!(!with.paused);
        // Raised and answered the same day: no time lost.
        assert_eq!(paused_working_days(&[answered("2026-12-02", "2026-12-02")], d("2026-12-03"), &h), 0);
    }

    #[test]
    fn an_open_request_pauses_the_clock_and_the_target_moves_day_by_day() {
        let h = Holidays::default();
        let open = Pause { raised_on: d("2026-11-10"), answered_on: None };
        let first = decision_clock(d("2026-11-02"), &[open], 40, d("2026-11-11"), &h);
        let next = decision_clock(d("2026-11-02"), &[open], 40, d("2026-11-12"), &h);
        assert!(first.paused && next.paused);
        assert_eq!(next.target, h.add_working_days(first.target, 1));
        assert_eq!(first.working_days_left, next.working_days_left, "no working day is lost while paused");
        // On the day it is raised nothing has moved yet.
        let raised = decision_clock(d("2026-11-02"), &[open], 40, d("2026-11-10"), &h);
        assert_eq!(raised.target, d("2026-12-28"));
        // Over a weekend the target stays where it is.
        let friday = decision_clock(d("2026-11-02"), &[open], 40, d("2026-11-13"), &h);
        let sunday = decision_clock(d("2026-11-02"), &[open], 40, d("2026-11-15"), &h);
        assert_eq!(friday.target, sunday.target);
    }

    #[test]
    fn overlapping_waits_count_once() {
        let h = Holidays::default();
        let a = answered("2026-11-09", "2026-11-13");
        let b = answered("2026-11-11", "2026-11-18");
        // Tue 10 .. Wed 18 November: seven working days.
        assert_eq!(paused_working_days(&[a, b], d("2026-11-20"), &h), 7);
        assert_eq!(paused_working_days(&[b, a], d("2026-11-20"), &h), 7);
    }

    #[test]
    fn an_overdue_case_has_negative_working_days_left() {
        let h = Holidays::default();
        let c = decision_clock(d("2026-11-02"), &[], 40, d("2026-12-30"), &h);
        assert_eq!(c.target, d("2026-12-28"));
        assert_eq!(c.working_days_left, -2);
        let on_the_day = decision_clock(d("2026-11-02"), &[], 40, d("2026-12-28"), &h);
        assert_eq!(on_the_day.working_days_left, 0);
    }

    #[test]
    fn only_cases_awaiting_a_decision_have_a_clock() {
        let h = Holidays::default();
        let on = Some(d("2026-11-02"));
        let today = d("2026-11-20");
        for status in [Status::Submitted, Status::Screening, Status::InformationRequested, Status::Assessment] {
            assert!(case_clock(status, on, &[], 40, today, &h).is_some(), "{status}");
        }
        for status in Status::ALL.iter().copied().filter(|s| !clock_runs(*s)) {
            assert_eq!(case_clock(status, on, &[], 40, today, &h), None, "{status}");
        }
        assert!(!clock_runs(Status::Approved) && !clock_runs(Status::Refused) && !clock_runs(Status::Withdrawn));
        assert_eq!(case_clock(Status::Submitted, None, &[], 40, today, &h), None);
    }

    #[test]
    fn a_kept_target_reads_as_the_clock_of_a_running_case_only() {
        let h = Holidays::default();
        let target = Some(d("2026-12-28"));
        let c = clock_from_target(Status::Assessment, target, None, d("2026-12-21"), &h).unwrap();
        assert_eq!((c.working_days_left, c.paused), (5, false));
        let late = clock_from_target(Status::Screening, target, None, d("2027-01-04"), &h).unwrap();
        assert_eq!(late.working_days_left, -5);
        assert_eq!(clock_from_target(Status::Approved, target, None, d("2026-12-21"), &h), None);
        assert_eq!(clock_from_target(Status::Submitted, None, None, d("2026-12-21"), &h), None);
    }

    #[test]
    fn a_kept_target_of_a_waiting_case_moves_on_as_the_full_clock_does() {
        let h = Holidays::default();
        // Submitted Monday 2 Nov, asked Monday 9 Nov (target kept: 28 Dec), read on Monday 16 Nov.
        let open = [Pause { raised_on: d("2026-11-09"), answered_on: None }];
        let full = decision_clock(d("2026-11-02"), &open, 40, d("2026-11-16"), &h);
        let kept = target_date(d("2026-11-02"), None, &open, 40, d("2026-11-09"), &h);
        assert_eq!(kept, d("2026-12-28"));
        let row =
            clock_from_target(Status::InformationRequested, Some(kept), Some(d("2026-11-09")), d("2026-11-16"), &h)
                .unwrap();
        assert_eq!(row, full);
        assert!(row.paused);
    }

    #[test]
    fn a_decided_case_keeps_the_target_it_had_when_decided() {
        let h = Holidays::default();
        let pauses = [answered("2026-11-09", "2026-11-16")];
        let at_decision = target_date(d("2026-11-02"), Some(d("2026-12-01")), &pauses, 40, d("2027-03-01"), &h);
        assert_eq!(at_decision, d("2027-01-04"));
        let open = [Pause { raised_on: d("2026-11-09"), answered_on: None }];
        // An open wait moves the target on day by day until it is answered.
        assert_eq!(target_date(d("2026-11-02"), None, &open, 40, d("2026-11-16"), &h), d("2027-01-04"));
    }
}
