//! Community monitoring over HTTP: observations with replies and moderation, attestations of
//! conditions' evidence, follows and notification preferences.

use actix_web::{delete, get, post, put};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::concurrency::IfMatch;
use super::dto::utc;
use super::extract::{AuthUser, MaybeAuthUser};
use crate::app::community::{self, ObservationView};
use crate::app::input::community::{
    AttestationBody, FollowBody, ModerateBody, ObservationBody, PreferencesBody, ReplyBody, ReportBody,
};
use crate::app::reports;
use crate::app::AppContext;
use crate::db::models::{Attestation, Subscription};
use crate::domain::community::{AttestationStance, ObservationKind, Visibility};
use crate::error::AppResult;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(observations)
        .service(post_observation)
        .service(reply)
        .service(moderate)
        .service(report)
        .service(attest)
        .service(attestations)
        .service(subscriptions)
        .service(follow)
        .service(unfollow)
        .service(preferences)
        .service(set_preferences);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationResponse {
    pub id: i64,
    pub condition_id: i64,
    pub evidence_id: Option<i64>,
    pub stance: AttestationStance,
    pub comment: String,
    pub at: DateTime<Utc>,
}

impl From<Attestation> for AttestationResponse {
    fn from(a: Attestation) -> Self {
        AttestationResponse {
            id: a.id,
            condition_id: a.condition_id,
            evidence_id: a.evidence_id,
            stance: a.stance,
            comment: a.comment,
            at: utc(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyResponse {
    pub id: i64,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationResponse {
    pub id: i64,
    pub kind: ObservationKind,
    /// The text as published (redacted where a moderator removed personal data).
    pub body: String,
    /// `hidden` is seen by inspectors only.
    pub visibility: Visibility,
    /// Inspectors and admins: the text as the member wrote it, and the moderation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_reason: Option<String>,
    /// Inspectors and admins: whether three people's reports hold it back from the public until
    /// a moderator acts on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_for_review: Option<bool>,
    pub replies: Vec<ReplyResponse>,
    pub at: DateTime<Utc>,
    pub version: i64,
}

impl From<ObservationView> for ObservationResponse {
    fn from(v: ObservationView) -> Self {
        let body = v.text().to_string();
        let o = v.observation;
        let moderator = v.moderator_view;
        ObservationResponse {
            id: o.id,
            kind: o.kind,
            body: if moderator { o.published_body.clone().unwrap_or_else(|| o.body.clone()) } else { body },
            visibility: o.visibility,
            original_body: moderator.then(|| o.body.clone()),
            moderation_reason: if moderator { o.moderation_reason } else { None },
            held_for_review: moderator.then_some(o.held_at.is_some()),
            replies: v
                .replies
                .into_iter()
                .map(|r| ReplyResponse { id: r.id, body: r.body, at: utc(r.created_at) })
                .collect(),
            at: utc(o.created_at),
            version: o.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionResponse {
    pub id: i64,
    pub application_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<Subscription> for SubscriptionResponse {
    fn from(s: Subscription) -> Self {
        SubscriptionResponse {
            id: s.id,
            application_id: s.application_id,
            zone_id: s.zone_id,
            created_at: utc(s.created_at),
        }
    }
}

/// Observations on a trial: published ones for everyone; inspectors also see hidden ones and originals.
#[utoipa::path(tag = "community", security((), ("bearer" = [])), params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = [ObservationResponse])))]
#[get("/applications/{id}/observations")]
pub async fn observations(
    ctx: web::Data<AppContext>,
    user: MaybeAuthUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let list = community::observations(&ctx, user.0.as_ref(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ObservationResponse::from).collect::<Vec<_>>()))
}

/// Post an observation on a public trial (verified community members; a quota per hour applies).
#[utoipa::path(tag = "community", request_body = ObservationBody, security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 201, body = ObservationResponse)))]
#[post("/applications/{id}/observations")]
pub async fn post_observation(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<ObservationBody>,
) -> AppResult<HttpResponse> {
    let v = community::post_observation(&ctx, &user.0, id.into_inner(), body.into_inner().parse()).await?;
    Ok(HttpResponse::Created().json(ObservationResponse::from(v)))
}

/// Reply to an observation (the trial's innovator, or an inspector).
#[utoipa::path(tag = "community", request_body = ReplyBody, security(("bearer" = [])),
    params(("oid" = i64, Path, description = "Observation id")),
    responses((status = 201, body = ReplyResponse)))]
#[post("/observations/{oid}/replies")]
pub async fn reply(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    oid: web::Path<i64>,
    body: web::Json<ReplyBody>,
) -> AppResult<HttpResponse> {
    let r = community::reply(&ctx, &user.0, oid.into_inner(), body.into_inner().parse()).await?;
    Ok(HttpResponse::Created().json(ReplyResponse { id: r.id, body: r.body, at: utc(r.created_at) }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    pub id: i64,
    pub observation_id: i64,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// Report an observation as inappropriate (anyone logged in with a verified email, once per
/// person; not one's own). The third person's report holds it back from the public until an
/// inspector moderates it. `404` for an observation the public cannot see, `409` when you have
/// reported it already.
#[utoipa::path(tag = "community", request_body = ReportBody, security(("bearer" = [])),
    params(("oid" = i64, Path, description = "Observation id")),
    responses((status = 201, body = ReportResponse)))]
#[post("/observations/{oid}/reports")]
pub async fn report(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    oid: web::Path<i64>,
    body: web::Json<ReportBody>,
) -> AppResult<HttpResponse> {
    let r = reports::report(&ctx, &user.0, oid.into_inner(), body.into_inner().parse()).await?.report;
    Ok(HttpResponse::Created().json(ReportResponse {
        id: r.id,
        observation_id: r.observation_id,
        reason: r.reason,
        at: utc(r.created_at),
    }))
}

/// Hide an observation, publish a redacted text, or keep it as it is (`action`: `hide`,
/// `redact`, `keep`; inspectors and admins, `If-Match`). Each takes it off the moderation list.
#[utoipa::path(tag = "community", request_body = ModerateBody, security(("bearer" = [])),
    params(("oid" = i64, Path, description = "Observation id"), ("If-Match" = String, Header, description = "The observation's version")),
    responses((status = 200, body = ObservationResponse)))]
#[post("/observations/{oid}/moderate")]
pub async fn moderate(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    if_match: IfMatch,
    oid: web::Path<i64>,
    body: web::Json<ModerateBody>,
) -> AppResult<HttpResponse> {
    let v = community::moderate(&ctx, &user.0, oid.into_inner(), if_match.0, body.into_inner().parse()).await?;
    Ok(HttpResponse::Ok().json(ObservationResponse::from(v)))
}

/// Confirm or dispute a condition's latest evidence (verified community members, public trials).
#[utoipa::path(tag = "community", request_body = AttestationBody, security(("bearer" = [])),
    params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 201, body = AttestationResponse)))]
#[post("/conditions/{cid}/attestations")]
pub async fn attest(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    cid: web::Path<i64>,
    body: web::Json<AttestationBody>,
) -> AppResult<HttpResponse> {
    let a = community::attest(&ctx, &user.0, cid.into_inner(), body.into_inner().parse()).await?;
    Ok(HttpResponse::Created().json(AttestationResponse::from(a)))
}

/// A condition's attestations (anyone who may see the condition).
#[utoipa::path(tag = "community", security(("bearer" = [])), params(("cid" = i64, Path, description = "Condition id")),
    responses((status = 200, body = [AttestationResponse])))]
#[get("/conditions/{cid}/attestations")]
pub async fn attestations(ctx: web::Data<AppContext>, user: AuthUser, cid: web::Path<i64>) -> AppResult<HttpResponse> {
    let list = community::attestations(&ctx, &user.0, cid.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(AttestationResponse::from).collect::<Vec<_>>()))
}

/// What you follow.
#[utoipa::path(tag = "community", security(("bearer" = [])), responses((status = 200, body = [SubscriptionResponse])))]
#[get("/subscriptions")]
pub async fn subscriptions(ctx: web::Data<AppContext>, user: AuthUser) -> AppResult<HttpResponse> {
    let list = community::subscriptions(&ctx, &user.0).await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(SubscriptionResponse::from).collect::<Vec<_>>()))
}

/// Follow a trial or a zone; its events reach you by email (any logged-in user).
#[utoipa::path(tag = "community", request_body = FollowBody, security(("bearer" = [])),
    responses((status = 201, body = SubscriptionResponse)))]
#[post("/subscriptions")]
pub async fn follow(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<FollowBody>,
) -> AppResult<HttpResponse> {
    let s = community::follow(&ctx, &user.0, body.into_inner().parse()).await?;
    Ok(HttpResponse::Created().json(SubscriptionResponse::from(s)))
}

/// Stop following.
#[utoipa::path(tag = "community", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Stopped")))]
#[delete("/subscriptions/{id}")]
pub async fn unfollow(ctx: web::Data<AppContext>, user: AuthUser, id: web::Path<i64>) -> AppResult<HttpResponse> {
    community::unfollow(&ctx, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Which optional emails you receive.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), responses((status = 200, body = PreferencesBody)))]
#[get("/me/notification-preferences")]
pub async fn preferences(ctx: web::Data<AppContext>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(PreferencesBody::of(community::preferences(&ctx, &user.0).await?)))
}

/// Turn optional emails on or off.
#[utoipa::path(tag = "accounts", request_body = PreferencesBody, security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody)))]
#[put("/me/notification-preferences")]
pub async fn set_preferences(
    ctx: web::Data<AppContext>,
    user: AuthUser,
    body: web::Json<PreferencesBody>,
) -> AppResult<HttpResponse> {
    let list = community::set_preferences(&ctx, &user.0, body.into_inner().parse()).await?;
    Ok(HttpResponse::Ok().json(PreferencesBody::of(list)))
}
