//! Followers, notification opt-outs, observations, replies and attestations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Attestation, Observation, ObservationReply, Subscription};
use super::schema::{attestations, notification_opt_outs, observation_replies, observations, subscriptions};
use super::DbConn;

/// Users following the trial or its zone.
pub fn follower_ids(c: &mut DbConn, application_id: i64, zone_id: Option<i64>) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = subscriptions::table
        .filter(subscriptions::application_id.eq(application_id))
        .select(subscriptions::user_id)
        .load(c)?;
    if let Some(z) = zone_id {
        ids.extend(
            subscriptions::table.filter(subscriptions::zone_id.eq(z)).select(subscriptions::user_id).load::<i64>(c)?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

pub fn opted_out(c: &mut DbConn, user_id: i64, category: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notification_opt_outs::table
            .filter(notification_opt_outs::user_id.eq(user_id))
            .filter(notification_opt_outs::category.eq(category)),
    ))
    .get_result(c)
}

pub fn opt_outs(c: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .select(notification_opt_outs::category)
        .load(c)
}

pub fn set_opt_outs(c: &mut DbConn, user_id: i64, categories: &[String]) -> QueryResult<()> {
    diesel::delete(notification_opt_outs::table.filter(notification_opt_outs::user_id.eq(user_id))).execute(c)?;
    for cat in categories {
        diesel::insert_into(notification_opt_outs::table)
            .values((notification_opt_outs::user_id.eq(user_id), notification_opt_outs::category.eq(cat)))
            .execute(c)?;
    }
    Ok(())
}

pub fn subscriptions_of(c: &mut DbConn, user_id: i64) -> QueryResult<Vec<Subscription>> {
    subscriptions::table
        .filter(subscriptions::user_id.eq(user_id))
        .order(subscriptions::id.asc())
        .select(Subscription::as_select())
        .load(c)
}

pub fn find_subscription(
    c: &mut DbConn,
    user_id: i64,
    application_id: Option<i64>,
    zone_id: Option<i64>,
) -> QueryResult<Option<Subscription>> {
    let mut q =
        subscriptions::table.filter(subscriptions::user_id.eq(user_id)).select(Subscription::as_select()).into_boxed();
    q = match application_id {
        Some(a) => q.filter(subscriptions::application_id.eq(a)),
        None => q.filter(subscriptions::application_id.is_null()),
    };
    q = match zone_id {
        Some(z) => q.filter(subscriptions::zone_id.eq(z)),
        None => q.filter(subscriptions::zone_id.is_null()),
    };
    q.first(c).optional()
}

pub fn insert_subscription(
    c: &mut DbConn,
    user_id: i64,
    application_id: Option<i64>,
    zone_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<Subscription> {
    diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::user_id.eq(user_id),
            subscriptions::application_id.eq(application_id),
            subscriptions::zone_id.eq(zone_id),
            subscriptions::created_at.eq(now),
        ))
        .get_result::<Subscription>(c)
}

pub fn delete_subscription(c: &mut DbConn, id: i64, user_id: i64) -> QueryResult<bool> {
    let n = diesel::delete(subscriptions::table.find(id).filter(subscriptions::user_id.eq(user_id))).execute(c)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = observations)]
pub struct NewObservation {
    pub application_id: i64,
    pub author_id: i64,
    pub kind: crate::domain::community::ObservationKind,
    pub body: String,
    pub visibility: crate::domain::community::Visibility,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_observation(c: &mut DbConn, o: &NewObservation) -> QueryResult<Observation> {
    diesel::insert_into(observations::table).values(o).get_result::<Observation>(c)
}

pub fn find_observation(c: &mut DbConn, id: i64) -> QueryResult<Option<Observation>> {
    observations::table.find(id).select(Observation::as_select()).first(c).optional()
}

pub fn observations_of(c: &mut DbConn, application_id: i64) -> QueryResult<Vec<Observation>> {
    observations::table
        .filter(observations::application_id.eq(application_id))
        .order(observations::id.asc())
        .select(Observation::as_select())
        .load(c)
}

#[allow(clippy::too_many_arguments)]
pub fn moderate_observation(
    c: &mut DbConn,
    id: i64,
    version: i64,
    visibility: crate::domain::community::Visibility,
    published_body: Option<&str>,
    reason: Option<&str>,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // A moderator's look ends any hold its reports put on it.
    let n = diesel::update(observations::table.find(id).filter(observations::version.eq(version)))
        .set((
            observations::visibility.eq(visibility),
            observations::published_body.eq(published_body),
            observations::moderation_reason.eq(reason),
            observations::moderated_by.eq(Some(by)),
            observations::moderated_at.eq(Some(now)),
            observations::held_at.eq(None::<NaiveDateTime>),
            observations::version.eq(version + 1),
        ))
        .execute(c)?;
    Ok(n == 1)
}

pub fn insert_reply(
    c: &mut DbConn,
    observation_id: i64,
    author_id: i64,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<ObservationReply> {
    diesel::insert_into(observation_replies::table)
        .values((
            observation_replies::observation_id.eq(observation_id),
            observation_replies::author_id.eq(author_id),
            observation_replies::body.eq(body),
            observation_replies::created_at.eq(now),
        ))
        .get_result::<ObservationReply>(c)
}

pub fn replies_to(c: &mut DbConn, observation_ids: &[i64]) -> QueryResult<Vec<ObservationReply>> {
    if observation_ids.is_empty() {
        return Ok(Vec::new());
    }
    observation_replies::table
        .filter(observation_replies::observation_id.eq_any(observation_ids))
        .order(observation_replies::id.asc())
        .select(ObservationReply::as_select())
        .load(c)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_attestation(
    c: &mut DbConn,
    application_id: i64,
    condition_id: i64,
    evidence_id: Option<i64>,
    user_id: i64,
    stance: crate::domain::community::AttestationStance,
    comment: &str,
    now: NaiveDateTime,
) -> QueryResult<Attestation> {
    diesel::insert_into(attestations::table)
        .values((
            attestations::application_id.eq(application_id),
            attestations::condition_id.eq(condition_id),
            attestations::evidence_id.eq(evidence_id),
            attestations::user_id.eq(user_id),
            attestations::stance.eq(stance),
            attestations::comment.eq(comment),
            attestations::created_at.eq(now),
        ))
        .get_result::<Attestation>(c)
}

pub fn attestations_of(c: &mut DbConn, condition_id: i64) -> QueryResult<Vec<Attestation>> {
    attestations::table
        .filter(attestations::condition_id.eq(condition_id))
        .order(attestations::id.asc())
        .select(Attestation::as_select())
        .load(c)
}

/// Observations and attestations a user made since `since`, for the posting quota.
pub fn recent_posts(c: &mut DbConn, user_id: i64, since: NaiveDateTime) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let mut times: Vec<NaiveDateTime> = observations::table
        .filter(observations::author_id.eq(user_id))
        .filter(observations::created_at.ge(since))
        .select(observations::created_at)
        .load(c)?;
    times.extend(
        attestations::table
            .filter(attestations::user_id.eq(user_id))
            .filter(attestations::created_at.ge(since))
            .select(attestations::created_at)
            .load::<NaiveDateTime>(c)?,
    );
    times.sort();
    Ok((times.len() as i64, times.first().copied()))
}

/// All attestations on a case's conditions (one query for a whole trial page).
pub fn attestations_of_case(c: &mut DbConn, application_id: i64) -> QueryResult<Vec<Attestation>> {
    attestations::table
        .filter(attestations::application_id.eq(application_id))
        .order(attestations::id.asc())
        .select(Attestation::as_select())
        .load(c)
}

/// What awaits a moderator: observations held back by their reports (first, in the order they
/// were held), then those no moderator has acted on yet (published as written), oldest first.
fn awaiting() -> observations::BoxedQuery<'static, super::MultiBackend> {
    use crate::domain::community::Visibility;
    observations::table
        .filter(
            observations::held_at
                .is_not_null()
                .or(observations::visibility.eq(Visibility::Published).and(observations::moderated_at.is_null())),
        )
        .into_boxed()
}

pub fn awaiting_moderation(c: &mut DbConn, offset: i64, limit: i64) -> QueryResult<Vec<Observation>> {
    awaiting()
        .order((
            observations::held_at.is_null().asc(),
            observations::held_at.asc(),
            observations::created_at.asc(),
            observations::id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(Observation::as_select())
        .load(c)
}

/// How many observations await moderation, counted up to `cap` + 1.
pub fn count_awaiting_moderation(c: &mut DbConn, cap: i64) -> QueryResult<i64> {
    awaiting().select(observations::id).limit(cap + 1).load::<i64>(c).map(|ids| ids.len() as i64)
}

/// The reference and title of each of these cases.
pub fn case_titles(
    c: &mut DbConn,
    ids: &[i64],
) -> QueryResult<std::collections::BTreeMap<i64, (Option<String>, String)>> {
    use super::schema::applications;
    let rows: Vec<(i64, Option<String>, String)> = applications::table
        .filter(applications::id.eq_any(ids))
        .select((applications::id, applications::reference, applications::title))
        .load(c)?;
    Ok(rows.into_iter().map(|(id, r, t)| (id, (r, t))).collect())
}

/// The name of each of these zones.
pub fn zone_names(c: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    use super::schema::zones;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> =
        zones::table.filter(zones::id.eq_any(ids)).select((zones::id, zones::name)).load(c)?;
    Ok(rows.into_iter().collect())
}
