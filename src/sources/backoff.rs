//! How long a failed source waits before it tries again. Capped low enough that a source
//! is live again within seconds of its fault clearing (an uncapped doubling once took four
//! minutes after a 7.5-minute outage), yet a retry during a long outage is one cheap call
//! every few seconds, and a forbidden source keeps to DESIGN.md's two requests a minute.

use std::time::Duration;

use tokio::time::Instant;

/// Why the last attempt failed, as far as retrying goes; when a sweep met several, the
/// greatest decides (the most patient).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Retry {
    /// Unreachable, 5xx, anything else.
    Outage,
    /// Throttled: start slower than for an outage, the service asked us to; one call
    /// every 15 s is nothing to a rate limit.
    Throttled,
    /// Forbidden or unauthenticated: only a change on the operator's side helps, so at
    /// most two requests a minute once it has lasted a minute (`r` retries at once).
    Denied,
}

impl Retry {
    /// (first wait, longest wait); each wait is jittered down by up to a quarter.
    fn bounds(self) -> (Duration, Duration) {
        match self {
            Retry::Throttled => (Duration::from_secs(10), Duration::from_secs(15)),
            // A quarter off 40 s still leaves 30 s between requests.
            Retry::Denied => (Duration::from_secs(5), Duration::from_secs(40)),
            Retry::Outage => (Duration::from_secs(2), Duration::from_secs(15)),
        }
    }
}

/// After this long without a failure, the next failure starts from the first wait again.
const QUIET_RESET: Duration = Duration::from_secs(120);

/// Exponential backoff with jitter, so that many stordecks don't retry in step.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
    last_failure: Option<Instant>,
}

impl Backoff {
    /// The wait after one more failure of kind `why`.
    pub fn failed(&mut self, why: Retry) -> Duration {
        if self
            .last_failure
            .is_some_and(|t| t.elapsed() >= QUIET_RESET)
        {
            self.failures = 0;
        }
        self.last_failure = Some(Instant::now());
        let (first, longest) = why.bounds();
        let d = first
            .saturating_mul(2u32.saturating_pow(self.failures.min(16)))
            .min(longest);
        self.failures = self.failures.saturating_add(1);
        let quarter = d / 4;
        d - Duration::from_millis(fastrand::u64(0..=quarter.as_millis() as u64))
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_a_cap_and_start_over_after_success() {
        for why in [Retry::Throttled, Retry::Denied, Retry::Outage] {
            let (first, longest) = why.bounds();
            let mut b = Backoff::default();
            let w = b.failed(why);
            assert!(w >= first * 3 / 4 && w <= first, "{why:?}: {w:?}");
            for _ in 0..40 {
                let w = b.failed(why);
                assert!(w <= longest, "{why:?}: {w:?}");
            }
            assert!(b.failed(why) >= longest * 3 / 4);
            b.succeeded();
            assert!(b.failed(why) <= first);
        }
    }

    #[test]
    fn a_long_denial_keeps_to_two_requests_a_minute() {
        let mut b = Backoff::default();
        let first_minute: Duration = (0..3).map(|_| b.failed(Retry::Denied)).sum();
        assert!(first_minute <= Duration::from_secs(60), "{first_minute:?}");
        for _ in 0..10 {
            assert!(b.failed(Retry::Denied) >= Duration::from_secs(30));
        }
    }
}
