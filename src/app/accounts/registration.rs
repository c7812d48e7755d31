//! Registration (innovators and community members register themselves) and verifying the email
//! address with the link sent on registration.

use chrono::TimeDelta;
use serde_json::json;

use super::{invalid_token, issue_one_time_token, load_account, role_label, user_stream, Account, PURPOSE_VERIFY};
use crate::app::{blocking, AppContext};
use crate::auth::{password, tokens};
use crate::db::models::{NewOrganisation, NewUser};
use crate::db::{audit, users as repo};
use crate::domain::account::{DisplayName, EmailAddress, NewPassword, OrganisationKind, Role};
use crate::domain::FieldErrors;
use crate::email::{self, Outgoing};
use crate::error::{AppError, AppResult};

#[derive(Debug)]
pub struct OrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    pub registration_number: Option<String>,
}

#[derive(Debug)]
pub struct Registration {
    pub email: EmailAddress,
    pub password: NewPassword,
    pub display_name: DisplayName,
    pub role: Role,
    pub organisation: Option<OrganisationInput>,
}

/// Registers an account for a client at `address`, which may register
/// `auth.registrations_per_address_per_hour` an hour.
pub async fn register(ctx: &AppContext, reg: Registration, address: String) -> AppResult<Account> {
    if !reg.role.self_registrable() {
        return Err(AppError::validation("role", "must be innovator or community"));
    }
    let per_hour = ctx.settings.auth.registrations_per_address_per_hour;
    super::within_client_limit(
        ctx,
        "register",
        address,
        per_hour,
        "too many accounts have been created from this address lately; try again later",
    )
    .await?;
    let email = reg.email.as_str().to_string();
    let taken = {
        let email = email.clone();
        ctx.db.run(move |c| repo::email_taken(c, &email).map_err(AppError::from)).await?
    };
    if taken {
        return Err(email_taken());
    }
    let plain = reg.password.expose().to_string();
    let hash = blocking(move || password::hash_password(&plain)).await?.map_err(AppError::internal)?;
    let now = ctx.now();
    let ttl_hours = ctx.settings.auth.verify_token_ttl_hours;
    let mailer = ctx.mailer.clone();
    let display_name = reg.display_name.into_inner();
    let role = reg.role;
    let organisation = reg.organisation;
    ctx.db
        .write(move |conn| {
            let organisation_id = match &organisation {
                Some(o) => Some(
                    repo::insert_organisation(
                        conn,
                        &NewOrganisation {
                            name: &o.name,
                            kind: o.kind,
                            registration_number: o.registration_number.as_deref(),
                            created_at: now,
                        },
                    )?
                    .id,
                ),
                None => None,
            };
            let user = repo::insert_user(
                conn,
                &NewUser {
                    email: &email,
                    password_hash: Some(&hash),
                    display_name: &display_name,
                    role,
                    organisation_id,
                    email_verified_at: None,
                    token_version: 0,
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(|e| {
                if crate::db::is_unique_violation(&e, "users_email_key", "users.email") {
                    email_taken()
                } else {
                    AppError::from(e)
                }
            })?;
            let (token_id, token) =
                issue_one_time_token(conn, user.id, PURPOSE_VERIFY, now, TimeDelta::hours(ttl_hours))?;
            email::queue(
                conn,
                &mailer,
                Outgoing {
                    dedup_key: format!("verify-email:{token_id}"),
                    user_id: Some(user.id),
                    to: &user.email,
                    category: "security.verify_email",
                    template: "verify_email",
                    context: json!({
                        "display_name": user.display_name,
                        "role_label": role_label(role),
                        "link": mailer.link(&format!("/account/verify-email?token={token}")),
                        "ttl_hours": ttl_hours,
                    }),
                },
                now,
            )?;
            audit::append(
                conn,
                audit::Entry {
                    stream: user_stream(user.id),
                    actor_user_id: Some(user.id),
                    action: "user.registered",
                    from_status: None,
                    to_status: Some("unverified"),
                    details: json!({ "role": role.as_str(), "organisation_id": organisation_id }),
                    public: true,
                    at: now,
                },
            )?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}

fn email_taken() -> AppError {
    AppError::Conflict {
        detail: "an account with this email address already exists; log in or reset your password".into(),
        errors: FieldErrors::single("email", "is already registered").0,
        extra: None,
    }
}

pub async fn verify_email(ctx: &AppContext, token: String) -> AppResult<Account> {
    let now = ctx.now();
    ctx.db
        .write(move |conn| {
            let hash = tokens::hash_token(&token);
            let Some(t) = repo::find_one_time_token(conn, &hash, PURPOSE_VERIFY)? else {
                return Err(invalid_token());
            };
            if t.used_at.is_some() || t.expires_at < now || !repo::use_one_time_token(conn, t.id, now)? {
                return Err(invalid_token());
            }
            if repo::mark_verified(conn, t.user_id, now)? == 1 {
                audit::append(
                    conn,
                    audit::Entry {
                        stream: user_stream(t.user_id),
                        actor_user_id: Some(t.user_id),
                        action: "user.email_verified",
                        from_status: Some("unverified"),
                        to_status: Some("verified"),
                        details: json!({}),
                        public: true,
                        at: now,
                    },
                )?;
            }
            let user = repo::find_user(conn, t.user_id)?.ok_or_else(invalid_token)?;
            load_account(conn, user).map_err(AppError::from)
        })
        .await
}
