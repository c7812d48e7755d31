//! The demo's people: an administrator, five inspectors, innovators in organisations of every
//! kind, and ten residents, all with the demo password and a verified email.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::{NewOrganisation, NewUser};
use crate::db::{users, DbConn};
use crate::domain::account::{OrganisationKind, Role};

const KINDS: [OrganisationKind; 6] = OrganisationKind::ALL;

const INSPECTORS: [&str; 5] = ["Ivy Okafor", "Tom Hughes", "Priya Shah", "Megan Evans", "Dan Kowalski"];

const ORGANISATIONS: [&str; 6] = [
    "Sunny Hill Energy Co-op",
    "Harbourside Residents' Association",
    "Heatwise Installers Ltd",
    "Northern Grid plc",
    "Somerset Council Estates",
    "Warm Homes Trust",
];

const RESIDENTS: usize = 10;

/// The ids of the seeded users, by role.
pub(super) struct People {
    pub(super) admin: i64,
    pub(super) inspectors: Vec<i64>,
    /// Each innovator with their organisation and its kind.
    pub(super) innovators: Vec<(i64, i64, OrganisationKind)>,
    pub(super) community: Vec<i64>,
    /// Each user's email address and name, by id (what an email to them needs).
    pub(super) contacts: HashMap<i64, (String, String)>,
}

/// The user with `email`, created if there is none yet, noted in `contacts`.
#[allow(clippy::too_many_arguments)]
fn make_user(
    c: &mut DbConn,
    contacts: &mut HashMap<i64, (String, String)>,
    email: &str,
    name: &str,
    role: Role,
    org: Option<i64>,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    if let Some(u) = users::find_user_by_email(c, email)? {
        contacts.insert(u.id, (u.email, u.display_name));
        return Ok(u.id);
    }
    let id = users::insert_user(
        c,
        &NewUser {
            email,
            password_hash: Some(hash),
            display_name: name,
            role,
            organisation_id: org,
            email_verified_at: Some(now),
            token_version: 0,
            created_at: now,
            updated_at: now,
        },
    )?
    .id;
    contacts.insert(id, (email.to_string(), name.to_string()));
    Ok(id)
}

/// Creates (or finds) the demo users, with `innovators` innovators each in an organisation of
/// their own, the kinds taken in turn.
pub(super) fn people(c: &mut DbConn, hash: &str, now: NaiveDateTime, innovators: usize) -> QueryResult<People> {
    let mut contacts = HashMap::new();
    let admin =
        make_user(c, &mut contacts, "admin@demo.sandbox.example", "Demo Administrator", Role::Admin, None, hash, now)?;
    let mut inspectors = Vec::new();
    for (i, n) in INSPECTORS.iter().enumerate() {
        let email = format!("inspector{}@demo.sandbox.example", i + 1);
        inspectors.push(make_user(c, &mut contacts, &email, n, Role::Inspector, None, hash, now)?);
    }
    let mut inn = Vec::new();
    for i in 0..innovators {
        let kind = KINDS[i % KINDS.len()];
        let org_name = format!("{} {}", ORGANISATIONS[i % ORGANISATIONS.len()], i / ORGANISATIONS.len() + 1);
        let org = users::insert_organisation(
            c,
            &NewOrganisation { name: &org_name, kind, registration_number: None, created_at: now },
        )?;
        let email = format!("innovator{}@demo.sandbox.example", i + 1);
        let name = format!("Innovator {}", i + 1);
        let id = make_user(c, &mut contacts, &email, &name, Role::Innovator, Some(org.id), hash, now)?;
        inn.push((id, org.id, kind));
    }
    let mut community = Vec::new();
    for i in 0..RESIDENTS {
        let email = format!("resident{}@demo.sandbox.example", i + 1);
        let name = format!("Resident {}", i + 1);
        community.push(make_user(c, &mut contacts, &email, &name, Role::Community, None, hash, now)?);
    }
    Ok(People { admin, inspectors, innovators: inn, community, contacts })
}
