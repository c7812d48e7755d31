//! The checks made on the settings before the service starts: each wrong setting is named, with
//! the environment variable that sets it where there is one.

use std::net::ToSocketAddrs;

use secrecy::ExposeSecret;

use super::{ConfigError, DatabaseUrl, MailTransportKind, RunEnv, Settings, TrustedNet, DEVELOPMENT_JWT_SECRET};

impl Settings {
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
        if !(5..=24 * 60).contains(&self.auth.session_idle_minutes) {
            errors.push("auth.session_idle_minutes must be between 5 and 1440".into());
        }
        if !(1..=24 * 30).contains(&self.auth.session_absolute_hours)
            || self.auth.session_absolute_hours * 60 < self.auth.session_idle_minutes
        {
            errors
                .push("auth.session_absolute_hours must be between 1 and 720 and no shorter than the idle time".into());
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
        if !(1..=250).contains(&self.cases.decision_target_working_days) {
            errors.push("cases.decision_target_working_days must be between 1 and 250".into());
        }
        if self.scheduler.interval_seconds < 1 {
            errors.push("scheduler.interval_seconds must be at least 1".into());
        }
        if self.scheduler.reminder_days.iter().any(|d| !(0..=365).contains(d)) {
            errors.push("scheduler.reminder_days must be between 0 and 365".into());
        }
        if self.env == RunEnv::Production {
            let secret = self.jwt.secret.expose_secret();
            if secret == DEVELOPMENT_JWT_SECRET {
                errors.push(
                    "SANDBOX_JWT_SECRET: production refuses the development secret; set a random secret of at least 32 characters".into(),
                );
            } else if estimated_bits(secret) < MIN_SECRET_BITS {
                errors.push(format!(
                    "SANDBOX_JWT_SECRET: this secret is too predictable (about {:.0} bits, {MIN_SECRET_BITS:.0} needed); \
                     use a random one, for example the output of `openssl rand -base64 48`",
                    estimated_bits(secret)
                ));
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
}

/// What production asks of the JWT secret, as [`estimated_bits`] measures it.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// A cautious estimate of a secret's entropy: its length times the Shannon entropy of its
/// characters. Forty identical characters score 0, a repeated pair 40, the output of
/// `openssl rand -base64 48` about 350.
pub fn estimated_bits(secret: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for ch in secret.chars() {
        *counts.entry(ch).or_insert(0usize) += 1;
        n += 1;
    }
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum();
    per_char * n as f64
}

#[cfg(test)]
mod secret_tests {
    use super::{estimated_bits, MIN_SECRET_BITS};

    #[test]
    fn repetitive_secrets_score_low_and_random_ones_high() {
        assert_eq!(estimated_bits(&"x".repeat(40)), 0.0);
        assert!(estimated_bits(&"ab".repeat(20)) < MIN_SECRET_BITS);
        assert!(estimated_bits("correct-horse-battery-staple-000") < MIN_SECRET_BITS);
        assert!(estimated_bits("q3v9Zk1Lr8Xw2Tn5Hb7Jc0Md4Fs6Gp+Ye/Ua==Ri3Oe8Wt") > MIN_SECRET_BITS);
    }
}
