//! AWS pollers: one paged sweep of EFS and one of EKS per interval, at once on demand
//! (`r`, or after an action), faster while an add-on is changing, slower when throttled.

pub(crate) mod convert;
mod eks;
mod errors;

use std::time::Duration;

use aws_sdk_efs::Client as Efs;
use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use self::convert as conv;
use self::errors::{Failure, classify};
use super::backoff::{Backoff, Retry};
use super::health::Tracker;
pub use super::refresh::Refresh;
use super::refresh::Requests;
use crate::clock::Clock;
use crate::model::{AwsMsg, Health, SourceId, SourceMsg};

/// How often each service is swept when nothing is happening, unless `[aws]
/// poll_interval` says otherwise.
pub const STEADY_INTERVAL: Duration = Duration::from_secs(30);
/// While an add-on is CREATING/UPDATING/DELETING, so the pane can follow it.
const BUSY_INTERVAL: Duration = Duration::from_secs(2);
/// The longest a costly sweep stretches the steady interval to.
const MAX_INTERVAL: Duration = Duration::from_secs(300);
const COST_SHARE: u32 = 300;

/// Sleeps for `d` of the clock's time, or until a refresh is wanted that the sweep begun
/// at `started` did not serve.
async fn wait(wake: &mut Requests, clock: &Clock, d: Duration, started: Instant) {
    tokio::select! {
        _ = tokio::time::sleep(clock.real(d)) => {}
        _ = wake.wanted(started) => {}
    }
}

#[derive(Clone)]
pub struct AwsSources {
    pub efs: Efs,
    pub eks: Eks,
    /// Without a cluster name the EKS panes cannot be filled; EFS still can.
    pub cluster: Option<String>,
    /// The time between sweeps when nothing is happening.
    pub steady: Duration,
}

pub fn spawn_pollers(
    src: AwsSources,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
    clock: Clock,
) -> Vec<JoinHandle<()>> {
    let efs = tokio::spawn(efs_loop(
        src.efs,
        src.steady,
        tx.clone(),
        refresh.clone(),
        clock,
    ));
    let eks = tokio::spawn(eks_loop(
        src.eks,
        src.cluster,
        src.steady,
        tx.clone(),
        refresh.clone(),
        clock,
    ));
    vec![efs, eks]
}

#[derive(Default)]
pub(super) struct Outcome {
    /// Set when any call failed, to how the next sweep must wait for it.
    pub failed: Option<Retry>,
    pub busy: bool,
}

impl Outcome {
    fn failing(f: &Failure) -> Self {
        let mut out = Outcome::default();
        mark(&mut out, f);
        out
    }
}

pub(super) async fn send(tx: &Sender<SourceMsg>, msg: impl Into<SourceMsg>) -> bool {
    tx.send(msg.into()).await.is_ok()
}

pub(super) async fn report(tx: &Sender<SourceMsg>, h: Health) -> bool {
    tx.send(SourceMsg::Health(h)).await.is_ok()
}

async fn efs_loop(
    efs: Efs,
    steady: Duration,
    tx: Sender<SourceMsg>,
    refresh: Refresh,
    clock: Clock,
) {
    let mut wake = refresh.aws_requests();
    let mut fs_h = Tracker::new(SourceId::EfsFileSystems);
    let mut ap_h = Tracker::new(SourceId::EfsAccessPoints);
    let mut mt_h = Tracker::new(SourceId::EfsMountTargets);
    for h in [&fs_h, &ap_h, &mt_h] {
        if !report(&tx, h.syncing()).await {
            return;
        }
    }
    let mut backoff = Backoff::default();
    loop {
        wake.served();
        let started = Instant::now();
        let swept_at = jiff::Timestamp::now();
        let hs = (&mut fs_h, &mut ap_h, &mut mt_h);
        let Some(out) = efs_sweep(&efs, &tx, hs, &clock).await else {
            return;
        };
        let delay = match out.failed {
            None => {
                backoff.succeeded();
                // The sweep's cost is the process's own time: a fast test clock
                // must not make a cheap sweep look costly and space out the next.
                steady_for(steady, started.elapsed())
            }
            Some(why) => backoff.failed(why),
        };
        if out.failed.is_some()
            && !say_next_try(&tx, [&fs_h, &ap_h, &mt_h], swept_at, &clock, delay).await
        {
            return;
        }
        wait(&mut wake, &clock, delay, started).await;
    }
}

/// Every source that failed in the sweep begun at `since` says when it tries again;
/// false when the app has gone away.
async fn say_next_try<const N: usize>(
    tx: &Sender<SourceMsg>,
    trackers: [&Tracker; N],
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
fn steady_for(steady: Duration, sweep: Duration) -> Duration {
    steady.max((sweep * COST_SHARE).min(MAX_INTERVAL))
}

/// One sweep; `None` when the app has gone away.
async fn efs_sweep(
    efs: &Efs,
    tx: &Sender<SourceMsg>,
    (fs_h, ap_h, mt_h): (&mut Tracker, &mut Tracker, &mut Tracker),
    clock: &Clock,
) -> Option<Outcome> {
    let mut out = Outcome::default();
    let systems = match efs
        .describe_file_systems()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(list) => list.iter().map(conv::file_system).collect::<Vec<_>>(),
        Err(e) => {
            // Without file system ids nothing below can be listed: all three share it.
            let f = classify("EFS", &e);
            for h in [&*ap_h, &*mt_h] {
                report(tx, h.failed(f.reason.clone(), f.hint.clone()))
                    .await
                    .then_some(())?;
            }
            return fail(tx, fs_h, f).await;
        }
    };
    let ids: Vec<String> = systems.iter().map(|f| f.id.clone()).collect();
    publish(tx, fs_h, &mut out, Ok(systems), AwsMsg::FileSystems).await?;
    // Per file system, but one health word per kind: a later success must not hide an
    // earlier failure.
    let (mut ap_fail, mut mt_fail) = (None, None);
    for id in &ids {
        let started = clock.now();
        let aps = efs
            .describe_access_points()
            .file_system_id(id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        match aps {
            Ok(list) => {
                let items = list.iter().map(conv::access_point).collect();
                send(
                    tx,
                    AwsMsg::AccessPoints {
                        file_system_id: id.clone(),
                        items,
                        started,
                    },
                )
                .await
                .then_some(())?;
            }
            Err(e) => ap_fail = Some(classify("EFS", &e)),
        }
        match mount_targets(efs, id).await {
            Ok(items) => send(
                tx,
                AwsMsg::MountTargets {
                    file_system_id: id.clone(),
                    items,
                },
            )
            .await
            .then_some(())?,
            Err(f) => mt_fail = Some(f),
        }
        // Throttled: the rest of the sweep would only be throttled too, and each call
        // makes it worse. What was not re-read is marked stale below.
        let throttled = [&ap_fail, &mt_fail]
            .into_iter()
            .flatten()
            .find(|f| f.throttled)
            .cloned();
        if let Some(f) = throttled {
            ap_fail.get_or_insert_with(|| f.clone());
            mt_fail.get_or_insert(f);
            break;
        }
    }
    publish(tx, ap_h, &mut out, ap_fail.map_or(Ok(()), Err), |()| None).await?;
    publish(tx, mt_h, &mut out, mt_fail.map_or(Ok(()), Err), |()| None).await?;
    Some(out)
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

pub(super) async fn fail(tx: &Sender<SourceMsg>, h: &Tracker, f: Failure) -> Option<Outcome> {
    let out = Outcome::failing(&f);
    report(tx, h.failed(f.reason, f.hint)).await.then_some(out)
}

/// DescribeMountTargets has markers but no SDK paginator.
async fn mount_targets(
    efs: &Efs,
    fs: &str,
) -> Result<Vec<crate::model::input::MountTargetRec>, Failure> {
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = efs
            .describe_mount_targets()
            .file_system_id(fs)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| classify("EFS", &e))?;
        items.extend(page.mount_targets().iter().map(conv::mount_target));
        match page.next_marker() {
            Some(m) if !m.is_empty() && Some(m) != marker.as_deref() => {
                marker = Some(m.to_string())
            }
            _ => return Ok(items),
        }
    }
}

async fn eks_loop(
    eks: Eks,
    cluster: Option<String>,
    steady: Duration,
    tx: Sender<SourceMsg>,
    refresh: Refresh,
    clock: Clock,
) {
    let mut wake = refresh.aws_requests();
    let mut hs = [
        SourceId::EksCluster,
        SourceId::EksAddons,
        SourceId::EksFargateProfiles,
        SourceId::EksNodegroups,
    ]
    .map(Tracker::new);
    let Some(cluster) = cluster else {
        for h in &hs {
            let msg = h.failed(
                "EKS cluster name unknown".into(),
                "pass --cluster NAME (it is inferred from an EKS kubeconfig context)".into(),
            );
            if !report(&tx, msg).await {
                return;
            }
        }
        return;
    };
    for h in &hs {
        if !report(&tx, h.syncing()).await {
            return;
        }
    }
    let mut backoff = Backoff::default();
    loop {
        wake.served();
        let started = Instant::now();
        let swept_at = jiff::Timestamp::now();
        let Some(out) = eks::sweep(&eks, &cluster, &tx, &mut hs).await else {
            return;
        };
        let delay = match (out.failed, out.busy) {
            (Some(why), _) => backoff.failed(why),
            (None, busy) => {
                backoff.succeeded();
                if busy { BUSY_INTERVAL } else { steady }
            }
        };
        let [a, b, c, d] = &hs;
        if out.failed.is_some() && !say_next_try(&tx, [a, b, c, d], swept_at, &clock, delay).await {
            return;
        }
        wait(&mut wake, &clock, delay, started).await;
    }
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
