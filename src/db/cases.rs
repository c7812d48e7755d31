//! Applications and what hangs off them: requested derogations, screening, information requests,
//! conditions, milestones, enforcement actions and evaluations.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

pub use super::case_list::*;
use super::models::*;
use super::schema::{
    applications, conditions, enforcement_actions, evaluations, information_requests, milestones, provisions,
    recommendations, reference_counters, requested_derogations, screenings,
};
use super::DbConn;

/// A new draft. `None` is written as NULL (with defaultable values diesel's trait solver loops on
/// the typed enum column).
#[derive(Debug, Insertable)]
#[diesel(table_name = applications, treat_none_as_default_value = false)]
pub struct NewApplication {
    pub author_id: i64,
    pub organisation_id: Option<i64>,
    pub applicant_kind: Option<crate::domain::account::OrganisationKind>,
    pub status: crate::domain::case::Status,
    pub title: String,
    pub paused_seconds: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_application(conn: &mut DbConn, new: &NewApplication) -> QueryResult<Application> {
    // Its id, then the row by it: `RETURNING` of a struct that names some columns is not
    // available through the multi-backend connection.
    let id: i64 = diesel::insert_into(applications::table).values(new).returning(applications::id).get_result(conn)?;
    applications::table.find(id).select(Application::as_select()).first(conn)
}

pub fn find_application(conn: &mut DbConn, id: i64) -> QueryResult<Option<Application>> {
    applications::table.find(id).select(Application::as_select()).first(conn).optional()
}

/// Reads an application for a change and holds it until the transaction ends: on PostgreSQL the
/// row is locked (`FOR UPDATE`), so writers on one case take turns — their state and version
/// checks see each other's result, and the case's audit chain gains one link at a time. SQLite's
/// write transaction (`BEGIN IMMEDIATE`) already holds the whole database.
pub fn lock_application(conn: &mut DbConn, id: i64) -> QueryResult<Option<Application>> {
    match conn {
        DbConn::Pg(pg) => {
            applications::table.find(id).select(Application::as_select()).for_update().first(pg).optional()
        }
        DbConn::Sqlite(_) => find_application(conn, id),
    }
}

/// Saves a changed application if nobody else changed it since it was read at `expected_version`;
/// the row's version becomes `expected_version + 1`. Returns false when it was stale.
pub fn save_application(
    conn: &mut DbConn,
    row: &mut Application,
    expected_version: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    row.version = expected_version + 1;
    row.updated_at = now;
    let n = diesel::update(applications::table.find(row.id).filter(applications::version.eq(expected_version)))
        .set(&*row)
        .execute(conn)?;
    Ok(n == 1)
}

/// The next `SBX-<year>-<5 digits>` number for `year`; never reused. The counter row is locked by
/// the update until the transaction ends, so concurrent submissions queue rather than collide.
pub fn next_reference(conn: &mut DbConn, year: i32) -> QueryResult<String> {
    let updated = diesel::update(reference_counters::table.find(year))
        .set(reference_counters::last_value.eq(reference_counters::last_value + 1))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(reference_counters::table)
            .values((reference_counters::year.eq(year), reference_counters::last_value.eq(1)))
            .execute(conn)?;
    }
    let n: i32 = reference_counters::table.find(year).select(reference_counters::last_value).first(conn)?;
    Ok(format!("SBX-{year}-{n:05}"))
}

/// A requested derogation with its provision.
pub fn requested(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<(RequestedDerogation, Provision)>> {
    requested_derogations::table
        .inner_join(provisions::table)
        .filter(requested_derogations::application_id.eq(application_id))
        .order(requested_derogations::id.asc())
        .select((RequestedDerogation::as_select(), Provision::as_select()))
        .load(conn)
}

pub fn replace_requested(conn: &mut DbConn, application_id: i64, rows: &[(i64, String, String)]) -> QueryResult<()> {
    diesel::delete(requested_derogations::table.filter(requested_derogations::application_id.eq(application_id)))
        .execute(conn)?;
    for (provision_id, justification, scope) in rows {
        diesel::insert_into(requested_derogations::table)
            .values((
                requested_derogations::application_id.eq(application_id),
                requested_derogations::provision_id.eq(provision_id),
                requested_derogations::justification.eq(justification),
                requested_derogations::scope.eq(scope),
                requested_derogations::granted.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn grant(conn: &mut DbConn, requested_id: i64, limits: &str, until: NaiveDate) -> QueryResult<usize> {
    diesel::update(requested_derogations::table.find(requested_id))
        .set((
            requested_derogations::granted.eq(true),
            requested_derogations::granted_limits.eq(Some(limits)),
            requested_derogations::granted_until.eq(Some(until)),
        ))
        .execute(conn)
}

pub fn set_granted_until(conn: &mut DbConn, application_id: i64, until: NaiveDate) -> QueryResult<usize> {
    diesel::update(
        requested_derogations::table
            .filter(requested_derogations::application_id.eq(application_id))
            .filter(requested_derogations::granted.eq(true)),
    )
    .set(requested_derogations::granted_until.eq(Some(until)))
    .execute(conn)
}

pub fn insert_screening(
    conn: &mut DbConn,
    application_id: i64,
    criterion: crate::domain::decision::ScreeningCriterion,
    outcome: crate::domain::decision::CriterionOutcome,
    note: &str,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(screenings::table)
        .values((
            screenings::application_id.eq(application_id),
            screenings::criterion.eq(criterion),
            screenings::outcome.eq(outcome),
            screenings::note.eq(note),
            screenings::screened_by.eq(by),
            screenings::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn screenings(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<Screening>> {
    screenings::table
        .filter(screenings::application_id.eq(application_id))
        .order(screenings::id.asc())
        .select(Screening::as_select())
        .load(conn)
}

pub fn insert_information_request(
    conn: &mut DbConn,
    application_id: i64,
    question: &str,
    due_on: NaiveDate,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<InformationRequest> {
    diesel::insert_into(information_requests::table)
        .values((
            information_requests::application_id.eq(application_id),
            information_requests::question.eq(question),
            information_requests::due_on.eq(due_on),
            information_requests::requested_by.eq(by),
            information_requests::requested_at.eq(now),
        ))
        .get_result::<InformationRequest>(conn)
}

pub fn information_requests(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<InformationRequest>> {
    information_requests::table
        .filter(information_requests::application_id.eq(application_id))
        .order(information_requests::id.asc())
        .select(InformationRequest::as_select())
        .load(conn)
}

pub fn answer_information_request(
    conn: &mut DbConn,
    id: i64,
    answer: &str,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(information_requests::table.find(id).filter(information_requests::answered_at.is_null()))
        .set((
            information_requests::answer.eq(Some(answer)),
            information_requests::answered_by.eq(Some(by)),
            information_requests::answered_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = conditions)]
pub struct NewCondition {
    pub application_id: i64,
    pub category: crate::domain::monitoring::ConditionCategory,
    pub description: String,
    pub metric: String,
    pub target_value: f64,
    pub unit: String,
    pub due_on: NaiveDate,
    pub status: crate::domain::monitoring::ConditionStatus,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_condition(conn: &mut DbConn, c: &NewCondition) -> QueryResult<Condition> {
    let check = crate::domain::monitoring::condition_check_on(c.status, c.due_on);
    diesel::insert_into(conditions::table)
        .values((c, conditions::scheduler_check_on.eq(check)))
        .get_result::<Condition>(conn)
}

pub fn conditions(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<Condition>> {
    conditions::table
        .filter(conditions::application_id.eq(application_id))
        .order(conditions::id.asc())
        .select(Condition::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = milestones)]
pub struct NewMilestone {
    pub application_id: i64,
    pub kind: crate::domain::monitoring::MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: crate::domain::monitoring::MilestoneStatus,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_milestone(conn: &mut DbConn, m: &NewMilestone) -> QueryResult<Milestone> {
    let check = crate::domain::monitoring::milestone_check_on(m.status, m.due_on);
    diesel::insert_into(milestones::table)
        .values((m, milestones::scheduler_check_on.eq(check)))
        .get_result::<Milestone>(conn)
}

pub fn milestones(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::application_id.eq(application_id))
        .order((milestones::due_on.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .load(conn)
}

pub fn find_milestone(conn: &mut DbConn, id: i64) -> QueryResult<Option<Milestone>> {
    milestones::table.find(id).select(Milestone::as_select()).first(conn).optional()
}

/// Records a milestone's new status (and report or review) if it still has `version`.
#[allow(clippy::too_many_arguments)]
pub fn update_milestone(
    conn: &mut DbConn,
    id: i64,
    version: i64,
    status: crate::domain::monitoring::MilestoneStatus,
    report: Option<(&str, NaiveDateTime)>,
    review: Option<(&str, NaiveDateTime)>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = milestones::table.find(id).filter(milestones::version.eq(version));
    let base = (milestones::status.eq(status), milestones::version.eq(version + 1), milestones::updated_at.eq(now));
    let n = match (report, review) {
        (Some((text, at)), _) => diesel::update(target)
            .set((base, milestones::report.eq(Some(text)), milestones::reported_at.eq(Some(at))))
            .execute(conn)?,
        (None, Some((note, at))) => diesel::update(target)
            .set((base, milestones::review_note.eq(Some(note)), milestones::reviewed_at.eq(Some(at))))
            .execute(conn)?,
        (None, None) => diesel::update(target).set(base).execute(conn)?,
    };
    if n == 1 {
        crate::db::monitoring::reset_milestone_check(conn, id)?;
    }
    Ok(n == 1)
}

pub fn insert_enforcement(
    conn: &mut DbConn,
    application_id: i64,
    kind: crate::domain::monitoring::EnforcementKind,
    reasons: &str,
    new_end_date: Option<NaiveDate>,
    actor: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(enforcement_actions::table)
        .values((
            enforcement_actions::application_id.eq(application_id),
            enforcement_actions::kind.eq(kind),
            enforcement_actions::reasons.eq(reasons),
            enforcement_actions::new_end_date.eq(new_end_date),
            enforcement_actions::actor_id.eq(actor),
            enforcement_actions::created_at.eq(now),
        ))
        .execute(conn)
}

pub fn enforcement_actions(conn: &mut DbConn, application_id: i64) -> QueryResult<Vec<EnforcementAction>> {
    enforcement_actions::table
        .filter(enforcement_actions::application_id.eq(application_id))
        .order(enforcement_actions::id.asc())
        .select(EnforcementAction::as_select())
        .load(conn)
}

pub fn insert_evaluation(
    conn: &mut DbConn,
    application_id: i64,
    outcomes: &str,
    lessons: &str,
    reported: Option<f64>,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<Evaluation> {
    diesel::insert_into(evaluations::table)
        .values((
            evaluations::application_id.eq(application_id),
            evaluations::outcomes.eq(outcomes),
            evaluations::lessons.eq(lessons),
            evaluations::reported_annual_co2e_tonnes.eq(reported),
            evaluations::created_by.eq(by),
            evaluations::created_at.eq(now),
        ))
        .get_result::<Evaluation>(conn)
}

pub fn insert_recommendation(
    conn: &mut DbConn,
    evaluation_id: i64,
    application_id: i64,
    provision_id: i64,
    recommendation: crate::domain::decision::RecommendationKind,
    rationale: &str,
) -> QueryResult<usize> {
    diesel::insert_into(recommendations::table)
        .values((
            recommendations::evaluation_id.eq(evaluation_id),
            recommendations::application_id.eq(application_id),
            recommendations::provision_id.eq(provision_id),
            recommendations::recommendation.eq(recommendation),
            recommendations::rationale.eq(rationale),
        ))
        .execute(conn)
}

/// An evaluation with its recommendations and their provisions.
pub type EvaluationRecord = (Evaluation, Vec<(Recommendation, Provision)>);

pub fn evaluation(conn: &mut DbConn, application_id: i64) -> QueryResult<Option<EvaluationRecord>> {
    let Some(e) = evaluations::table
        .filter(evaluations::application_id.eq(application_id))
        .select(Evaluation::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let recs = recommendations::table
        .inner_join(provisions::table)
        .filter(recommendations::evaluation_id.eq(e.id))
        .order(recommendations::id.asc())
        .select((Recommendation::as_select(), Provision::as_select()))
        .load(conn)?;
    Ok(Some((e, recs)))
}

/// The information requests, milestones and conditions of several cases, in three queries.
pub fn work_of(
    conn: &mut DbConn,
    ids: &[i64],
) -> QueryResult<(Vec<InformationRequest>, Vec<Milestone>, Vec<Condition>)> {
    let requests = information_requests::table
        .filter(information_requests::application_id.eq_any(ids))
        .filter(information_requests::answered_at.is_null())
        .select(InformationRequest::as_select())
        .load(conn)?;
    let milestones = milestones::table
        .filter(milestones::application_id.eq_any(ids))
        .order((milestones::due_on.asc(), milestones::id.asc()))
        .select(Milestone::as_select())
        .load(conn)?;
    let conditions = conditions::table
        .filter(conditions::application_id.eq_any(ids))
        .order(conditions::id.asc())
        .select(Condition::as_select())
        .load(conn)?;
    Ok((requests, milestones, conditions))
}
