//! Accounts: roles, organisations, and the values a person types when registering.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Innovator,
    Community,
    Inspector,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Innovator, Role::Community, Role::Inspector, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Innovator => "innovator",
            Role::Community => "community",
            Role::Inspector => "inspector",
            Role::Admin => "admin",
        }
    }

    /// Roles a person may choose for themselves; inspectors and admins are created by an admin.
    pub fn self_registrable(self) -> bool {
        matches!(self, Role::Innovator | Role::Community)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("must be one of innovator, community, inspector, admin; not '{s}'"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    CommunityOwnedEnterprise,
    CommunityGroup,
    Sme,
    LargeBusiness,
    PublicBody,
    Charity,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 6] = [
        OrganisationKind::CommunityOwnedEnterprise,
        OrganisationKind::CommunityGroup,
        OrganisationKind::Sme,
        OrganisationKind::LargeBusiness,
        OrganisationKind::PublicBody,
        OrganisationKind::Charity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::CommunityOwnedEnterprise => "community_owned_enterprise",
            OrganisationKind::CommunityGroup => "community_group",
            OrganisationKind::Sme => "sme",
            OrganisationKind::LargeBusiness => "large_business",
            OrganisationKind::PublicBody => "public_body",
            OrganisationKind::Charity => "charity",
        }
    }
}

impl FromStr for OrganisationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OrganisationKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!(
                "must be one of community_owned_enterprise, community_group, sme, large_business, public_body, charity; not '{s}'"
            )
        })
    }
}

crate::domain::case::string_enum! {
    /// What a one-time token (in an emailed link) is for.
    TokenPurpose {
        VerifyEmail => "verify_email",
        PasswordReset => "password_reset",
        Invitation => "invitation",
    }
}

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("is required".into());
        }
        if s.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("must be an email address such as name@example.org".into());
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err("must be an email address such as name@example.org".into());
        }
        Ok(EmailAddress(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../auth/common-passwords.txt").lines().collect());

/// A password that meets the policy: at least 12 characters, at most 256, and not a common
/// password (nor a common password with digits or symbols stuck on the end).
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        }
        if is_common_password(raw) {
            return Err("is too common; choose a password that others are unlikely to use".into());
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(****)")
    }
}

pub fn is_common_password(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    if COMMON_PASSWORDS.contains(lower.as_str()) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if stem.chars().count() >= 6 && COMMON_PASSWORDS.contains(stem) {
        return true;
    }
    // One character repeated, or a plain run of digits.
    let mut chars = lower.chars();
    let first = chars.next();
    first.is_some_and(|f| lower.chars().all(|c| c == f)) || lower.chars().all(|c| c.is_ascii_digit())
}

/// A name shown to others: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is required".into());
        }
        if raw.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        if s.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            return Err("must not contain control characters or < >".into());
        }
        Ok(DisplayName(s.to_string()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A name of an organisation or similar short text: 1 to `max` characters, no control characters.
pub fn short_text(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(EmailAddress::parse("  Ana@Example.ORG ").unwrap().as_str(), "ana@example.org");
        for bad in
            ["", "ana", "ana@", "@example.org", "ana@example", "a..b@example.org", "ana@exa mple.org", "ana@-x.org"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("qwerty123456").is_err());
        assert!(NewPassword::parse("password1234").is_err());
        assert!(NewPassword::parse("Password1234!").is_err());
        assert!(NewPassword::parse("aaaaaaaaaaaaaaaa").is_err());
        assert!(NewPassword::parse("123456789012345").is_err());
        assert!(NewPassword::parse("tidal-heron-lantern-42").is_ok());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn roles_and_kinds_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        for k in OrganisationKind::ALL {
            assert_eq!(k.as_str().parse::<OrganisationKind>().unwrap(), k);
        }
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Innovator.self_registrable() && !Role::Admin.self_registrable());
    }

    #[test]
    fn display_names() {
        assert!(DisplayName::parse(" Ana Jones ").is_ok());
        assert!(DisplayName::parse("").is_err());
        assert!(DisplayName::parse("<script>").is_err());
        assert!(DisplayName::parse(&"a".repeat(101)).is_err());
    }
}
