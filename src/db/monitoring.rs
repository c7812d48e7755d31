//! Conditions, evidence and milestones of trials in operation, and the scheduler's queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Condition, Evidence, Milestone};
use super::schema::{applications, conditions, evidence, evidence_files, milestones};
use super::DbConn;
use crate::domain::monitoring::{condition_check_on, milestone_check_on, ConditionStatus, MilestoneStatus};

/// Case states in which a trial is monitored.
pub const MONITORED: [&str; 3] = ["approved", "active", "suspended"];

pub fn find_condition(c: &mut DbConn, id: i64) -> QueryResult<Option<Condition>> {
    conditions::table.find(id).select(Condition::as_select()).first(c).optional()
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = conditions)]
pub struct ConditionFields {
    pub category: crate::domain::monitoring::ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
}

pub fn update_condition(
    c: &mut DbConn,
    id: i64,
    version: i64,
    f: &ConditionFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(conditions::table.find(id).filter(conditions::version.eq(version)))
        .set((f, conditions::version.eq(version + 1), conditions::updated_at.eq(now)))
        .execute(c)?;
    if n == 1 {
        reset_condition_check(c, id)?;
    }
    Ok(n == 1)
}

/// Moves a condition to `status` if it is still at `version` (and, when given, still `from`).
pub fn set_condition_status(
    c: &mut DbConn,
    id: i64,
    version: i64,
    status: crate::domain::monitoring::ConditionStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(conditions::table.find(id).filter(conditions::version.eq(version)))
        .set((
            conditions::status.eq(status),
            conditions::status_reason.eq(reason),
            conditions::version.eq(version + 1),
            conditions::updated_at.eq(now),
        ))
        .execute(c)?;
    if n == 1 {
        reset_condition_check(c, id)?;
    }
    Ok(n == 1)
}

/// Sets when the scheduler is next to look at a condition from what it now is
/// ([`condition_check_on`]); every change of a condition ends with it.
pub fn reset_condition_check(c: &mut DbConn, id: i64) -> QueryResult<()> {
    let row = conditions::table
        .find(id)
        .select((conditions::status, conditions::due_on))
        .first::<(ConditionStatus, NaiveDate)>(c)
        .optional()?;
    let Some((status, due_on)) = row else { return Ok(()) };
    diesel::update(conditions::table.find(id))
        .set(conditions::scheduler_check_on.eq(condition_check_on(status, due_on)))
        .execute(c)?;
    Ok(())
}

/// The same for a milestone ([`milestone_check_on`]).
pub fn reset_milestone_check(c: &mut DbConn, id: i64) -> QueryResult<()> {
    let row = milestones::table
        .find(id)
        .select((milestones::status, milestones::due_on))
        .first::<(MilestoneStatus, NaiveDate)>(c)
        .optional()?;
    let Some((status, due_on)) = row else { return Ok(()) };
    diesel::update(milestones::table.find(id))
        .set(milestones::scheduler_check_on.eq(milestone_check_on(status, due_on)))
        .execute(c)?;
    Ok(())
}

pub fn delete_condition(c: &mut DbConn, id: i64, version: i64) -> QueryResult<bool> {
    let n = diesel::delete(conditions::table.find(id).filter(conditions::version.eq(version))).execute(c)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = evidence)]
pub struct NewEvidence {
    pub application_id: i64,
    pub condition_id: i64,
    pub submitted_by: i64,
    pub body: String,
    pub reported_value: Option<f64>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file_size: Option<i64>,
    pub file_sha256: Option<String>,
    pub outcome: crate::domain::monitoring::EvidenceOutcome,
    pub created_at: NaiveDateTime,
}

pub fn insert_evidence(c: &mut DbConn, e: &NewEvidence, file: Option<&[u8]>) -> QueryResult<Evidence> {
    let row = diesel::insert_into(evidence::table).values(e).get_result::<Evidence>(c)?;
    if let Some(data) = file {
        diesel::insert_into(evidence_files::table)
            .values((evidence_files::evidence_id.eq(row.id), evidence_files::data.eq(data)))
            .execute(c)?;
    }
    Ok(row)
}

pub fn evidence_for(c: &mut DbConn, condition_id: i64) -> QueryResult<Vec<Evidence>> {
    evidence::table
        .filter(evidence::condition_id.eq(condition_id))
        .order(evidence::id.desc())
        .select(Evidence::as_select())
        .load(c)
}

pub fn find_evidence(c: &mut DbConn, id: i64) -> QueryResult<Option<Evidence>> {
    evidence::table.find(id).select(Evidence::as_select()).first(c).optional()
}

pub fn evidence_file(c: &mut DbConn, evidence_id: i64) -> QueryResult<Option<Vec<u8>>> {
    evidence_files::table.find(evidence_id).select(evidence_files::data).first(c).optional()
}

pub fn review_evidence(
    c: &mut DbConn,
    id: i64,
    outcome: crate::domain::monitoring::EvidenceOutcome,
    feedback: &str,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(evidence::table.find(id))
        .set((
            evidence::outcome.eq(outcome),
            evidence::feedback.eq(Some(feedback)),
            evidence::reviewed_by.eq(Some(by)),
            evidence::reviewed_at.eq(Some(now)),
        ))
        .execute(c)
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = milestones)]
pub struct MilestoneFields {
    pub title: String,
    pub due_on: NaiveDate,
}

pub fn update_milestone_fields(
    c: &mut DbConn,
    id: i64,
    version: i64,
    f: &MilestoneFields,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(milestones::table.find(id).filter(milestones::version.eq(version)))
        .set((f, milestones::version.eq(version + 1), milestones::updated_at.eq(now)))
        .execute(c)?;
    if n == 1 {
        reset_milestone_check(c, id)?;
    }
    Ok(n == 1)
}

/// Moves an open milestone's due date (its version goes up), as when the trial is extended.
pub fn move_milestone(c: &mut DbConn, id: i64, due: NaiveDate, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(milestones::table.find(id))
        .set((
            milestones::due_on.eq(due),
            milestones::version.eq(milestones::version + 1),
            milestones::updated_at.eq(now),
        ))
        .execute(c)?;
    reset_milestone_check(c, id)
}

/// The conditions the scheduler is to look at on `today` (`scheduler_check_on` reached), in the
/// order of that day and id, after `after`: read from its partial index, so that a pass costs what
/// is due and not what exists.
pub fn conditions_to_check(
    c: &mut DbConn,
    today: NaiveDate,
    after: (NaiveDate, i64),
    limit: i64,
) -> QueryResult<Vec<Condition>> {
    let (day, id) = after;
    conditions::table
        .filter(conditions::scheduler_check_on.le(today))
        .filter(
            conditions::scheduler_check_on
                .gt(day)
                .or(conditions::scheduler_check_on.eq(day).and(conditions::id.gt(id))),
        )
        .order((conditions::scheduler_check_on.asc(), conditions::id.asc()))
        .limit(limit)
        .select(Condition::as_select())
        .load(c)
}

/// The milestones the scheduler is to look at on `today`, as [`conditions_to_check`].
pub fn milestones_to_check(
    c: &mut DbConn,
    today: NaiveDate,
    after: (NaiveDate, i64),
    limit: i64,
) -> QueryResult<Vec<Milestone>> {
    let (day, id) = after;
    milestones::table
        .filter(milestones::scheduler_check_on.le(today))
        .filter(
            milestones::scheduler_check_on
                .gt(day)
                .or(milestones::scheduler_check_on.eq(day).and(milestones::id.gt(id))),
        )
        .order((milestones::scheduler_check_on.asc(), milestones::id.asc()))
        .limit(limit)
        .select(Milestone::as_select())
        .load(c)
}

/// Which of these cases are trials under monitoring.
pub fn monitored_among(c: &mut DbConn, ids: &[i64]) -> QueryResult<std::collections::HashSet<i64>> {
    let rows: Vec<i64> = applications::table
        .filter(applications::id.eq_any(ids))
        .filter(applications::status.eq_any(MONITORED))
        .select(applications::id)
        .load(c)?;
    Ok(rows.into_iter().collect())
}

/// Moves the scheduler's next look at a condition on, if it is still at `version`.
pub fn set_condition_check(c: &mut DbConn, id: i64, version: i64, next: Option<NaiveDate>) -> QueryResult<()> {
    diesel::update(conditions::table.find(id).filter(conditions::version.eq(version)))
        .set(conditions::scheduler_check_on.eq(next))
        .execute(c)?;
    Ok(())
}

/// Moves the scheduler's next look at a milestone on, if it is still at `version`.
pub fn set_milestone_check(c: &mut DbConn, id: i64, version: i64, next: Option<NaiveDate>) -> QueryResult<()> {
    diesel::update(milestones::table.find(id).filter(milestones::version.eq(version)))
        .set(milestones::scheduler_check_on.eq(next))
        .execute(c)?;
    Ok(())
}

/// All evidence of a case's conditions, newest first (one query for a whole trial page).
pub fn evidence_of_case(c: &mut DbConn, application_id: i64) -> QueryResult<Vec<Evidence>> {
    evidence::table
        .filter(evidence::application_id.eq(application_id))
        .order(evidence::id.desc())
        .select(Evidence::as_select())
        .load(c)
}
