//! Community monitoring: following trials and zones, observations with replies and moderation,
//! attestations of conditions' evidence, and each user's notification preferences.

use chrono::TimeDelta;
use serde_json::json;

use super::case_mail::{notify, To, PREFERENCES};
use super::cases::{case_stream, load_for, status_of};
use super::AppContext;
use crate::db::community::{self as repo, NewObservation};
use crate::db::models::{Attestation, Observation, ObservationReply, Subscription};
use crate::db::{audit, catalogue, monitoring, DbConn};
use crate::domain::account::Role;
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

/// What a user follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Trial(i64),
    Zone(i64),
}

pub async fn follow(ctx: &AppContext, actor: &Actor, target: Target) -> AppResult<Subscription> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let (application_id, zone_id) = match target {
                Target::Trial(id) => {
                    let visible = load_for(c, &actor, id, CaseRequest::Read)
                        .or_else(|_| load_for(c, &actor, id, CaseRequest::ReadPublicTrial))
                        .map_err(|_| AppError::validation("application_id", "no such public trial"))?;
                    (Some(visible.id), None)
                }
                Target::Zone(id) => {
                    catalogue::find_zone(c, id)?.ok_or_else(|| AppError::validation("zone_id", "no such zone"))?;
                    (None, Some(id))
                }
            };
            if let Some(existing) = repo::find_subscription(c, actor.user_id, application_id, zone_id)? {
                return Err(AppError::Conflict {
                    detail: "you already follow this".into(),
                    errors: Vec::new(),
                    extra: Some(json!({ "subscription_id": existing.id })),
                });
            }
            Ok(repo::insert_subscription(c, actor.user_id, application_id, zone_id, now)?)
        })
        .await
}

pub async fn subscriptions(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<Subscription>> {
    let user = actor.user_id;
    ctx.db.run(move |c| repo::subscriptions_of(c, user).map_err(AppError::from)).await
}

pub async fn unfollow(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<()> {
    let user = actor.user_id;
    ctx.db
        .write(move |c| {
            if repo::delete_subscription(c, id, user)? {
                Ok(())
            } else {
                Err(AppError::NotFound("no such subscription".into()))
            }
        })
        .await
}

/// Each preference and whether it is on.
pub async fn preferences(ctx: &AppContext, actor: &Actor) -> AppResult<Vec<(String, bool)>> {
    let user = actor.user_id;
    let off = ctx.db.run(move |c| repo::opt_outs(c, user).map_err(AppError::from)).await?;
    Ok(PREFERENCES.iter().map(|p| (p.to_string(), !off.iter().any(|o| o == p))).collect())
}

pub async fn set_preferences(
    ctx: &AppContext,
    actor: &Actor,
    wanted: Vec<(String, bool)>,
) -> AppResult<Vec<(String, bool)>> {
    let mut errors = FieldErrors::new();
    for (name, _) in &wanted {
        if name == "security" {
            errors.add("security", "security email (verification, password reset) cannot be turned off");
        } else if !PREFERENCES.contains(&name.as_str()) {
            errors.add(name.clone(), format!("is not a preference; choose from {}", PREFERENCES.join(", ")));
        }
    }
    errors.into_result()?;
    let user = actor.user_id;
    let current = preferences(ctx, actor).await?;
    let off: Vec<String> = current
        .into_iter()
        .map(|(name, on)| {
            let on = wanted.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).unwrap_or(on);
            (name, on)
        })
        .filter(|(_, on)| !on)
        .map(|(name, _)| name)
        .collect();
    ctx.db.write(move |c| repo::set_opt_outs(c, user, &off).map_err(AppError::from)).await?;
    preferences(ctx, actor).await
}

/// Refuses with 429 when a user has posted too much in the last hour.
fn within_quota(c: &mut DbConn, ctx_quota: i64, user: i64, now: chrono::NaiveDateTime) -> AppResult<()> {
    let (count, oldest) = repo::recent_posts(c, user, now - TimeDelta::hours(1))?;
    if count >= ctx_quota {
        let retry = oldest.map(|o| (o + TimeDelta::hours(1) - now).num_seconds().max(1)).unwrap_or(3600) as u64;
        return Err(AppError::TooManyRequests {
            detail: format!("you can post {ctx_quota} observations and attestations an hour; try again later"),
            retry_after_seconds: retry,
        });
    }
    Ok(())
}

pub const OBSERVATION_KINDS: [&str; 3] = ["comment", "concern", "support"];

/// An observation with its replies, as one reader may see it.
#[derive(Debug, Clone)]
pub struct ObservationView {
    pub observation: Observation,
    pub replies: Vec<ObservationReply>,
    /// Whether the reader sees the original text (inspectors and admins).
    pub moderator_view: bool,
}

impl ObservationView {
    /// The text the reader sees: the original for moderators; otherwise the published text.
    pub fn text(&self) -> &str {
        if self.moderator_view || self.observation.visibility == "published" {
            &self.observation.body
        } else {
            self.observation.published_body.as_deref().unwrap_or("")
        }
    }
}

pub async fn post_observation(
    ctx: &AppContext,
    actor: &Actor,
    case_id: i64,
    kind: String,
    body: String,
) -> AppResult<ObservationView> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    let quota = ctx.settings.community.posts_per_hour;
    ctx.db
        .write(move |c| {
            let app = load_for(c, &actor, case_id, CaseRequest::Observe)?;
            within_quota(c, quota, actor.user_id, now)?;
            let o = repo::insert_observation(
                c,
                &NewObservation {
                    application_id: app.id,
                    author_id: actor.user_id,
                    kind: kind.clone(),
                    body: body.clone(),
                    visibility: "published".into(),
                    version: 1,
                    created_at: now,
                },
            )?;
            audit::append(
                c,
                audit::Entry {
                    stream: case_stream(app.id),
                    actor_user_id: Some(actor.user_id),
                    action: "observation.posted",
                    from_status: None,
                    to_status: Some("published"),
                    details: json!({ "observation_id": o.id, "kind": kind, "body": body }),
                    public: true,
                    at: now,
                },
            )?;
            notify(
                c,
                &mailer,
                &app,
                "observation_posted",
                &o.id.to_string(),
                &[To::Author, To::AssignedInspector],
                &format!("A community member posted a {kind}"),
                &body,
                now,
            )?;
            Ok(ObservationView { observation: o, replies: Vec::new(), moderator_view: false })
        })
        .await
}

/// Observations on a trial: the public sees published ones (redacted text where moderated);
/// inspectors and admins see every one with its original text.
pub async fn observations(ctx: &AppContext, actor: Option<&Actor>, case_id: i64) -> AppResult<Vec<ObservationView>> {
    let actor = actor.copied();
    ctx.db
        .run(move |c| {
            let app = crate::db::cases::find_application(c, case_id)?.ok_or_else(super::cases::not_found)?;
            let moderator = actor.is_some_and(|a| matches!(a.role, Role::Inspector | Role::Admin));
            let can_read = status_of(&app).is_public_trial()
                || actor.is_some_and(|a| load_for(c, &a, case_id, CaseRequest::Read).is_ok());
            if !can_read {
                return Err(super::cases::not_found());
            }
            let list = repo::observations_of(c, app.id)?;
            let visible: Vec<Observation> =
                list.into_iter().filter(|o| moderator || o.visibility != "hidden").collect();
            let ids: Vec<i64> = visible.iter().map(|o| o.id).collect();
            let replies = repo::replies_to(c, &ids)?;
            Ok(visible
                .into_iter()
                .map(|o| {
                    let r = replies.iter().filter(|r| r.observation_id == o.id).cloned().collect();
                    ObservationView { observation: o, replies: r, moderator_view: moderator }
                })
                .collect())
        })
        .await
}

pub async fn reply(ctx: &AppContext, actor: &Actor, observation_id: i64, body: String) -> AppResult<ObservationReply> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    ctx.db
        .write(move |c| {
            let o = repo::find_observation(c, observation_id)?
                .ok_or_else(|| AppError::NotFound("no such observation".into()))?;
            let app = load_for(c, &actor, o.application_id, CaseRequest::Reply)?;
            if o.visibility == "hidden" {
                return Err(AppError::NotFound("no such observation".into()));
            }
            let r = repo::insert_reply(c, o.id, actor.user_id, &body, now)?;
            audit::append(
                c,
                audit::Entry {
                    stream: case_stream(app.id),
                    actor_user_id: Some(actor.user_id),
                    action: "observation.replied",
                    from_status: None,
                    to_status: None,
                    details: json!({ "observation_id": o.id, "reply_id": r.id, "body": body }),
                    public: true,
                    at: now,
                },
            )?;
            notify(
                c,
                &mailer,
                &app,
                "observation_replied",
                &r.id.to_string(),
                &[To::User(o.author_id)],
                "Your observation has a reply",
                &body,
                now,
            )?;
            Ok(r)
        })
        .await
}

/// Hides an observation (with a reason) or publishes a redacted text in its place. The original
/// stays in the record for inspectors and in the audit trail.
pub async fn moderate(
    ctx: &AppContext,
    actor: &Actor,
    observation_id: i64,
    version: i64,
    redacted: Option<String>,
    reason: String,
) -> AppResult<ObservationView> {
    let (actor, now) = (*actor, ctx.now());
    ctx.db
        .write(move |c| {
            let o = repo::find_observation(c, observation_id)?.ok_or_else(|| AppError::NotFound("no such observation".into()))?;
            let app = load_for(c, &actor, o.application_id, CaseRequest::Moderate)?;
            if o.version != version {
                return Err(AppError::PreconditionFailed { current_version: o.version });
            }
            let visibility = if redacted.is_some() { "redacted" } else { "hidden" };
            if !repo::moderate_observation(c, o.id, version, visibility, redacted.as_deref(), &reason, actor.user_id, now)? {
                return Err(AppError::PreconditionFailed { current_version: o.version + 1 });
            }
            audit::append(
                c,
                audit::Entry {
                    stream: case_stream(app.id),
                    actor_user_id: Some(actor.user_id),
                    action: "observation.moderated",
                    from_status: Some(&o.visibility),
                    to_status: Some(visibility),
                    details: json!({ "observation_id": o.id, "original": o.body, "published": redacted, "reason": reason }),
                    // The original text may hold personal data: only staff see this event.
                    public: false,
                    at: now,
                },
            )?;
            let o = repo::find_observation(c, o.id)?.ok_or_else(|| AppError::NotFound("no such observation".into()))?;
            let replies = repo::replies_to(c, &[o.id])?;
            Ok(ObservationView { observation: o, replies, moderator_view: true })
        })
        .await
}

/// A community member confirms or disputes a condition's latest evidence. A dispute notifies the
/// assigned inspector and the author.
pub async fn attest(
    ctx: &AppContext,
    actor: &Actor,
    condition_id: i64,
    dispute: bool,
    comment: String,
) -> AppResult<Attestation> {
    let (actor, now, mailer) = (*actor, ctx.now(), ctx.mailer.clone());
    let quota = ctx.settings.community.posts_per_hour;
    ctx.db
        .write(move |c| {
            let cond = monitoring::find_condition(c, condition_id)?.ok_or_else(|| AppError::NotFound("no such condition".into()))?;
            let app = load_for(c, &actor, cond.application_id, CaseRequest::Observe).map_err(|e| match e {
                AppError::NotFound(_) => AppError::NotFound("no such condition".into()),
                other => other,
            })?;
            let latest = monitoring::evidence_for(c, cond.id)?.into_iter().next().ok_or_else(|| AppError::Conflict {
                detail: "there is no evidence to confirm or dispute yet".into(),
                errors: Vec::new(),
                extra: Some(json!({ "current_status": cond.status })),
            })?;
            within_quota(c, quota, actor.user_id, now)?;
            let stance = if dispute { "dispute" } else { "confirm" };
            let a = repo::insert_attestation(c, app.id, cond.id, Some(latest.id), actor.user_id, stance, &comment, now)?;
            audit::append(
                c,
                audit::Entry {
                    stream: case_stream(app.id),
                    actor_user_id: Some(actor.user_id),
                    action: "condition.attested",
                    from_status: None,
                    to_status: Some(stance),
                    details: json!({ "condition_id": cond.id, "evidence_id": latest.id, "attestation_id": a.id, "comment": comment }),
                    public: true,
                    at: now,
                },
            )?;
            if dispute {
                notify(c, &mailer, &app, "attestation_disputed", &a.id.to_string(), &[To::AssignedInspector, To::Author],
                    &format!("A community member disputes the evidence for: {}", cond.description), &comment, now)?;
            }
            Ok(a)
        })
        .await
}

pub async fn attestations(ctx: &AppContext, condition_id: i64) -> AppResult<Vec<Attestation>> {
    ctx.db.run(move |c| repo::attestations_of(c, condition_id).map_err(AppError::from)).await
}
