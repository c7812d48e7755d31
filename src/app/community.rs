//! Community monitoring: following trials and zones, observations with replies and moderation,
//! attestations of conditions' evidence, and each user's notification preferences.

use chrono::TimeDelta;
use serde_json::json;

use super::case_mail::{To, PREFERENCES};
use super::cases::load_for;
use super::conditions::NO_SUCH_CONDITION;
pub use super::input::community::Target;
use super::input::community::{AttestationInput, Moderation, ObservationInput};
use super::input::Parsed;
use super::tx::{self, Expected, Tx};
use super::AppContext;
use crate::db::community::{self as repo, NewObservation};
use crate::db::models::{Attestation, Observation, ObservationReply, Subscription};
use crate::db::{catalogue, monitoring, DbConn};
use crate::domain::account::Role;
use crate::domain::community::{AttestationStance, ModerationAction, Visibility};
use crate::domain::policy::{Actor, CaseRequest};
use crate::domain::FieldErrors;
use crate::error::{AppError, AppResult};

pub const NO_SUCH_OBSERVATION: &str = "no such observation";

pub async fn follow(ctx: &AppContext, actor: &Actor, target: Parsed<Target>) -> AppResult<Subscription> {
    let target = target?;
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

/// Stops one of the actor's follows, and says what it was.
pub async fn unfollow(ctx: &AppContext, actor: &Actor, id: i64) -> AppResult<Subscription> {
    let user = actor.user_id;
    ctx.db
        .write(move |c| {
            let not_found = || AppError::NotFound("no such subscription".into());
            let s = repo::subscriptions_of(c, user)?.into_iter().find(|s| s.id == id).ok_or_else(not_found)?;
            if repo::delete_subscription(c, id, user)? {
                Ok(s)
            } else {
                Err(not_found())
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
    wanted: Parsed<Vec<(String, bool)>>,
) -> AppResult<Vec<(String, bool)>> {
    let wanted = wanted?;
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

/// Whether the public sees an observation: not hidden by a moderator, nor held back by its
/// reports until one looks at it.
pub fn publicly_visible(o: &Observation) -> bool {
    o.visibility != Visibility::Hidden && o.held_at.is_none()
}

/// The text of an observation the public may read: none while it is hidden or held, the moderator's
/// redacted text once redacted, else what its author wrote.
pub fn public_text(o: &Observation) -> Option<&str> {
    match o.visibility {
        _ if !publicly_visible(o) => None,
        Visibility::Published => Some(&o.body),
        _ => Some(o.published_body.as_deref().unwrap_or("")),
    }
}

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
        if self.moderator_view || self.observation.visibility == Visibility::Published {
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
    input: Parsed<ObservationInput>,
) -> AppResult<ObservationView> {
    let quota = ctx.settings.community.posts_per_hour;
    tx::write(ctx, actor, move |tx| {
        let app = tx.case(case_id, CaseRequest::Observe)?;
        let ObservationInput { kind, body } = input?;
        within_quota(tx.c, quota, tx.actor.user_id, tx.now)?;
        let o = repo::insert_observation(
            tx.c,
            &NewObservation {
                application_id: app.id,
                author_id: tx.actor.user_id,
                kind,
                body: body.clone(),
                visibility: Visibility::Published,
                version: 1,
                created_at: tx.now,
            },
        )?;
        let details = json!({ "observation_id": o.id, "kind": kind, "body": body });
        tx.record(&app, "observation.posted", None, Some("published"), details, true)?;
        let headline = format!("A community member posted a {kind}");
        tx.mail_keyed(
            &app,
            "observation_posted",
            &o.id.to_string(),
            &[To::Author, To::AssignedInspector],
            &headline,
            &body,
        )?;
        Ok(ObservationView { observation: o, replies: Vec::new(), moderator_view: false })
    })
    .await
}

/// Holds the observation's case for `request` and reads the observation again under that hold.
fn held(tx: &mut Tx<'_>, id: i64, request: CaseRequest) -> AppResult<(Observation, crate::db::models::Application)> {
    let find = |c: &mut DbConn| -> AppResult<Observation> {
        repo::find_observation(c, id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_OBSERVATION.into()))
    };
    let case_id = find(tx.c)?.application_id;
    let app = tx.case_as(case_id, request, NO_SUCH_OBSERVATION)?;
    Ok((find(tx.c)?, app))
}

pub async fn reply(
    ctx: &AppContext,
    actor: &Actor,
    observation_id: i64,
    body: Parsed<String>,
) -> AppResult<ObservationReply> {
    tx::write(ctx, actor, move |tx| {
        let (o, app) = held(tx, observation_id, CaseRequest::Reply)?;
        if !publicly_visible(&o) {
            return Err(AppError::NotFound(NO_SUCH_OBSERVATION.into()));
        }
        let body = body?;
        let r = repo::insert_reply(tx.c, o.id, tx.actor.user_id, &body, tx.now)?;
        let details = json!({ "observation_id": o.id, "reply_id": r.id, "body": body });
        tx.record(&app, "observation.replied", None, None, details, true)?;
        tx.mail_keyed(
            &app,
            "observation_replied",
            &r.id.to_string(),
            &[To::User(o.author_id)],
            "Your observation has a reply",
            &body,
        )?;
        Ok(r)
    })
    .await
}

/// Hides an observation (with a reason), publishes a redacted text in its place, or keeps it as
/// the public sees it. Each takes it off the moderators' list and ends any hold its reports put on
/// it. The original stays in the record for inspectors and in the audit trail.
pub async fn moderate(
    ctx: &AppContext,
    actor: &Actor,
    observation_id: i64,
    expected: Expected,
    input: Parsed<Moderation>,
) -> AppResult<ObservationView> {
    tx::write(ctx, actor, move |tx| {
        let (o, app) = held(tx, observation_id, CaseRequest::Moderate)?;
        expected.check(o.version)?;
        let Moderation { action, redacted, reason } = input?;
        let (visibility, published) = match action {
            ModerationAction::Hide => (Visibility::Hidden, None),
            ModerationAction::Redact => (Visibility::Redacted, redacted.clone()),
            ModerationAction::Keep => (o.visibility, o.published_body.clone()),
        };
        let reason =
            reason.or_else(|| if action == ModerationAction::Keep { o.moderation_reason.clone() } else { None });
        if !repo::moderate_observation(
            tx.c,
            o.id,
            o.version,
            visibility,
            published.as_deref(),
            reason.as_deref(),
            tx.actor.user_id,
            tx.now,
        )? {
            return Err(AppError::PreconditionFailed { current_version: o.version + 1 });
        }
        let details = json!({
            "observation_id": o.id, "action": action, "original": o.body, "published": published,
            "reason": reason, "was_held": o.held_at.is_some(),
        });
        // The original text may hold personal data: only staff see this event.
        tx.record(
            &app,
            "observation.moderated",
            Some(o.visibility.as_str()),
            Some(visibility.as_str()),
            details,
            false,
        )?;
        let o = repo::find_observation(tx.c, o.id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_OBSERVATION.into()))?;
        let replies = repo::replies_to(tx.c, &[o.id])?;
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
    input: Parsed<AttestationInput>,
) -> AppResult<Attestation> {
    let quota = ctx.settings.community.posts_per_hour;
    tx::write(ctx, actor, move |tx| {
        let find = |c: &mut DbConn| {
            monitoring::find_condition(c, condition_id)?.ok_or_else(|| AppError::NotFound(NO_SUCH_CONDITION.into()))
        };
        let case_id = find(tx.c)?.application_id;
        let app = tx.case_as(case_id, CaseRequest::Observe, NO_SUCH_CONDITION)?;
        let cond = find(tx.c)?;
        let latest = monitoring::evidence_for(tx.c, cond.id)?.into_iter().next().ok_or_else(|| {
            tx::conflict("there is no evidence to confirm or dispute yet".into(), cond.status.as_str())
        })?;
        let AttestationInput { stance, comment } = input?;
        within_quota(tx.c, quota, tx.actor.user_id, tx.now)?;
        let a = repo::insert_attestation(
            tx.c,
            app.id,
            cond.id,
            Some(latest.id),
            tx.actor.user_id,
            stance,
            &comment,
            tx.now,
        )?;
        let details =
            json!({ "condition_id": cond.id, "evidence_id": latest.id, "attestation_id": a.id, "comment": comment });
        tx.record(&app, "condition.attested", None, Some(stance.as_str()), details, true)?;
        if stance == AttestationStance::Dispute {
            let headline = format!("A community member disputes the evidence for: {}", cond.description);
            tx.mail_keyed(
                &app,
                "attestation_disputed",
                &a.id.to_string(),
                &[To::AssignedInspector, To::Author],
                &headline,
                &comment,
            )?;
        }
        Ok(a)
    })
    .await
}

/// A condition's attestations, for anyone who may see the condition.
pub async fn attestations(ctx: &AppContext, actor: &Actor, condition_id: i64) -> AppResult<Vec<Attestation>> {
    let actor = *actor;
    ctx.db
        .run(move |c| {
            super::conditions::readable_condition(c, &actor, condition_id)?;
            Ok(repo::attestations_of(c, condition_id)?)
        })
        .await
}

/// Observations on a trial: the public sees published ones (redacted text where moderated);
/// inspectors and admins see every one with its original text.
pub async fn observations(ctx: &AppContext, actor: Option<&Actor>, case_id: i64) -> AppResult<Vec<ObservationView>> {
    let actor = actor.copied();
    ctx.db
        .run(move |c| {
            let app = crate::db::cases::find_application(c, case_id)?
                .ok_or_else(|| AppError::NotFound(tx::NO_SUCH_APPLICATION.into()))?;
            let moderator = actor.is_some_and(|a| matches!(a.role, Role::Inspector | Role::Admin));
            let can_read = app.status.is_public_trial()
                || actor.is_some_and(|a| load_for(c, &a, case_id, CaseRequest::Read).is_ok());
            if !can_read {
                return Err(AppError::NotFound(tx::NO_SUCH_APPLICATION.into()));
            }
            let list = repo::observations_of(c, app.id)?;
            let visible: Vec<Observation> = list.into_iter().filter(|o| moderator || publicly_visible(o)).collect();
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
