//! Email pattern analysis (`/tools/email`): an export of the person's mail (an mbox file, a
//! zipped folder of `.eml` files, or a CSV of date, from, to and subject) is read for its
//! metadata only, bodies discarded as each message is read, and turned into aggregates:
//! volumes, the hour-by-weekday heatmap, top correspondents and domains, response times,
//! unanswered threads, subject keywords and thread lengths, with findings in plain words.
//!
//! The built-in analysis needs no key and is not an AI call. With an
//! `email_analysis_service_key` stored, the anonymised aggregates (`anonymised`) can be sent
//! through the provider layer for a short narrative; the page shows exactly what is sent.
//!
//! The upload is a plain form post to [`UPLOAD_PATH`] (an axum route, `service::upload`),
//! streamed to a temporary file and never held in memory whole.

pub mod charts;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod analysis;
#[cfg(feature = "ssr")]
pub mod parse;
#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the upload form posts (multipart: `own_addresses`, `unanswered_days`, `file`).
pub const UPLOAD_PATH: &str = "/tools/email/upload";
/// Where the page with JavaScript asks for the narrative as it is written.
pub const NARRATIVE_STREAM_PATH: &str = "/tools/email/narrative/stream";
/// The page, where the answer to a plain form post is shown.
pub const PAGE: &str = "/tools/email";
/// Threads waiting longer than this many days count as unanswered, unless the person
/// chooses another number.
pub const UNANSWERED_DAYS_DEFAULT: u32 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Volume {
    /// `YYYY-MM-DD`: the day, or the Monday that starts the week.
    pub start: String,
    pub sent: u32,
    pub received: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Correspondent {
    pub address: String,
    /// Messages the person sent them (To or Cc).
    pub sent_to: u32,
    pub received_from: u32,
    /// The median time the person took to answer them, in minutes.
    pub median_response_minutes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Count {
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Unanswered {
    pub subject: String,
    pub from: String,
    /// `YYYY-MM-DD HH:MM` in the analysis' time zone.
    pub received: String,
    pub days_waiting: u32,
}

/// Everything the built-in analysis found. Aggregates only: no message body, and no
/// message beyond the subjects of unanswered and long threads.
/// A message the analysis left out: which (its subject, or where it is in the file), and
/// why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeftOut {
    pub which: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EmailAnalysis {
    /// What was read: the file's name and kind.
    pub source: String,
    pub messages: u32,
    pub sent: u32,
    pub received: u32,
    /// Messages that could not be used (no readable date or sender).
    pub skipped: u32,
    /// The first of them (at most 20), each with why it was left out.
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
    /// `YYYY-MM-DD`, first and last day with mail.
    pub first_day: String,
    pub last_day: String,
    /// The addresses taken as the person's own.
    pub own_addresses: Vec<String>,
    /// The time zone hours are shown in, as an offset from UTC in minutes: the offset most
    /// of the person's sent mail carries.
    pub utc_offset_minutes: i32,
    pub work_start: u32,
    pub work_end: u32,
    /// The last 90 days with data, day by day.
    pub daily: Vec<Volume>,
    /// Week by week (weeks start on Monday), at most the last 260.
    pub weekly: Vec<Volume>,
    /// Messages by weekday (Monday first) and hour.
    pub heatmap: Vec<Vec<u32>>,
    /// Share of sent and of received mail outside working hours (weekends included), 0–100.
    pub sent_outside_hours_pct: u32,
    pub received_outside_hours_pct: u32,
    pub top_correspondents: Vec<Correspondent>,
    pub top_domains: Vec<Count>,
    /// Received messages the person answered.
    pub answered: u32,
    pub median_response_minutes: Option<u32>,
    pub p90_response_minutes: Option<u32>,
    pub unanswered_days: u32,
    /// Threads from people the person writes to, whose last message is theirs and older
    /// than `unanswered_days` at the end of the export; the oldest first, at most 20.
    pub unanswered: Vec<Unanswered>,
    pub unanswered_total: u32,
    pub keywords: Vec<Count>,
    /// Threads by their number of messages: `1`, `2`, `3–5`, `6–10`, `11+`.
    pub thread_lengths: Vec<Count>,
    pub longest_threads: Vec<Count>,
    pub findings: Vec<String>,
}

/// Minutes as people say them: "45 min", "3 h", "2.5 days".
pub fn duration_words(minutes: u32) -> String {
    match minutes {
        0..=89 => format!("{minutes} min"),
        90..=2879 => {
            let hours = f64::from(minutes) / 60.0;
            if hours < 10.0 {
                format!("{} h", trim_decimal(hours))
            } else {
                format!("{} h", hours.round())
            }
        }
        _ => format!("{} days", trim_decimal(f64::from(minutes) / 1440.0)),
    }
}

fn trim_decimal(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// `UTC+01:00`, `UTC−05:30`, `UTC`.
pub fn offset_label(minutes: i32) -> String {
    if minutes == 0 {
        return "UTC".into();
    }
    let sign = if minutes > 0 { '+' } else { '−' };
    let m = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

impl EmailAnalysis {
    /// What the narrative request sends to the AI service: the aggregates with every
    /// address and domain replaced by a pseudonym (`correspondent 1` is the most frequent),
    /// and no subject of any single thread. Subject keywords are included. Shown on the
    /// page, as it is, before anything is sent.
    pub fn anonymised(&self) -> serde_json::Value {
        let correspondents: Vec<_> = self
            .top_correspondents
            .iter()
            .enumerate()
            .map(|(i, c)| {
                serde_json::json!({
                    "who": format!("correspondent {}", i + 1),
                    "messages_sent_to_them": c.sent_to,
                    "messages_received_from_them": c.received_from,
                    "median_response_minutes": c.median_response_minutes,
                })
            })
            .collect();
        let domains: Vec<_> = self
            .top_domains
            .iter()
            .enumerate()
            .map(|(i, d)| serde_json::json!({"domain": format!("domain {}", i + 1), "messages": d.count}))
            .collect();
        let weekday_totals: Vec<u32> = self.heatmap.iter().map(|h| h.iter().sum()).collect();
        let hour_totals: Vec<u32> = (0..24)
            .map(|h| self.heatmap.iter().map(|d| d[h]).sum())
            .collect();
        serde_json::json!({
            "period": {"first_day": self.first_day, "last_day": self.last_day},
            "messages": {"sent": self.sent, "received": self.received},
            "time_zone": offset_label(self.utc_offset_minutes),
            "working_hours": format!("{:02}:00–{:02}:00, Monday to Friday", self.work_start, self.work_end),
            "share_outside_working_hours_pct": {"sent": self.sent_outside_hours_pct, "received": self.received_outside_hours_pct},
            "messages_by_weekday_monday_first": weekday_totals,
            "messages_by_hour": hour_totals,
            "weekly_volume": self.weekly.iter().rev().take(26).rev().map(|w| serde_json::json!({"week": w.start, "sent": w.sent, "received": w.received})).collect::<Vec<_>>(),
            "top_correspondents": correspondents,
            "top_domains": domains,
            "response_times": {"answered": self.answered, "median_minutes": self.median_response_minutes, "p90_minutes": self.p90_response_minutes},
            "unanswered_threads_older_than_days": {"days": self.unanswered_days, "threads": self.unanswered_total},
            "subject_keywords": self.keywords.iter().map(|k| serde_json::json!({"word": k.label, "count": k.count})).collect::<Vec<_>>(),
            "thread_lengths": self.thread_lengths.iter().map(|t| serde_json::json!({"messages": t.label, "threads": t.count})).collect::<Vec<_>>(),
        })
    }
}

/// The AI service's reading of the anonymised aggregates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Narrative {
    pub narrative: String,
    pub suggestions: Vec<String>,
}

/// A short narrative with suggestions from the person's AI service, about the analysis
/// `analysis` (the JSON of an [`EmailAnalysis`]); only its anonymised aggregates are sent.
#[server(endpoint = "tools/email/narrative")]
pub async fn email_narrative(analysis: String) -> Result<Narrative, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let cx =
        crate::features::tools::ai_call::AiCallContext::new(&state.db, &state.keyring, &state.ai);
    let result = service::narrative(&cx, &person, &analysis).await;
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::EmailPatterns,
        serde_json::json!({ "narrative_for": analysis }),
        &result,
    )
    .await;
    result
}

#[cfg(test)]
mod tests {
    use crate::features::email::{duration_words, offset_label};

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(0), "0 min");
        assert_eq!(duration_words(45), "45 min");
        assert_eq!(duration_words(90), "1.5 h");
        assert_eq!(duration_words(180), "3 h");
        assert_eq!(duration_words(13 * 60 + 20), "13 h");
        assert_eq!(duration_words(2 * 1440), "2 days");
        assert_eq!(duration_words(3600), "2.5 days");
    }

    #[test]
    fn offsets_are_labelled_with_sign_hours_and_minutes() {
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(60), "UTC+01:00");
        assert_eq!(offset_label(-330), "UTC−05:30");
    }
}
