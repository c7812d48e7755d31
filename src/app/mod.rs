//! Use-cases: load what is needed, ask `domain` whether and how, then persist the change with its
//! audit event and outbox rows in one transaction. Nothing here knows about HTTP.

pub mod accounts;
pub mod case_file;
pub mod case_mail;
pub mod cases;
pub mod catalogue;
pub mod checkpoints;
pub mod community;
pub mod community_pages;
pub mod conditions;
pub mod documents;
pub mod input;
pub mod lifecycle;
pub mod milestones;
pub mod moderation;
pub mod outbox_admin;
pub mod queue;
pub mod register;
pub mod reports;
pub mod stats;
pub mod tx;
pub mod users;

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::Db;
use crate::email::Mailer;

/// The time, as the application sees it. Tests use a clock they can move.
pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        crate::db::now()
    }
}

/// A clock that runs with the system clock plus an adjustable offset (for tests and demos).
#[derive(Default)]
pub struct OffsetClock {
    offset_seconds: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> NaiveDateTime {
        let offset = self.offset_seconds.load(std::sync::atomic::Ordering::SeqCst);
        crate::db::truncate(crate::db::now() + chrono::TimeDelta::seconds(offset))
    }
}

/// Everything a use-case may need, shared by all requests.
#[derive(Clone)]
pub struct AppContext {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub mailer: Arc<Mailer>,
    pub jwt: JwtKeys,
    pub clock: Arc<dyn Clock>,
    /// The statistics last computed, reused for `stats.cache_seconds`.
    pub stats_cache: Arc<stats::StatsCache>,
    /// Lists that passed the count cap lately.
    pub capped_counts: Arc<CappedCounts>,
}

impl AppContext {
    /// A context with the system clock (for commands that run without the HTTP server).
    pub fn new(db: Db, settings: Settings) -> Result<Self, String> {
        let mailer = Mailer::new(&settings.base_url, &settings.mail.from)?;
        Ok(AppContext {
            db,
            jwt: JwtKeys::new(&settings.jwt),
            mailer: Arc::new(mailer),
            settings: Arc::new(settings),
            clock: Arc::new(SystemClock),
            stats_cache: Default::default(),
            capped_counts: Default::default(),
        })
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }
}

/// A page request already bounded by the configured limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// Counts remembered for a while. A count is exact up to the cap and only says "more than that"
/// beyond it, so once a filter has passed the cap it is taken to stay past it for
/// `lists.capped_count_seconds` instead of counting `cap + 1` index entries again on every page:
/// a big list then costs no more than a small one.
///
/// Under the cap a count is made afresh every time ([`Remember::PastTheCap`]: the work queue's tabs
/// must move as soon as a case does), except where the caller accepts a count as old as
/// `capped_count_seconds` ([`Remember::Always`]: a register search, whose matches change only when a
/// decision is published, and whose every match would otherwise be counted on every page).
#[derive(Default)]
pub struct CappedCounts {
    kept: std::sync::Mutex<std::collections::HashMap<String, (NaiveDateTime, i64)>>,
}

/// Which counts [`CappedCounts::count`] may remember.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remember {
    /// Only a count past the cap.
    PastTheCap,
    /// Any count.
    Always,
}

/// The most filters remembered at once (the memory is dropped whole when it fills).
const CAPPED_COUNTS_KEPT: usize = 10_000;

impl CappedCounts {
    /// The count of `key` (up to `cap + 1`), from memory if it was counted lately and `remember`
    /// allowed keeping it.
    pub fn count(
        &self,
        key: String,
        now: NaiveDateTime,
        (keep_seconds, remember): (i64, Remember),
        cap: i64,
        count: impl FnOnce() -> diesel::QueryResult<i64>,
    ) -> diesel::QueryResult<i64> {
        let keep = chrono::TimeDelta::seconds(keep_seconds);
        if keep_seconds > 0 {
            if let Ok(mut kept) = self.kept.lock() {
                match kept.get_mut(&key) {
                    Some((until, n)) if now < *until => return Ok(*n),
                    // Lapsed: this caller counts again, and the requests that come meanwhile keep
                    // the remembered answer rather than all counting at once.
                    Some((until, _)) => *until = now + keep,
                    None => {}
                }
            }
        }
        let counted = count()?;
        if keep_seconds > 0 {
            if let Ok(mut kept) = self.kept.lock() {
                if counted > cap || remember == Remember::Always {
                    if kept.len() >= CAPPED_COUNTS_KEPT {
                        kept.clear();
                    }
                    kept.insert(key, (now + keep, counted.min(cap + 1)));
                } else {
                    kept.remove(&key);
                }
            }
        }
        Ok(counted)
    }
}

/// One page of a list, with a total that is exact up to `cap`.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: PageRequest,
    pub total: i64,
    pub capped: bool,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, page: PageRequest, counted: i64, cap: i64) -> Self {
        Page { items, page, total: counted.min(cap), capped: counted > cap }
    }

    pub fn has_next(&self) -> bool {
        !self.past_end() && (self.capped || self.page.offset() + (self.items.len() as i64) < self.total)
    }

    /// The number of the last page, when the total is known exactly.
    pub fn last_page(&self) -> Option<i64> {
        (!self.capped).then(|| ((self.total + self.page.per_page - 1) / self.page.per_page).max(1))
    }

    /// A page beyond the last: empty, though the list may not be.
    pub fn past_end(&self) -> bool {
        self.items.is_empty() && self.last_page().is_some_and(|last| self.page.page > last)
    }
}

/// Runs CPU-heavy work (password hashing) off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, crate::error::AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::error::AppError::internal(format!("blocking task failed: {e}")))
}

#[cfg(test)]
mod capped_count_tests {
    use super::{CappedCounts, Remember};
    use std::cell::Cell;

    #[test]
    fn a_count_past_the_cap_is_remembered_for_a_while_and_one_under_it_never() {
        let counts = CappedCounts::default();
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
        let made = Cell::new(0);
        let count = |n: i64| {
            let made = &made;
            move || {
                made.set(made.get() + 1);
                Ok(n)
            }
        };
        // Under the cap: counted every time.
        assert_eq!(counts.count("a".into(), at(0), (10, Remember::PastTheCap), 5, count(3)).unwrap(), 3);
        assert_eq!(counts.count("a".into(), at(1), (10, Remember::PastTheCap), 5, count(4)).unwrap(), 4);
        assert_eq!(made.get(), 2);
        // Past it: remembered until the time is up, then counted again.
        assert_eq!(counts.count("b".into(), at(0), (10, Remember::PastTheCap), 5, count(6)).unwrap(), 6);
        assert_eq!(counts.count("b".into(), at(9), (10, Remember::PastTheCap), 5, count(2)).unwrap(), 6);
        assert_eq!(made.get(), 3, "not counted while remembered");
        assert_eq!(counts.count("b".into(), at(10), (10, Remember::PastTheCap), 5, count(2)).unwrap(), 2);
        assert_eq!(made.get(), 4);
        // 0 seconds: always counted.
        assert_eq!(counts.count("c".into(), at(0), (0, Remember::PastTheCap), 5, count(6)).unwrap(), 6);
        assert_eq!(counts.count("c".into(), at(0), (0, Remember::PastTheCap), 5, count(1)).unwrap(), 1);
    }

    #[test]
    fn when_a_remembered_count_lapses_one_request_counts_and_the_others_keep_the_answer() {
        let counts = CappedCounts::default();
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
        assert_eq!(counts.count("q".into(), at(0), (10, Remember::PastTheCap), 5, || Ok(9)).unwrap(), 9);
        let others = Cell::new(0);
        // The lapsed count is under way when another request asks: it does not count too.
        let first = counts
            .count("q".into(), at(10), (10, Remember::PastTheCap), 5, || {
                let during = counts.count("q".into(), at(10), (10, Remember::PastTheCap), 5, || {
                    others.set(others.get() + 1);
                    Ok(1)
                });
                assert_eq!(during.unwrap(), 6, "the remembered answer: more than the cap");
                Ok(3)
            })
            .unwrap();
        assert_eq!((first, others.get()), (3, 0));
        // Now under the cap, it is counted afresh every time.
        assert_eq!(counts.count("q".into(), at(11), (10, Remember::PastTheCap), 5, || Ok(2)).unwrap(), 2);
    }

    #[test]
    fn a_search_count_under_the_cap_is_remembered_for_a_while_too() {
        let counts = CappedCounts::default();
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
        let always = (10, Remember::Always);
        assert_eq!(counts.count("s".into(), at(0), always, 5, || Ok(3)).unwrap(), 3);
        assert_eq!(counts.count("s".into(), at(9), always, 5, || Ok(4)).unwrap(), 3, "remembered");
        assert_eq!(counts.count("s".into(), at(10), always, 5, || Ok(4)).unwrap(), 4, "counted again");
        // Past the cap, what is remembered says only "more than the cap".
        assert_eq!(counts.count("t".into(), at(0), always, 5, || Ok(99)).unwrap(), 99);
        assert_eq!(counts.count("t".into(), at(1), always, 5, || Ok(1)).unwrap(), 6);
    }
}
