//! Times the email analysis of a generated mbox and reports the process' peak memory:
//! `./bench/email.sh` (or `cargo run --release --features ssr --example email_analysis -- 100000`).
//!
//! The mbox is written to a temporary file first (threads of 1–6 messages, replies with
//! In-Reply-To, 40 correspondents, bodies of about 1.5 KB), then read exactly as an upload
//! is: `service::analyse_file` on the file, streamed.

use digame::features::email::analysis::Settings;
use digame::features::email::parse::Limits;
use digame::features::email::service::analyse_file;
use std::io::{BufWriter, Write};
use std::time::Instant;

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    {
        let mut out = BufWriter::new(file.as_file());
        let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(26);
        let start = 1_735_689_600i64; // 2025-01-01
        let mut thread_root = 0usize;
        for i in 0..n {
            let ts = start + (i as i64) * 317;
            let date = chrono::DateTime::from_timestamp(ts, 0)
                .unwrap()
                .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap());
            let position = i % 6;
            if position == 0 {
                thread_root = i;
            }
            let sent = position % 2 == 1;
            let other = format!("person{}@company{}.test", i % 40, i % 7);
            let (from, to) = if sent {
                ("me@digame.test".to_owned(), other)
            } else {
                (other, "me@digame.test".to_owned())
            };
            let subject = if position == 0 {
                format!("Project {} status", thread_root % 500)
            } else {
                format!("Re: Project {} status", thread_root % 500)
            };
            write!(
                out,
                "From {from} {}\nFrom: {from}\nTo: {to}\nSubject: {subject}\nDate: {}\nMessage-ID: <m{i}@gen.test>\n",
                date.format("%a %b %e %H:%M:%S %Y"),
                date.to_rfc2822()
            )
            .unwrap();
            if position > 0 {
                writeln!(out, "In-Reply-To: <m{}@gen.test>", i - 1).unwrap();
            }
            write!(out, "\n{body}\n\n").unwrap();
        }
        out.flush().unwrap();
    }
    let size = file.as_file().metadata().unwrap().len();
    let before = peak_rss_kb();
    let started = Instant::now();
    let analysis = analyse_file(
        file.as_file(),
        "generated.mbox",
        Limits {
            max_messages: 5_000_000,
            deadline: None,
        },
        Settings {
            own_addresses: vec!["me@digame.test".into()],
            work_start: 9,
            work_end: 17,
            unanswered_days: 7,
        },
    )
    .expect("analysis");
    let elapsed = started.elapsed();
    assert_eq!(analysis.messages as usize, n);
    println!(
        "{n:>7} messages, {:>5} MB mbox: analysed in {:>6.0} ms; peak memory {:>4} MB (before the analysis {} MB); {} answered, median {:?} min",
        size / (1024 * 1024),
        elapsed.as_secs_f64() * 1000.0,
        peak_rss_kb() / 1024,
        before / 1024,
        analysis.answered,
        analysis.median_response_minutes,
    );
}
