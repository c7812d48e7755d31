//! Human formatting for every template: dates, money, numbers, enum labels, status tags and
//! deadlines. Registered as minijinja filters by [`register`]; each is also a Rust function that
//! page code can call.
//!
//! | filter | input | output |
//! | --- | --- | --- |
//! | `date` | `2026-12-02`, `2026-12-02T10:04:00Z`, ... | `2 December 2026` |
//! | `datetime` | `2026-12-02T10:04:00Z`, ... | `2 December 2026 at 10:04am` |
//! | `money` | `2500`, `2500.5` | `£2,500`, `£2,500.50` |
//! | `number` | `12345`, `1234.5` | `12,345`, `1,234.5` |
//! | `label` | `solar_pv` | `Solar PV` |
//! | `status_tag` | `approved` | `<strong class="govuk-tag govuk-tag--green">Approved</strong>` |
//! | `days_left` | `3`, `0`, `-1` | `3 working days left`, `Due today`, `1 working day overdue` |
//!
//! None or undefined gives an empty string; anything a filter cannot read is shown unchanged, so
//! a filter never fails a page.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use minijinja::{Environment, Value};

mod labels;

pub use labels::{label, tag_class};

/// Adds the formatting filters to a template environment.
pub fn register(env: &mut Environment<'static>) {
    env.add_filter("date", date_filter);
    env.add_filter("datetime", datetime_filter);
    env.add_filter("money", money_filter);
    env.add_filter("number", number_filter);
    env.add_filter("label", label_filter);
    env.add_filter("status_tag", status_tag_filter);
    env.add_filter("days_left", days_left_filter);
    env.add_filter("quarter", |v: Value| on_text(v, quarter));
    env.add_filter("code_spans", |v: Value| Value::from_safe_string(code_spans(&v.to_string())));
}

/// Text with its `backticked` spans as `<code>`, the rest escaped (for descriptions written once
/// for the OpenAPI document, in Markdown, and shown on a page).
pub fn code_spans(text: &str) -> String {
    escape_html(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
        .collect()
}

/// A calendar quarter such as `2027-Q1` in words: "January to March 2027".
pub fn quarter(q: &str) -> Option<String> {
    let (year, n) = q.split_once("-Q")?;
    let n: usize = n.parse().ok().filter(|n| (1..=4).contains(n))?;
    let year: i32 = year.parse().ok()?;
    Some(format!("{} to {} {year}", MONTHS[(n - 1) * 3], MONTHS[(n - 1) * 3 + 2]))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Reads an ISO date or date and time. A time with an offset is turned into UTC; one without is
/// taken as UTC, as stored.
fn parse_moment(text: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let s = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some((d, None));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let utc = t.naive_utc();
        return Some((utc.date(), Some(utc.time())));
    }
    let bare = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
        .map(|n| (n.date(), Some(n.time())))
}

fn day_month_year(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// "10am", "10:04am", "12pm" (midday), "12am" (midnight).
fn clock(t: NaiveTime) -> String {
    let (pm, hour) = t.hour12();
    let suffix = if pm { "pm" } else { "am" };
    match t.minute() {
        0 => format!("{hour}{suffix}"),
        m => format!("{hour}:{m:02}{suffix}"),
    }
}

/// The time of day of a moment (UTC) as the pages write it: "3:15pm".
pub fn time_of_day(t: NaiveDateTime) -> String {
    clock(t.time())
}

/// "2026-12-02" or "2026-12-02T10:04:00Z" → "2 December 2026"; `None` if it is not a date.
pub fn human_date(text: &str) -> Option<String> {
    parse_moment(text).map(|(d, _)| day_month_year(d))
}

/// "2026-12-02T10:04:00Z" → "2 December 2026 at 10:04am" (a date alone has no time); `None` if
/// it is not a date.
pub fn human_datetime(text: &str) -> Option<String> {
    parse_moment(text).map(|(d, t)| match t {
        Some(t) => format!("{} at {}", day_month_year(d), clock(t)),
        None => day_month_year(d),
    })
}

/// Inserts thousands separators into a string of digits.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number as read from a template value: whole numbers stay exact.
#[derive(Debug, Clone, Copy)]
enum Number {
    Whole(i128),
    Real(f64),
}

impl Number {
    fn read(value: &Value) -> Option<Number> {
        if value.is_integer() {
            return i128::try_from(value.clone()).ok().map(Number::Whole);
        }
        if value.is_number() {
            return f64::try_from(value.clone()).ok().filter(|f| f.is_finite()).map(Number::Real);
        }
        let s = value.as_str()?.trim();
        s.parse::<i128>()
            .map(Number::Whole)
            .ok()
            .or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Number::Real))
    }

    /// The sign, the grouped whole part and the two decimal places (rounded) of the number.
    fn parts(self) -> (bool, String, String) {
        match self {
            Number::Whole(n) => (n < 0, group(&n.unsigned_abs().to_string()), "00".into()),
            Number::Real(f) => {
                let fixed = format!("{:.2}", f.abs());
                let (whole, frac) = fixed.split_once('.').unwrap_or((fixed.as_str(), "00"));
                let negative = f < 0.0 && fixed.bytes().any(|b| b.is_ascii_digit() && b != b'0');
                (negative, group(whole), frac.to_string())
            }
        }
    }
}

/// 12345 → "12,345"; 1234.5 → "1,234.5": at most two decimal places, trailing zeros trimmed.
pub fn number(n: f64) -> String {
    format_number(Number::Real(n))
}

fn format_number(n: Number) -> String {
    let (negative, whole, frac) = n.parts();
    let frac = frac.trim_end_matches('0');
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// Pounds: 2500 → "£2,500"; 2500.5 → "£2,500.50"; -3 → "-£3".
pub fn money(pounds: f64) -> String {
    format_money(Number::Real(pounds))
}

fn format_money(n: Number) -> String {
    let (negative, whole, pence) = n.parts();
    let sign = if negative { "-" } else { "" };
    if pence == "00" {
        format!("{sign}£{whole}")
    } else {
        format!("{sign}£{whole}.{pence}")
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A status as a GOV.UK tag: `<strong class="govuk-tag govuk-tag--green">Approved</strong>`.
pub fn status_tag(status: &str) -> String {
    format!("<strong class=\"{}\">{}</strong>", tag_class(status), escape_html(&label(status)))
}

/// Working days to a deadline: "3 working days left", "Due today", "1 working day overdue".
pub fn days_left(days: i64) -> String {
    let unit = |n: u64| if n == 1 { "working day" } else { "working days" };
    match days {
        0 => "Due today".to_string(),
        d if d > 0 => format!("{d} {} left", unit(d.unsigned_abs())),
        d => format!("{} {} overdue", d.unsigned_abs(), unit(d.unsigned_abs())),
    }
}

fn is_nothing(v: &Value) -> bool {
    v.is_none() || v.is_undefined() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

/// Applies `f` to a text value; nothing gives "", and anything `f` cannot read is kept.
fn on_text(value: Value, f: impl Fn(&str) -> Option<String>) -> Value {
    if is_nothing(&value) {
        return Value::from("");
    }
    match value.as_str().and_then(f) {
        Some(s) => Value::from(s),
        None => value,
    }
}

fn date_filter(value: Value) -> Value {
    on_text(value, human_date)
}

fn datetime_filter(value: Value) -> Value {
    on_text(value, human_datetime)
}

fn money_filter(value: Value) -> Value {
    on_number(value, format_money)
}

fn number_filter(value: Value) -> Value {
    on_number(value, format_number)
}

fn on_number(value: Value, f: fn(Number) -> String) -> Value {
    if is_nothing(&value) {
        return Value::from("");
    }
    match Number::read(&value) {
        Some(n) => Value::from(f(n)),
        None => value,
    }
}

fn label_filter(value: Value) -> Value {
    on_text(value, |s| Some(label(s).into_owned()))
}

fn status_tag_filter(value: Value) -> Value {
    if is_nothing(&value) {
        return Value::from("");
    }
    match value.as_str() {
        Some(s) => Value::from_safe_string(status_tag(s)),
        None => value,
    }
}

fn days_left_filter(value: Value) -> Value {
    if is_nothing(&value) {
        return Value::from("");
    }
    let days = match Number::read(&value) {
        Some(Number::Whole(n)) => i64::try_from(n).ok(),
        Some(Number::Real(f)) if f.fract() == 0.0 && f.abs() < 1e15 => Some(f as i64),
        _ => None,
    };
    days.map_or(value, |d| Value::from(days_left(d)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, ctx: serde_json::Value) -> String {
        let mut env = Environment::new();
        register(&mut env);
        env.render_named_str("t.html", template, ctx).unwrap()
    }

    fn one(filter: &str, value: serde_json::Value) -> String {
        render(&format!("{{{{ v|{filter} }}}}"), json!({ "v": value }))
    }

    #[test]
    fn backticked_spans_become_code_and_the_rest_is_escaped() {
        assert_eq!(
            one("code_spans", json!("`solar_pv` or <b>`a&b`</b>")),
            "<code>solar_pv</code> or &lt;b&gt;<code>a&amp;b</code>&lt;/b&gt;"
        );
    }

    #[test]
    fn quarters_read_as_their_months() {
        assert_eq!(one("quarter", json!("2027-Q1")), "January to March 2027");
        assert_eq!(one("quarter", json!("2026-Q4")), "October to December 2026");
        assert_eq!(one("quarter", json!("2026-Q5")), "2026-Q5", "shown unchanged when it is not a quarter");
    }

    #[test]
    fn dates_read_as_day_month_year() {
        for iso in [
            "2026-12-02",
            "2026-12-02T10:04:00",
            "2026-12-02 10:04:00",
            "2026-12-02T10:04:00Z",
            "2026-12-02T10:04:00.123456Z",
            "2026-12-02 10:04:00.5",
            "2026-12-02T10:04",
            "2026-12-02T10:04:00+00:00",
            " 2026-12-02 ",
        ] {
            assert_eq!(one("date", json!(iso)), "2 December 2026", "{iso}");
        }
        assert_eq!(one("date", json!("2027-01-31")), "31 January 2027");
        assert_eq!(human_date("2026-12-02T23:30:00-02:00").as_deref(), Some("3 December 2026"), "to UTC");
    }

    #[test]
    fn a_date_filter_never_fails() {
        for f in ["date", "datetime"] {
            assert_eq!(one(f, json!(null)), "");
            assert_eq!(one(f, json!("")), "");
            assert_eq!(render(&format!("{{{{ missing|{f} }}}}"), json!({})), "");
            assert_eq!(one(f, json!("next Tuesday")), "next Tuesday");
            assert_eq!(one(f, json!("2026-02-30")), "2026-02-30");
            assert_eq!(one(f, json!("<b>")), "&lt;b&gt;", "kept text is still escaped");
            assert_eq!(one(f, json!(42)), "42");
        }
    }

    #[test]
    fn datetimes_use_a_twelve_hour_clock_in_utc() {
        assert_eq!(one("datetime", json!("2026-12-02T10:04:00Z")), "2 December 2026 at 10:04am");
        assert_eq!(one("datetime", json!("2026-12-02 10:04:00.25")), "2 December 2026 at 10:04am");
        assert_eq!(one("datetime", json!("2026-12-02T12:00:00")), "2 December 2026 at 12pm");
        assert_eq!(one("datetime", json!("2026-12-02T00:00:00")), "2 December 2026 at 12am");
        assert_eq!(one("datetime", json!("2026-12-02T00:15:00")), "2 December 2026 at 12:15am");
        assert_eq!(one("datetime", json!("2026-12-02T12:30:00")), "2 December 2026 at 12:30pm");
        assert_eq!(one("datetime", json!("2026-12-02T17:05:59")), "2 December 2026 at 5:05pm");
        assert_eq!(one("datetime", json!("2026-12-02T09:00:00+01:00")), "2 December 2026 at 8am");
        assert_eq!(one("datetime", json!("2026-12-02")), "2 December 2026", "a date alone has no time");
    }

    #[test]
    fn money_is_in_pounds_with_pence_only_when_there_are_some() {
        assert_eq!(one("money", json!(2500)), "£2,500");
        assert_eq!(one("money", json!(2500.0)), "£2,500");
        assert_eq!(one("money", json!(2500.5)), "£2,500.50");
        assert_eq!(one("money", json!(0.05)), "£0.05");
        assert_eq!(one("money", json!(999.999)), "£1,000");
        assert_eq!(one("money", json!(0)), "£0");
        assert_eq!(one("money", json!(-1234567)), "-£1,234,567");
        assert_eq!(one("money", json!("2500.50")), "£2,500.50");
        assert_eq!(one("money", json!(null)), "");
        assert_eq!(one("money", json!("a lot")), "a lot");
        assert_eq!(money(1_000_000.0), "£1,000,000");
    }

    #[test]
    fn numbers_have_thousands_separators_and_at_most_two_decimals() {
        assert_eq!(one("number", json!(12345)), "12,345");
        assert_eq!(one("number", json!(1234.5)), "1,234.5");
        assert_eq!(one("number", json!(1234.567)), "1,234.57");
        assert_eq!(one("number", json!(1234.004)), "1,234");
        assert_eq!(one("number", json!(12.10)), "12.1");
        assert_eq!(one("number", json!(999)), "999");
        assert_eq!(one("number", json!(1000)), "1,000");
        assert_eq!(one("number", json!(0)), "0");
        assert_eq!(one("number", json!(-0.001)), "0");
        assert_eq!(one("number", json!(-9876543.21)), "-9,876,543.21");
        assert_eq!(one("number", json!(u64::MAX)), "18,446,744,073,709,551,615");
        assert_eq!(one("number", json!("12345")), "12,345");
        assert_eq!(one("number", json!(null)), "");
        assert_eq!(one("number", json!("n.a.")), "n.a.");
        assert_eq!(one("number", json!(true)), render("{{ v }}", json!({ "v": true })), "kept as it is");
        assert_eq!(number(1e6), "1,000,000");
        assert_eq!(render("{{ (2 * 0.1)|number }}", json!({})), "0.2");
    }

    #[test]
    fn labels_in_templates() {
        assert_eq!(one("label", json!("solar_pv")), "Solar PV");
        assert_eq!(one("label", json!("community_owned_enterprise")), "Community-owned enterprise");
        assert_eq!(one("label", json!("brand_new")), "Brand new");
        assert_eq!(one("label", json!(null)), "");
        assert_eq!(render("{{ missing|label }}", json!({})), "");
        assert_eq!(one("label", json!("<i>x")), "&lt;i&gt;x");
        assert_eq!(one("label", json!(7)), "7");
    }

    #[test]
    fn status_tags_are_coloured_safe_html_with_an_escaped_label() {
        assert_eq!(
            one("status_tag", json!("approved")),
            "<strong class=\"govuk-tag govuk-tag--green\">Approved</strong>"
        );
        assert_eq!(
            one("status_tag", json!("information_requested")),
            "<strong class=\"govuk-tag govuk-tag--yellow\">Information requested</strong>"
        );
        assert_eq!(one("status_tag", json!("assessment")), "<strong class=\"govuk-tag\">In assessment</strong>");
        assert_eq!(one("status_tag", json!("overdue")), "<strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>");
        assert_eq!(
            one("status_tag", json!("<script>\"x\"")),
            "<strong class=\"govuk-tag govuk-tag--grey\">&lt;script&gt;&quot;x&quot;</strong>"
        );
        assert_eq!(one("status_tag", json!(null)), "");
        assert_eq!(render("{{ missing|status_tag }}", json!({})), "");
        assert_eq!(status_tag("completed"), "<strong class=\"govuk-tag govuk-tag--purple\">Completed</strong>");
    }

    #[test]
    fn days_left_count_working_days_either_side_of_the_deadline() {
        assert_eq!(one("days_left", json!(3)), "3 working days left");
        assert_eq!(one("days_left", json!(1)), "1 working day left");
        assert_eq!(one("days_left", json!(0)), "Due today");
        assert_eq!(one("days_left", json!(-1)), "1 working day overdue");
        assert_eq!(one("days_left", json!(-4)), "4 working days overdue");
        assert_eq!(one("days_left", json!("2")), "2 working days left");
        assert_eq!(one("days_left", json!(null)), "");
        assert_eq!(render("{{ missing|days_left }}", json!({})), "");
        assert_eq!(one("days_left", json!(2.5)), "2.5");
        assert_eq!(one("days_left", json!("soon")), "soon");
        assert_eq!(days_left(i64::MIN), "9223372036854775808 working days overdue");
    }
}
