//! The delivery worker: claims due outbox rows, sends them, and records the outcome. Failures are
//! retried with exponential backoff and full jitter until `mail.max_attempts`, then the row is
//! `dead` (visible to admins, who can resend it).

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use lettre::message::Mailbox;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use super::transport::Transport;
use crate::config::MailSettings;
use crate::db::models::OutboundEmail;
use crate::db::{self, outbox, Db, DbError};

pub struct Worker {
    db: Db,
    transport: Arc<Transport>,
    from: Mailbox,
    settings: MailSettings,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

/// The delay before attempt `attempts + 1`: base × 2^(attempts−1), capped, with full jitter
/// over the upper half so that replicas do not retry in step.
pub fn backoff(attempts: i32, base_seconds: i64, max_seconds: i64, rng: &mut impl Rng) -> TimeDelta {
    let exp = (attempts.max(1) - 1).min(30) as u32;
    let ceiling = base_seconds.max(1).saturating_mul(2i64.saturating_pow(exp)).min(max_seconds.max(1));
    let millis = ceiling * 1000;
    TimeDelta::milliseconds(rng.gen_range(millis / 2..=millis))
}

impl Worker {
    pub fn new(db: Db, transport: Arc<Transport>, settings: MailSettings) -> Result<Self, String> {
        let from: Mailbox = settings.from.parse().map_err(|e| format!("SANDBOX_MAIL_FROM: {e}"))?;
        Ok(Worker { db, transport, from, settings })
    }

    /// Runs until `stop` is cancelled; a pass in progress finishes first.
    pub async fn run(self, stop: CancellationToken) {
        let interval = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        loop {
            match self.pass(db::now()).await {
                Ok(report) if report.sent + report.retried + report.dead > 0 => {
                    tracing::debug!(?report, "outbox pass");
                    if report.sent > 0 && !stop.is_cancelled() {
                        continue; // more may be waiting
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
        }
        tracing::info!("email worker stopped");
    }

    /// Claims one batch and sends it, up to `mail.send_concurrency` messages at a time, so that
    /// throughput is not one SMTP round trip after another; then records every outcome in one
    /// transaction (each row with the time its own send ended). A crash between a send and that
    /// transaction leaves the row claimed; it is sent again when its lease ends (at least once).
    pub async fn pass(&self, now: NaiveDateTime) -> Result<PassReport, DbError> {
        use futures_util::StreamExt;
        let lease_until = now + TimeDelta::seconds(self.settings.lease_seconds.max(10));
        let limit = self.settings.batch_size;
        let rows =
            self.db.write(move |conn| outbox::claim_due(conn, now, lease_until, limit).map_err(DbError::from)).await?;
        let outcomes: Vec<(i64, Outcome)> = futures_util::stream::iter(rows)
            .map(|row| self.send_one(row))
            .buffer_unordered(self.settings.send_concurrency.max(1))
            .collect()
            .await;
        let mut report = PassReport::default();
        for (_, outcome) in &outcomes {
            match outcome {
                Outcome::Sent(_) => report.sent += 1,
                Outcome::Retry(..) => report.retried += 1,
                Outcome::Dead(_) => report.dead += 1,
            }
        }
        if !outcomes.is_empty() {
            self.db
                .write(move |c| {
                    for (id, outcome) in outcomes {
                        match outcome {
                            Outcome::Sent(at) => outbox::mark_sent(c, id, at)?,
                            Outcome::Retry(error, at) => outbox::mark_failed(c, id, &error, Some(at))?,
                            Outcome::Dead(error) => outbox::mark_failed(c, id, &error, None)?,
                        };
                    }
                    Ok::<_, DbError>(())
                })
                .await?;
        }
        Ok(report)
    }

    async fn send_one(&self, row: OutboundEmail) -> (i64, Outcome) {
        let outcome = self.transport.send(&self.from, &row).await;
        let id = row.id;
        let Err(error) = outcome else { return (id, Outcome::Sent(db::now())) };
        if error.permanent {
            tracing::error!(outbox_id = id, attempts = row.attempts, %error, "email refused for good; not retried");
            (id, Outcome::Dead(error.message))
        } else if row.attempts >= self.settings.max_attempts {
            tracing::error!(outbox_id = id, attempts = row.attempts, %error, "email is dead after its last attempt");
            (id, Outcome::Dead(error.message))
        } else {
            tracing::warn!(outbox_id = id, attempts = row.attempts, %error, "email failed; will retry");
            let delay = backoff(
                row.attempts,
                self.settings.backoff_base_seconds,
                self.settings.backoff_max_seconds,
                &mut rand::thread_rng(),
            );
            (id, Outcome::Retry(error.message, db::truncate(db::now() + delay)))
        }
    }
}

/// What became of one message, and what to record of it.
enum Outcome {
    /// Accepted by the relay at this time.
    Sent(NaiveDateTime),
    /// Failed for now: the error, and when to try again.
    Retry(String, NaiveDateTime),
    /// Failed for good.
    Dead(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let mut rng = rand::thread_rng();
        for attempts in 1..20 {
            let d = backoff(attempts, 30, 3600, &mut rng).num_milliseconds();
            let ceiling = (30i64 * 2i64.pow((attempts - 1) as u32)).min(3600) * 1000;
            assert!(d >= ceiling / 2 && d <= ceiling, "attempt {attempts}: {d}");
        }
    }
}
