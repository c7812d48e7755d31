//! Form values as a page posts them (always text), turned into the API's raw [`Field`]s so that
//! the same parse reads both. An empty box is a cleared value; text that is not a number or a
//! date is kept as the reason it is wrong, as a JSON body of the wrong type would be.

use chrono::NaiveDate;

use crate::app::input::Field;

pub fn text(s: &str) -> Field<String> {
    if s.trim().is_empty() {
        Field::Null
    } else {
        Field::Value(s.trim().to_string())
    }
}

pub fn whole_number(s: &str) -> Field<i64> {
    let s = s.trim().replace(',', "");
    if s.is_empty() {
        return Field::Null;
    }
    s.parse().map(Field::Value).unwrap_or_else(|_| Field::Invalid("must be a whole number, like 18".into()))
}

pub fn number(s: &str) -> Field<f64> {
    let s = s.trim().trim_end_matches('%').trim().replace(',', "");
    if s.is_empty() {
        return Field::Null;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Field::Value(v),
        _ => Field::Invalid("must be a number, like 12.5".into()),
    }
}

/// A date from the three boxes of a GOV.UK date input.
pub fn date(day: &str, month: &str, year: &str) -> Field<NaiveDate> {
    let parts = [day.trim(), month.trim(), year.trim()];
    if parts.iter().all(|p| p.is_empty()) {
        return Field::Null;
    }
    let bad = || Field::Invalid("must be a real date, like 27 3 2027".into());
    let (Ok(d), Ok(m), Ok(y)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>(), parts[2].parse::<i32>()) else {
        return bad();
    };
    if !(1000..=9999).contains(&y) {
        return bad();
    }
    NaiveDate::from_ymd_opt(y, m, d).map(Field::Value).unwrap_or_else(bad)
}

/// The three boxes of a date input for a stored date.
pub fn date_parts(d: Option<NaiveDate>) -> serde_json::Value {
    use chrono::Datelike;
    match d {
        Some(d) => serde_json::json!({ "day": d.day(), "month": d.month(), "year": d.year() }),
        None => serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_become_fields() {
        assert_eq!(text("  "), Field::Null);
        assert_eq!(text(" a "), Field::Value("a".into()));
        assert_eq!(whole_number("1,200"), Field::Value(1200));
        assert!(matches!(whole_number("twelve"), Field::Invalid(_)));
        assert_eq!(number("45 %"), Field::Value(45.0));
        assert!(matches!(number("NaN"), Field::Invalid(_)));
        assert_eq!(date("", " ", ""), Field::Null);
        assert_eq!(date("27", "3", "2027"), Field::Value(NaiveDate::from_ymd_opt(2027, 3, 27).unwrap()));
        assert!(matches!(date("31", "2", "2027"), Field::Invalid(_)));
        assert!(matches!(date("1", "1", "27"), Field::Invalid(_)));
    }
}
