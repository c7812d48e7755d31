//! Personal data taken out of text before it is published: the questions and answers of
//! information requests and the screening notes appear on the public decision notice, and an
//! applicant or inspector may have written an email address, a phone number or a full postcode
//! into them. Names of private people cannot be told from other words by a rule; the answer form
//! says that answers are published, and the inspector's questions are written for publication.

use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+").ok());
/// Ten or more digits, allowing `+`, spaces, dots, dashes and brackets between them (UK and
/// international numbers as people write them).
static PHONE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\+?\(?\d(?:[\s().\-]{0,2}\d){9,}").ok());
/// A full UK postcode (outward and inward code); the outward code alone (the district, which the
/// register publishes) is kept.
static POSTCODE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*[0-9][A-Z]{2}\b").ok());

pub const EMAIL_REMOVED: &str = "[email address removed]";
pub const PHONE_REMOVED: &str = "[phone number removed]";

/// The text with email addresses and phone numbers replaced by a marker, and full postcodes cut
/// to their district.
///
/// The patterns are constants, compiled once (the tests below would fail if one did not compile).
pub fn without_personal_data(text: &str) -> String {
    let mut out = text.to_string();
    for (pattern, with) in [(&*EMAIL, EMAIL_REMOVED), (&*PHONE, PHONE_REMOVED), (&*POSTCODE, "$1")] {
        if let Some(re) = pattern {
            out = re.replace_all(&out, with).into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_phones_and_full_postcodes_are_removed() {
        let text = "Write to jo.bloggs+sandbox@example.co.uk or call 0113 496 0000 (or +44 (0)20 7946 0958). \
                    The site is at LS6 2AB, near ls6 3cd.";
        let out = without_personal_data(text);
        assert_eq!(
            out,
            "Write to [email address removed] or call [phone number removed] (or [phone number removed]). \
             The site is at LS6, near ls6."
        );
    }

    #[test]
    fn ordinary_text_figures_and_dates_are_kept() {
        let text = "We will install 120 kW of panels by 2027-06-30, saving 45.5 tCO2e a year; see section 3.2 \
                    of the plan and the LS6 district. Budget £250,000.";
        assert_eq!(without_personal_data(text), text);
    }
}
