//! Users as admins create and change them (`/api/v1/users` and the admin pages), parsed once
//! into what `app::users` takes.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{finish, parse_required, Field, Parsed};
use crate::app::users::{AccessChange, NewAccount};
use crate::domain::account::{DisplayName, EmailAddress, NewPassword, Role};
use crate::domain::FieldErrors;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "email")]
    pub email: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = String, format = "name", max_length = 100)]
    pub display_name: Field<String>,
    #[serde(default)]
    #[schema(required = true, value_type = Role)]
    pub role: Field<String>,
    /// Optional: without it the person is emailed an invitation to choose a password.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "password", min_length = 12, max_length = 256)]
    pub password: Field<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Field<i64>,
}

impl CreateUserRequest {
    pub fn parse(self) -> Parsed<NewAccount> {
        let mut e = FieldErrors::new();
        let email = parse_required(self.email, &mut e, "email", EmailAddress::parse);
        let display_name = parse_required(self.display_name, &mut e, "display_name", DisplayName::parse);
        let role = parse_required(self.role, &mut e, "role", |s| s.parse::<Role>());
        let password = match self.password.optional(&mut e, "password") {
            Some(Some(p)) => e.check("password", NewPassword::parse(&p)).map(Some),
            Some(None) => Some(None),
            None => None,
        };
        let organisation_id = self.organisation_id.optional(&mut e, "organisation_id");
        let value = match (email, display_name, role, password, organisation_id) {
            (Some(email), Some(display_name), Some(role), Some(password), Some(organisation_id)) => {
                Some(NewAccount { email, display_name, role, password, organisation_id })
            }
            _ => None,
        };
        finish(e, value)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub disabled: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    pub role: Field<String>,
}

impl UpdateUserRequest {
    pub fn parse(self) -> Parsed<AccessChange> {
        let mut e = FieldErrors::new();
        if self.disabled.is_missing() && self.role.is_missing() {
            e.add("body", "send disabled, role or both");
        }
        let disabled = self.disabled.optional(&mut e, "disabled").flatten();
        let role = match self.role.optional(&mut e, "role") {
            Some(Some(r)) => e.check("role", r.parse::<Role>()),
            _ => None,
        };
        finish(e, Some(AccessChange { disabled, role }))
    }
}
