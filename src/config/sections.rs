//! One struct per section of the settings files (`[database]`, `[http]`, `[jwt]`, `[auth]`,
//! `[mail]`, `[lists]`, `[calendar]`, `[cases]`, `[scheduler]`, `[community]`, `[uploads]`, `[stats]`).

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::MailTransportKind;

#[derive(Debug, Clone, Deserialize)]
pub struct StatsSettings {
    /// How long computed statistics are reused (0: compute on every request).
    pub cache_seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UploadSettings {
    pub max_file_bytes: usize,
    /// The most bytes one multipart form may carry, all its files and fields together.
    pub max_request_bytes: usize,
    /// The most parts (files and fields) one multipart form may have.
    pub max_parts: usize,
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
pub struct CaseSettings {
    /// Working days from submission to the target decision date, not counting the days spent
    /// waiting for information.
    pub decision_target_working_days: u32,
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
    /// Accounts one client address may register in an hour.
    pub registrations_per_address_per_hour: i64,
    /// Password resets one client address may ask for in an hour.
    pub reset_requests_per_address_per_hour: i64,
    /// A page session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A page session ends this many hours after sign-in, however busy.
    pub session_absolute_hours: i64,
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
