//! The values an application is made of: a UK postcode, free text within a limit, a number in a
//! range.

/// A UK postcode, normalised (`SW1A 1AA`), with its district (`SW1A`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode {
    pub full: String,
    pub district: String,
}

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || "must be a UK postcode such as SW1A 1AA".to_string();
        // ASCII before capitals: `ß` would become `SS`.
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(bad());
        }
        let compact = compact.to_ascii_uppercase();
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = {
            let b = inward.as_bytes();
            b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
        };
        let outward_ok = (2..=4).contains(&outward.len())
            && outward.as_bytes()[0].is_ascii_alphabetic()
            && outward.chars().all(|c| c.is_ascii_alphanumeric())
            && outward.chars().any(|c| c.is_ascii_digit());
        if !inward_ok || !outward_ok {
            return Err(bad());
        }
        Ok(Postcode { full: format!("{outward} {inward}"), district: outward.to_string() })
    }
}

/// Free text within a length limit, trimmed; control characters other than new lines refused.
/// The limit counts the characters as sent, spaces at either end too, as a schema's `maxLength`
/// does.
pub fn text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_string())
}

pub fn number_in(raw: f64, min: f64, max: f64) -> Result<f64, String> {
    if !raw.is_finite() || raw < min || raw > max {
        return Err(format!("must be a number from {min} to {max}"));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes() {
        let p = Postcode::parse("sw1a1aa").unwrap();
        assert_eq!((p.full.as_str(), p.district.as_str()), ("SW1A 1AA", "SW1A"));
        assert_eq!(Postcode::parse("M1 1AE").unwrap().district, "M1");
        assert_eq!(Postcode::parse("B33 8TH").unwrap().district, "B33");
        for bad in ["", "12345", "SW1A", "SW1A 1A", "<b>1 1AA", "ZZZZZ 9ZZ"] {
            assert!(Postcode::parse(bad).is_err(), "{bad}");
        }
    }
}
