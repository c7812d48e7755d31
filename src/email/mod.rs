//! Email: the templates every message is rendered from (subject, plain text and HTML, all under
//! `src/email/templates/`), queueing into the outbox, the transports, and the delivery worker.

pub mod format;
pub mod smtp;
pub mod templates;
pub mod transport;
pub mod worker;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::db::models::NewOutboundEmail;
use crate::db::{outbox, DbConn};

pub use format::{human_date, human_number};
pub use templates::Mailer;

/// Mail whose category starts with this (verification, reset, invitation) cannot be turned off.
pub const SECURITY_PREFIX: &str = "security.";

pub fn is_security_category(category: &str) -> bool {
    category.starts_with(SECURITY_PREFIX)
}

crate::domain::case::string_enum! {
    /// Where an outbox row is: waiting, claimed by a worker, accepted by the relay, or given up.
    DeliveryStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Dead => "dead",
    }
}

/// One email to queue in the current transaction.
pub struct Outgoing<'a> {
    /// Unique per intended delivery, e.g. `verify-email:<token id>`; a second row with the same
    /// key is silently dropped, which makes queueing idempotent.
    pub dedup_key: String,
    pub user_id: Option<i64>,
    pub to: &'a str,
    pub category: &'a str,
    pub template: &'a str,
    pub context: Value,
}

/// Renders and inserts an outbox row. Must be called inside the transaction of the change.
pub fn queue(conn: &mut DbConn, mailer: &Mailer, mail: Outgoing<'_>, now: NaiveDateTime) -> Result<bool, QueueError> {
    let rendered = mailer.render(mail.template, mail.context).map_err(QueueError::Template)?;
    let row = NewOutboundEmail {
        dedup_key: mail.dedup_key,
        user_id: mail.user_id,
        to_address: mail.to.to_string(),
        category: mail.category.to_string(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: rendered.html,
        message_id: mailer.new_message_id(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
    };
    outbox::insert_unique(conn, &row).map_err(QueueError::Db)
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("email template: {0}")]
    Template(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<QueueError> for crate::error::AppError {
    fn from(e: QueueError) -> Self {
        match e {
            QueueError::Db(d) => d.into(),
            QueueError::Template(t) => crate::error::AppError::Internal(t),
        }
    }
}
