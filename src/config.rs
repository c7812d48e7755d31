//! Settings: `config/default.toml`, then the overlay named by `SANDBOX_ENV`, then environment
//! variables. Copies of the committed files are embedded in the binary so that it also runs from a
//! folder without `config/`; a file on disk wins over the embedded copy.

use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The development JWT secret; production refuses to start with it.
pub const DEVELOPMENT_JWT_SECRET: &str = "development-secret-change-me-development-secret";

const EMBEDDED: [(&str, &str); 4] = [
    ("default", include_str!("../config/default.toml")),
    ("development", include_str!("../config/development.toml")),
    ("test", include_str!("../config/test.toml")),
    ("production", include_str!("../config/production.toml")),
];

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
    pub scheduler: SchedulerSettings,
    pub community: CommunitySettings,
    pub uploads: UploadSettings,
    pub stats: StatsSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatsSettings {
    /// How long computed statistics are reused (0: compute on every request).
    pub cache_seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UploadSettings {
    pub max_file_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommunitySettings {
    pub posts_per_hour: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub interval_seconds: u64,
    pub reminder_days: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CalendarSettings {
    pub bank_holidays: Vec<String>,
    pub information_request_working_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    /// Connections kept open while idle.
    pub min_idle: u32,
    pub sqlite_busy_timeout_ms: u32,
    pub connect_timeout_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub json_limit_bytes: usize,
    #[serde(deserialize_with = "string_or_list")]
    pub trusted_proxies: Vec<String>,
    pub shutdown_timeout_seconds: u64,
    pub workers: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JwtSettings {
    pub secret: SecretString,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_days: i64,
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub login_window_minutes: i64,
    pub login_max_failures_per_account: i64,
    pub login_max_failures_per_address: i64,
    pub verify_token_ttl_hours: i64,
    pub reset_token_ttl_minutes: i64,
    pub invite_token_ttl_hours: i64,
    pub reset_emails_per_hour: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub worker: bool,
    pub transport: MailTransportKind,
    pub dir: PathBuf,
    pub from: String,
    pub smtp_url: SecretString,
    pub smtp_timeout_seconds: u64,
    pub max_attempts: i32,
    pub backoff_base_seconds: i64,
    pub backoff_max_seconds: i64,
    pub poll_interval_ms: u64,
    pub batch_size: i64,
    /// How many messages of a batch are sent at once.
    pub send_concurrency: usize,
    pub lease_seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListSettings {
    pub default_per_page: i64,
    pub max_per_page: i64,
    pub total_count_cap: i64,
    /// How long a list whose count passed the cap is taken to stay past it (0: count every time).
    pub capped_count_seconds: i64,
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err("DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://data/sandbox.db".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            if rest.is_empty() {
                return Err("DATABASE_URL: sqlite: needs a file path".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url::Url::parse(url).map_err(|e| format!("DATABASE_URL: not a valid PostgreSQL URL: {e}"))?;
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            Err("DATABASE_URL must start with sqlite:// or postgres:// (e.g. sqlite://data/sandbox.db)".into())
        }
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match url::Url::parse(u) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("****"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

fn string_or_list<'de, D>(d: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
        OneOrMany::Many(v) => v,
    })
}

/// A network (address or CIDR range) whose forwarded-for header is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNet {
    addr: IpAddr,
    prefix: u8,
}

impl TrustedNet {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| format!("'{s}' is not an IP address or CIDR range"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}' has an invalid prefix length"))?,
            None => max,
        };
        Ok(TrustedNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

impl Settings {
    /// Loads settings for the environment named by `SANDBOX_ENV` (default `development`).
    pub fn load() -> Result<Self, ConfigError> {
        let env = std::env::var("SANDBOX_ENV").unwrap_or_else(|_| "development".into());
        let env = RunEnv::from_str(&env).map_err(|e| ConfigError(vec![e]))?;
        let dir = std::env::var("SANDBOX_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|_| "config".into());
        Self::load_from(env, &dir, true, &[])
    }

    /// Loads settings from `dir` for `env`, reading the process environment when `read_env` is
    /// set, and applying `overrides` (key, value) last. Tests use this to stay independent of the
    /// process environment.
    pub fn load_from(
        env: RunEnv,
        dir: &Path,
        read_env: bool,
        overrides: &[(&str, String)],
    ) -> Result<Self, ConfigError> {
        let mut builder = Config::builder();
        for name in ["default", env.as_str()] {
            let path = dir.join(format!("{name}.toml"));
            if path.is_file() {
                builder = builder.add_source(File::from(path).format(FileFormat::Toml));
            } else if let Some((_, text)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
                builder = builder.add_source(File::from_str(text, FileFormat::Toml));
            }
        }
        if read_env {
            builder = builder.add_source(
                Environment::with_prefix("SANDBOX").prefix_separator("__").separator("__").try_parsing(true),
            );
            for (var, key) in ENV_VARS {
                if let Ok(value) = std::env::var(var) {
                    builder = builder.set_override(key, value).map_err(|e| ConfigError(vec![format!("{var}: {e}")]))?;
                }
            }
        }
        builder = builder.set_override("env", env.as_str()).map_err(|e| ConfigError(vec![e.to_string()]))?;
        for (key, value) in overrides {
            builder =
                builder.set_override(*key, value.clone()).map_err(|e| ConfigError(vec![format!("{key}: {e}")]))?;
        }
        let config = builder.build().map_err(|e| ConfigError(vec![explain(e)]))?;
        let settings: Settings = config.try_deserialize().map_err(|e| ConfigError(vec![explain(e)]))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every setting and names each one that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errors = Vec::new();
        if self.bind.to_socket_addrs().map(|mut a| a.next().is_none()).unwrap_or(true) {
            errors.push(format!("SANDBOX_BIND (bind): '{}' is not a host:port address", self.bind));
        }
        match url::Url::parse(&self.base_url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => errors.push(format!("SANDBOX_BASE_URL (base_url): '{}' is not an http(s) URL", self.base_url)),
        }
        if let Err(e) = DatabaseUrl::parse(&self.database.url) {
            errors.push(e);
        }
        if self.database.pool_size == 0 || self.database.pool_size > 256 {
            errors.push("database.pool_size must be between 1 and 256".into());
        }
        if self.http.json_limit_bytes < 1024 {
            errors.push("SANDBOX_JSON_LIMIT_BYTES (http.json_limit_bytes) must be at least 1024".into());
        }
        for proxy in &self.http.trusted_proxies {
            if let Err(e) = TrustedNet::parse(proxy) {
                errors.push(format!("SANDBOX_TRUSTED_PROXIES (http.trusted_proxies): {e}"));
            }
        }
        if self.jwt.secret.expose_secret().len() < 32 {
            errors.push("SANDBOX_JWT_SECRET (jwt.secret) must be at least 32 characters".into());
        }
        if self.jwt.access_ttl_seconds < 30 || self.jwt.access_ttl_seconds > 86_400 {
            errors.push("jwt.access_ttl_seconds must be between 30 and 86400".into());
        }
        if self.jwt.refresh_ttl_days < 1 {
            errors.push("jwt.refresh_ttl_days must be at least 1".into());
        }
        if self.jwt.leeway_seconds > 30 {
            errors.push("jwt.leeway_seconds must be at most 30".into());
        }
        if self.auth.reset_token_ttl_minutes < 1 || self.auth.reset_token_ttl_minutes > 30 {
            errors.push("auth.reset_token_ttl_minutes must be between 1 and 30".into());
        }
        if self.auth.login_max_failures_per_account < 1 || self.auth.login_max_failures_per_address < 1 {
            errors.push("auth.login_max_failures_per_account and _per_address must be at least 1".into());
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            errors.push(format!(
                "SANDBOX_MAIL_FROM (mail.from): '{}' is not an email address such as 'Sandbox <no-reply@example.org>'",
                self.mail.from
            ));
        }
        if self.mail.transport == MailTransportKind::Smtp {
            if let Err(e) = crate::email::transport::check_smtp_url(self.mail.smtp_url.expose_secret()) {
                errors.push(format!("SANDBOX_SMTP_URL (mail.smtp_url): {e}"));
            }
        }
        if self.mail.max_attempts < 1 {
            errors.push("mail.max_attempts must be at least 1".into());
        }
        if self.mail.batch_size < 1 {
            errors.push("mail.batch_size must be at least 1".into());
        }
        if self.mail.send_concurrency < 1 {
            errors.push("mail.send_concurrency must be at least 1".into());
        }
        if self.lists.max_per_page < 1 || self.lists.default_per_page < 1 || self.lists.total_count_cap < 1 {
            errors.push("lists.* must be positive".into());
        }
        if let Err(e) = crate::domain::calendar::Holidays::parse(&self.calendar.bank_holidays) {
            errors.push(format!("calendar.bank_holidays: {e}"));
        }
        if !(1..=120).contains(&self.calendar.information_request_working_days) {
            errors.push("calendar.information_request_working_days must be between 1 and 120".into());
        }
        if self.scheduler.interval_seconds < 1 {
            errors.push("scheduler.interval_seconds must be at least 1".into());
        }
        if self.scheduler.reminder_days.iter().any(|d| !(0..=365).contains(d)) {
            errors.push("scheduler.reminder_days must be between 0 and 365".into());
        }
        if self.env == RunEnv::Production {
            if self.jwt.secret.expose_secret() == DEVELOPMENT_JWT_SECRET {
                errors.push(
                    "SANDBOX_JWT_SECRET: production refuses the development secret; set a random secret of at least 32 characters".into(),
                );
            }
            if self.mail.transport != MailTransportKind::Smtp {
                errors.push("SANDBOX_MAIL_TRANSPORT: production sends real email and needs 'smtp'".into());
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(errors))
        }
    }

    pub fn database_url(&self) -> DatabaseUrl {
        // validate() has checked it; fall back to the default file rather than panic.
        DatabaseUrl::parse(&self.database.url).unwrap_or_else(|_| DatabaseUrl::Sqlite(PathBuf::from("data/sandbox.db")))
    }

    pub fn holidays(&self) -> crate::domain::calendar::Holidays {
        crate::domain::calendar::Holidays::parse(&self.calendar.bank_holidays).unwrap_or_default()
    }

    pub fn trusted_proxies(&self) -> Vec<TrustedNet> {
        self.http.trusted_proxies.iter().filter_map(|p| TrustedNet::parse(p).ok()).collect()
    }
}

/// Names the environment variable behind a setting in a configuration error.
fn explain(e: config::ConfigError) -> String {
    let msg = e.to_string();
    for (var, key) in ENV_VARS {
        if msg.contains(&format!("`{key}`")) {
            return format!("{var} ({key}): {msg}");
        }
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(overrides: &[(&str, String)]) -> Result<Settings, ConfigError> {
        Settings::load_from(RunEnv::Test, Path::new("config"), false, overrides)
    }

    #[test]
    fn defaults_load() {
        let s = load(&[]).unwrap();
        assert_eq!(s.env, RunEnv::Test);
        assert_eq!(s.http.json_limit_bytes, 65536);
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/sandbox.db").unwrap(),
            DatabaseUrl::Sqlite("data/sandbox.db".into())
        );
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/s.db").unwrap(), DatabaseUrl::Sqlite("/tmp/s.db".into()));
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert_eq!(DatabaseUrl::parse("postgres://u:secret@h/db").unwrap().redacted(), "postgres://u:****@h/db");
    }

    #[test]
    fn invalid_settings_are_named() {
        let err = load(&[("bind", "nonsense".into()), ("mail.from", "not an address".into())]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("SANDBOX_BIND"), "{text}");
        assert!(text.contains("SANDBOX_MAIL_FROM"), "{text}");
        let err = load(&[("database.pool_size", "many".into())]).unwrap_err();
        assert!(err.to_string().contains("pool_size"), "{err}");
    }

    #[test]
    fn production_refuses_development_secret_and_file_mail() {
        let err =
            Settings::load_from(RunEnv::Production, Path::new("config"), false, &[("mail.transport", "file".into())])
                .unwrap_err()
                .to_string();
        assert!(err.contains("SANDBOX_JWT_SECRET"), "{err}");
        assert!(err.contains("SANDBOX_MAIL_TRANSPORT"), "{err}");
        let ok = Settings::load_from(
            RunEnv::Production,
            Path::new("config"),
            false,
            &[("jwt.secret", "x".repeat(40)), ("mail.smtp_url", "smtp://127.0.0.1:2525".into())],
        );
        assert!(ok.is_ok(), "{:?}", ok.err());
    }

    #[test]
    fn trusted_nets() {
        let n = TrustedNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.1.2.3".parse().unwrap()));
        assert!(TrustedNet::parse("127.0.0.1").unwrap().contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(TrustedNet::parse("10.0.0.0/33").is_err());
    }
}
