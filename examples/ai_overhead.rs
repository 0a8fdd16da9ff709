//! What Digame adds to an AI call: the writing tool over the JSON API against the built-in
//! test AI service, compared with calling that service directly with the same prompt, in
//! one process and one run (`./bench/ai.sh`): whole answers, streamed answers (to the last
//! event; the test service paces its events 10 ms apart on both paths), and throughput.
//! Release build, SQLite.

use digame::config::Settings;
use serde_json::json;
use std::time::{Duration, Instant};

const TEXT: &str = "We utilize very good tools and and more.";
const SEQUENTIAL: usize = 300;
const STREAMED: usize = 100;
const CONCURRENT: usize = 16;
const WINDOW: Duration = Duration::from_secs(5);

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn timed<F, Fut>(n: usize, mut call: F) -> Vec<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let status = call().await;
        assert_eq!(status, 200, "a call failed");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    ms
}

async fn throughput<F, Fut>(call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let end = Instant::now() + WINDOW;
    let workers: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut ok = 0u64;
                while Instant::now() < end {
                    if call().await == 200 {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    total as f64 / WINDOW.as_secs_f64()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let fake = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_base = format!("http://{}/v1", fake.local_addr().unwrap());
    tokio::spawn(digame::ai::fake::serve(fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let data_dir = dir.path().to_string_lossy().to_string();
    let settings = Settings::from_lookup(|name| match name {
        "DIGAME_PUBLIC_URL" => Some(format!("http://{addr}")),
        "DATABASE_URL" => Some(format!("sqlite://{data_dir}/bench.db")),
        "DIGAME_DATA_DIR" => Some(data_dir.clone()),
        "DIGAME_MASTER_KEY" => Some("q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=".into()),
        "DIGAME_DEFAULT_TIER" => Some("enterprise".into()),
        "DIGAME_AI_BASE_URL" => Some(fake_base.clone()),
        "DIGAME_AI_ALLOW_PRIVATE" => Some("true".into()),
        "DIGAME_AI_CALLS_PER_MINUTE" => Some("10000".into()),
        "DIGAME_API_REQUESTS_PER_MINUTE" => Some("1000000".into()),
        _ => None,
    })
    .unwrap();
    let mut options = digame::server::leptos_options().unwrap();
    options.site_root = dir.path().to_string_lossy().as_ref().into();
    options.hash_files = false;
    let (router, state) = digame::server::build_app(settings, options).await.unwrap();
    tokio::spawn(digame::server::serve(listener, router));

    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let form = |endpoint: &str, fields: &[(&str, &str)]| {
        client
            .post(format!("{base}/api/{endpoint}"))
            .header("origin", &base)
            .header("accept", "application/json")
            .form(fields)
    };
    let res = form(
        "auth/register",
        &[
            ("name", "Bench"),
            ("email", "bench@example.com"),
            ("password", "amber-kettle-orbit-73"),
            ("company", "Bench Co"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert!(res.status().is_success(), "register: {}", res.status());
    // The tools wait for a confirmed address: the link from the outbox.
    use sea_orm::EntityTrait;
    let mails = digame::entities::outbox::Entity::find()
        .all(&state.db)
        .await
        .unwrap();
    let token = mails
        .iter()
        .find_map(|m| m.body.split_once("/verify-email?token="))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .expect("a confirmation link")
        .to_owned();
    let res = form("auth/verify-email", &[("token", &token)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "confirm: {}", res.status());
    let res = form(
        "keys/save",
        &[
            ("origin", "new"),
            ("name", "writing_service_key"),
            ("value", "sk-bench-0123456789abcdef"),
            ("expires_on", ""),
        ],
    )
    .send()
    .await
    .unwrap();
    assert!(res.status().is_success(), "key: {}", res.status());

    // The request Digame's adapter sends, built from the same prompt.
    let prompt = digame::features::writing::service::prompt(TEXT, None);
    let direct_body = json!({
        "model": "fake-model",
        "messages": [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}],
        "max_tokens": prompt.max_tokens, "temperature": 0.2, "response_format": {"type": "json_object"}
    });
    let plain = reqwest::Client::new();
    let mut streamed_body = direct_body.clone();
    streamed_body["stream"] = json!(true);
    streamed_body["stream_options"] = json!({"include_usage": true});
    let direct = {
        let plain = plain.clone();
        let url = format!("{fake_base}/chat/completions");
        move || {
            let req = plain
                .post(&url)
                .bearer_auth("sk-bench-0123456789abcdef")
                .json(&direct_body);
            async move { req.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        }
    };
    let via_app = {
        let client = client.clone();
        let url = format!("{base}/api/v1/ai/writing-assistance/suggest");
        move || {
            let req = client.post(&url).json(&json!({"text": TEXT}));
            async move { req.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        }
    };
    // Warm up both paths.
    timed(20, direct.clone()).await;
    timed(20, via_app.clone()).await;
    let d = timed(SEQUENTIAL, direct.clone()).await;
    let a = timed(SEQUENTIAL, via_app.clone()).await;
    println!("sequential, {SEQUENTIAL} calls each:");
    println!("| path | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| test AI service directly | {:.2} | {:.2} |",
        percentile(&d, 0.5),
        percentile(&d, 0.99)
    );
    println!(
        "| through Digame (/api/v1/ai/writing-assistance/suggest) | {:.2} | {:.2} |",
        percentile(&a, 0.5),
        percentile(&a, 0.99)
    );
    println!(
        "| Digame's addition | {:.2} | {:.2} |",
        percentile(&a, 0.5) - percentile(&d, 0.5),
        percentile(&a, 0.99) - percentile(&d, 0.99)
    );
    // Streamed: the same call asked as events, read to its end (`[DONE]` directly; the
    // `result` event through Digame).
    let direct_stream = {
        let plain = plain.clone();
        let url = format!("{fake_base}/chat/completions");
        move || {
            let req = plain
                .post(&url)
                .bearer_auth("sk-bench-0123456789abcdef")
                .json(&streamed_body);
            async move {
                match req.send().await {
                    Ok(r) if r.status() == 200 => {
                        r.text()
                            .await
                            .map_or(0, |t| if t.contains("[DONE]") { 200 } else { 0 })
                    }
                    _ => 0,
                }
            }
        }
    };
    let app_stream = {
        let client = client.clone();
        let url = format!("{base}/api/v1/ai/writing-assistance/suggest");
        move || {
            let req = client
                .post(&url)
                .header("accept", "text/event-stream")
                .json(&json!({"text": TEXT}));
            async move {
                match req.send().await {
                    Ok(r) if r.status() == 200 => {
                        r.text()
                            .await
                            .map_or(0, |t| if t.contains("event: result") { 200 } else { 0 })
                    }
                    _ => 0,
                }
            }
        }
    };
    timed(10, direct_stream.clone()).await;
    timed(10, app_stream.clone()).await;
    let ds = timed(STREAMED, direct_stream).await;
    let as_ = timed(STREAMED, app_stream).await;
    println!("\nstreamed, {STREAMED} calls each (the test service waits 10 ms before each event):");
    println!("| path | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| test AI service directly | {:.2} | {:.2} |",
        percentile(&ds, 0.5),
        percentile(&ds, 0.99)
    );
    println!(
        "| through Digame (Accept: text/event-stream) | {:.2} | {:.2} |",
        percentile(&as_, 0.5),
        percentile(&as_, 0.99)
    );
    println!(
        "| Digame's addition | {:.2} | {:.2} |",
        percentile(&as_, 0.5) - percentile(&ds, 0.5),
        percentile(&as_, 0.99) - percentile(&ds, 0.99)
    );

    // A fresh daily allowance for the throughput run.
    digame::entities::ai_usage::Entity::delete_many()
        .exec(&state.db)
        .await
        .unwrap();
    digame::entities::ai_calls::Entity::delete_many()
        .exec(&state.db)
        .await
        .unwrap();
    let direct_rps = throughput(direct).await;
    let app_rps = throughput(via_app).await;
    println!(
        "\n{CONCURRENT} concurrent callers for {} s:",
        WINDOW.as_secs()
    );
    println!("| path | calls/s |");
    println!("|---|---:|");
    println!("| test AI service directly | {direct_rps:.0} |");
    println!(
        "| through Digame | {app_rps:.0} ({:.1} % of direct) |",
        app_rps / direct_rps * 100.0
    );
}
