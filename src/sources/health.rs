//! Turning source failures into health reports that say what went wrong and what to do.

use crate::model::{Health, HealthState, SourceId};

/// Tracks one source's health so a failure after a good sync reads as "stale since …"
/// rather than as an error, and a recovery reads as live again.
pub struct Tracker {
    pub source: SourceId,
    last_ok: Option<jiff::Timestamp>,
}

impl Tracker {
    pub fn new(source: SourceId) -> Self {
        Tracker {
            source,
            last_ok: None,
        }
    }

    pub fn syncing(&self) -> Health {
        self.report(HealthState::Syncing)
    }

    pub fn live(&mut self) -> Health {
        self.last_ok = Some(jiff::Timestamp::now());
        self.report(HealthState::Live)
    }

    pub fn failed(&self, reason: String, hint: String) -> Health {
        match self.last_ok {
            Some(since) => self.report(HealthState::Stale {
                since,
                reason: format!("{reason} — {hint}"),
            }),
            None => self.report(HealthState::Error { reason, hint }),
        }
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
