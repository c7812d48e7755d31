//! The text rules of [`super::application::text`], [`super::account::short_text`] and
//! [`super::account::DisplayName`] written as regular expressions, for the OpenAPI document's
//! `pattern`s. They are written in the part of the syntax that ECMAScript, Python and Rust share
//! (`\xNN`, `\uNNNN`, classes), and the tests below hold each one to its function character by
//! character, so that a request the document calls valid is one the service accepts.
//!
//! Each rule trims white space (as Rust's `str::trim` does) and then wants at least one character,
//! with no control character inside; the patterns say the same: white space, a core that starts
//! and ends with a visible character, white space.

/// White space as `str::trim` removes it (Unicode `White_Space`).
macro_rules! ws {
    () => {
        r"[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    };
}

/// A visible character: neither white space nor a control character.
macro_rules! visible {
    () => {
        r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
    };
}

/// Free text: new lines and tabs allowed inside, no other control character
/// ([`super::application::text`]).
pub const TEXT: &str = concat!(
    "^",
    ws!(),
    "*",
    visible!(),
    "]",
    r"([^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*",
    visible!(),
    "])?",
    ws!(),
    "*$"
);

/// Free text, or nothing but white space (which clears an optional field).
pub const TEXT_OR_BLANK: &str = concat!(
    "^",
    ws!(),
    "*(",
    visible!(),
    "]",
    r"([^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*",
    visible!(),
    "])?",
    ws!(),
    "*)?$"
);

/// One line: no control character at all inside ([`super::account::short_text`]).
pub const LINE: &str =
    concat!("^", ws!(), "*", visible!(), "]", r"([^\x00-\x1f\x7f-\x9f]*", visible!(), "])?", ws!(), "*$");

/// One line, or nothing but white space (which leaves an optional field empty).
pub const LINE_OR_BLANK: &str =
    concat!("^", ws!(), "*(", visible!(), "]", r"([^\x00-\x1f\x7f-\x9f]*", visible!(), "])?", ws!(), "*)?$");

/// A person's name: one line without `<` or `>` ([`super::account::DisplayName`]).
pub const NAME: &str =
    concat!("^", ws!(), "*", visible!(), "<>]", r"([^\x00-\x1f\x7f-\x9f<>]*", visible!(), "<>])?", ws!(), "*$");

/// A UK postcode ([`super::application::Postcode`]): white space anywhere is ignored; the
/// outward code is a letter and one to three letters or digits, at least one a digit; the inward
/// code a digit and two letters.
pub const POSTCODE: &str = concat!(
    "^",
    ws!(),
    "*[A-Za-z]",
    ws!(),
    "*(?:[0-9]",
    ws!(),
    "*(?:[A-Za-z0-9]",
    ws!(),
    "*){0,2}|[A-Za-z]",
    ws!(),
    "*[0-9]",
    ws!(),
    "*(?:[A-Za-z0-9]",
    ws!(),
    "*)?|[A-Za-z]",
    ws!(),
    "*[A-Za-z]",
    ws!(),
    "*[0-9]",
    ws!(),
    "*)[0-9]",
    ws!(),
    "*[A-Za-z]",
    ws!(),
    "*[A-Za-z]",
    ws!(),
    "*$"
);

/// A provision's code ([`crate::app::catalogue::parse_code`]): 3 to 40 letters, digits and
/// hyphens, starting with a letter.
pub const CODE: &str = concat!("^", ws!(), "*[A-Za-z][A-Za-z0-9-]{2,39}", ws!(), "*$");

/// The work queue's `inspector` filter: `me`, `unassigned`, or a user id of up to 18 digits.
pub const QUEUE_INSPECTOR: &str = concat!("^", ws!(), "*(me|unassigned|[0-9]{1,18})", ws!(), "*$");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{short_text, DisplayName};
    use crate::domain::application::{text, Postcode};

    /// Every character up to U+3100 alone, at either end and inside a word, and doubled.
    fn samples() -> Vec<String> {
        let mut out = vec![String::new(), "a".into(), "a b".into(), "a\nb".into(), " \u{3000}a\u{85} ".into()];
        for c in (0u32..0x3100).filter_map(char::from_u32) {
            out.extend([format!("{c}"), format!("a{c}"), format!("{c}a"), format!("a{c}b"), format!("{c}{c}")]);
        }
        out
    }

    fn agree(pattern: &str, rule: impl Fn(&str) -> bool) {
        let re = regex::Regex::new(pattern).unwrap();
        for s in samples() {
            assert_eq!(re.is_match(&s), rule(&s), "{pattern} and the rule disagree on {s:?}");
        }
    }

    #[test]
    fn limits_count_what_is_sent_as_max_length_does() {
        let padded = format!("{}a", " ".repeat(100));
        assert!(text(&padded, 100).is_err() && short_text(&padded, 100).is_err());
        assert!(DisplayName::parse(&padded).is_err());
        assert!(text(&padded, 101).is_ok() && short_text(&padded, 101).is_ok());
    }

    #[test]
    fn the_text_pattern_is_the_text_rule() {
        agree(TEXT, |s| text(s, 100).is_ok());
    }

    #[test]
    fn the_blank_or_text_pattern_is_the_optional_text_rule() {
        agree(TEXT_OR_BLANK, |s| s.trim().is_empty() || text(s, 100).is_ok());
    }

    #[test]
    fn the_line_pattern_is_the_short_text_rule() {
        agree(LINE, |s| short_text(s, 100).is_ok());
    }

    #[test]
    fn the_blank_or_line_pattern_is_the_optional_short_text_rule() {
        agree(LINE_OR_BLANK, |s| s.trim().is_empty() || short_text(s, 100).is_ok());
    }

    /// Every string of up to six of `A`, `1`, a space and `ß` (whose capital is two letters), and
    /// real postcodes with spaces here and there.
    fn postcode_like() -> Vec<String> {
        let mut out: Vec<String> = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..6 {
            last = last.iter().flat_map(|s| ["A", "1", " ", "ß"].map(|c| format!("{s}{c}"))).collect();
            out.extend(last.iter().cloned());
        }
        for p in ["SW1A 1AA", "sw1a1aa", " LS6 2AB ", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB"] {
            out.push(p.to_string());
            out.push(p.replace(' ', "\u{3000}"));
            out.push(p.chars().flat_map(|c| [c, ' ']).collect());
            out.push(format!("{p}A"));
            out.push(format!("A{p}"));
        }
        out
    }

    #[test]
    fn the_postcode_pattern_is_the_postcode_rule() {
        let re = regex::Regex::new(POSTCODE).unwrap();
        for s in postcode_like().into_iter().chain(samples()) {
            assert_eq!(re.is_match(&s), Postcode::parse(&s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn the_code_pattern_is_the_code_rule() {
        let re = regex::Regex::new(CODE).unwrap();
        let mut strings = samples();
        strings.extend(["GPDO-SCH2-PT14-A", " ucO-1 ", "AB", "A-1", "1AB", "ßAB", "AßB"].map(String::from));
        strings.push(format!("A{}", "B".repeat(39)));
        strings.push(format!("A{}", "B".repeat(40)));
        for s in strings {
            assert_eq!(re.is_match(&s), crate::app::catalogue::parse_code(&s).is_ok(), "{s:?}");
        }
    }

    #[test]
    fn the_name_pattern_is_the_display_name_rule() {
        agree(NAME, |s| DisplayName::parse(s).is_ok());
    }
}
