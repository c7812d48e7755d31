//! Administering users: list, read, create inspectors and admins (or any role), disable and
//! change roles. Every change is audited and ends the user's existing logins.

use chrono::TimeDelta;
use serde_json::json;

use super::accounts::{issue_one_time_token, role_label, user_stream, Account, PURPOSE_INVITE};
use super::input::Parsed;
use super::{blocking, AppContext, Page, PageRequest};
use crate::auth::password;
use crate::db::models::NewUser;
use crate::db::users::{self as repo, UserFilter};
use crate::db::{audit, DbConn};
use crate::domain::account::{DisplayName, EmailAddress, NewPassword, Role};
use crate::domain::policy::{authorize, Action, Actor};
use crate::email::{self, Outgoing};
use crate::error::{AppError, AppResult};

/// Refuses anyone the policy does not let manage these records (the forms' pages ask first).
pub fn must_manage(actor: &Actor) -> AppResult<()> {
    authorize(Some(actor), Action::ManageUsers).map_err(|r| AppError::refused(r, "manage users"))
}

pub async fn list(ctx: &AppContext, actor: &Actor, filter: UserFilter, page: PageRequest) -> AppResult<Page<Account>> {
    must_manage(actor)?;
    let cap = ctx.settings.lists.total_count_cap;
    ctx.db
        .run(move |conn| {
            let rows = repo::list_users(conn, &filter, page.offset(), page.per_page)?;
            let counted = repo::count_users(conn, &filter, cap)?;
            let items = rows.into_iter().map(|(user, organisation)| Account { user, organisation }).collect();
            Ok::<_, AppError>(Page::new(items, page, counted, cap))
        })
        .await
}

/// An inspector a case can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorChoice {
    pub id: i64,
    pub display_name: String,
}

/// The enabled inspectors, for staff choosing whom to assign a case to (no other personal data).
pub async fn inspectors(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<InspectorChoice>> {
    authorize(Some(actor), Action::Casework).map_err(|r| AppError::refused(r, "see the inspectors"))?;
    ctx.db
        .run(move |conn| {
            let found = repo::active_users_with_role(conn, Role::Inspector)?;
            Ok::<_, AppError>(
                found.into_iter().map(|u| InspectorChoice { id: u.id, display_name: u.display_name }).collect(),
            )
        })
        .await
}

fn load(conn: &mut DbConn, id: i64) -> AppResult<Account> {
    let user = repo::find_user(conn, id)?.ok_or_else(|| AppError::NotFound("no such user".into()))?;
    let organisation = match user.organisation_id {
        Some(o) => repo::find_organisation(conn, o)?,
        None => None,
    };
    Ok(Account { user, organisation })
}

pub async fn get(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<Account> {
    must_manage(actor)?;
    ctx.db.run(move |conn| load(conn, id)).await
}

#[derive(Debug)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: Option<NewPassword>,
    pub organisation_id: Option<i64>,
}

/// Creates an account. Without a password the person gets an invitation to choose one.
pub async fn create(ctx: &AppContext, actor: &Actor, input: Parsed<NewAccount>) -> AppResult<Account> {
    must_manage(actor)?;
    let input = input?;
    let hash = match input.password {
        Some(p) => {
            let plain = p.expose().to_string();
            Some(blocking(move || password::hash_password(&plain)).await?.map_err(AppError::internal)?)
        }
        None => None,
    };
    let now = ctx.now();
    let actor_id = actor.user_id;
    let invite_hours = ctx.settings.auth.invite_token_ttl_hours;
    let mailer = ctx.mailer.clone();
    ctx.db
        .write(move |conn| {
            if let Some(org) = input.organisation_id {
                if repo::find_organisation(conn, org)?.is_none() {
                    return Err(AppError::validation("organisation_id", "no such organisation"));
                }
            }
            if repo::email_taken(conn, input.email.as_str())? {
                return Err(AppError::Conflict {
                    detail: "an account with this email address already exists".into(),
                    errors: crate::domain::FieldErrors::single("email", "is already registered").0,
                    extra: None,
                });
            }
            let display_name = input.display_name.into_inner();
            let user = repo::insert_user(
                conn,
                &NewUser {
                    email: input.email.as_str(),
                    password_hash: hash.as_deref(),
                    display_name: &display_name,
                    role: input.role,
                    organisation_id: input.organisation_id,
                    // The administrator vouches for the address; an invitation proves it too.
                    email_verified_at: Some(now),
                    token_version: 0,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            if hash.is_none() {
                let (token_id, token) =
                    issue_one_time_token(conn, user.id, PURPOSE_INVITE, now, TimeDelta::hours(invite_hours))?;
                email::queue(
                    conn,
                    &mailer,
                    Outgoing {
                        dedup_key: format!("invitation:{token_id}"),
                        user_id: Some(user.id),
                        to: &user.email,
                        category: "security.invitation",
                        template: "invitation",
                        context: json!({
                            "display_name": user.display_name,
                            "role_label": role_label(input.role),
                            "link": mailer.link(&format!("/account/reset-password?token={token}")),
                            "ttl_hours": invite_hours,
                        }),
                    },
                    now,
                )?;
            }
            audit::append(
                conn,
                audit::Entry {
                    stream: user_stream(user.id),
                    actor_user_id: Some(actor_id),
                    action: "user.created",
                    from_status: None,
                    to_status: Some("active"),
                    details: json!({ "role": input.role.as_str(), "invited": hash.is_none() }),
                    public: true,
                    at: now,
                },
            )?;
            load(conn, user.id)
        })
        .await
}

#[derive(Debug, Default)]
pub struct AccessChange {
    pub disabled: Option<bool>,
    pub role: Option<Role>,
}

/// Disables, re-enables or changes the role of a user. The user's tokens stop working at once.
pub async fn change_access(
    ctx: &AppContext,
    actor: &Actor,
    id: i64,
    change: Parsed<AccessChange>,
) -> AppResult<Account> {
    must_manage(actor)?;
    let now = ctx.now();
    let actor_id = actor.user_id;
    ctx.db
        .write(move |conn| {
            let current = load(conn, id)?;
            let change = change?;
            let old_role: Role = current.user.role;
            let was_disabled = current.user.disabled_at.is_some();
            let role = change.role.filter(|r| *r != old_role);
            let disabled = change.disabled.filter(|d| *d != was_disabled);
            if role.is_none() && disabled.is_none() {
                return Ok(current);
            }
            let loses_admin = old_role == Role::Admin && (role.is_some() || disabled == Some(true));
            if loses_admin && id == actor_id {
                return Err(AppError::conflict(
                    "you cannot disable yourself or remove your own admin role; ask another admin",
                ));
            }
            if loses_admin && !was_disabled && repo::count_admins(conn)? <= 1 {
                return Err(AppError::conflict("this is the last active admin; make another admin first"));
            }
            repo::update_access(
                conn,
                id,
                role.map(Role::as_str),
                disabled.map(|d| if d { Some(now) } else { None }),
                now,
            )?;
            repo::revoke_all_for_user(conn, id, now)?;
            if let Some(new_role) = role {
                audit::append(
                    conn,
                    audit::Entry {
                        stream: user_stream(id),
                        actor_user_id: Some(actor_id),
                        action: "user.role_changed",
                        from_status: Some(old_role.as_str()),
                        to_status: Some(new_role.as_str()),
                        details: json!({}),
                        public: true,
                        at: now,
                    },
                )?;
            }
            if let Some(d) = disabled {
                audit::append(
                    conn,
                    audit::Entry {
                        stream: user_stream(id),
                        actor_user_id: Some(actor_id),
                        action: if d { "user.disabled" } else { "user.enabled" },
                        from_status: Some(if d { "active" } else { "disabled" }),
                        to_status: Some(if d { "disabled" } else { "active" }),
                        details: json!({}),
                        public: true,
                        at: now,
                    },
                )?;
            }
            load(conn, id)
        })
        .await
}

/// Creates an admin from the command line (`sandbox create-admin`). Fails if the email is taken.
pub fn bootstrap_admin(
    conn: &mut DbConn,
    email: &EmailAddress,
    display_name: &str,
    password_hash: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<i64> {
    crate::db::write_tx(conn, |conn| {
        if repo::email_taken(conn, email.as_str())? {
            return Err(AppError::conflict(format!("an account with {email} already exists")));
        }
        let user = repo::insert_user(
            conn,
            &NewUser {
                email: email.as_str(),
                password_hash: Some(password_hash),
                display_name,
                role: Role::Admin,
                organisation_id: None,
                email_verified_at: Some(now),
                token_version: 0,
                created_at: now,
                updated_at: now,
            },
        )?;
        audit::append(
            conn,
            audit::Entry {
                stream: user_stream(user.id),
                actor_user_id: None,
                action: "user.created",
                from_status: None,
                to_status: Some("active"),
                details: json!({ "role": "admin", "via": "command line" }),
                public: true,
                at: now,
            },
        )?;
        Ok(user.id)
    })
}
