//! Graceful shutdown of the real binary: on SIGTERM it stops accepting connections, lets a
//! request in flight finish (an upload still streaming), and exits 0; a request that outlasts
//! `DIGAME_SHUTDOWN_GRACE_SECONDS` is cut off and the process still exits 0 on time. Unix only.
#![cfg(unix)]

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

const MBOX: &[u8] = include_bytes!("../fixtures/email/small.mbox");

/// The binary on a SQLite file of its own, with the given grace period.
struct Server {
    binary: common::binary::Binary,
    base: String,
    database_url: String,
    _dir: tempfile::TempDir,
}

async fn start(grace_seconds: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/s.db", dir.path().display());
    // The built-in test AI service answers the AI tools (in the same process).
    let binary = common::binary::start(
        &database_url,
        dir.path(),
        &[
            ("DIGAME_SHUTDOWN_GRACE_SECONDS", grace_seconds),
            ("DIGAME_AI_DEMO", "true"),
        ],
    )
    .await;
    Server {
        base: binary.base.clone(),
        binary,
        database_url,
        _dir: dir,
    }
}

/// A signed-in client of `server`, its address confirmed with the mailed link.
async fn signed_in(server: &Server) -> reqwest::Client {
    use digame::entities::outbox;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let client = common::new_client();
    let email = common::unique_email("shutdown");
    let res = client
        .post(format!("{}/api/auth/register", server.base))
        .header("origin", &server.base)
        .header("accept", "application/json")
        .form(&[
            ("name", "Ana Lima"),
            ("email", &email),
            ("password", common::PASSWORD),
            ("company", "Acme Labs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let db = sea_orm::Database::connect(&server.database_url)
        .await
        .unwrap();
    let mail = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.as_str()))
        .one(&db)
        .await
        .unwrap()
        .expect("the verification mail");
    db.close().await.unwrap();
    let res = client
        .post(format!("{}/api/v1/auth/verify-email", server.base))
        .json(&serde_json::json!({ "token": common::verification_token_in(&mail.body) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    client
}

/// An upload whose body arrives in three parts, `pause` apart.
fn slow_upload(
    client: &reqwest::Client,
    server: &Server,
    pause: Duration,
) -> reqwest::RequestBuilder {
    let parts: Vec<Vec<u8>> = MBOX
        .chunks(MBOX.len() / 3 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    let stream = futures_util::stream::unfold((parts, 0usize), move |(parts, i)| async move {
        if i >= parts.len() {
            return None;
        }
        if i > 0 {
            tokio::time::sleep(pause).await;
        }
        Some((Ok::<_, std::io::Error>(parts[i].clone()), (parts, i + 1)))
    });
    let form = reqwest::multipart::Form::new()
        .text("own_addresses", "me@digame.test")
        .part(
            "file",
            reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream))
                .file_name("small.mbox"),
        );
    client
        .post(format!("{}/tools/email/upload", server.base))
        .header("origin", &server.base)
        .header("accept", "application/json")
        .multipart(form)
}

fn terminate(server: &Server) {
    let status = Command::new("kill")
        .args(["-TERM", &server.binary.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn exit_code(server: &mut Server, within: Duration) -> Option<i32> {
    let started = Instant::now();
    while started.elapsed() < within {
        if let Some(status) = server.binary.child.try_wait().unwrap() {
            return status.code();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_0() {
    let mut server = start("20").await;
    let client = signed_in(&server).await;
    let upload = tokio::spawn(slow_upload(&client, &server, Duration::from_millis(700)).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    terminate(&server);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections once the signal arrived.
    assert!(reqwest::Client::new()
        .get(format!("{}/health", server.base))
        .send()
        .await
        .is_err());
    let res = upload
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(res.status().as_u16(), 200);
    let analysis: serde_json::Value = res.json().await.unwrap();
    assert_eq!(analysis["messages"], 9);
    assert_eq!(
        exit_code(&mut server, Duration::from_secs(10)).await,
        Some(0)
    );
}

#[tokio::test]
async fn a_request_longer_than_the_grace_period_is_cut_off_and_the_process_exits_0_on_time() {
    let mut server = start("1").await;
    let client = signed_in(&server).await;
    let upload = tokio::spawn(slow_upload(&client, &server, Duration::from_secs(3)).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    terminate(&server);
    assert_eq!(
        exit_code(&mut server, Duration::from_secs(5)).await,
        Some(0)
    );
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(
        upload.await.unwrap().is_err(),
        "the unfinished request was cut off"
    );
}

/// An AI answer streaming to the browser (the meeting tool's SSE) when SIGTERM arrives is
/// streamed to its end, then the process exits 0.
#[tokio::test]
async fn sigterm_lets_a_streaming_ai_answer_finish() {
    let mut server = start("20").await;
    let client = signed_in(&server).await;
    let saved = client
        .post(format!("{}/api/keys/save", server.base))
        .header("origin", &server.base)
        .header("accept", "application/json")
        .form(&[
            ("origin", "new"),
            ("name", "meeting_insights_service_key"),
            ("value", "sk-live-4f9c2e7a1b3d5e6f"),
            ("expires_on", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 200);
    let res = client
        .post(format!("{}/tools/meetings/stream", server.base))
        .header("origin", &server.base)
        .header("accept", "text/event-stream")
        .form(&[(
            "notes",
            "Launch planning [[fake:slow-stream]]\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // The answer has started arriving when the signal comes.
    let reading = tokio::spawn(async move { res.text().await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    terminate(&server);
    let body = reading.await.unwrap().expect("the stream runs to its end");
    assert!(
        body.contains("event: result"),
        "the checked answer arrived after the signal: {body}"
    );
    assert_eq!(
        exit_code(&mut server, Duration::from_secs(10)).await,
        Some(0)
    );
}
