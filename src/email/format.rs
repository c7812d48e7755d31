//! Human formatting for messages: dates as "2 December 2026" and numbers with thousands
//! separators. Use-cases format with these functions; templates with the `human_date` filter.

use chrono::NaiveDate;
use minijinja::Environment;

/// A date as people write it: "2 December 2026".
pub fn human_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A quantity without needless decimals, grouped in thousands: 5000 → "5,000", 2.5 → "2.5"
/// (the pages' own number format).
pub fn human_number(v: f64) -> String {
    crate::web::format::number(v)
}

/// `{{ "2026-12-02"|human_date }}` → "2 December 2026"; anything that is not a date is left as it is.
fn human_date_filter(value: String) -> String {
    NaiveDate::parse_from_str(&value, "%Y-%m-%d").map(human_date).unwrap_or(value)
}

/// Adds the message filters to a template environment.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("human_date", human_date_filter);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_read_as_people_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(human_date(d), "2 December 2026");
        assert_eq!(human_date_filter("2026-01-09".into()), "9 January 2026");
        assert_eq!(human_date_filter("soon".into()), "soon");
        assert_eq!(human_number(5000.0), "5,000");
        assert_eq!(human_number(1_234_567.5), "1,234,567.5");
        assert_eq!(human_number(40.0), "40");
        assert_eq!(human_number(0.25), "0.25");
        assert_eq!(human_number(-1200.0), "-1,200");
        assert_eq!(human_number(999.999), "1,000");
    }
}
