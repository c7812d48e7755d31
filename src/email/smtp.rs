//! SMTP connections with `TCP_NODELAY`, kept open and reused.
//!
//! lettre's own transport opens its sockets with Nagle's algorithm on: the few bytes that end a
//! message (`\r\n.\r\n`) then wait for the server to acknowledge the body, which a server delays by
//! up to 40 ms, so a connection carries at most about 25 messages a second. Here the socket is
//! opened by us with `TCP_NODELAY` and handed to lettre's [`AsyncSmtpConnection`], which speaks
//! the protocol (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA) as before. Idle connections are kept for
//! the next message, up to the worker's concurrency.
//!
//! `smtp://` (plain, `?tls=required` or `?tls=opportunistic`, as lettre reads them) goes this way;
//! `smtps://` (TLS from the first byte) stays on lettre's transport, which cannot be given a socket.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;

use super::transport::SendError;

/// A connection idle longer than this is closed rather than reused: relays drop idle clients.
const MAX_IDLE: Duration = Duration::from_secs(30);

#[derive(Clone)]
enum Tls {
    None,
    Required(TlsParameters),
    Opportunistic(TlsParameters),
}

pub struct SmtpPool {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    keep: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl SmtpPool {
    /// The pool for an `smtp://` URL, or `None` for one this module leaves to lettre (`smtps://`).
    /// The URL has been checked by [`super::transport::check_smtp_url`].
    pub fn for_url(url: &str, timeout: Duration, keep: usize) -> Result<Option<Self>, String> {
        let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
        if parsed.scheme() != "smtp" {
            return Ok(None);
        }
        let host = parsed.host_str().ok_or("no host")?.to_string();
        let tls_param = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
        let params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (tls, default_port) = match tls_param.as_deref() {
            None => (Tls::None, 25),
            Some("required") => (Tls::Required(params()?), 587),
            Some("opportunistic") => (Tls::Opportunistic(params()?), 587),
            Some(other) => return Err(format!("unknown tls parameter {other}")),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = parsed.password().map(|p| Credentials::new(decode(parsed.username()), decode(p)));
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        Ok(Some(SmtpPool {
            port: parsed.port().unwrap_or(default_port),
            host,
            tls,
            credentials,
            hello,
            timeout,
            keep: keep.max(1),
            idle: Mutex::new(Vec::new()),
        }))
    }

    /// Sends one message on an idle connection or a new one; the connection is kept if it is
    /// still sound afterwards.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let envelope = message.envelope().clone();
        let bytes = message.formatted();
        let mut conn = match self.take_idle() {
            Some(c) => c,
            None => self.connect().await?,
        };
        let sent = tokio::time::timeout(self.timeout, conn.send(&envelope, &bytes)).await;
        match sent {
            Ok(Ok(_)) => {
                self.give_back(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                if !conn.has_broken() {
                    self.give_back(conn);
                }
                Err(SendError { permanent: e.is_permanent(), message: e.to_string() })
            }
            Err(_) => Err(SendError::temporary(format!("no answer from the SMTP server in {:?}", self.timeout))),
        }
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !conn.has_broken() {
                return Some(conn);
            }
        }
        None
    }

    fn give_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.keep {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            SendError::temporary(format!("SMTP {}:{}: {what}: {e}", self.host, self.port))
        };
        let opening = async {
            let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| failed("cannot connect", &e))?;
            stream.set_nodelay(true).map_err(|e| failed("cannot set TCP_NODELAY", &e))?;
            let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
                .await
                .map_err(|e| failed("greeting", &e))?;
            match &self.tls {
                Tls::None => {}
                Tls::Required(p) => conn.starttls(p.clone(), &self.hello).await.map_err(|e| failed("STARTTLS", &e))?,
                Tls::Opportunistic(p) if conn.can_starttls() => {
                    conn.starttls(p.clone(), &self.hello).await.map_err(|e| failed("STARTTLS", &e))?
                }
                Tls::Opportunistic(_) => {}
            }
            if let Some(creds) = &self.credentials {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], creds).await.map_err(|e| SendError {
                    permanent: e.is_permanent(),
                    message: format!("SMTP authentication: {e}"),
                })?;
            }
            Ok(conn)
        };
        tokio::time::timeout(self.timeout, opening).await.unwrap_or_else(|_| Err(failed("connecting", &"timed out")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let t = Duration::from_secs(1);
        let p = SmtpPool::for_url("smtp://127.0.0.1", t, 4).unwrap().unwrap();
        assert_eq!((p.host.as_str(), p.port, p.credentials.is_some()), ("127.0.0.1", 25, false));
        let p = SmtpPool::for_url("smtp://ana:p%40ss@mail.example.org?tls=required", t, 4).unwrap().unwrap();
        assert_eq!(p.port, 587);
        assert!(matches!(p.tls, Tls::Required(_)) && p.credentials.is_some());
        let p = SmtpPool::for_url("smtp://mail.example.org:2525?tls=opportunistic", t, 4).unwrap().unwrap();
        assert!(matches!(p.tls, Tls::Opportunistic(_)) && p.port == 2525);
        assert!(SmtpPool::for_url("smtps://mail.example.org", t, 4).unwrap().is_none());
        assert!(SmtpPool::for_url("smtp://mail.example.org?tls=sometimes", t, 4).is_err());
    }
}
