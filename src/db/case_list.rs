//! Lists of cases: the filters of the queue and of "Your applications", their order, and what the
//! case row keeps for them (the target decision date, the "needs review" flag).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::models::*;
use super::schema::{applications, organisations};
use super::users::escape_like;
use super::{DbConn, MultiBackend};

diesel::define_sql_function!(fn lower(x: Text) -> Text);

/// Who the queue is filtered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectorFilter {
    Unassigned,
    Is(i64),
}

/// The order a list of cases is read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Newest first (the order of creation).
    #[default]
    Newest,
    /// Oldest target decision date first; cases without one (drafts) are left out.
    Target,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this author's cases (innovators see their own only).
    pub author_id: Option<i64>,
    /// Leave drafts out (staff never see drafts).
    pub exclude_drafts: bool,
    pub status: Option<String>,
    pub zone_id: Option<i64>,
    pub inspector: Option<InspectorFilter>,
    pub intervention: Option<String>,
    /// Text in the reference, title or organisation name.
    pub q: Option<String>,
    /// Only applicants of this kind (`OrganisationKind` as stored).
    pub applicant_kind: Option<String>,
    /// Only cases awaiting a decision whose target date is before this day (and whose clock runs:
    /// a case waiting for information is not overdue).
    pub overdue_on: Option<NaiveDate>,
    /// Only cases with something for an inspector to review: an answer to an information request
    /// not acted on since, evidence awaiting verification, a milestone report awaiting review, or
    /// a dispute of a met condition posted since it was met.
    pub needs_review: bool,
    pub order: CaseOrder,
}

type Predicate = Box<dyn BoxableExpression<applications::table, MultiBackend, SqlType = Bool>>;

fn predicate(f: &CaseFilter) -> Predicate {
    let mut p: Predicate = Box::new(diesel::dsl::sql::<Bool>("1 = 1"));
    if let Some(a) = f.author_id {
        p = Box::new(p.and(applications::author_id.eq(a)));
    }
    // In target order the target date leaves drafts out already (a case has one from its
    // submission), and leaving the status out lets a count read its index alone.
    if f.exclude_drafts && f.order != CaseOrder::Target {
        p = Box::new(p.and(applications::status.ne("draft")));
    }
    if let Some(s) = &f.status {
        p = Box::new(p.and(applications::status.eq(s.clone())));
    }
    if let Some(z) = f.zone_id {
        p = Box::new(p.and(applications::zone_id.assume_not_null().eq(z)));
    }
    match f.inspector {
        Some(InspectorFilter::Unassigned) => p = Box::new(p.and(applications::assigned_inspector_id.is_null())),
        Some(InspectorFilter::Is(id)) => {
            p = Box::new(p.and(applications::assigned_inspector_id.assume_not_null().eq(id)))
        }
        None => {}
    }
    if let Some(i) = &f.intervention {
        p = Box::new(p.and(applications::intervention.assume_not_null().eq(i.clone())));
    }
    if let Some(k) = &f.applicant_kind {
        p = Box::new(p.and(applications::applicant_kind.assume_not_null().eq(k.clone())));
    }
    if let Some(day) = f.overdue_on {
        p = Box::new(
            p.and(applications::status.eq_any(["submitted", "screening", "assessment"]))
                .and(applications::target_decision_on.assume_not_null().lt(day)),
        );
    }
    if f.needs_review {
        p = Box::new(p.and(applications::needs_review.eq(true)));
    }
    if f.order == CaseOrder::Target {
        p = Box::new(p.and(applications::target_decision_on.is_not_null()));
    }
    if let Some(q) = &f.q {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let orgs = organisations::table
            .filter(lower(organisations::name).like(pattern.clone()).escape('\\'))
            .select(organisations::id);
        p = Box::new(
            p.and(
                lower(applications::title)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(applications::reference.assume_not_null()).like(pattern).escape('\\'))
                    .or(applications::organisation_id.assume_not_null().eq_any(orgs)),
            ),
        );
    }
    p
}

/// One page of matching applications, in the filter's order.
pub fn list_applications(conn: &mut DbConn, f: &CaseFilter, offset: i64, limit: i64) -> QueryResult<Vec<Application>> {
    let query = applications::table.filter(predicate(f)).select(Application::as_select()).offset(offset).limit(limit);
    match f.order {
        CaseOrder::Newest => query.order(applications::id.desc()).load(conn),
        CaseOrder::Target => query.order((applications::target_decision_on.asc(), applications::id.asc())).load(conn),
    }
}

/// Whether an `applications` row has something for its inspector to review: an answer to an
/// information request that nothing has followed (the answer is the case's last change), evidence
/// awaiting verification, a milestone report awaiting review, or a dispute of a met condition
/// posted since it was met. Migration 000010 fills the column with the same expression.
const NEEDS_REVIEW: &str = "applications.status NOT IN ('draft', 'refused', 'withdrawn', 'revoked', 'completed') AND (\
    EXISTS (SELECT 1 FROM conditions c WHERE c.application_id = applications.id AND c.status = 'evidence_submitted') \
    OR EXISTS (SELECT 1 FROM milestones m WHERE m.application_id = applications.id AND m.status = 'submitted') \
    OR EXISTS (SELECT 1 FROM conditions c JOIN attestations t ON t.condition_id = c.id \
        WHERE c.application_id = applications.id AND c.status = 'met' AND t.stance = 'dispute' \
        AND t.created_at > c.updated_at) \
    OR (applications.status IN ('screening', 'assessment') AND EXISTS (SELECT 1 FROM information_requests r \
        WHERE r.application_id = applications.id AND r.answered_at >= applications.updated_at)))";

/// Keeps the "needs review" flag of the cases with ids from `first` to `last` (one case: the
/// same id twice), from what they hold now. Run by every change to a case, in its transaction.
pub fn refresh_needs_review(conn: &mut DbConn, first: i64, last: i64) -> QueryResult<usize> {
    diesel::update(applications::table.filter(applications::id.between(first, last)))
        .set(applications::needs_review.eq(diesel::dsl::sql::<Bool>(NEEDS_REVIEW)))
        .execute(conn)
}

/// Submitted cases whose target decision date is not kept yet (submitted before it was).
pub fn missing_targets(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(applications::submitted_at.is_not_null())
        .filter(applications::target_decision_on.is_null())
        .select(Application::as_select())
        .order(applications::id.asc())
        .limit(limit)
        .load(conn)
}

/// Keeps a case's target decision date (without a new version: it is derived, not a change).
pub fn set_target(conn: &mut DbConn, id: i64, target: NaiveDate) -> QueryResult<usize> {
    diesel::update(applications::table.find(id)).set(applications::target_decision_on.eq(Some(target))).execute(conn)
}

/// Counts matching applications up to `cap + 1`.
pub fn count_applications(conn: &mut DbConn, f: &CaseFilter, cap: i64) -> QueryResult<i64> {
    super::paging::count_capped(conn, applications::table.filter(predicate(f)).select(applications::id), cap)
}
