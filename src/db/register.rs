//! The public register's queries: decided cases only, without personal data.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::models::{Application, AuditEvent};
use super::schema::{applications, audit_events, zones};
use super::{DbConn, MultiBackend};

/// States that appear on the register: public trials, and refusals as decision notices.
pub const REGISTER_STATES: [&str; 6] = ["approved", "active", "suspended", "revoked", "completed", "refused"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterFilter {
    pub zone_id: Option<i64>,
    pub lpa_code: Option<String>,
    pub status: Option<String>,
    pub intervention: Option<String>,
    pub applicant_kind: Option<String>,
    pub year: Option<i32>,
}

type Predicate = Box<dyn BoxableExpression<applications::table, MultiBackend, SqlType = Bool>>;

fn predicate(f: &RegisterFilter) -> Predicate {
    // One state (if on the register) or all of them: a plain equality lets the planner read
    // applications_register_idx in decision order.
    let mut p: Predicate = match &f.status {
        Some(s) if REGISTER_STATES.contains(&s.as_str()) => Box::new(applications::status.eq(s.clone())),
        Some(_) => Box::new(diesel::dsl::sql::<Bool>("1 = 0")),
        None => Box::new(applications::status.eq_any(REGISTER_STATES)),
    };
    if let Some(z) = f.zone_id {
        p = Box::new(p.and(applications::zone_id.assume_not_null().eq(z)));
    }
    if let Some(code) = &f.lpa_code {
        let ids = zones::table.filter(zones::lpa_code.eq(code.clone())).select(zones::id);
        p = Box::new(p.and(applications::zone_id.assume_not_null().eq_any(ids)));
    }
    if let Some(i) = &f.intervention {
        p = Box::new(p.and(applications::intervention.assume_not_null().eq(i.clone())));
    }
    if let Some(k) = &f.applicant_kind {
        p = Box::new(p.and(applications::applicant_kind.assume_not_null().eq(k.clone())));
    }
    if let Some(y) = f.year {
        let start = NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let end = NaiveDate::from_ymd_opt(y + 1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        if let (Some(start), Some(end)) = (start, end) {
            p = Box::new(
                p.and(applications::decided_at.assume_not_null().ge(start))
                    .and(applications::decided_at.assume_not_null().lt(end)),
            );
        }
    }
    p
}

/// One page of the register, most recently decided first.
pub fn list(c: &mut DbConn, f: &RegisterFilter, offset: i64, limit: i64) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(predicate(f))
        .select(Application::as_select())
        .order((applications::decided_at.desc(), applications::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(c)
}

/// The entries after `after_id` in id order: the keyset pages of a full export, each read from an
/// index however deep into the register it is.
pub fn list_after(c: &mut DbConn, f: &RegisterFilter, after_id: i64, limit: i64) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(predicate(f))
        .filter(applications::id.gt(after_id))
        .select(Application::as_select())
        .order(applications::id.asc())
        .limit(limit)
        .load(c)
}

pub fn count(c: &mut DbConn, f: &RegisterFilter, cap: i64) -> QueryResult<i64> {
    super::paging::count_capped(c, applications::table.filter(predicate(f)).select(applications::id), cap)
}

/// A register entry by reference (or numeric id), if it is on the register.
pub fn find(c: &mut DbConn, reference_or_id: &str) -> QueryResult<Option<Application>> {
    let q = applications::table.filter(applications::status.eq_any(REGISTER_STATES)).select(Application::as_select());
    match reference_or_id.parse::<i64>() {
        Ok(id) => q.filter(applications::id.eq(id)).first(c).optional(),
        Err(_) => q.filter(applications::reference.eq(reference_or_id.to_uppercase())).first(c).optional(),
    }
}

/// Register events for the Atom feed, newest first.
pub const FEED_ACTIONS: [&str; 8] = [
    "application.approved",
    "application.refused",
    "application.screened",
    "trial.started",
    "trial.suspended",
    "trial.reinstated",
    "trial.revoked",
    "trial.completed",
];

/// The newest register events of the given cases.
pub fn feed_events_of(c: &mut DbConn, case_ids: &[i64], limit: i64) -> QueryResult<Vec<AuditEvent>> {
    let streams: Vec<String> = case_ids.iter().map(|id| format!("application:{id}")).collect();
    audit_events::table
        .filter(audit_events::action.eq_any(FEED_ACTIONS))
        .filter(audit_events::stream.eq_any(streams))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(c)
}

pub fn feed_events(c: &mut DbConn, limit: i64) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::action.eq_any(FEED_ACTIONS))
        .filter(audit_events::stream.like("application:%"))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(c)
}
