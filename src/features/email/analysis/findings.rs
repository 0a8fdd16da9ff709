//! The analysis in plain sentences.

use crate::features::email::{duration_words, offset_label, EmailAnalysis};

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The analysis in plain sentences, the most telling first.
pub(super) fn findings(a: &EmailAnalysis) -> Vec<String> {
    let mut out = Vec::new();
    if a.sent == 0 {
        out.push(format!(
            "None of these messages was sent from {}, so all are counted as received. Add the addresses you send from to tell sent from received.",
            a.own_addresses.join(", ")
        ));
    }
    if let Some(top) = a.top_correspondents.first() {
        match top.median_response_minutes {
            Some(m) => out.push(format!(
                "You answer {}, your most frequent correspondent, in a median of {}.",
                top.address,
                duration_words(m)
            )),
            None => out.push(format!(
                "Your most frequent correspondent is {} ({} messages).",
                top.address,
                top.sent_to + top.received_from
            )),
        }
    }
    if a.sent > 0 {
        out.push(format!(
            "{} % of the mail you send goes out outside your working hours ({:02}:00–{:02}:00, Monday to Friday, {}).",
            a.sent_outside_hours_pct,
            a.work_start,
            a.work_end,
            offset_label(a.utc_offset_minutes)
        ));
    }
    if let (Some(median), Some(p90)) = (a.median_response_minutes, a.p90_response_minutes) {
        out.push(format!(
            "Half of the {} messages you answered got their answer within {}; one in ten waited longer than {}.",
            a.answered,
            duration_words(median),
            duration_words(p90)
        ));
    }
    if a.unanswered_total > 0 {
        out.push(format!(
            "{} {} from people you write to {} waited more than {} days for your answer.",
            a.unanswered_total,
            if a.unanswered_total == 1 {
                "thread"
            } else {
                "threads"
            },
            if a.unanswered_total == 1 {
                "has"
            } else {
                "have"
            },
            a.unanswered_days
        ));
    }
    let by_weekday: Vec<u32> = a.heatmap.iter().map(|h| h.iter().sum()).collect();
    if let Some((day, n)) = by_weekday
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .filter(|(_, n)| **n > 0)
    {
        out.push(format!(
            "{} is your busiest day: {} % of all messages.",
            WEEKDAYS[day],
            (f64::from(*n) * 100.0 / f64::from(a.messages.max(1))).round()
        ));
    }
    if let Some(k) = a.keywords.first() {
        out.push(format!(
            "The word most often in your subjects is “{}” ({} messages).",
            k.label, k.count
        ));
    }
    out
}
