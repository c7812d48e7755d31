//! Email delivery: real SMTP on 127.0.0.1, retries with backoff until dead, resending, and no
//! row sent twice by concurrent workers. What case emails say: links to pages (never to the API),
//! the submission receipt's next steps, and the approval's dates, conditions and milestones.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::casework::*;
use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};

#[derive(Clone, Default)]
struct Inbox {
    messages: Arc<Mutex<Vec<String>>>,
    /// The message being received on this connection (each connection has its own clone).
    current: Vec<u8>,
}

impl Handler for Inbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.current.clear();
        OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&self.current).to_string();
        self.messages.lock().unwrap().push(message);
        OK
    }
}

/// An SMTP server on 127.0.0.1 in this process; returns its port and what it received.
pub fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Inbox::default();
    let messages = inbox.messages.clone();
    let mut server = Server::new(inbox);
    // A thread per connection it may hold: each worker keeps a pool of connections open.
    server.with_name("test.localhost").with_num_threads(32).with_tcp_listener(listener);
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

/// An SMTP server that refuses every recipient for good (550), counting the refusals.
#[derive(Clone, Default)]
struct NoSuchMailbox {
    refused: Arc<Mutex<usize>>,
}

impl Handler for NoSuchMailbox {
    fn rcpt(&mut self, _to: &str) -> Response {
        *self.refused.lock().unwrap() += 1;
        mailin_embedded::response::NO_MAILBOX
    }
}

#[tokio::test]
async fn a_permanent_refusal_is_not_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = NoSuchMailbox::default();
    let refused = handler.refused.clone();
    let mut server = Server::new(handler);
    server.with_name("test.localhost").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let app = spawn_app_with(&[
        ("mail.transport", "smtp".into()),
        ("mail.smtp_url", format!("smtp://127.0.0.1:{port}")),
        ("mail.max_attempts", "5".into()),
        ("mail.backoff_base_seconds", "1".into()),
        ("mail.backoff_max_seconds", "1".into()),
    ])
    .await;
    app.post(
        "/api/v1/auth/register",
        &json!({"email": "nobody@example.org", "password": PASSWORD, "display_name": "No One", "role": "community"}),
        None,
    )
    .await;
    let mut row = app.outbox().await.remove(0);
    for _ in 0..100 {
        row = app.outbox().await.remove(0);
        if row.status == "dead" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(row.status, "dead", "a 550 is final");
    assert_eq!(row.attempts, 1, "and is not tried again");
    assert!(row.last_error.as_deref().unwrap_or("").contains("550"), "{:?}", row.last_error);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(*refused.lock().unwrap(), 1, "the server was asked once");
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

/// An email's text and its HTML with the escaped slashes put back.
fn bodies(m: &sandbox::db::models::OutboundEmail) -> [String; 2] {
    [m.body_text.clone(), m.body_html.replace("&#x2f;", "/")]
}

fn mail_to<'a>(
    mails: &'a [sandbox::db::models::OutboundEmail],
    to: &str,
    category: &str,
) -> &'a sandbox::db::models::OutboundEmail {
    let found: Vec<_> = mails.iter().filter(|m| m.to_address == to && m.category == category).collect();
    assert_eq!(found.len(), 1, "one {category} mail to {to}");
    found[0]
}

/// A case approved with the world's two conditions, followed through its zone by a member.
async fn approved_case(app: &TestApp) -> (World, i64, String) {
    let w = world(app).await;
    let (_, member, _) = app.registered("nia@example.org", "community").await;
    let r = app.post("/api/v1/subscriptions", &json!({"zone_id": w.zone_id}), Some(&member)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = case_in_assessment(app, &w).await;
    transition(app, id, "approve", &w.inspector, approval(app, 30, 12)).await;
    let (_, case) = current(app, id, &w.innovator).await;
    (w, id, case["reference"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn case_emails_link_each_person_to_their_page_and_never_to_the_api() {
    let app = spawn_app().await;
    let (_, id, reference) = approved_case(&app).await;
    let base = app.ctx.mailer.base_url().to_string();
    let mails = app.outbox().await;

    for category in ["case.submitted", "case.decided"] {
        for body in bodies(mail_to(&mails, "ana@example.org", category)) {
            assert!(body.contains(&format!("{base}/applications/{id}")), "the author's {category}: {body}");
            assert!(!body.contains("/register/"), "{body}");
        }
    }
    for body in bodies(mail_to(&mails, "ivy@pins.example.org", "case.assigned")) {
        assert!(body.contains(&format!("{base}/casework/{id}")), "the inspector's: {body}");
        assert!(!body.contains("/applications/") && !body.contains("/register/"), "{body}");
    }
    for body in bodies(mail_to(&mails, "nia@example.org", "case.decided")) {
        assert!(body.contains(&format!("{base}/register/{reference}")), "the follower's: {body}");
        assert!(body.contains(&format!("{base}/account/notifications")), "the follower's: {body}");
    }
    assert!(mails.len() >= 8, "{}", mails.len());
    for m in &mails {
        for body in bodies(m) {
            assert!(!body.contains("/api/"), "{} to {} links to the API: {body}", m.category, m.to_address);
        }
    }
}

#[tokio::test]
async fn the_submission_receipt_says_what_happens_next() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let id = create_draft(&app, &w.innovator, &complete_draft(&app, w.zone_id)).await;
    transition(&app, id, "submit", &w.innovator, json!({})).await;
    let (_, case) = current(&app, id, &w.innovator).await;
    let reference = case["reference"].as_str().unwrap();
    let mails = app.outbox().await;
    let receipt = mail_to(&mails, "ana@example.org", "case.submitted");
    assert!(receipt.subject.contains(reference), "{}", receipt.subject);
    for body in bodies(receipt) {
        for text in [
            reference,
            "What happens next",
            "An inspector will be assigned to your application and will screen it",
            "may ask you for more information",
            "You will usually get a decision within 8 weeks.",
        ] {
            assert!(body.contains(text), "the receipt says {text:?}: {body}");
        }
    }
}

#[tokio::test]
async fn the_approval_email_lists_the_trial_dates_conditions_and_milestones() {
    let app = spawn_app().await;
    let (w, id, _) = approved_case(&app).await;
    let human = |iso: &str| chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap().format("%-d %B %Y").to_string();
    let decided = approval(&app, 30, 12);
    let milestones: Vec<Value> =
        app.get(&format!("/api/v1/applications/{id}/milestones"), Some(&w.innovator)).await.json().await.unwrap();
    assert!(milestones.len() >= 2, "{milestones:?}");
    let mails = app.outbox().await;
    for to in ["ana@example.org", "nia@example.org"] {
        for body in bodies(mail_to(&mails, to, "case.decided")) {
            let body = body.replace("<strong>", "").replace("</strong>", "");
            let (start, end) =
                (decided["trial_start_date"].as_str().unwrap(), decided["trial_end_date"].as_str().unwrap());
            assert!(
                body.contains(&format!("The trial runs from {} to {}", human(start), human(end))),
                "trial dates to {to}: {body}"
            );
            assert!(body.contains("Community-benefit conditions") && body.contains("Review milestones"), "{body}");
            for c in decided["conditions"].as_array().unwrap() {
                let target = match c["unit"].as_str().unwrap() {
                    "GBP" => "5,000 GBP",
                    _ => "40 households",
                };
                let line = format!(
                    "{} ({}): {target}, due by {}",
                    c["description"].as_str().unwrap(),
                    c["metric"].as_str().unwrap(),
                    human(c["due_on"].as_str().unwrap())
                );
                assert!(body.contains(&line), "{line} to {to}: {body}");
            }
            for m in &milestones {
                let line = format!("{}: due {}", m["title"].as_str().unwrap(), human(m["due_on"].as_str().unwrap()));
                assert!(body.contains(&line), "{line} to {to}: {body}");
                assert!(!body.contains(m["due_on"].as_str().unwrap()), "no ISO dates: {body}");
            }
            assert!(!body.contains(start) && !body.contains(end), "no ISO dates: {body}");
        }
    }
    // Other case emails have none of these sections.
    for body in bodies(mail_to(&mails, "ana@example.org", "case.submitted")) {
        assert!(!body.contains("Review milestones") && !body.contains("The trial runs"), "{body}");
    }
}
