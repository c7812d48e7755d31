//! Use-cases: load what is needed, ask `domain` whether and how, then persist the change with its
//! audit event and outbox rows in one transaction. Nothing here knows about HTTP.

pub mod accounts;
pub mod case_mail;
pub mod cases;
pub mod catalogue;
pub mod community;
pub mod lifecycle;
pub mod monitoring;
pub mod outbox_admin;
pub mod register;
pub mod stats;
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
        self.capped || self.page.offset() + (self.items.len() as i64) < self.total
    }
}

/// Runs CPU-heavy work (password hashing) off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, crate::error::AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::error::AppError::internal(format!("blocking task failed: {e}")))
}
