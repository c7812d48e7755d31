//! Two service processes on one PostgreSQL database, as replicas run, each with its email worker:
//! every queued mail is sent once, and scheduler passes run by both at once queue each reminder
//! and each overdue notice once. (SQLite deployments run as one process.)

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use crate::casework::*;
use crate::helpers::{spawn_app_with, spawn_replica, TestApp, PASSWORD};

async fn all_sent(app: &TestApp) -> bool {
    app.outbox().await.iter().all(|m| m.status == "sent")
}

#[tokio::test]
async fn two_replicas_send_each_mail_once_and_queue_each_reminder_once() {
    let (port, received) = crate::email::smtp_server();
    let smtp = [("mail.transport", "smtp".to_string()), ("mail.smtp_url", format!("smtp://127.0.0.1:{port}"))];
    let a = spawn_app_with(&smtp).await;
    if !a.db.is_postgres() {
        return;
    }
    let b = spawn_replica(&a, &smtp).await;

    // Forty registrations, half through each replica, while both workers send.
    let sent = (0..40).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        async move {
            let body = json!({"email": format!("r{i}@example.org"), "password": PASSWORD,
                              "display_name": format!("Resident {i}"), "role": "community"});
            app.post("/api/v1/auth/register", &body, None).await.status()
        }
    });
    let answers = futures_util::future::join_all(sent).await;
    assert!(answers.iter().all(|s| s.as_u16() == 201), "{answers:?}");

    // Monitored trials, set up through the first replica.
    let w = world(&a).await;
    for _ in 0..3 {
        active_trial(&a, &w).await;
    }
    let mut waited = 0;
    while !all_sent(&a).await && waited < 300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let rows = a.outbox().await;
    let unsent: Vec<_> =
        rows.iter().filter(|m| m.status != "sent").map(|m| (&m.status, m.attempts, &m.last_error)).collect();
    assert!(unsent.is_empty(), "every mail is sent: {} of {} not: {unsent:?}", unsent.len(), rows.len());
    // The SMTP server saw each row exactly once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = received.lock().unwrap().clone();
    let ids: Vec<String> = messages
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")).map(|l| l.trim().to_string()))
        .collect();
    assert_eq!(ids.len(), messages.len());
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no message sent twice");
    assert_eq!(messages.len(), rows.len(), "one message per outbox row");

    // A year on, both replicas' schedulers run at once: each overdue notice is queued once.
    // (The workers, on the wall clock, do not send mail dated a year ahead; what is queued counts.)
    a.clock.advance(400 * 86_400);
    b.clock.advance(400 * 86_400);
    let (x, y) = tokio::join!(sandbox::jobs::scheduler::run_once(&a.ctx), sandbox::jobs::scheduler::run_once(&b.ctx));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.conditions_overdue + y.conditions_overdue, 6, "{x:?} {y:?}");
    let (x, y) = tokio::join!(sandbox::jobs::scheduler::run_once(&a.ctx), sandbox::jobs::scheduler::run_once(&b.ctx));
    assert_eq!(x.unwrap().conditions_overdue + y.unwrap().conditions_overdue, 0, "the second passes find nothing");
    let rows = a.outbox().await;
    let overdue: Vec<&str> =
        rows.iter().filter(|m| m.category == "case.condition_overdue").map(|m| m.dedup_key.as_str()).collect();
    assert_eq!(overdue.len(), 6 * 2, "author and inspector for each of six conditions, once each");
    assert_eq!(overdue.iter().collect::<HashSet<_>>().len(), overdue.len());
}
