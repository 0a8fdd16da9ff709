//! Threads and replies, over the records sorted by time.

use super::Record;
use std::collections::HashMap;

/// Each record's thread (the index of its first record). A message joins the thread of a
/// message it names (In-Reply-To, References, even one not in the file), a reply without
/// those headers ("Re: …") the latest thread on its subject; anything else starts one.
pub(super) fn assign(records: &[Record]) -> Vec<usize> {
    let mut thread_of_id: HashMap<u64, usize> = HashMap::new();
    let mut thread_of_topic: HashMap<u32, usize> = HashMap::new();
    let mut thread = Vec::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let by_topic = || {
            r.is_reply
                .then(|| r.topic.and_then(|t| thread_of_topic.get(&t).copied()))
                .flatten()
        };
        let t = r
            .parents
            .iter()
            .find_map(|p| thread_of_id.get(p).copied())
            .or_else(by_topic)
            .unwrap_or(i);
        for id in r.id.iter().chain(r.parents.iter()) {
            thread_of_id.entry(*id).or_insert(t);
        }
        if let Some(topic) = r.topic {
            thread_of_topic.insert(topic, t);
        }
        thread.push(t);
    }
    thread
}

/// When each received record was answered, if it was: a sent reply answers the received
/// message it names (In-Reply-To, then References), or else the latest unanswered received
/// message of its thread.
pub(super) fn answered_at(records: &[Record], thread: &[usize]) -> Vec<Option<i64>> {
    let mut by_id: HashMap<u64, usize> = HashMap::new();
    let mut waiting_in_thread: HashMap<usize, usize> = HashMap::new();
    let mut answered_at: Vec<Option<i64>> = vec![None; records.len()];
    for (i, r) in records.iter().enumerate() {
        if let Some(id) = r.id {
            by_id.insert(id, i);
        }
        if !r.sent {
            waiting_in_thread.insert(thread[i], i);
            continue;
        }
        if !r.is_reply {
            continue;
        }
        let unanswered = |j: &usize| !records[*j].sent && answered_at[*j].is_none();
        let target = r
            .parents
            .iter()
            .find_map(|p| by_id.get(p).copied().filter(unanswered))
            .or_else(|| {
                waiting_in_thread
                    .get(&thread[i])
                    .copied()
                    .filter(unanswered)
            });
        if let Some(j) = target {
            answered_at[j] = Some(r.timestamp);
            if waiting_in_thread.get(&thread[i]) == Some(&j) {
                waiting_in_thread.remove(&thread[i]);
            }
        }
    }
    answered_at
}
