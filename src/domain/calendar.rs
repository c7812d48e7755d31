//! Working days: weekends and the configured bank holidays do not count. Also whole-month date
//! arithmetic for trial lengths.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate, Weekday};

/// The days that are not working days besides weekends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<NaiveDate>);

impl Holidays {
    pub fn new(days: impl IntoIterator<Item = NaiveDate>) -> Self {
        Holidays(days.into_iter().collect())
    }

    /// Parses `YYYY-MM-DD` strings, naming the first bad one.
    pub fn parse(days: &[String]) -> Result<Self, String> {
        days.iter()
            .map(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| format!("'{d}' is not a YYYY-MM-DD date"))
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Holidays)
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.0.contains(&day)
    }

    /// The date `n` working days after `from` (not counting `from` itself).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            day = day.succ_opt().unwrap_or(to);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

/// `date` plus whole months (the last day of the month where the day does not exist).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

/// How many months a trial from `start` to `end` lasts, rounding a part month up.
pub fn months_between(start: NaiveDate, end: NaiveDate) -> u32 {
    if end <= start {
        return 0;
    }
    let mut months = ((end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32).max(0) as u32;
    if add_months(start, months) < end {
        months += 1;
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn england_2026_27() -> Holidays {
        Holidays::parse(&["2026-12-25", "2026-12-28", "2027-01-01", "2026-04-03", "2026-04-06"].map(String::from))
            .unwrap()
    }

    #[test]
    fn weekends_do_not_count() {
        let h = Holidays::default();
        // Friday 2026-11-27 + 1 working day = Monday 2026-11-30.
        assert_eq!(h.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
        // Saturday + 1 = Monday.
        assert_eq!(h.add_working_days(d("2026-11-28"), 1), d("2026-11-30"));
        assert_eq!(h.add_working_days(d("2026-11-25"), 15), d("2026-12-16"));
        assert_eq!(h.add_working_days(d("2026-11-25"), 0), d("2026-11-25"));
    }

    #[test]
    fn bank_holidays_and_the_year_end() {
        let h = england_2026_27();
        // Thursday 24 Dec 2026: Fri 25 (Christmas), weekend, Mon 28 (Boxing Day substitute) do not count.
        assert_eq!(h.add_working_days(d("2026-12-24"), 1), d("2026-12-29"));
        // Across New Year: Thu 31 Dec + 1 skips Fri 1 Jan 2027 and the weekend.
        assert_eq!(h.add_working_days(d("2026-12-31"), 1), d("2027-01-04"));
        // 15 working days from 14 Dec 2026.
        assert_eq!(h.add_working_days(d("2026-12-14"), 15), d("2027-01-07"));
        // Easter 2026.
        assert_eq!(h.add_working_days(d("2026-04-02"), 1), d("2026-04-07"));
        assert_eq!(h.working_days_between(d("2026-12-24"), d("2027-01-04")), 4);
        assert!(Holidays::parse(&["2026-13-01".to_string()]).is_err());
    }

    #[test]
    fn months() {
        assert_eq!(add_months(d("2026-01-31"), 1), d("2026-02-28"));
        assert_eq!(months_between(d("2026-01-15"), d("2027-01-15")), 12);
        assert_eq!(months_between(d("2026-01-15"), d("2027-01-16")), 13);
        assert_eq!(months_between(d("2026-01-15"), d("2026-01-15")), 0);
        assert_eq!(months_between(d("2026-01-31"), d("2026-02-28")), 1);
    }
}
