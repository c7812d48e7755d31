//! The database: one connection type over SQLite and PostgreSQL, the pool, the one helper that runs
//! blocking queries off the async threads, the write-transaction helper, migrations and the
//! repositories. Every query that differs between the backends lives in this module.

pub mod audit;
pub mod case_list;
pub mod cases;
pub mod catalogue;
pub mod checkpoints;
pub mod community;
pub mod information;
pub mod models;
pub mod monitoring;
pub mod outbox;
pub mod paging;
pub mod register;
pub mod register_search;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod sql_enum;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use diesel::connection::{AnsiTransactionManager, Connection, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseSettings, DatabaseUrl};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Database errors as the application sees them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Pool(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Opens connections for the backend the URL names, and keeps the real reason when that fails
/// (`AnyConnection::establish` would hide it).
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout_ms: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("{0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

/// A pooled connection and whether it was found dead (the server restarted, the network broke),
/// so that the pool drops it instead of handing it out again.
pub struct PooledConn {
    conn: DbConn,
    broken: bool,
}

impl PooledConn {
    /// Runs `f`; when it fails, checks that the connection still answers and marks it broken if not.
    fn use_with<T, E>(&mut self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E> {
        let result = f(&mut self.conn);
        if result.is_err() && self.conn.batch_execute("SELECT 1").is_err() {
            self.broken = true;
        }
        result
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, ManagerError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => Ok(DbConn::Pg(PgConnection::establish(url)?)),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // One statement per call: sql_query would run only the first of several.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {};\nPRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\nPRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = PooledConn;
    type Error = ManagerError;

    fn connect(&self) -> Result<PooledConn, ManagerError> {
        Ok(PooledConn { conn: self.open()?, broken: false })
    }

    fn is_valid(&self, conn: &mut PooledConn) -> Result<(), ManagerError> {
        conn.conn.batch_execute("SELECT 1").map_err(ManagerError::from)
    }

    fn has_broken(&self, conn: &mut PooledConn) -> bool {
        conn.broken
    }
}

/// The pool and what the application needs to know about it.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    /// SQLite allows one writer at a time, so a process's write transactions take turns here, in
    /// the order they arrive. Left to SQLite's busy handler, waiting writers sleep and retry and the
    /// unlucky one waits seconds (a p99 of 2.8 s for four at once; see docs/BENCHMARKS.md).
    write_gate: Option<Arc<tokio::sync::Semaphore>>,
}

impl Db {
    /// Opens the pool, creating the SQLite file's folder when needed. Fails with the backend's
    /// own reason (server down, wrong password, unwritable folder).
    pub fn connect(settings: &DatabaseSettings) -> Result<Db, String> {
        let url = DatabaseUrl::parse(&settings.url)?;
        let backend = match &url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent() {
                    if !parent.as_os_str().is_empty() && !parent.exists() {
                        std::fs::create_dir_all(parent)
                            .map_err(|e| format!("cannot create the database folder {}: {e}", parent.display()))?;
                    }
                }
                Backend::Sqlite
            }
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let redacted = url.redacted();
        let manager = Manager { url, busy_timeout_ms: settings.sqlite_busy_timeout_ms };
        // Connect once by hand so that the operator sees the real reason for a failure rather
        // than the pool's time-out.
        let mut first =
            manager.connect().map_err(|e| format!("cannot connect to {redacted}: {}", e.to_string().trim()))?;
        manager.is_valid(&mut first).map_err(|e| format!("cannot use {redacted}: {e}"))?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(settings.min_idle.min(settings.pool_size)))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(settings.connect_timeout_seconds.max(1)))
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build(manager)
            .map_err(|e| format!("cannot open a connection pool to {redacted}: {e}"))?;
        let write_gate = match backend {
            Backend::Sqlite => Some(Arc::new(tokio::sync::Semaphore::new(1))),
            Backend::Postgres => None,
        };
        Ok(Db { pool, backend, write_gate })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on the blocking thread pool. Every query goes through here.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| E::from(DbError::Pool(e.to_string())))?;
            conn.use_with(f)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(join_error) => Err(E::from(DbError::Pool(format!("database task failed: {join_error}")))),
        }
    }

    /// Runs `f` inside one write transaction (`BEGIN IMMEDIATE` on SQLite, so that the writer
    /// holds the lock from the start instead of failing on upgrade).
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let _permit = match &self.write_gate {
            Some(gate) => Some(gate.clone().acquire_owned().await.map_err(|e| E::from(DbError::Pool(e.to_string())))?),
            None => None,
        };
        self.run(move |conn| write_tx(conn, f)).await
    }

    /// Runs a blocking closure with a connection on the current thread (CLI commands).
    pub fn with_conn<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.pool.get().map_err(|e| E::from(DbError::Pool(e.to_string())))?;
        conn.use_with(f)
    }

    /// Applies every pending migration for this backend; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        conn.use_with(run_migrations)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from)).await.is_ok()
    }

    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }
}

/// Brings the query planner's statistics up to date where they are missing or stale (SQLite only
/// re-analyses a table whose size has changed tenfold since; about 2 s at a million cases, and
/// sampled statistics proved too coarse to plan by). Without them SQLite
/// would, for example, sort every decided case to show the register's first page instead of
/// reading the index in order. Run at start and by each scheduler pass.
pub fn refresh_planner_statistics(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA optimize = 0x10002;"),
        DbConn::Pg(_) => Ok(()),
    }
}

/// Gathers the planner's statistics for every table now (after a bulk load such as seed-demo).
pub fn analyze(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("ANALYZE;"),
        DbConn::Pg(c) => c.batch_execute("ANALYZE"),
    }
}

pub fn run_migrations(conn: &mut DbConn) -> Result<usize, String> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    refresh_planner_statistics(conn).map_err(|e| e.to_string())?;
    applied.map_err(|e| format!("migration failed: {e}"))
}

/// One write transaction on either backend. See [`Db::write`].
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(_) => conn.transaction(f),
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(user_error) => match <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
                    Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
                    Err(rollback_error) => Err(rollback_error.into()),
                },
            }
        }
    }
}

/// The current time as both backends store it: naive UTC, whole microseconds.
pub fn now() -> NaiveDateTime {
    truncate(chrono::Utc::now().naive_utc())
}

pub fn truncate(t: NaiveDateTime) -> NaiveDateTime {
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}

/// True when `err` is a violation of the named unique constraint (or, on SQLite, which reports
/// columns instead of names, of a unique index over `columns`).
pub fn is_unique_violation(err: &diesel::result::Error, constraint: &str, columns: &str) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name() == Some(constraint) || info.message().contains(columns)
        }
        _ => false,
    }
}

/// Where the data lives, for the start-up log line.
pub fn describe_location(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(p) => {
            let abs =
                if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
            format!("SQLite file {}", abs.display())
        }
        DatabaseUrl::Postgres(_) => format!("PostgreSQL {}", url.redacted()),
    }
}

/// Holds `key` until the transaction ends: a transaction-scoped advisory lock on PostgreSQL, so
/// that writers of one thing (a chain, an account's logins) take turns. SQLite's write transaction
/// already holds the whole database, so there it does nothing.
pub fn lock_key(conn: &mut DbConn, key: &str) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(pg)?;
    }
    Ok(())
}
