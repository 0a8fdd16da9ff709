//! Counting helpers of the analysis: volumes by day and week, top lists, median and
//! percentile.

use super::{DAILY_DAYS, WEEKS_MAX};
use crate::features::email::{Count, Volume};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::HashMap;

pub(super) fn volumes(
    by_day: &HashMap<NaiveDate, (u32, u32)>,
    first: NaiveDate,
    last: NaiveDate,
) -> (Vec<Volume>, Vec<Volume>) {
    let daily_from = (last - Duration::days(DAILY_DAYS - 1)).max(first);
    let daily = daily_from
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| {
            let (s, r) = by_day.get(&d).copied().unwrap_or_default();
            Volume {
                start: d.to_string(),
                sent: s,
                received: r,
            }
        })
        .collect();
    let monday = |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
    let mut weeks: Vec<Volume> = Vec::new();
    let mut week = monday(first);
    while week <= last {
        weeks.push(Volume {
            start: week.to_string(),
            sent: 0,
            received: 0,
        });
        week += Duration::days(7);
    }
    let first_week = monday(first);
    for (d, (s, r)) in by_day {
        let i = ((monday(*d) - first_week).num_days() / 7) as usize;
        if let Some(w) = weeks.get_mut(i) {
            w.sent += s;
            w.received += r;
        }
    }
    let skip = weeks.len().saturating_sub(WEEKS_MAX);
    (daily, weeks.into_iter().skip(skip).collect())
}

/// The most frequent first; ties in alphabetical order.
pub(super) fn top_counts(items: impl Iterator<Item = (String, u32)>, n: usize) -> Vec<Count> {
    let mut all: Vec<(String, u32)> = items.collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.into_iter()
        .take(n)
        .map(|(label, count)| Count { label, count })
        .collect()
}

/// The middle value (the mean of the two middle ones for an even count).
pub(super) fn median(values: &mut [u32]) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        ((u64::from(values[n / 2 - 1]) + u64::from(values[n / 2])) / 2) as u32
    })
}

/// The nearest-rank percentile.
pub(super) fn percentile(values: &mut [u32], p: u32) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() * p as usize).div_ceil(100).max(1);
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use crate::features::email::analysis::stats::{median, percentile};

    #[test]
    fn medians_and_percentiles_by_rank() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(
            percentile(&mut [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90),
            Some(9)
        );
        assert_eq!(percentile(&mut [7], 90), Some(7));
    }
}
