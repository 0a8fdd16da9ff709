//! The database going away and coming back, on PostgreSQL: the app reaches it through a
//! TCP relay the test can cut. While it is cut, requests are answered 503 in the error shape
//! within a few seconds (what is kept in memory is served for at most `HEARD_WITHIN` more) and `/ready` says so; once it is back, the app recovers by itself
//! within 5 s, with the same sessions. (SQLite is a file in the process: nothing to lose.)

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// Relays connections to PostgreSQL while up; when cut, drops every open connection and
/// refuses new ones.
#[derive(Clone)]
struct Relay {
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> (Relay, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let relay = Relay {
            up: Arc::new(AtomicBool::new(true)),
            open: Arc::default(),
        };
        let r = relay.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !r.up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                r.open.lock().unwrap().push(task);
            }
        });
        (relay, addr)
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn while_the_database_is_away_answers_are_503_and_it_recovers_by_itself() {
    let Ok(base) = std::env::var("DIGAME_TEST_DATABASE_URL") else {
        println!("skipped: PostgreSQL only (DIGAME_TEST_DATABASE_URL is not set)");
        return;
    };
    let direct = common::postgres_schema_for_this_test(&base).await;
    let host = url::Url::parse(&base).unwrap();
    let target = format!(
        "{}:{}",
        host.host_str().unwrap(),
        host.port().unwrap_or(5432)
    );
    let (relay, relay_addr) = Relay::start(target.clone()).await;
    let through_relay = direct.replacen(&target, &relay_addr, 1);
    let app = common::spawn_app_with(&[("DATABASE_URL", &through_relay)]).await;
    let email = app.register("outage").await;
    assert_eq!(app.me_with(&app.client).await["email"], email.as_str());

    relay.cut();
    let started = Instant::now();
    // The signed-in person is kept in memory while the replica hears PostgreSQL's
    // notifications; once it stops hearing them (at most `HEARD_WITHIN` of silence), it serves
    // nothing from memory, and a request that needs the person answers 503 like any other.
    let (status, body) = loop {
        let (status, _, body) = app.call("auth/me", &[]).await;
        if status != 200 || started.elapsed() > Duration::from_secs(5) {
            break (status, body);
        }
        assert_eq!(
            body["email"],
            email.as_str(),
            "served from memory meanwhile"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert!(body["message"].as_str().unwrap().contains("database"));
    assert!(
        waited < Duration::from_secs(5),
        "answered 503 after {waited:?}"
    );
    let ready = app.get("/ready").await;
    assert_eq!(ready.status().as_u16(), 503);
    let page = app.get("/").await;
    assert_eq!(page.status().as_u16(), 503, "a page with a session cookie");

    relay.restore();
    let back = Instant::now();
    loop {
        if app.get("/ready").await.status().as_u16() == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not ready 5 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.me_with(&app.client).await["email"],
        email.as_str(),
        "the session survived the outage"
    );
}
