//! Times task prioritization on generated tasks: `./bench/tasks.sh` (or
//! `cargo run --release --features ssr --example prioritize -- 10000`).

use digame::entities::tasks;
use digame::features::tasks::service::suggestions_for;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let words = [
        "report",
        "urgent",
        "call",
        "not urgent",
        "review",
        "asap",
        "plan",
        "blocker",
    ];
    use digame::domain::TaskStatus;
    let statuses = [
        TaskStatus::Suggested,
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Done,
    ];
    let all: Vec<tasks::Model> = (0..n)
        .map(|i| tasks::Model {
            id: i as i64,
            tenant_id: 1,
            user_id: 1,
            title: format!("Task {i}: {} the {}", words[i % 8], words[(i / 8) % 8]),
            description: if i % 3 == 0 {
                "Some context, important for the team.".into()
            } else {
                String::new()
            },
            due_on: (i % 5 != 0).then(|| today + chrono::Duration::days((i % 60) as i64 - 20)),
            status: statuses[i % 4],
            priority_score: None,
            created_at: now - chrono::Duration::days((i % 90) as i64),
            updated_at: now,
        })
        .collect();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..21 {
        let started = Instant::now();
        count = suggestions_for(&all, today).len();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "prioritize {n} tasks ({count} active): median {:.2} ms, fastest {:.2} ms, slowest {:.2} ms (21 runs)",
        times[10], times[0], times[20]
    );
}
