//! Accounts as people create them: registration (`POST /api/v1/auth/register` and the
//! create-account page), parsed once into the use-case's [`Registration`].

use serde::Deserialize;
use utoipa::ToSchema;

use super::{describe_serde_error, parse_required, Field};
use crate::app::accounts::{OrganisationInput, Registration};
use crate::domain::account::{short_text, DisplayName, EmailAddress, NewPassword, OrganisationKind, Role};
use crate::domain::FieldErrors;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "line", max_length = 200)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = OrganisationKind)]
    pub kind: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "line-or-blank", max_length = 40)]
    pub registration_number: Field<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "email")]
    pub email: Field<String>,
    /// At least 12 characters, and not a common password.
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "password", min_length = 12, max_length = 256)]
    pub password: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "name", max_length = 100)]
    pub display_name: Field<String>,
    #[serde(default)]
    #[schema(required = true, inline, value_type = SelfRegistrableRole)]
    pub role: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<OrganisationRequest>)]
    pub organisation: Field<serde_json::Value>,
}

/// The roles one may give oneself: the others are given by an administrator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // Only the document reads it.
pub enum SelfRegistrableRole {
    Innovator,
    Community,
}

fn parse_organisation(value: serde_json::Value, errors: &mut FieldErrors) -> Option<OrganisationInput> {
    let org: OrganisationRequest = match serde_json::from_value(value) {
        Ok(o) => o,
        Err(e) => {
            let msg = e.to_string();
            errors.add("organisation", describe_serde_error(&msg));
            return None;
        }
    };
    let name = parse_required(org.name, errors, "organisation.name", |s| short_text(s, 200));
    let kind = parse_required(org.kind, errors, "organisation.kind", |s| s.parse::<OrganisationKind>());
    let number = match org.registration_number.optional(errors, "organisation.registration_number") {
        Some(Some(n)) if !n.trim().is_empty() => {
            errors.check("organisation.registration_number", short_text(&n, 40)).map(Some)
        }
        Some(_) => Some(None),
        None => None,
    };
    Some(OrganisationInput { name: name?, kind: kind?, registration_number: number? })
}

impl RegisterRequest {
    pub fn parse(self) -> Result<Registration, FieldErrors> {
        let mut e = FieldErrors::new();
        let email = parse_required(self.email, &mut e, "email", EmailAddress::parse);
        let password = parse_required(self.password, &mut e, "password", NewPassword::parse);
        let display_name = parse_required(self.display_name, &mut e, "display_name", DisplayName::parse);
        let role = parse_required(self.role, &mut e, "role", |s| {
            s.parse::<Role>()
                .ok()
                .filter(|r| r.self_registrable())
                .ok_or_else(|| "must be innovator or community".to_string())
        });
        let organisation = match self.organisation.optional(&mut e, "organisation") {
            Some(Some(v)) => parse_organisation(v, &mut e).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        match (email, password, display_name, role, organisation) {
            (Some(email), Some(password), Some(display_name), Some(role), Some(organisation)) if e.is_empty() => {
                Ok(Registration { email, password, display_name, role, organisation })
            }
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_roles_are_those_one_may_give_oneself() {
        let schema = serde_json::to_value(<SelfRegistrableRole as utoipa::PartialSchema>::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        let roles: Vec<String> = Role::ALL.iter().filter(|r| r.self_registrable()).map(|r| r.to_string()).collect();
        assert_eq!(documented, roles);
    }
}
