//! Whose first list goes first. At 100,000 PVs every kind's first list, and every AWS
//! poller's first sweep, competed for the same cores and the same API server, and the
//! Volumes pane waited 2.2–2.9× as long as the PV list alone took. PVs are what every pane
//! and nearly every finding joins on, so their first list goes alone; the other sources
//! say they are syncing and wait for it to end, well or not, but never longer than
//! [`WAIT`], so a slow or hung PV list costs the rest no more than that.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

/// The longest any other source waits for the PV list: several times what 100,000 PVs take
/// from a local server, so only a list that is stuck is overtaken.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Nothing leads: nobody waits (sources started on their own, as some tests do).
    Open,
    Leading,
    Done,
}

/// Shared by every source of one connection.
#[derive(Clone)]
pub struct FirstList(Arc<watch::Sender<State>>);

impl Default for FirstList {
    fn default() -> Self {
        FirstList(Arc::new(watch::channel(State::Open).0))
    }
}

/// Held by the leading source while its first list runs; dropping it lets the rest go.
pub struct Lead(Option<Arc<watch::Sender<State>>>);

impl FirstList {
    /// Taken before any source is spawned, so that none can look before the lead is set.
    pub fn lead(&self) -> Lead {
        self.0.send_replace(State::Leading);
        Lead(Some(self.0.clone()))
    }

    /// Waits while a lead's first list runs, at most [`WAIT`].
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        let ended = rx.wait_for(|s| *s != State::Leading);
        // A timeout or a dropped sender both mean: go.
        let _ = tokio::time::timeout(WAIT, ended).await;
    }
}

impl Lead {
    pub fn end(&mut self) {
        if let Some(tx) = self.0.take() {
            tx.send_replace(State::Done);
        }
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        self.end();
    }
}

/// One source's part in the first lists.
pub enum Turn {
    Lead(Lead),
    After(FirstList),
}

impl Turn {
    /// Returns once this source may start its first list.
    pub async fn wait(&self) {
        if let Turn::After(first) = self {
            first.wait().await;
        }
    }

    /// This source's first list has ended, well or not.
    pub fn end(&mut self) {
        if let Turn::Lead(lead) = self {
            lead.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn the_rest_wait_for_the_lead_to_end() {
        let first = FirstList::default();
        let mut lead = first.lead();
        let waiter = tokio::spawn({
            let first = first.clone();
            async move {
                let t = Instant::now();
                first.wait().await;
                t.elapsed()
            }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        lead.end();
        let waited = waiter.await.unwrap();
        assert!(
            waited >= Duration::from_secs(3) && waited < WAIT,
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stuck_lead_holds_the_rest_back_no_longer_than_wait() {
        let first = FirstList::default();
        let _lead = first.lead();
        let t = Instant::now();
        first.wait().await;
        assert_eq!(t.elapsed(), WAIT);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_lead_or_after_it_nobody_waits() {
        let first = FirstList::default();
        let t = Instant::now();
        first.wait().await;
        drop(first.lead());
        first.wait().await;
        assert_eq!(t.elapsed(), Duration::ZERO);
    }
}
