//! The public register's queries: decided cases only, without personal data.

use chrono::{NaiveDate, NaiveDateTime};
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
    /// The words searched for (`?q=`; see `register_search::words`), every one of which an entry
    /// must contain. `Some` and empty when the text held no word at all: nothing matches then.
    pub words: Option<Vec<String>>,
}

/// The order of the register: by decision, most recent first (the default) or oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RegisterOrder {
    #[default]
    Newest,
    Oldest,
}

impl RegisterOrder {
    pub const ALL: [RegisterOrder; 2] = [RegisterOrder::Newest, RegisterOrder::Oldest];

    pub fn as_str(self) -> &'static str {
        match self {
            RegisterOrder::Newest => "newest",
            RegisterOrder::Oldest => "oldest",
        }
    }

    pub fn parse(s: &str) -> Option<RegisterOrder> {
        RegisterOrder::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// The first moment of `year` and of the next.
pub(super) fn year_range(year: i32) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)?.and_hms_opt(0, 0, 0)?;
    Some((start, end))
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
    // True of every entry; said, so that a walk of a decision-order index in either direction
    // starts at the first decided case instead of reading past every undecided one.
    p = Box::new(p.and(applications::decided_at.is_not_null()));
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
    if let Some((start, end)) = f.year.and_then(year_range) {
        p = Box::new(
            p.and(applications::decided_at.assume_not_null().ge(start))
                .and(applications::decided_at.assume_not_null().lt(end)),
        );
    }
    p
}

/// One page of the register in `order` of decision (of the entries matching the search, if any).
pub fn list(
    c: &mut DbConn,
    f: &RegisterFilter,
    order: RegisterOrder,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Application>> {
    if let Some(words) = &f.words {
        let ids = super::register_search::page(c, f, words, order, offset, limit)?;
        return in_order(c, &ids);
    }
    let q = applications::table.filter(predicate(f)).select(Application::as_select());
    match order {
        RegisterOrder::Newest => {
            q.order((applications::decided_at.desc(), applications::id.desc())).offset(offset).limit(limit).load(c)
        }
        RegisterOrder::Oldest => {
            q.order((applications::decided_at.asc(), applications::id.asc())).offset(offset).limit(limit).load(c)
        }
    }
}

/// The cases with these ids, in the order of the ids.
fn in_order(c: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Application>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Application> =
        applications::table.filter(applications::id.eq_any(ids)).select(Application::as_select()).load(c)?;
    rows.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(rows)
}

/// The entries after `after_id` (0: from the start): the keyset pages of a full export, each read
/// from an index however deep into the register it is. In id order; with a search, in decision
/// order, most recent first (the order of the search index).
pub fn list_after(c: &mut DbConn, f: &RegisterFilter, after_id: i64, limit: i64) -> QueryResult<Vec<Application>> {
    if let Some(words) = &f.words {
        let after = if after_id == 0 {
            None
        } else {
            applications::table
                .find(after_id)
                .select(applications::decided_at)
                .first::<Option<NaiveDateTime>>(c)
                .optional()?
                .flatten()
                .map(|at| (at, after_id))
        };
        if after_id != 0 && after.is_none() {
            return Ok(Vec::new());
        }
        let ids = super::register_search::page_after(c, f, words, after, limit)?;
        return in_order(c, &ids);
    }
    applications::table
        .filter(predicate(f))
        .filter(applications::id.gt(after_id))
        .select(Application::as_select())
        .order(applications::id.asc())
        .limit(limit)
        .load(c)
}

pub fn count(c: &mut DbConn, f: &RegisterFilter, cap: i64) -> QueryResult<i64> {
    if let Some(words) = &f.words {
        return super::register_search::count(c, f, words, cap);
    }
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
