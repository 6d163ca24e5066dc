//! AWS pollers: one paged sweep of EFS and one of EKS per interval, at once on demand
//! (`r`, or after an action), faster while an add-on is changing, slower when throttled.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_efs::Client as Efs;
use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::aws_convert as conv;
use super::aws_errors::{Failure, classify};
use super::health::Tracker;
use crate::clock::Clock;
use crate::model::{AwsMsg, Health, SourceId, SourceMsg};

/// How often each service is swept when nothing is happening.
pub const STEADY_INTERVAL: Duration = Duration::from_secs(30);
/// While an add-on is CREATING/UPDATING/DELETING, so the pane can follow it.
const BUSY_INTERVAL: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const COST_SHARE: u32 = 300;

/// Wakes every poller at once. A generation counter rather than a bare notification, so a
/// refresh asked for while a poller is mid-sweep is not lost: it sweeps again right after.
#[derive(Clone)]
pub struct Refresh(Arc<watch::Sender<u64>>);

impl Default for Refresh {
    fn default() -> Self {
        Refresh(Arc::new(watch::channel(0).0))
    }
}

impl Refresh {
    pub fn now(&self) {
        self.0.send_modify(|g| *g = g.wrapping_add(1));
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// Sleeps for `d` of the clock's time, or until a refresh is asked for.
async fn wait(rx: &mut watch::Receiver<u64>, clock: &Clock, d: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(clock.real(d)) => {}
        _ = rx.changed() => {}
    }
}

#[derive(Clone)]
pub struct AwsSources {
    pub efs: Efs,
    pub eks: Eks,
    /// Without a cluster name the EKS panes cannot be filled; EFS still can.
    pub cluster: Option<String>,
}

pub fn spawn_pollers(
    src: AwsSources,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
    clock: Clock,
) -> Vec<JoinHandle<()>> {
    let efs = tokio::spawn(efs_loop(src.efs, tx.clone(), refresh.clone(), clock));
    let eks = tokio::spawn(eks_loop(
        src.eks,
        src.cluster,
        tx.clone(),
        refresh.clone(),
        clock,
    ));
    vec![efs, eks]
}

/// Exponential backoff with full jitter, so many stordecks don't retry in step.
fn backoff(prev: Duration, floor: Duration) -> Duration {
    let doubled = (prev * 2).clamp(floor, MAX_BACKOFF);
    let jitter = fastrand::u64(0..=doubled.as_millis() as u64 / 2);
    doubled / 2 + Duration::from_millis(jitter)
}

pub(super) struct Outcome {
    pub ok: bool,
    pub throttled: bool,
    pub busy: bool,
}

pub(super) async fn send(tx: &Sender<SourceMsg>, msg: impl Into<SourceMsg>) -> bool {
    tx.send(msg.into()).await.is_ok()
}

pub(super) async fn report(tx: &Sender<SourceMsg>, h: Health) -> bool {
    tx.send(SourceMsg::Health(h)).await.is_ok()
}

async fn efs_loop(efs: Efs, tx: Sender<SourceMsg>, refresh: Refresh, clock: Clock) {
    let mut wake = refresh.subscribe();
    let mut fs_h = Tracker::new(SourceId::EfsFileSystems);
    let mut ap_h = Tracker::new(SourceId::EfsAccessPoints);
    let mut mt_h = Tracker::new(SourceId::EfsMountTargets);
    for h in [&fs_h, &ap_h, &mt_h] {
        if !report(&tx, h.syncing()).await {
            return;
        }
    }
    let mut delay = STEADY_INTERVAL;
    loop {
        let started = tokio::time::Instant::now();
        let hs = (&mut fs_h, &mut ap_h, &mut mt_h);
        let Some(out) = efs_sweep(&efs, &tx, hs, &clock).await else {
            return;
        };
        delay = if out.ok {
            steady_for(clock.from_real(started.elapsed()))
        } else {
            let floor = if out.throttled {
                STEADY_INTERVAL
            } else {
                Duration::from_secs(5)
            };
            backoff(delay, floor)
        };
        wait(&mut wake, &clock, delay).await;
    }
}

/// The steady interval, stretched so that sweeping takes at most 1/`COST_SHARE` of the
/// time: tens of thousands of access points must not keep a core busy re-reading what
/// has not changed. A refresh (`r`, or after an action) still sweeps at once.
fn steady_for(sweep: Duration) -> Duration {
    STEADY_INTERVAL.max(sweep * COST_SHARE).min(MAX_BACKOFF)
}

/// One sweep; `None` when the app has gone away.
async fn efs_sweep(
    efs: &Efs,
    tx: &Sender<SourceMsg>,
    (fs_h, ap_h, mt_h): (&mut Tracker, &mut Tracker, &mut Tracker),
    clock: &Clock,
) -> Option<Outcome> {
    let mut out = Outcome {
        ok: true,
        throttled: false,
        busy: false,
    };
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
    out.ok = false;
    out.throttled |= f.throttled;
}

pub(super) async fn fail(tx: &Sender<SourceMsg>, h: &Tracker, f: Failure) -> Option<Outcome> {
    let throttled = f.throttled;
    report(tx, h.failed(f.reason, f.hint))
        .await
        .then_some(Outcome {
            ok: false,
            throttled,
            busy: false,
        })
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
    tx: Sender<SourceMsg>,
    refresh: Refresh,
    clock: Clock,
) {
    let mut wake = refresh.subscribe();
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
    let mut delay = STEADY_INTERVAL;
    loop {
        let Some(out) = super::aws_eks::sweep(&eks, &cluster, &tx, &mut hs).await else {
            return;
        };
        delay = match (out.ok, out.busy) {
            (true, true) => BUSY_INTERVAL,
            (true, false) => STEADY_INTERVAL,
            (false, _) => backoff(
                delay,
                if out.throttled {
                    STEADY_INTERVAL
                } else {
                    Duration::from_secs(5)
                },
            ),
        };
        wait(&mut wake, &clock, delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_sweeps_stretch_the_interval() {
        assert_eq!(steady_for(Duration::from_millis(20)), STEADY_INTERVAL);
        assert_eq!(
            steady_for(Duration::from_millis(500)),
            Duration::from_secs(150)
        );
        assert_eq!(steady_for(Duration::from_secs(10)), MAX_BACKOFF);
    }

    #[test]
    fn backoff_grows_within_bounds() {
        let mut d = Duration::from_secs(5);
        for _ in 0..20 {
            let next = backoff(d, Duration::from_secs(5));
            assert!(
                next >= Duration::from_millis(2500) && next <= MAX_BACKOFF,
                "{next:?}"
            );
            d = next;
        }
    }
}
