//! Conditions, evidence and milestones of trials in operation, and the scheduler's queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{Condition, Evidence, Milestone};
use super::schema::{applications, conditions, evidence, evidence_files, milestones};
use super::DbConn;

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
    Ok(n == 1)
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
    Ok(n == 1)
}

/// Open conditions of monitored trials whose due date has passed.
/// Moves an open milestone's due date (its version goes up), as when the trial is extended.
pub fn move_milestone(c: &mut DbConn, id: i64, due: NaiveDate, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(milestones::table.find(id))
        .set((
            milestones::due_on.eq(due),
            milestones::version.eq(milestones::version + 1),
            milestones::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

pub fn conditions_past_due(c: &mut DbConn, today: NaiveDate, after_id: i64, limit: i64) -> QueryResult<Vec<Condition>> {
    conditions::table
        .inner_join(applications::table)
        .filter(applications::status.eq_any(MONITORED))
        .filter(conditions::status.eq_any(["pending", "evidence_submitted"]))
        .filter(conditions::due_on.lt(today))
        .filter(conditions::id.gt(after_id))
        .order(conditions::id.asc())
        .limit(limit)
        .select(Condition::as_select())
        .load(c)
}

/// Milestones of monitored trials awaiting a report and due on or before `until`.
pub fn milestones_awaiting_report(
    c: &mut DbConn,
    until: NaiveDate,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .inner_join(applications::table)
        .filter(applications::status.eq_any(MONITORED))
        .filter(milestones::status.eq_any(["scheduled", "revision_requested", "overdue"]))
        .filter(milestones::due_on.le(until))
        .filter(milestones::id.gt(after_id))
        .order(milestones::id.asc())
        .limit(limit)
        .select(Milestone::as_select())
        .load(c)
}

/// All evidence of a case's conditions, newest first (one query for a whole trial page).
pub fn evidence_of_case(c: &mut DbConn, application_id: i64) -> QueryResult<Vec<Evidence>> {
    evidence::table
        .filter(evidence::application_id.eq(application_id))
        .order(evidence::id.desc())
        .select(Evidence::as_select())
        .load(c)
}
