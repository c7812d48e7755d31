//! Email delivery: real SMTP on 127.0.0.1, retries with backoff until dead, resending, and no
//! row sent twice by concurrent workers.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, PASSWORD};

#[derive(Clone, Default)]
struct Inbox {
    messages: Arc<Mutex<Vec<String>>>,
    current: Arc<Mutex<Vec<u8>>>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.current.lock().unwrap().clear();
        OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.lock().unwrap().extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&self.current.lock().unwrap()).to_string();
        self.messages.lock().unwrap().push(message);
        OK
    }
}

/// An SMTP server on 127.0.0.1 in this process; returns its port and what it received.
fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Inbox::default();
    let messages = inbox.messages.clone();
    let mut server = Server::new(inbox);
    server.with_name("test.localhost").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, messages)
}

#[tokio::test]
async fn verification_mail_arrives_over_smtp() {
    let (port, received) = smtp_server();
    let app = spawn_app_with(&[
        ("mail.transport", "smtp".into()),
        ("mail.smtp_url", format!("smtp://127.0.0.1:{port}")),
        ("mail.from", "Planning Sandbox <no-reply@sandbox.example.org>".into()),
    ])
    .await;
    let r = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "ana@example.org", "password": PASSWORD, "display_name": "Ana", "role": "innovator"}),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    app.drain_outbox().await;
    let row = app.outbox().await.remove(0);
    assert_eq!(row.status, "sent");
    assert!(row.sent_at.is_some());

    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "sent exactly once");
    let m = &messages[0];
    assert!(m.contains("To: ana@example.org"), "{m}");
    assert!(m.contains("Subject: Confirm your email address"), "{m}");
    assert!(m.contains(&format!("Message-ID: {}", row.message_id)), "stable Message-ID from the outbox row");
    assert!(m.contains("multipart/alternative") && m.contains("text/plain") && m.contains("text/html"));
    assert!(m.contains("/account/verify-email?token="));

    // The link in the real email verifies the account.
    let token = app.token_from_mail("ana@example.org", "verify-email").await;
    assert!(m.contains(&token[..20]));
    let r = app.post("/api/v1/auth/verify-email", &json!({ "token": token }), None).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn failing_mail_is_retried_then_dead_and_can_be_resent() {
    // Nothing listens on port 1, and no test server can be given it (port 0 binds from the
    // ephemeral range): a freed ephemeral port could be taken by another test's HTTP server, which
    // would leave the mail waiting for an SMTP greeting that never comes.
    let closed = 1;
    let app = spawn_app_with(&[
        ("mail.transport", "smtp".into()),
        ("mail.smtp_url", format!("smtp://127.0.0.1:{closed}")),
        ("mail.max_attempts", "3".into()),
        ("mail.backoff_base_seconds", "1".into()),
        ("mail.backoff_max_seconds", "1".into()),
    ])
    .await;
    let (_, admin) = app.admin("admin@example.org").await;
    app.post(
        "/api/v1/auth/register",
        &json!({"email": "ana@example.org", "password": PASSWORD, "display_name": "Ana", "role": "innovator"}),
        None,
    )
    .await;

    let mut saw_retry = false;
    let mut row = app.outbox().await.remove(0);
    for _ in 0..120 {
        row = app.outbox().await.remove(0);
        if row.status == "pending" && row.attempts >= 1 {
            saw_retry = true;
            assert!(row.last_error.is_some());
            assert!(row.next_attempt_at > row.created_at, "backoff pushes the next attempt later");
        }
        if row.status == "dead" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_retry, "a failed attempt is retried");
    assert_eq!(row.status, "dead");
    assert_eq!(row.attempts, 3);

    let r = app.get("/api/v1/admin/outbox?status=dead", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let dead: Vec<Value> = r.json().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["to"], "ana@example.org");
    let r = app.post(&format!("/api/v1/admin/outbox/{}/resend", row.id), &json!({}), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let again = app.outbox().await.into_iter().find(|m| m.id == row.id).unwrap();
    assert!(again.status == "pending" || again.status == "sending", "{}", again.status);
    // Only dead mail can be resent.
    let r = app.post(&format!("/api/v1/admin/outbox/{}/resend", row.id), &json!({}), Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn concurrent_workers_never_send_a_row_twice() {
    let app = spawn_app_with(&[("mail.worker", "false".into())]).await;
    // Queue 40 emails directly, as a use-case would.
    let mailer = app.ctx.mailer.clone();
    app.ctx
        .db
        .write(move |conn| {
            for i in 0..40 {
                sandbox::email::queue(
                    conn,
                    &mailer,
                    sandbox::email::Outgoing {
                        dedup_key: format!("test:{i}"),
                        user_id: None,
                        to: &format!("person{i}@example.org"),
                        category: "test",
                        template: "verify_email",
                        context: json!({"display_name": "P", "role_label": "x", "link": "http://x/?token=t", "ttl_hours": 1}),
                    },
                    sandbox::db::now(),
                )
                .map_err(|e| sandbox::error::AppError::Internal(e.to_string()))?;
            }
            // The same key again is ignored.
            let again = sandbox::email::queue(
                conn,
                &mailer,
                sandbox::email::Outgoing {
                    dedup_key: "test:0".into(),
                    user_id: None,
                    to: "person0@example.org",
                    category: "test",
                    template: "verify_email",
                    context: json!({"display_name": "P", "role_label": "x", "link": "http://x/?token=t", "ttl_hours": 1}),
                },
                sandbox::db::now(),
            )
            .map_err(|e| sandbox::error::AppError::Internal(e.to_string()))?;
            assert!(!again);
            Ok::<_, sandbox::error::AppError>(())
        })
        .await
        .unwrap();

    let dir = std::env::temp_dir().join(format!("sandbox-mail-{}", uuid::Uuid::new_v4()));
    let mut settings = app.ctx.settings.mail.clone();
    settings.transport = sandbox::config::MailTransportKind::File;
    settings.dir = dir.clone();
    settings.batch_size = 5;
    let make = || {
        let transport = Arc::new(sandbox::email::transport::Transport::from_settings(&settings).unwrap());
        sandbox::email::worker::Worker::new(app.ctx.db.clone(), transport, settings.clone()).unwrap()
    };
    let (a, b, c) = (make(), make(), make());
    let run = |w: sandbox::email::worker::Worker| async move {
        let mut sent = 0;
        loop {
            let report = w.pass(sandbox::db::now()).await.unwrap();
            if report.sent == 0 {
                return sent;
            }
            sent += report.sent;
        }
    };
    let (x, y, z) = tokio::join!(run(a), run(b), run(c));
    assert_eq!(x + y + z, 40, "every row sent once in total ({x} + {y} + {z})");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, 40);
    assert!(app.outbox().await.iter().all(|m| m.status == "sent" && m.attempts == 1));
    let _ = std::fs::remove_dir_all(dir);
}
