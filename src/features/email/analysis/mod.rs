//! The built-in analysis: message metadata in, in any order, one at a time ([`Analyzer::push`]);
//! aggregates and findings out ([`Analyzer::finish`]). Each message is kept as a small
//! record of numbers (addresses and subjects interned), so memory grows with the number of
//! messages by a few dozen bytes each, never with the size of the file.

mod findings;
mod stats;
mod subjects;
mod threads;

use super::parse::{MessageMeta, ReadSummary};
use super::{Correspondent, Count, EmailAnalysis, Unanswered};
use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use findings::findings;
use stats::{median, percentile, top_counts, volumes};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
pub use subjects::normalise_subject;
use subjects::strip_prefixes;

/// How many of each top list are shown.
const TOP: usize = 10;
const KEYWORDS: usize = 15;
const DAILY_DAYS: i64 = 90;
const WEEKS_MAX: usize = 260;
const UNANSWERED_SHOWN: usize = 20;

/// Words left out of subject keywords.
const STOP_WORDS: &[&str] = &[
    "about", "after", "all", "and", "any", "are", "aw", "but", "can", "could", "for", "from", "fw",
    "fwd", "get", "has", "have", "her", "his", "how", "its", "just", "let", "may", "meeting",
    "more", "new", "not", "now", "off", "one", "our", "out", "please", "re", "she", "some", "sv",
    "than", "that", "the", "their", "them", "then", "there", "this", "today", "tomorrow", "was",
    "week", "were", "what", "when", "which", "who", "why", "will", "with", "you", "your",
];

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }
}

pub(super) struct Record {
    pub(super) timestamp: i64,
    pub(super) offset: Option<i32>,
    pub(super) sent: bool,
    /// Received: the sender. Sent: the recipients.
    pub(super) counterparts: Vec<u32>,
    /// The normalised subject, when there is one (ties a reply without headers to its
    /// thread).
    pub(super) topic: Option<u32>,
    /// The subject as written, interned (for naming threads).
    pub(super) subject: u32,
    pub(super) is_reply: bool,
    /// Message ids, hashed: only compared, never shown, so no text is kept.
    pub(super) id: Option<u64>,
    pub(super) parents: Vec<u64>,
}

/// Collects messages for one analysis.
pub struct Analyzer {
    own: HashSet<String>,
    work_start: u32,
    work_end: u32,
    unanswered_days: u32,
    addresses: Interner,
    subjects: Interner,
    /// Hashes message ids (one random key per analysis).
    ids: std::collections::hash_map::RandomState,
    keywords: HashMap<String, u32>,
    records: Vec<Record>,
}

/// The person's settings for one analysis.
pub struct Settings {
    pub own_addresses: Vec<String>,
    pub work_start: u32,
    pub work_end: u32,
    pub unanswered_days: u32,
}

fn domain(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(_, d)| d)
}

impl Analyzer {
    pub fn new(settings: Settings) -> Analyzer {
        Analyzer {
            own: settings.own_addresses.into_iter().collect(),
            work_start: settings.work_start,
            work_end: settings.work_end,
            unanswered_days: settings.unanswered_days,
            addresses: Interner::default(),
            subjects: Interner::default(),
            ids: std::collections::hash_map::RandomState::new(),
            keywords: HashMap::new(),
            records: Vec::new(),
        }
    }

    pub fn push(&mut self, m: MessageMeta) {
        let sent = self.own.contains(&m.from);
        let counterparts: Vec<u32> = if sent {
            let mut seen = Vec::new();
            for to in m.to.iter().filter(|t| !self.own.contains(*t)) {
                let id = self.addresses.id(to);
                if !seen.contains(&id) {
                    seen.push(id);
                }
            }
            seen
        } else {
            vec![self.addresses.id(&m.from)]
        };
        let (normal, is_reply) = normalise_subject(&m.subject);
        let mut seen_words = HashSet::new();
        for word in normal
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        {
            if !STOP_WORDS.contains(&word) && seen_words.insert(word) {
                *self.keywords.entry(word.to_owned()).or_default() += 1;
            }
        }
        // The most direct parent first: In-Reply-To, then References from the last.
        let mut parents = Vec::new();
        for p in m.in_reply_to.iter().chain(m.references.iter().rev()) {
            let id = self.ids.hash_one(p.as_str());
            if !parents.contains(&id) {
                parents.push(id);
            }
        }
        let subject = strip_prefixes(&m.subject);
        self.records.push(Record {
            timestamp: m.timestamp,
            offset: m.offset_minutes,
            sent,
            counterparts,
            topic: (!normal.is_empty()).then(|| self.subjects.id(&normal)),
            subject: self.subjects.id(subject),
            is_reply: is_reply || !m.in_reply_to.is_empty(),
            id: m.message_id.as_deref().map(|i| self.ids.hash_one(i)),
            parents,
        });
    }

    /// The analysis of what was pushed; `read` is what reading the file left out.
    pub fn finish(mut self, source: String, read: &ReadSummary) -> EmailAnalysis {
        let skipped = read.skipped as u32;
        let left_out = read
            .left_out
            .iter()
            .map(|s| super::LeftOut {
                which: s.which.clone(),
                why: s.why.to_owned(),
            })
            .collect();
        self.records.sort_by_key(|r| r.timestamp);
        let offset = self.offset();
        let local = |ts: i64| {
            DateTime::from_timestamp(ts + i64::from(offset) * 60, 0)
                .unwrap_or_default()
                .naive_utc()
        };
        let sent = self.records.iter().filter(|r| r.sent).count() as u32;
        let received = self.records.len() as u32 - sent;

        // Volumes and the heatmap, in the analysis' time zone.
        let mut by_day: HashMap<NaiveDate, (u32, u32)> = HashMap::new();
        let mut heatmap = vec![vec![0u32; 24]; 7];
        let (mut sent_outside, mut received_outside) = (0u32, 0u32);
        for r in &self.records {
            let t = local(r.timestamp);
            let day = by_day.entry(t.date()).or_default();
            let weekday = t.weekday().num_days_from_monday() as usize;
            heatmap[weekday][t.hour() as usize] += 1;
            let inside = weekday < 5 && t.hour() >= self.work_start && t.hour() < self.work_end;
            if r.sent {
                day.0 += 1;
                sent_outside += u32::from(!inside);
            } else {
                day.1 += 1;
                received_outside += u32::from(!inside);
            }
        }
        let first = self.records.first().map(|r| local(r.timestamp).date());
        let last = self.records.last().map(|r| local(r.timestamp).date());
        let (daily, weekly) = match (first, last) {
            (Some(first), Some(last)) => volumes(&by_day, first, last),
            _ => (Vec::new(), Vec::new()),
        };

        let thread = threads::assign(&self.records);
        let answered_at = threads::answered_at(&self.records, &thread);
        let mut delays: Vec<u32> = Vec::new();
        let mut delays_by: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, r) in self.records.iter().enumerate() {
            if let Some(at) = answered_at[i] {
                let minutes = ((at - r.timestamp).max(0) / 60) as u32;
                delays.push(minutes);
                delays_by
                    .entry(r.counterparts[0])
                    .or_default()
                    .push(minutes);
            }
        }

        // Correspondents and domains.
        let mut per: HashMap<u32, (u32, u32)> = HashMap::new();
        let mut per_domain: HashMap<&str, u32> = HashMap::new();
        for r in &self.records {
            let mut domains: Vec<&str> = Vec::new();
            for c in &r.counterparts {
                let e = per.entry(*c).or_default();
                if r.sent {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
                let d = domain(&self.addresses.names[*c as usize]);
                if !domains.contains(&d) {
                    domains.push(d);
                }
            }
            for d in domains {
                *per_domain.entry(d).or_default() += 1;
            }
        }
        let mut ranked: Vec<(u32, (u32, u32))> = per.into_iter().collect();
        ranked.sort_by(|a, b| {
            (b.1 .0 + b.1 .1).cmp(&(a.1 .0 + a.1 .1)).then_with(|| {
                self.addresses.names[a.0 as usize].cmp(&self.addresses.names[b.0 as usize])
            })
        });
        let you_write_to: HashSet<u32> = ranked
            .iter()
            .filter(|(_, (s, _))| *s > 0)
            .map(|(c, _)| *c)
            .collect();
        let top_correspondents: Vec<Correspondent> = ranked
            .iter()
            .take(TOP)
            .map(|(c, (s, r))| Correspondent {
                address: self.addresses.names[*c as usize].clone(),
                sent_to: *s,
                received_from: *r,
                median_response_minutes: delays_by.get_mut(c).and_then(|d| median(d)),
            })
            .collect();
        let top_domains = top_counts(per_domain.into_iter().map(|(d, n)| (d.to_owned(), n)), TOP);

        // Threads: lengths, and those waiting on the person.
        let mut threads: HashMap<usize, (u32, usize, usize)> = HashMap::new(); // count, first, last
        for (i, t) in thread.iter().enumerate() {
            let e = threads.entry(*t).or_insert((0, i, i));
            e.0 += 1;
            e.2 = i;
        }
        let as_of = self.records.last().map_or(0, |r| r.timestamp);
        let limit = i64::from(self.unanswered_days) * 86_400;
        let mut unanswered: Vec<(i64, Unanswered)> = threads
            .values()
            .filter_map(|&(_, first, last)| {
                let r = &self.records[last];
                let waiting = as_of - r.timestamp;
                let from = r.counterparts[0];
                (!r.sent
                    && answered_at[last].is_none()
                    && waiting > limit
                    && you_write_to.contains(&from))
                .then(|| {
                    (
                        r.timestamp,
                        Unanswered {
                            subject: self.subjects.names[self.records[first].subject as usize]
                                .clone(),
                            from: self.addresses.names[from as usize].clone(),
                            received: local(r.timestamp).format("%Y-%m-%d %H:%M").to_string(),
                            days_waiting: (waiting / 86_400) as u32,
                        },
                    )
                })
            })
            .collect();
        unanswered.sort_by_key(|(ts, u)| (*ts, u.subject.clone()));
        let unanswered_total = unanswered.len() as u32;
        let buckets = [
            ("1", 1, 1),
            ("2", 2, 2),
            ("3–5", 3, 5),
            ("6–10", 6, 10),
            ("11+", 11, u32::MAX),
        ];
        let thread_lengths = buckets
            .iter()
            .map(|(label, lo, hi)| Count {
                label: (*label).to_owned(),
                count: threads
                    .values()
                    .filter(|t| t.0 >= *lo && t.0 <= *hi)
                    .count() as u32,
            })
            .collect();
        let longest_threads = top_counts(
            threads.values().filter(|t| t.0 >= 2).map(|&(n, first, _)| {
                (
                    self.subjects.names[self.records[first].subject as usize].clone(),
                    n,
                )
            }),
            5,
        );
        let keywords = top_counts(
            std::mem::take(&mut self.keywords)
                .into_iter()
                .filter(|(_, n)| *n >= 2),
            KEYWORDS,
        );

        let pct = |part: u32, whole: u32| {
            if whole == 0 {
                0
            } else {
                (f64::from(part) * 100.0 / f64::from(whole)).round() as u32
            }
        };
        let mut own_addresses: Vec<String> = self.own.iter().cloned().collect();
        own_addresses.sort();
        let mut analysis = EmailAnalysis {
            source,
            messages: self.records.len() as u32,
            sent,
            received,
            skipped,
            left_out,
            first_day: first.map(|d| d.to_string()).unwrap_or_default(),
            last_day: last.map(|d| d.to_string()).unwrap_or_default(),
            own_addresses,
            utc_offset_minutes: offset,
            work_start: self.work_start,
            work_end: self.work_end,
            daily,
            weekly,
            heatmap,
            sent_outside_hours_pct: pct(sent_outside, sent),
            received_outside_hours_pct: pct(received_outside, received),
            top_correspondents,
            top_domains,
            answered: delays.len() as u32,
            median_response_minutes: median(&mut delays),
            p90_response_minutes: percentile(&mut delays, 90),
            unanswered_days: self.unanswered_days,
            unanswered: unanswered
                .into_iter()
                .take(UNANSWERED_SHOWN)
                .map(|(_, u)| u)
                .collect(),
            unanswered_total,
            keywords,
            thread_lengths,
            longest_threads,
            findings: Vec::new(),
        };
        analysis.findings = findings(&analysis);
        analysis
    }

    /// The offset most of the person's sent mail was written in; of all mail when none
    /// was sent; UTC when no date carried one.
    fn offset(&self) -> i32 {
        let mode = |sent_only: bool| {
            let mut counts: HashMap<i32, u32> = HashMap::new();
            for r in self.records.iter().filter(|r| r.sent || !sent_only) {
                if let Some(o) = r.offset {
                    *counts.entry(o).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by_key(|(o, n)| (*n, -o.abs()))
                .map(|(o, _)| o)
        };
        mode(true).or_else(|| mode(false)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use crate::features::email::analysis::*;
    use crate::features::email::parse::{read, Format, Limits};
    use crate::features::email::Volume;
    use std::io::Cursor;

    const MBOX: &str = include_str!("../../../../tests/fixtures/email/small.mbox");

    fn analyse(unanswered_days: u32) -> EmailAnalysis {
        let mut analyzer = Analyzer::new(Settings {
            own_addresses: vec!["me@digame.test".into()],
            work_start: 9,
            work_end: 17,
            unanswered_days,
        });
        let summary = read(
            Cursor::new(MBOX.as_bytes().to_vec()),
            Format::Mbox,
            Limits {
                max_messages: 100,
                deadline: None,
            },
            &mut |m| analyzer.push(m),
        )
        .unwrap();
        analyzer.finish("small.mbox".into(), &summary)
    }

    // Every figure below is counted by hand from tests/fixtures/email/small.mbox.
    #[test]
    fn counts_days_weeks_and_the_time_zone() {
        let a = analyse(7);
        assert_eq!((a.messages, a.sent, a.received, a.skipped), (9, 4, 5, 1));
        assert_eq!(
            (a.first_day.as_str(), a.last_day.as_str()),
            ("2026-03-02", "2026-03-16")
        );
        assert_eq!(a.utc_offset_minutes, 60);
        assert_eq!(a.daily.len(), 15);
        assert_eq!(
            a.daily[0],
            Volume {
                start: "2026-03-02".into(),
                sent: 1,
                received: 2
            }
        );
        assert_eq!(
            a.daily[14],
            Volume {
                start: "2026-03-16".into(),
                sent: 1,
                received: 0
            }
        );
        assert_eq!(
            a.weekly,
            vec![
                Volume {
                    start: "2026-03-02".into(),
                    sent: 3,
                    received: 5
                },
                Volume {
                    start: "2026-03-09".into(),
                    sent: 0,
                    received: 0
                },
                Volume {
                    start: "2026-03-16".into(),
                    sent: 1,
                    received: 0
                },
            ]
        );
    }

    #[test]
    fn the_heatmap_and_working_hours_use_local_time() {
        let a = analyse(7);
        // Monday 09, 12, 14 and 20 h; Tuesday 08 and 16 h (10:00 −05:00 is 16:00 +01:00).
        assert_eq!(
            a.heatmap[0][9] + a.heatmap[0][12] + a.heatmap[0][14] + a.heatmap[0][20],
            4
        );
        assert_eq!((a.heatmap[1][8], a.heatmap[1][16]), (1, 1));
        assert_eq!(
            (a.heatmap[2][10], a.heatmap[4][11], a.heatmap[5][7]),
            (1, 1, 1)
        );
        assert_eq!(a.heatmap.iter().flatten().sum::<u32>(), 9);
        // Sent outside 09–17: Tuesday 08:00 (1 of 4). Received: Monday 20:00, Saturday (2 of 5).
        assert_eq!(
            (a.sent_outside_hours_pct, a.received_outside_hours_pct),
            (25, 40)
        );
    }

    #[test]
    fn correspondents_domains_and_response_times() {
        let a = analyse(7);
        let top: Vec<(&str, u32, u32, Option<u32>)> = a
            .top_correspondents
            .iter()
            .map(|c| {
                (
                    c.address.as_str(),
                    c.sent_to,
                    c.received_from,
                    c.median_response_minutes,
                )
            })
            .collect();
        assert_eq!(
            top,
            vec![
                ("alice@example.com", 2, 3, Some(450)),
                ("carol@partner.test", 1, 1, Some(1080)),
                ("bob@partner.test", 1, 0, None),
                ("newsletter@news.test", 0, 1, None),
            ]
        );
        let domains: Vec<(&str, u32)> = a
            .top_domains
            .iter()
            .map(|d| (d.label.as_str(), d.count))
            .collect();
        assert_eq!(
            domains,
            vec![("example.com", 5), ("partner.test", 3), ("news.test", 1)]
        );
        // 3 h (by In-Reply-To), 12 h (by In-Reply-To), 18 h (by subject: no headers).
        assert_eq!(a.answered, 3);
        assert_eq!(a.median_response_minutes, Some(720));
        assert_eq!(a.p90_response_minutes, Some(1080));
    }

    #[test]
    fn unanswered_threads_keywords_and_thread_lengths() {
        let a = analyse(7);
        // The follow-up from Alice waits 10 days at the end of the export; the newsletter is
        // not from someone the person writes to.
        assert_eq!(a.unanswered_total, 1);
        assert_eq!(a.unanswered[0].subject, "Budget review follow-up");
        assert_eq!(a.unanswered[0].from, "alice@example.com");
        assert_eq!(a.unanswered[0].days_waiting, 10);
        assert_eq!(a.unanswered[0].received, "2026-03-06 11:00");
        assert_eq!(analyse(11).unanswered_total, 0);
        let words: Vec<(&str, u32)> = a
            .keywords
            .iter()
            .map(|k| (k.label.as_str(), k.count))
            .collect();
        assert_eq!(
            words,
            vec![("budget", 5), ("review", 5), ("café", 2), ("plans", 2)]
        );
        let lengths: Vec<u32> = a.thread_lengths.iter().map(|t| t.count).collect();
        assert_eq!(lengths, vec![3, 1, 1, 0, 0]);
        let longest: Vec<(&str, u32)> = a
            .longest_threads
            .iter()
            .map(|t| (t.label.as_str(), t.count))
            .collect();
        assert_eq!(longest, vec![("Budget review", 4), ("Café plans", 2)]);
    }

    #[test]
    fn findings_say_what_the_figures_say() {
        let a = analyse(7);
        let all = a.findings.join("\n");
        assert!(all.contains("You answer alice@example.com, your most frequent correspondent, in a median of 7.5 h."), "{all}");
        assert!(all.contains("25 % of the mail you send goes out outside your working hours (09:00–17:00, Monday to Friday, UTC+01:00)."), "{all}");
        assert!(all.contains("Half of the 3 messages you answered got their answer within 12 h; one in ten waited longer than 18 h."), "{all}");
        assert!(
            all.contains("1 thread from people you write to has waited more than 7 days"),
            "{all}"
        );
        assert!(
            all.contains("Monday is your busiest day: 44 % of all messages."),
            "{all}"
        );
    }

    #[test]
    fn without_own_addresses_everything_is_received_and_it_says_so() {
        let mut analyzer = Analyzer::new(Settings {
            own_addresses: vec!["someone@else.test".into()],
            work_start: 9,
            work_end: 17,
            unanswered_days: 7,
        });
        read(
            Cursor::new(MBOX.as_bytes().to_vec()),
            Format::Mbox,
            Limits {
                max_messages: 100,
                deadline: None,
            },
            &mut |m| analyzer.push(m),
        )
        .unwrap();
        let a = analyzer.finish("x".into(), &Default::default());
        assert_eq!((a.sent, a.received, a.answered), (0, 9, 0));
        assert!(a.findings[0].contains("None of these messages was sent from someone@else.test"));
        // No sent mail: the zone is the most common of all messages.
        assert_eq!(a.utc_offset_minutes, 60);
    }

    #[test]
    fn what_the_narrative_sends_names_no_one() {
        let a = analyse(7);
        let sent = a.anonymised().to_string();
        assert!(!sent.contains('@'), "{sent}");
        for private in [
            "example.com",
            "partner.test",
            "news.test",
            "Budget review follow-up",
            "me@digame",
        ] {
            assert!(!sent.contains(private), "{private} in {sent}");
        }
        assert!(
            sent.contains("correspondent 1") && sent.contains("domain 1"),
            "{sent}"
        );
        assert_eq!(a.anonymised()["messages"]["sent"], 4);
    }

    fn meta(ts: i64, from: &str, subject: &str, id: &str, reply_to: &[&str]) -> MessageMeta {
        MessageMeta {
            timestamp: ts,
            offset_minutes: Some(0),
            from: from.into(),
            to: vec![if from == "me@x.test" {
                "a@y.test".into()
            } else {
                "me@x.test".into()
            }],
            subject: subject.into(),
            message_id: Some(id.into()),
            in_reply_to: reply_to.iter().map(|s| s.to_string()).collect(),
            references: Vec::new(),
        }
    }

    #[test]
    fn threads_follow_headers_and_same_subjects_without_re_stay_apart() {
        let mut analyzer = Analyzer::new(Settings {
            own_addresses: vec!["me@x.test".into()],
            work_start: 9,
            work_end: 17,
            unanswered_days: 7,
        });
        // Two weekly reports with the same subject are two threads; two replies to a
        // message that is not in the export are one; a bare "Re:" joins by subject.
        analyzer.push(meta(1_000, "a@y.test", "Weekly report", "r1", &[]));
        analyzer.push(meta(900_000, "a@y.test", "Weekly report", "r2", &[]));
        analyzer.push(meta(
            2_000,
            "me@x.test",
            "Re: Offsite",
            "o2",
            &["missing-root"],
        ));
        analyzer.push(meta(
            3_000,
            "a@y.test",
            "Re: Offsite",
            "o3",
            &["missing-root"],
        ));
        analyzer.push(meta(
            4_000,
            "me@x.test",
            "Re: Weekly report",
            "r1-reply",
            &[],
        ));
        let a = analyzer.finish("x".into(), &Default::default());
        let lengths: Vec<u32> = a.thread_lengths.iter().map(|t| t.count).collect();
        // r2 alone; r1 with its reply; the offsite pair.
        assert_eq!(lengths, vec![1, 2, 0, 0, 0]);
        // The bare reply answers r1 (by subject), 3,000 s later.
        assert_eq!(a.answered, 1);
        assert_eq!(a.median_response_minutes, Some(50));
    }
}
