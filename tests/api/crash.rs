//! Crash consistency: the service is killed (`SIGKILL`, no chance to tidy up) at random moments
//! while writers create drafts, and restarted; every write it acknowledged must be there, and the
//! audit trail must verify. `CRASH_ROUNDS` rounds (3 by default, so that CI runs a short version;
//! `bench/crash.sh` runs 20 on each backend).

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use rand::Rng;
use serde_json::{json, Value};

use crate::cli::sandbox;
use crate::helpers::TestDb;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(db: &TestDb, port: u16) -> Child {
    let mut child = sandbox(db)
        .arg("serve")
        .env("SANDBOX_BIND", format!("127.0.0.1:{port}"))
        .env("SANDBOX_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the service did not start");
}

#[tokio::test]
async fn every_acknowledged_write_survives_a_kill_and_the_trail_verifies() {
    let rounds: usize = std::env::var("CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let db = TestDb::new();
    let out = sandbox(&db).args(["seed-demo", "--cases", "20", "--seed", "17"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let acknowledged: Arc<Mutex<HashMap<i64, String>>> = Default::default();
    let mut rng = rand::thread_rng();
    for round in 0..rounds {
        let port = free_port();
        let mut child = start(&db, port).await;
        let base = format!("http://127.0.0.1:{port}");
        let login: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": "innovator1@demo.sandbox.example", "password": sandbox::jobs::seed::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().unwrap().to_string();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (client, base, token, acknowledged) =
                    (client.clone(), base.clone(), token.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        let title = format!("Crash round {round} writer {w} draft {i}");
                        let sent = client
                            .post(format!("{base}/api/v1/applications"))
                            .bearer_auth(&token)
                            .json(&json!({ "title": title }))
                            .send()
                            .await;
                        let Ok(r) = sent else { break };
                        if r.status().as_u16() != 201 {
                            break;
                        }
                        let Ok(body) = r.json::<Value>().await else { break };
                        acknowledged.lock().unwrap().insert(body["id"].as_i64().unwrap(), title);
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..900))).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for w in writers {
            let _ = w.await;
        }
    }
    // Restarted once more (SQLite recovers its write-ahead log on opening), everything is there.
    let mut child = start(&db, free_port()).await;
    let pool = crate::helpers::pool(&db);
    let stored: HashMap<i64, String> = pool
        .with_conn(|c| -> Result<_, sandbox::error::AppError> {
            use sandbox::db::schema::applications::dsl::*;
            Ok(applications.filter(title.like("Crash round %")).select((id, title)).load::<(i64, String)>(c)?)
        })
        .unwrap()
        .into_iter()
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    println!("{rounds} kill(s): {} acknowledged draft(s), all found", acknowledged.len());
    assert!(acknowledged.len() >= rounds, "writes were acknowledged: {}", acknowledged.len());
    for (case, title) in &acknowledged {
        assert_eq!(stored.get(case), Some(title), "acknowledged draft {case} is there");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = sandbox(&db).arg("verify-audit").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
