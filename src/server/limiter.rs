//! Counting requests per caller in fixed one-minute windows, in this process (the JSON API's
//! rate limit, `api::limit`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Requests counted per caller in the current window.
#[derive(Clone, Default)]
pub struct ApiLimiter {
    windows: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
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
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(caller.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        let reset_secs = (WINDOW - now.duration_since(entry.0)).as_secs().max(1);
        if entry.1 >= limit {
            return Verdict {
                allowed: false,
                remaining: 0,
                reset_secs,
            };
        }
        entry.1 += 1;
        Verdict {
            allowed: true,
            remaining: limit - entry.1,
            reset_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::server::limiter::{ApiLimiter, Verdict};
    use std::time::{Duration, Instant};

    #[test]
    fn each_caller_gets_the_limit_per_window() {
        let limiter = ApiLimiter::default();
        let t0 = Instant::now();
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
}
