//! What every AWS poller shares: the loop that sweeps, backs off and waits, and the way a
//! sweep publishes what it read and the health of each source. It imports no service,
//! so each service file depends on this and never on another service.

use std::time::Duration;

use tokio::sync::mpsc::Sender;
use tokio::time::Instant;

use super::errors::Failure;
use crate::clock::Clock;
use crate::model::{AwsMsg, Health, SourceMsg};
use crate::sources::backoff::{Backoff, Retry};
use crate::sources::health::Tracker;
use crate::sources::refresh::{Refresh, Requests};

/// How often each service is swept when nothing is happening, unless `[aws]
/// poll_interval` says otherwise.
pub const STEADY_INTERVAL: Duration = Duration::from_secs(30);
/// The longest a costly sweep stretches the steady interval to.
const MAX_INTERVAL: Duration = Duration::from_secs(300);
const COST_SHARE: u32 = 300;

/// One AWS service as the shared loop drives it.
pub(super) trait Service {
    /// One health tracker per source the service feeds, in a fixed order.
    fn trackers(&self) -> &[Tracker];
    /// One sweep; `None` when the app has gone away.
    async fn sweep(&mut self, tx: &Sender<SourceMsg>, clock: &Clock) -> Option<Outcome>;
    /// The wait after a sweep in which nothing failed and which took `took`.
    fn pace(&self, out: &Outcome, took: Duration) -> Duration;
    /// Returns when the service has its own reason to sweep before the wait is over.
    async fn woken(&mut self) {
        std::future::pending::<()>().await
    }
}

/// Sweeps `svc` until the app goes away: at its own pace while calls succeed, backing off
/// while they fail (and saying when the next try is due), at once when a refresh is asked.
pub(super) async fn run(
    mut svc: impl Service,
    tx: Sender<SourceMsg>,
    refresh: Refresh,
    clock: Clock,
) {
    let mut wake = refresh.aws_requests();
    for h in svc.trackers() {
        if !report(&tx, h.syncing()).await {
            return;
        }
    }
    refresh.first_list().wait().await;
    let mut backoff = Backoff::default();
    loop {
        wake.served();
        let started = Instant::now();
        let swept_at = jiff::Timestamp::now();
        let Some(out) = svc.sweep(&tx, &clock).await else {
            return;
        };
        let delay = match out.failed {
            None => {
                backoff.succeeded();
                // The sweep's cost is the process's own time: a fast test clock must not
                // make a cheap sweep look costly and space out the next.
                svc.pace(&out, started.elapsed())
            }
            Some(why) => backoff.failed(why),
        };
        if out.failed.is_some() && !say_next_try(&tx, svc.trackers(), swept_at, &clock, delay).await
        {
            return;
        }
        wait(&mut wake, &clock, delay, started, &mut svc).await;
    }
}

/// Sleeps for `d` of the clock's time, or until a refresh is wanted that the sweep begun
/// at `started` did not serve, or the service wakes itself.
async fn wait(
    wake: &mut Requests,
    clock: &Clock,
    d: Duration,
    started: Instant,
    svc: &mut impl Service,
) {
    tokio::select! {
        _ = tokio::time::sleep(clock.real(d)) => {}
        _ = wake.wanted(started) => {}
        _ = svc.woken() => {}
    }
}

/// Every source that failed in the sweep begun at `since` says when it tries again;
/// false when the app has gone away.
async fn say_next_try(
    tx: &Sender<SourceMsg>,
    trackers: &[Tracker],
    since: jiff::Timestamp,
    clock: &Clock,
    delay: Duration,
) -> bool {
    for h in trackers {
        if let Some(again) = h.next_try(since, clock.real(delay))
            && !report(tx, again).await
        {
            return false;
        }
    }
    true
}

/// The steady interval, stretched so that sweeping takes at most 1/`COST_SHARE` of the
/// time: tens of thousands of access points must not keep a core busy re-reading what
/// has not changed. A refresh (`r`, or after an action) still sweeps at once.
pub(super) fn steady_for(steady: Duration, sweep: Duration) -> Duration {
    steady.max((sweep * COST_SHARE).min(MAX_INTERVAL))
}

#[derive(Default)]
pub(super) struct Outcome {
    /// Set when any call failed, to how the next sweep must wait for it.
    pub failed: Option<Retry>,
    /// Something is changing that the pane should follow closely.
    pub busy: bool,
}

pub(super) async fn send(tx: &Sender<SourceMsg>, msg: impl Into<SourceMsg>) -> bool {
    tx.send(msg.into()).await.is_ok()
}

pub(super) async fn report(tx: &Sender<SourceMsg>, h: Health) -> bool {
    tx.send(SourceMsg::Health(h)).await.is_ok()
}

/// Sends what a call found (if anything) and says the source is live, or marks the sweep
/// failed and says why. `None` when the app has gone away.
pub(super) async fn publish<T, M: Into<Option<AwsMsg>>>(
    tx: &Sender<SourceMsg>,
    h: &mut Tracker,
    out: &mut Outcome,
    got: Result<T, Failure>,
    msg: impl FnOnce(T) -> M,
) -> Option<()> {
    match got {
        Ok(v) => {
            if let Some(m) = msg(v).into() {
                send(tx, m).await.then_some(())?;
            }
            report(tx, h.live()).await.then_some(())
        }
        Err(f) => {
            mark(out, &f);
            report(tx, h.failed(f.reason, f.hint)).await.then_some(())
        }
    }
}

pub(super) fn mark(out: &mut Outcome, f: &Failure) {
    out.failed = out.failed.max(Some(f.retry()));
}

/// The first call failed and nothing else can be read without it: every tracker in
/// `rest` fails for the same reason as `first`.
pub(super) async fn fail_all(
    tx: &Sender<SourceMsg>,
    first: &Tracker,
    rest: &[&Tracker],
    f: Failure,
) -> Option<Outcome> {
    for h in rest {
        report(tx, h.failed(f.reason.clone(), f.hint.clone()))
            .await
            .then_some(())?;
    }
    let mut out = Outcome::default();
    mark(&mut out, &f);
    report(tx, first.failed(f.reason, f.hint))
        .await
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_sweeps_stretch_the_interval() {
        assert_eq!(
            steady_for(STEADY_INTERVAL, Duration::from_millis(20)),
            STEADY_INTERVAL
        );
        assert_eq!(
            steady_for(STEADY_INTERVAL, Duration::from_millis(500)),
            Duration::from_secs(150)
        );
        assert_eq!(
            steady_for(STEADY_INTERVAL, Duration::from_secs(10)),
            MAX_INTERVAL
        );
        let ten_minutes = Duration::from_secs(600);
        assert_eq!(
            steady_for(ten_minutes, Duration::from_millis(20)),
            ten_minutes,
            "a configured interval beyond the stretch cap is kept"
        );
    }
}
