//! Turning source failures into health reports that say what went wrong and what to do.

use crate::model::{Health, HealthState, SourceId};

/// Tracks one source's health so a failure after a good sync reads as "stale since …"
/// rather than as an error, and a recovery reads as live again.
pub struct Tracker {
    pub source: SourceId,
    last_ok: Option<jiff::Timestamp>,
    /// The last failure reported, until the next success: a poller learns how long it
    /// will wait only after its sweep has reported every failure, and then says it again
    /// with the next try. A Mutex, not a RefCell: sweeps hold `&Tracker` across awaits.
    last_failure: std::sync::Mutex<Option<Health>>,
}

impl Tracker {
    pub fn new(source: SourceId) -> Self {
        Tracker {
            source,
            last_ok: None,
            last_failure: std::sync::Mutex::new(None),
        }
    }

    pub fn syncing(&self) -> Health {
        self.report(HealthState::Syncing)
    }

    pub fn live(&mut self) -> Health {
        self.last_ok = Some(jiff::Timestamp::now());
        *self
            .last_failure
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        self.report(HealthState::Live)
    }

    pub fn failed(&self, reason: String, hint: String) -> Health {
        let h = match self.last_ok {
            Some(since) => self.report(HealthState::Stale {
                since,
                reason: format!("{reason} — {hint}"),
            }),
            None => self.report(HealthState::Error { reason, hint }),
        };
        *self
            .last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(h.clone());
        h
    }

    /// The failure reported since `since`, again, with its next try `wait` from now;
    /// `None` when this source did not fail then.
    pub fn next_try(&self, since: jiff::Timestamp, wait: std::time::Duration) -> Option<Health> {
        let last = self
            .last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()?;
        (last.at >= since).then(|| {
            let again = Health {
                at: jiff::Timestamp::now(),
                ..last
            };
            Self::retrying(again, wait)
        })
    }

    pub fn absent(&self, reason: String) -> Health {
        self.report(HealthState::Absent { reason })
    }

    /// `h` saying that the next try is `wait` from now.
    pub fn retrying(mut h: Health, wait: std::time::Duration) -> Health {
        h.retry_at = jiff::SignedDuration::try_from(wait)
            .ok()
            .and_then(|d| h.at.checked_add(d).ok());
        h
    }

    fn report(&self, state: HealthState) -> Health {
        Health {
            source: self.source,
            state,
            at: jiff::Timestamp::now(),
            retry_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_of_this_sweep_is_said_again_with_its_next_try() {
        let mut t = Tracker::new(SourceId::EfsAccessPoints);
        let before = jiff::Timestamp::now();
        assert!(
            t.next_try(before, std::time::Duration::from_secs(5))
                .is_none()
        );
        let failed = t.failed("EFS is throttling".into(), "backing off".into());
        let again = t
            .next_try(before, std::time::Duration::from_secs(15))
            .expect("it failed in this sweep");
        assert_eq!(again.state, failed.state);
        let due = again.retry_at.expect("a next try");
        assert_eq!(
            due.duration_since(again.at),
            jiff::SignedDuration::from_secs(15)
        );
        let later = again.at + jiff::SignedDuration::from_secs(1);
        assert!(
            t.next_try(later, std::time::Duration::from_secs(5))
                .is_none(),
            "an older failure"
        );
        t.live();
        assert!(
            t.next_try(before, std::time::Duration::from_secs(5))
                .is_none(),
            "live again"
        );
    }
}
