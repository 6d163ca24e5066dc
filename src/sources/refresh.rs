//! Refresh requests: after an action the AWS pollers sweep again; `r` also relists every
//! Kubernetes kind, which is what it takes to recover from an API server that was replaced
//! behind the watches' backs. Bursts coalesce: `r` held down must not become a storm of
//! sweeps (ten presses in a second once cost nine full EFS sweeps).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::first_list::FirstList;

/// A source started on request no sooner than this after it last started: presses within
/// it are served by one follow-up, however many there were.
pub const REFRESH_GAP: Duration = Duration::from_secs(2);

/// Generation counters rather than bare notifications, so a request made while a source is
/// busy is not lost: it is served by the source's next start.
#[derive(Clone)]
pub struct Refresh {
    aws: Arc<watch::Sender<u64>>,
    kube: Arc<watch::Sender<u64>>,
    /// Not a refresh, but shared by the same sources: whose first list goes first.
    first: FirstList,
}

impl Default for Refresh {
    fn default() -> Self {
        Refresh {
            aws: Arc::new(watch::channel(0).0),
            kube: Arc::new(watch::channel(0).0),
            first: FirstList::default(),
        }
    }
}

impl Refresh {
    /// The AWS pollers sweep again. Enough after an action: Kubernetes changes arrive
    /// through the watches.
    pub fn now(&self) {
        bump(&self.aws);
    }

    /// `r`: the AWS pollers sweep and every Kubernetes kind relists.
    pub fn all(&self) {
        bump(&self.aws);
        bump(&self.kube);
    }

    pub(crate) fn aws_requests(&self) -> Requests {
        Requests(self.aws.subscribe())
    }

    pub(crate) fn kube_requests(&self) -> Requests {
        Requests(self.kube.subscribe())
    }

    pub(crate) fn first_list(&self) -> &FirstList {
        &self.first
    }
}

fn bump(tx: &watch::Sender<u64>) {
    tx.send_modify(|g| *g = g.wrapping_add(1));
}

/// One source's side of the requests.
pub(crate) struct Requests(watch::Receiver<u64>);

impl Requests {
    /// Every request so far is served by what the source is starting now.
    pub fn served(&mut self) {
        self.0.borrow_and_update();
    }

    /// Resolves once a request is waiting that no start has served, and not sooner than
    /// `REFRESH_GAP` after `last_start`. Cancel-safe: a request seen here stays waiting
    /// until `served`, even if this future is dropped.
    pub async fn wanted(&mut self, last_start: Instant) {
        if self.0.changed().await.is_err() {
            // Nobody can ask any more.
            std::future::pending::<()>().await;
        }
        self.0.mark_changed();
        tokio::time::sleep_until(last_start + REFRESH_GAP).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_waits_out_the_gap_and_is_served_once() {
        let r = Refresh::default();
        let mut req = r.aws_requests();
        let started = Instant::now();
        req.served();
        for _ in 0..10 {
            r.now();
        }
        req.wanted(started).await;
        assert!(started.elapsed() >= REFRESH_GAP);
        req.served();
        let idle = tokio::time::timeout(Duration::from_secs(60), req.wanted(Instant::now()));
        assert!(idle.await.is_err(), "nothing is left waiting once served");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_survives_a_dropped_wait() {
        let r = Refresh::default();
        let mut req = r.kube_requests();
        let started = Instant::now();
        r.all();
        let early = tokio::time::timeout(Duration::from_millis(10), req.wanted(started));
        assert!(early.await.is_err(), "still inside the gap");
        req.wanted(started).await;
        assert!(started.elapsed() >= REFRESH_GAP);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_sender_nothing_is_ever_wanted() {
        let mut req = Refresh::default().aws_requests();
        let never = tokio::time::timeout(Duration::from_secs(60), req.wanted(Instant::now()));
        assert!(never.await.is_err());
    }
}
