//! Counting requests per caller in fixed one-minute windows, in this process (the JSON API's
//! rate limit, `api::limit`).
//!
//! The callers are spread over shards, each behind its own lock, so concurrent requests
//! rarely wait for each other. A shard's counts belong to one window (minutes since the
//! limiter started): the first request of the next window drops the previous window's map
//! whole, after the lock is released, instead of scanning it. Memory is bounded: a shard
//! holds at most [`MAX_CALLERS_PER_SHARD`] callers a window, and callers beyond that share
//! one count (a flood of new callers limits itself, not the callers already counted).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
const SHARDS: usize = 16;
pub const MAX_CALLERS_PER_SHARD: usize = 8_192;
/// The shared count of callers that found their shard full.
const OVERFLOW: &str = "\u{0}overflow";

#[derive(Default)]
struct Shard {
    window: u64,
    counts: HashMap<String, u32>,
}

/// Requests counted per caller in the current window.
#[derive(Clone)]
pub struct ApiLimiter {
    shards: Arc<[Mutex<Shard>; SHARDS]>,
    hasher: RandomState,
    started: Instant,
}

impl Default for ApiLimiter {
    fn default() -> Self {
        ApiLimiter {
            shards: Arc::new(std::array::from_fn(|_| Mutex::default())),
            hasher: RandomState::new(),
            started: Instant::now(),
        }
    }
}

/// What one request found: whether it may go on, and the header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl ApiLimiter {
    /// Counts one request of `caller` at `now` against `limit` a minute.
    pub fn count(&self, caller: &str, limit: u32, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.started);
        let window = elapsed.as_secs() / WINDOW.as_secs();
        let reset_secs = (WINDOW.as_secs() - elapsed.as_secs() % WINDOW.as_secs()).max(1);
        let shard = &self.shards[(self.hasher.hash_one(caller) as usize) % SHARDS];
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        // Dropped after the lock is released (the end of this function).
        let mut _previous = HashMap::new();
        if shard.window != window {
            shard.window = window;
            _previous = std::mem::take(&mut shard.counts);
        }
        let key =
            if shard.counts.len() >= MAX_CALLERS_PER_SHARD && !shard.counts.contains_key(caller) {
                OVERFLOW
            } else {
                caller
            };
        let used = match shard.counts.get_mut(key) {
            Some(used) => used,
            None => shard.counts.entry(key.to_owned()).or_insert(0),
        };
        if *used >= limit {
            return Verdict {
                allowed: false,
                remaining: 0,
                reset_secs,
            };
        }
        *used += 1;
        Verdict {
            allowed: true,
            remaining: limit - *used,
            reset_secs,
        }
    }

    /// How many callers are counted in all (for tests of the bound).
    pub fn callers(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).counts.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::web::limiter::{ApiLimiter, Verdict, MAX_CALLERS_PER_SHARD, SHARDS};
    use std::time::Duration;

    #[test]
    fn each_caller_gets_the_limit_per_window() {
        let limiter = ApiLimiter::default();
        let t0 = limiter.started;
        for i in 0..3 {
            assert_eq!(limiter.count("a", 3, t0).remaining, 2 - i);
        }
        let refused = limiter.count("a", 3, t0 + Duration::from_secs(20));
        assert_eq!(
            refused,
            Verdict {
                allowed: false,
                remaining: 0,
                reset_secs: 40
            }
        );
        assert!(
            limiter.count("b", 3, t0).allowed,
            "another caller has their own window"
        );
        assert!(
            limiter.count("a", 3, t0 + Duration::from_secs(60)).allowed,
            "a new window"
        );
    }

    #[test]
    fn memory_is_bounded_and_a_new_window_forgets_the_old_one() {
        let limiter = ApiLimiter::default();
        let t0 = limiter.started;
        let all = MAX_CALLERS_PER_SHARD * SHARDS;
        for i in 0..all + 20_000 {
            limiter.count(&format!("caller-{i}"), 10, t0);
        }
        // Every shard full, plus one shared count per shard at most.
        assert!(limiter.callers() <= all + SHARDS, "{}", limiter.callers());
        assert!(limiter.callers() > all / 2);
        // Callers beyond the bound share a count: a flood of new names is limited as one.
        let overflowed = (0..1_000)
            .filter(|i| !limiter.count(&format!("new-{i}"), 10, t0).allowed)
            .count();
        assert!(overflowed > 900, "{overflowed}");
        // The next window starts empty in every shard it touches.
        for i in 0..SHARDS * 64 {
            limiter.count(&format!("later-{i}"), 10, t0 + Duration::from_secs(61));
        }
        assert!(limiter.callers() <= SHARDS * 64, "{}", limiter.callers());
    }
}
