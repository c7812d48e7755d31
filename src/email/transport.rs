//! Where mail goes: an SMTP server, `.eml` files in a folder, or the log.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailSettings, MailTransportKind};
use crate::db::models::OutboundEmail;

/// Checks an SMTP URL as lettre will read it (`smtp://host:port`, `smtps://…`, credentials and
/// `?tls=required|opportunistic` allowed).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|_| ()).map_err(|e| {
        format!(
            "not a valid SMTP URL ({e}); use smtp://host:port, smtps://user:pass@host or smtp://host:587?tls=required"
        )
    })
}

/// Why a message was not sent, and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// The server refused it for good (an SMTP 5xx), or it cannot be built: no retry.
    pub permanent: bool,
}

impl SendError {
    pub fn permanent(message: String) -> Self {
        SendError { message, permanent: true }
    }
    pub fn temporary(message: String) -> Self {
        SendError { message, permanent: false }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub enum Transport {
    /// `smtp://`: connections of our own with `TCP_NODELAY`, kept and reused.
    SmtpPool(super::smtp::SmtpPool),
    /// `smtps://`: lettre's transport and pool.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Log,
}

impl Transport {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        Ok(match settings.transport {
            MailTransportKind::Smtp => {
                let url = settings.smtp_url.expose_secret();
                let timeout = Duration::from_secs(settings.smtp_timeout_seconds.max(1));
                let pool = super::smtp::SmtpPool::for_url(url, timeout, settings.send_concurrency)
                    .map_err(|e| format!("SANDBOX_SMTP_URL: {e}"))?;
                match pool {
                    Some(pool) => Transport::SmtpPool(pool),
                    None => Transport::Smtp(
                        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                            .map_err(|e| format!("SANDBOX_SMTP_URL: {e}"))?
                            .timeout(Some(timeout))
                            .build(),
                    ),
                }
            }
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.dir)
                    .map_err(|e| format!("SANDBOX_MAIL_DIR: cannot create {}: {e}", settings.dir.display()))?;
                Transport::File(AsyncFileTransport::new(&settings.dir), settings.dir.clone())
            }
            MailTransportKind::Log => Transport::Log,
        })
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) | Transport::SmtpPool(_) => "SMTP".into(),
            Transport::File(_, dir) => {
                let abs =
                    if dir.is_absolute() { dir.clone() } else { std::env::current_dir().unwrap_or_default().join(dir) };
                format!(".eml files in {}", abs.display())
            }
            Transport::Log => "the log (not delivered)".into(),
        }
    }

    pub async fn send(&self, from: &Mailbox, row: &OutboundEmail) -> Result<(), SendError> {
        let message = build_message(from, row).map_err(SendError::permanent)?;
        match self {
            Transport::SmtpPool(pool) => pool.send(&message).await,
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                // A 5xx reply (550 no such mailbox, 553 bad address…) will not change on retry.
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::File(t, _) => t.send(message).await.map(|_| ()).map_err(|e| SendError::temporary(e.to_string())),
            Transport::Log => {
                tracing::info!(outbox_id = row.id, to = %row.to_address, subject = %row.subject, "email (log transport)");
                Ok(())
            }
        }
    }
}

pub fn build_message(from: &Mailbox, row: &OutboundEmail) -> Result<Message, String> {
    let to: Mailbox = row.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body_text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(row.body_html.clone())),
        )
        .map_err(|e| format!("cannot build message: {e}"))
}
