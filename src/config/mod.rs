//! Settings: `config/default.toml`, then the overlay named by `SANDBOX_ENV`, then environment
//! variables. Copies of the committed files are embedded in the binary so that it also runs from a
//! folder without `config/`; a file on disk wins over the embedded copy.
//!
//! This module owns the settings' shape: the top-level `Settings`, the run environment and the
//! environment variables that set it. Each section's struct is in `sections`; loading in `load`;
//! the checks made on every start in `validate`; the database URL and trusted proxy networks,
//! which are parsed from settings, in `database` and `net`.

mod database;
mod load;
mod net;
mod sections;
mod validate;

pub use database::DatabaseUrl;
pub use net::TrustedNet;
pub use sections::{
    AuthSettings, CalendarSettings, CaseSettings, CommunitySettings, DatabaseSettings, HttpSettings, JwtSettings,
    ListSettings, MailSettings, SchedulerSettings, StatsSettings, UploadSettings,
};

use std::path::PathBuf;
use std::str::FromStr;

use serde::Deserialize;

/// The development JWT secret; production refuses to start with it.
pub const DEVELOPMENT_JWT_SECRET: &str = "development-secret-change-me-development-secret";

/// Environment variables with a name of their own, and the setting each one sets.
/// Any setting can also be set as `SANDBOX__<SECTION>__<KEY>` (for example
/// `SANDBOX__MAIL__MAX_ATTEMPTS=3`).
pub const ENV_VARS: [(&str, &str); 14] = [
    ("DATABASE_URL", "database.url"),
    ("SANDBOX_ENV", "env"),
    ("SANDBOX_BIND", "bind"),
    ("SANDBOX_BASE_URL", "base_url"),
    ("SANDBOX_JWT_SECRET", "jwt.secret"),
    ("SANDBOX_MAIL_TRANSPORT", "mail.transport"),
    ("SANDBOX_MAIL_DIR", "mail.dir"),
    ("SANDBOX_SMTP_URL", "mail.smtp_url"),
    ("SANDBOX_MAIL_FROM", "mail.from"),
    ("SANDBOX_LOG", "log_filter"),
    ("SANDBOX_LOG_FORMAT", "log_format"),
    ("SANDBOX_DB_POOL_SIZE", "database.pool_size"),
    ("SANDBOX_JSON_LIMIT_BYTES", "http.json_limit_bytes"),
    ("SANDBOX_TRUSTED_PROXIES", "http.trusted_proxies"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunEnv {
    Development,
    Test,
    Production,
}

impl RunEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            RunEnv::Development => "development",
            RunEnv::Test => "test",
            RunEnv::Production => "production",
        }
    }
}

impl FromStr for RunEnv {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" => Ok(RunEnv::Development),
            "test" => Ok(RunEnv::Test),
            "production" => Ok(RunEnv::Production),
            other => Err(format!("SANDBOX_ENV must be development, test or production, not '{other}'")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    Smtp,
    File,
    Log,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub env: RunEnv,
    pub bind: String,
    pub base_url: String,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub jwt: JwtSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub lists: ListSettings,
    pub calendar: CalendarSettings,
    pub cases: CaseSettings,
    pub scheduler: SchedulerSettings,
    pub community: CommunitySettings,
    pub uploads: UploadSettings,
    pub stats: StatsSettings,
    /// `calendar.bank_holidays` parsed, on first use (every case view needs them).
    #[serde(skip)]
    parsed_holidays: std::sync::OnceLock<crate::domain::calendar::Holidays>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

impl Settings {
    pub fn database_url(&self) -> DatabaseUrl {
        // validate() has checked it; fall back to the default file rather than panic.
        DatabaseUrl::parse(&self.database.url).unwrap_or_else(|_| DatabaseUrl::Sqlite(PathBuf::from("data/sandbox.db")))
    }

    pub fn holidays(&self) -> &crate::domain::calendar::Holidays {
        self.parsed_holidays
            .get_or_init(|| crate::domain::calendar::Holidays::parse(&self.calendar.bank_holidays).unwrap_or_default())
    }

    pub fn trusted_proxies(&self) -> Vec<TrustedNet> {
        self.http.trusted_proxies.iter().filter_map(|p| TrustedNet::parse(p).ok()).collect()
    }
}
