//! What the recovery tests share: sessions on the simulator, health predicates, a
//! stopwatch, and stopping and restarting the simulator on one port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::findings::Policy;
use stordeck::model::{HealthState, SourceId, World};
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sim::{self, SimHandle, SimOptions};
use stordeck::sources::connect::{self, Connection};

pub const AWS: [SourceId; 9] = [
    SourceId::EfsFileSystems,
    SourceId::EfsAccessPoints,
    SourceId::EfsMountTargets,
    SourceId::EksCluster,
    SourceId::EksAddons,
    SourceId::EksFargateProfiles,
    SourceId::EksNodegroups,
    SourceId::Ec2Volumes,
    SourceId::Ec2Instances,
];

pub fn live(w: &World, s: SourceId) -> bool {
    w.health
        .get(&s)
        .is_some_and(|h| h.state == HealthState::Live)
}

pub fn all_live(w: &World, sources: &[SourceId]) -> bool {
    sources.iter().all(|s| live(w, *s))
}

/// The Kubernetes sources that are live now.
pub fn live_kube(w: &World) -> Vec<SourceId> {
    SourceId::ALL
        .into_iter()
        .filter(|s| !AWS.contains(s) && live(w, *s))
        .collect()
}

pub async fn session(sim: &SimHandle, clock: Clock) -> Headless {
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    session_on(&conn, clock).await
}

pub async fn session_on(conn: &Connection, clock: Clock) -> Headless {
    let mut h = Headless::start_with(conn, clock, Policy::default());
    assert!(h.first_sync(Duration::from_secs(30)).await, "first sync");
    h
}

/// Folds messages until `done` holds; how long that took, or a panic naming `what`.
pub async fn time_to(
    h: &mut Headless,
    bound: Duration,
    what: &str,
    done: impl Fn(&World) -> bool,
) -> Duration {
    let t = Instant::now();
    assert!(h.until(bound, done).await, "{what}: not within {bound:?}");
    t.elapsed()
}

/// Stops the simulator the way a dying API server goes: it stops accepting, and the
/// open watch streams end.
pub async fn stop(sim: SimHandle) -> SocketAddr {
    let (addr, shared) = (sim.addr, sim.shared.clone());
    sim.shutdown().await;
    sim::lock(&shared).store.drop_watches();
    addr
}

/// A fresh simulator (a new world, its own resourceVersions) on the old one's port.
pub async fn start_on(addr: SocketAddr) -> SimHandle {
    let opts = SimOptions {
        listen: addr,
        live_clock: false,
        ..Default::default()
    };
    for _ in 0..50 {
        if let Ok(sim) = sim::start(opts.clone()).await {
            return sim;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start a simulator on {addr} again");
}

pub fn pv(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/tmp"}}})
}

pub fn has_pv(w: &World, name: &str) -> bool {
    w.pvs.get(name).is_some()
}

pub fn stale_or_error(w: &World, s: SourceId) -> bool {
    w.health.get(&s).is_some_and(|h| {
        matches!(
            h.state,
            HealthState::Stale { .. } | HealthState::Error { .. }
        )
    })
}

pub fn aws_calls(log: &[Value]) -> usize {
    log.iter()
        .filter(|r| {
            let p = r["path"].as_str().unwrap_or_default();
            let ec2 = r["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("Describe"));
            p.starts_with("/2015-02-01/") || p.starts_with("/clusters") || ec2
        })
        .count()
}
