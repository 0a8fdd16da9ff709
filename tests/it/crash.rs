//! Crash safety: the server is killed with SIGKILL in the middle of a stream of writes
//! (registrations, onboarding saves, key saves) and started again on the same database;
//! every write it had acknowledged is there. SQLite runs in WAL mode with
//! `synchronous=NORMAL`: a committed transaction is in the WAL before the answer goes out,
//! and only an operating-system crash (not a process crash) could lose the last ones.
//! `CRASH_ROUNDS` sets the number of kills (default 5; `bench/crash.sh` runs 30).

use crate::common;

use common::{unique_email, PASSWORD};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the clients saw acknowledged.
#[derive(Default)]
struct Acked {
    emails: Vec<String>,
    onboarding: Option<u64>,
    key: Option<u64>,
}

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> Option<Value> {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    res.status().is_success().then_some(())?;
    res.json().await.ok()
}

/// Writes until the server stops answering, recording each acknowledged write.
async fn write_until_killed(base: String, token: String, acked: Arc<Mutex<Acked>>, from: u64) {
    let client = reqwest::Client::new();
    for n in from.. {
        let email = unique_email("crash");
        let registered = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"email": email, "password": PASSWORD, "company_name": "Crash Co"}))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match registered {
            Ok(res) if res.status().as_u16() == 201 => acked.lock().unwrap().emails.push(email),
            _ => return,
        }
        let onboarding = json!({"user_preferences": {"counter": n}});
        if post(
            &client,
            format!("{base}/api/v1/auth/me/onboarding"),
            &token,
            onboarding,
        )
        .await
        .is_none()
        {
            return;
        }
        acked.lock().unwrap().onboarding = Some(n);
        let keys = json!({"api_keys": {"writing_service_key": format!("sk-crash-test-{:04}", n % 10_000)}});
        if post(
            &client,
            format!("{base}/api/v1/settings/api-keys"),
            &token,
            keys,
        )
        .await
        .is_none()
        {
            return;
        }
        acked.lock().unwrap().key = Some(n);
    }
}

async fn get(base: &str, path: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    use digame::entities::users;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("DIGAME_TEST_DATABASE_URL") {
        Ok(base) => common::postgres_schema_for_this_test(&base).await,
        Err(_) => format!("sqlite://{}/crash.db", dir.path().display()),
    };
    let rounds: u64 = std::env::var("CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let env = [
        ("DIGAME_REGISTRATIONS_PER_HOUR", "100000"),
        ("DIGAME_API_REQUESTS_PER_MINUTE", "1000000"),
        (
            "DIGAME_MASTER_KEY",
            "q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=",
        ),
    ];

    // One person whose onboarding document and key the rounds keep rewriting.
    let server = common::binary::start(&url, dir.path(), &env).await;
    let owner = unique_email("crash-owner");
    let token = server.sign_up_verified(&url, &owner, "Crash Co").await;
    let db = sea_orm::Database::connect(&url).await.unwrap();
    drop(server);

    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut next = 1;
    for round in 0..rounds {
        let mut server = common::binary::start(&url, dir.path(), &env).await;
        let writer = tokio::spawn(write_until_killed(
            server.base.clone(),
            token.clone(),
            acked.clone(),
            next,
        ));
        tokio::time::sleep(Duration::from_millis(300 + (round * 137) % 500)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        writer.await.unwrap();

        // Started again: everything acknowledged is there.
        let server = common::binary::start(&url, dir.path(), &env).await;
        let (emails, onboarding, key) = {
            let a = acked.lock().unwrap();
            (a.emails.clone(), a.onboarding, a.key)
        };
        let stored = users::Entity::find()
            .filter(users::Column::Email.is_in(emails.clone()))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(
            stored as usize,
            emails.len(),
            "round {round}: acknowledged sign-ups"
        );
        if let Some(n) = onboarding {
            let doc = get(&server.base, "/api/v1/auth/me/onboarding", &token).await;
            let counter = doc["user_preferences"]["counter"].as_u64().unwrap();
            assert!(
                counter >= n,
                "round {round}: onboarding saved {n}, stored {counter}"
            );
            next = counter + 1;
        }
        if let Some(n) = key {
            let keys = get(&server.base, "/api/v1/settings/api-keys", &token).await;
            let shown = keys["api_keys"]["writing_service_key"].as_str().unwrap();
            let last: u64 = shown[shown.len() - 4..].parse().unwrap();
            assert!(
                last >= n % 10_000 || n >= 10_000,
                "round {round}: key saved with {n}, stored ends {last}"
            );
        }
        println!(
            "round {round}: {} sign-ups, onboarding {:?}, key {:?} acknowledged and found",
            emails.len(),
            onboarding,
            key
        );
    }
    assert!(
        !acked.lock().unwrap().emails.is_empty(),
        "the writers got some writes in"
    );
}
