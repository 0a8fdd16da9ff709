//! The soak: many virtual users on a running server for minutes (`./bench/soak.sh` starts the
//! release server and passes its address and process id).
//!
//!     soak BASE_URL SERVER_PID [USERS] [SECONDS]
//!
//! Each virtual user belongs to one of USERS / 10 people (signed up and confirmed first) and
//! loops over a mix: the dashboard and the security page with a cookie session, the key list,
//! a key save of its own (a custom key whose value carries a counter), an onboarding save
//! (one user per person, so saves of one document never race), and a writing-tool call to
//! the built-in test AI service. It reports requests, p50/p99 per kind, server errors (5xx),
//! lost writes (the last acknowledged value of every key and document, read back at the end)
//! and the server's memory (RSS) at the start, after warm-up and at the end.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "amber-kettle-orbit-73";
const PER_PERSON: usize = 10;

#[derive(Default)]
struct Tally {
    ms: BTreeMap<&'static str, Vec<f64>>,
    server_errors: BTreeMap<&'static str, u64>,
    other_failures: BTreeMap<&'static str, u64>,
    /// Failures by kind and status (0: no answer).
    failure_statuses: BTreeMap<(&'static str, u16), u64>,
}

fn rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Person {
    email: String,
    token: String,
    /// Held while one of the person's virtual users signs in: a person's devices do not all
    /// sign in at the same instant, and concurrent attempts on one account count against its
    /// sign-in throttle before any of them is verified (as designed: guesses cannot race it).
    signing_in: Arc<tokio::sync::Mutex<()>>,
}

async fn sign_up(base: &str, db_outbox_client: &reqwest::Client, n: usize) -> Person {
    let client = reqwest::Client::new();
    let email = format!("soak.{n}.{}@example.com", std::process::id());
    let res: Value = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "company_name": format!("Soak {n}")}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("register answer");
    let token = res["tokens"]["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {res}"))
        .to_owned();
    let html = db_outbox_client
        .get(format!("{base}/dev/outbox"))
        .send()
        .await
        .expect("outbox")
        .text()
        .await
        .expect("outbox page");
    let at = html
        .find(&format!("data-mail=\"{email}\""))
        .expect("the verification mail");
    let rest = &html[at..];
    let start = rest.find("verify-email?token=").expect("a link") + "verify-email?token=".len();
    let link: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let ok = client
        .post(format!("{base}/api/v1/auth/verify-email"))
        .json(&json!({ "token": link }))
        .send()
        .await
        .expect("verify");
    assert_eq!(ok.status().as_u16(), 200, "verification");
    // The writing tool needs the person's own key for its service, as in the product.
    let stored = client
        .post(format!("{base}/api/v1/settings/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"api_keys": {"writing_service_key": format!("sk-soak-writing-{n:06}")}}))
        .send()
        .await
        .expect("key for the writing tool");
    assert_eq!(stored.status().as_u16(), 200, "the writing tool's key");
    Person {
        email,
        token,
        signing_in: Arc::default(),
    }
}

/// The last value of each write the server acknowledged, to read back at the end.
#[derive(Default)]
struct Acked {
    keys: BTreeMap<(usize, String), u64>,
    documents: BTreeMap<usize, u64>,
}

#[allow(clippy::too_many_arguments)]
async fn virtual_user(
    base: String,
    vu: usize,
    person: usize,
    email: String,
    token: String,
    signing_in: Arc<tokio::sync::Mutex<()>>,
    end: Instant,
    tally: Arc<Mutex<Tally>>,
    acked: Arc<Mutex<Acked>>,
) {
    // Each virtual user comes from an address of its own (the server trusts the soak's
    // loopback address as a proxy), as 500 people would: the sign-in throttle counts per
    // address, and one address for everybody would measure the throttle, not the app.
    let mut forwarded = reqwest::header::HeaderMap::new();
    forwarded.insert(
        "x-forwarded-for",
        format!("10.{}.{}.{}", vu >> 16 & 255, vu >> 8 & 255, vu & 255)
            .parse()
            .unwrap(),
    );
    let browser = reqwest::Client::builder()
        .default_headers(forwarded)
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let record = |kind: &'static str, started: Instant, status: Option<u16>| {
        let mut t = tally.lock().unwrap();
        match status {
            Some(s) if s < 400 => {
                t.ms.entry(kind)
                    .or_default()
                    .push(started.elapsed().as_secs_f64() * 1000.0)
            }
            Some(s) if s >= 500 => *t.server_errors.entry(kind).or_default() += 1,
            other => {
                *t.other_failures.entry(kind).or_default() += 1;
                *t.failure_statuses
                    .entry((kind, other.unwrap_or(0)))
                    .or_default() += 1;
            }
        }
    };
    let turn = signing_in.lock().await;
    let started = Instant::now();
    let status = browser
        .post(format!("{base}/api/auth/login"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16());
    record("sign in", started, status);
    drop(turn);
    let key_name = format!("soak_vu_{vu}");
    let mut counter = 0u64;
    while Instant::now() < end {
        counter += 1;
        for (kind, path) in [("dashboard", "/"), ("security page", "/settings/security")] {
            let started = Instant::now();
            let status = browser
                .get(format!("{base}{path}"))
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            record(kind, started, status);
        }
        let started = Instant::now();
        let status = browser
            .post(format!("{base}/api/keys/list"))
            .header("origin", &base)
            .header("accept", "application/json")
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16());
        record("key list", started, status);
        let value = format!("sk-soak-{vu}-{:04}", counter % 10_000);
        let started = Instant::now();
        let status = browser
            .post(format!("{base}/api/keys/save"))
            .header("origin", &base)
            .header("accept", "application/json")
            .form(&[
                ("origin", "new"),
                ("name", key_name.as_str()),
                ("value", value.as_str()),
                ("expires_on", ""),
            ])
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16());
        record("key save", started, status);
        if status == Some(200) {
            acked
                .lock()
                .unwrap()
                .keys
                .insert((person, key_name.clone()), counter);
        }
        if vu.is_multiple_of(PER_PERSON) {
            let started = Instant::now();
            let status = reqwest::Client::new()
                .post(format!("{base}/api/v1/auth/me/onboarding"))
                .bearer_auth(&token)
                .json(&json!({"user_preferences": {"soak_counter": counter}}))
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16());
            record("onboarding save", started, status);
            if status == Some(200) {
                acked.lock().unwrap().documents.insert(person, counter);
            }
        }
        let started = Instant::now();
        let status = reqwest::Client::new()
            .post(format!("{base}/api/v1/ai/writing-assistance/suggest"))
            .bearer_auth(&token)
            .json(&json!({"text": "Their going to the meeting tomorow, we should of left."}))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16());
        record("AI tool call", started, status);
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .expect("BASE_URL")
        .trim_end_matches('/')
        .to_owned();
    let pid = args.get(2).expect("SERVER_PID").clone();
    let users: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(500);
    let seconds: u64 = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(300);
    let people = users.div_ceil(PER_PERSON);
    let outbox = reqwest::Client::new();
    let rss_start = rss_mb(&pid);
    println!("signing up {people} people for {users} virtual users…");
    let mut accounts = Vec::with_capacity(people);
    for n in 0..people {
        accounts.push(sign_up(&base, &outbox, n).await);
    }
    let tally = Arc::new(Mutex::new(Tally::default()));
    let acked = Arc::new(Mutex::new(Acked::default()));
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..users)
        .map(|vu| {
            let p = &accounts[vu / PER_PERSON];
            tokio::spawn(virtual_user(
                base.clone(),
                vu,
                vu / PER_PERSON,
                p.email.clone(),
                p.token.clone(),
                p.signing_in.clone(),
                end,
                tally.clone(),
                acked.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds.min(30))).await;
    let rss_warm = rss_mb(&pid);
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let rss_end = rss_mb(&pid);

    // Lost writes: every person's keys and document, read back.
    let (mut checked, mut lost) = (0u64, 0u64);
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    for (person, account) in accounts.iter().enumerate() {
        let read = |path: &str| {
            outbox
                .get(format!("{base}/api/v1{path}"))
                .bearer_auth(&account.token)
                .send()
        };
        let keys: Value = read("/settings/api-keys")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for ((p, name), counter) in acked.keys.range((person, String::new())..) {
            if *p != person {
                break;
            }
            checked += 1;
            let shown = keys["api_keys"][name].as_str().unwrap_or("");
            if !shown.ends_with(&format!("{:04}", counter % 10_000)) {
                lost += 1;
                eprintln!(
                    "lost: {name} of person {person}: acknowledged {counter}, stored {shown}"
                );
            }
        }
        if let Some(counter) = acked.documents.get(&person) {
            checked += 1;
            let doc: Value = read("/auth/me/onboarding")
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if doc["user_preferences"]["soak_counter"].as_u64() != Some(*counter) {
                lost += 1;
                eprintln!(
                    "lost: onboarding of person {person}: acknowledged {counter}, stored {doc}"
                );
            }
        }
    }

    let t = tally.lock().unwrap();
    let total: usize = t.ms.values().map(Vec::len).sum();
    let failed: u64 = t.other_failures.values().sum();
    println!(
        "\n{users} virtual users ({people} people), {elapsed:.0} s: {total} answered requests, {:.0} req/s",
        total as f64 / elapsed
    );
    println!("| kind | answered | p50 | p99 | server errors | other failures |");
    println!("|---|---:|---:|---:|---:|---:|");
    let kinds: std::collections::BTreeSet<&str> =
        t.ms.keys()
            .chain(t.server_errors.keys())
            .chain(t.other_failures.keys())
            .copied()
            .collect();
    for kind in kinds {
        let mut sorted = t.ms.get(kind).cloned().unwrap_or_default();
        sorted.sort_by(f64::total_cmp);
        println!(
            "| {kind} | {} | {:.1} ms | {:.1} ms | {} | {} |",
            sorted.len(),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99),
            t.server_errors.get(kind).copied().unwrap_or(0),
            t.other_failures.get(kind).copied().unwrap_or(0)
        );
    }
    for ((kind, status), n) in &t.failure_statuses {
        println!("failed: {kind}, status {status} (0: no answer): {n}");
    }
    let server_errors: u64 = t.server_errors.values().sum();
    println!(
        "\nserver errors (5xx): {server_errors}; other failures (4xx, timeouts): {failed}; writes checked: {checked}, lost: {lost}; \
         server memory (RSS): {rss_start:.0} MB at start, {rss_warm:.0} MB after warm-up, {rss_end:.0} MB at the end"
    );
}
