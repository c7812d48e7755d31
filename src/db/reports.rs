//! Reports of observations as inappropriate, and the hold they put on an observation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::ObservationReport;
use super::schema::{observation_reports, observations};
use super::DbConn;

pub fn insert_report(
    c: &mut DbConn,
    observation_id: i64,
    reporter_id: i64,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<ObservationReport> {
    diesel::insert_into(observation_reports::table)
        .values((
            observation_reports::observation_id.eq(observation_id),
            observation_reports::reporter_id.eq(reporter_id),
            observation_reports::reason.eq(reason),
            observation_reports::created_at.eq(now),
        ))
        .get_result::<ObservationReport>(c)
}

/// This person's report of this observation, if they made one.
pub fn find_report(c: &mut DbConn, observation_id: i64, reporter_id: i64) -> QueryResult<Option<ObservationReport>> {
    observation_reports::table
        .filter(observation_reports::observation_id.eq(observation_id))
        .filter(observation_reports::reporter_id.eq(reporter_id))
        .select(ObservationReport::as_select())
        .first(c)
        .optional()
}

/// When each of these observations was reported: (observation id, time), one row per report.
pub fn report_times(c: &mut DbConn, observation_ids: &[i64]) -> QueryResult<Vec<(i64, NaiveDateTime)>> {
    if observation_ids.is_empty() {
        return Ok(Vec::new());
    }
    observation_reports::table
        .filter(observation_reports::observation_id.eq_any(observation_ids))
        .select((observation_reports::observation_id, observation_reports::created_at))
        .load(c)
}

/// Which of these observations this person has reported.
pub fn reported_by(c: &mut DbConn, reporter_id: i64, observation_ids: &[i64]) -> QueryResult<Vec<i64>> {
    if observation_ids.is_empty() {
        return Ok(Vec::new());
    }
    observation_reports::table
        .filter(observation_reports::reporter_id.eq(reporter_id))
        .filter(observation_reports::observation_id.eq_any(observation_ids))
        .select(observation_reports::observation_id)
        .load(c)
}

/// Holds the observation back from the public until a moderator acts on it.
pub fn hold(c: &mut DbConn, observation_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(observations::table.find(observation_id))
        .set((observations::held_at.eq(Some(now)), observations::version.eq(observations::version + 1)))
        .execute(c)?;
    Ok(())
}

/// How many reports each observation has had since a moderator last acted on it (`moderated_at`,
/// or ever when none has).
pub fn reports_since_moderation(
    times: &[(i64, NaiveDateTime)],
    observation_id: i64,
    moderated_at: Option<NaiveDateTime>,
) -> i64 {
    times.iter().filter(|(o, at)| *o == observation_id && moderated_at.is_none_or(|m| *at > m)).count() as i64
}
