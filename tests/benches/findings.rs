//! What re-evaluating the findings costs per watch event at 100,000 PVs (DESIGN.md,
//! "Budgets": at most 50 µs an event, mean, under 200 events/s), against judging the whole
//! World again. Two Worlds: 100,000 EFS PVs whose file systems EFS has not listed (the
//! PV side alone), and the same with their 100,000 access points listed over 10 file
//! systems (where the rules over access points judge them too). The churn is PV updates
//! (reclaim policy Delete ⇄ Retain on Bound PVs), as a watch delivers them; only the
//! re-evaluation is timed, not folding the events. Then one sweep of a file system's
//! 10,000 access points with three changes (one gone, one new and unused, one changed):
//! folding it into the World, and re-evaluating after it, timed apart.
//! `cargo bench --bench findings`; per event = the time per iteration / its events.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::PersistentVolume;
use serde_json::json;
use stordeck::model::findings::{Findings, Policy};
use stordeck::model::input::{AccessPointRec, FileSystemRec};
use stordeck::model::{AwsMsg, Change, Health, HealthState, KubeMsg, SourceId, SourceMsg, World};

const PVS: usize = 100_000;
const FILE_SYSTEMS: usize = 10;

fn fs_of(i: usize) -> String {
    format!("fs-{:08x}", i % FILE_SYSTEMS)
}

fn ap_of(i: usize) -> String {
    format!("fsap-{i:017x}")
}

fn name(i: usize) -> String {
    format!("pvc-{i:08x}-0000-4000-8000-000000000000")
}

fn pv(i: usize, phase: &str, reclaim: &str) -> PersistentVolume {
    serde_json::from_value(json!({
        "metadata": {"name": name(i), "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "csi-provisioner", "operation": "Update"}]},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"], "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": "efs-sc", "claimRef": {"namespace": "apps", "name": format!("data-{i}")},
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": format!("{}::{}", fs_of(i), ap_of(i))}},
        "status": {"phase": phase}
    }))
    .expect("valid PV")
}

fn access_point(i: usize) -> AccessPointRec {
    AccessPointRec {
        id: ap_of(i).into(),
        arn: None,
        file_system_id: fs_of(i).into(),
        client_token: Some(name(i).into()),
        name: None,
        root_path: Some(format!("/dynamic_provisioning/{}", name(i)).into()),
        uid: Some(1000),
        gid: Some(1000),
        life_cycle_state: "available".into(),
        tags: vec![("efs.csi.aws.com/cluster".into(), "true".into())],
    }
}

fn world(now: Timestamp, list_access_points: bool) -> World {
    let mut w = World::default();
    let apply = |w: &mut World, m: KubeMsg| w.apply(SourceMsg::from(m), now);
    apply(&mut w, KubeMsg::Pv(Change::InitStart));
    for i in 0..PVS {
        apply(
            &mut w,
            KubeMsg::Pv(Change::InitApply(pv(i, "Bound", "Delete"))),
        );
    }
    apply(&mut w, KubeMsg::Pv(Change::InitDone));
    let health = Health {
        source: SourceId::Pvs,
        state: HealthState::Live,
        at: now,
        retry_at: None,
    };
    w.apply(SourceMsg::Health(health), now);
    if !list_access_points {
        return w;
    }
    let file_systems = (0..FILE_SYSTEMS)
        .map(|i| FileSystemRec {
            id: fs_of(i),
            name: None,
            arn: None,
            life_cycle_state: "available".into(),
            creation_time: None,
            size_bytes: None,
            number_of_mount_targets: 3,
            tags: vec![],
        })
        .collect();
    w.apply(SourceMsg::Aws(AwsMsg::FileSystems(file_systems)), now);
    for f in 0..FILE_SYSTEMS {
        let items = (f..PVS).step_by(FILE_SYSTEMS).map(access_point).collect();
        let msg = AwsMsg::AccessPoints {
            file_system_id: fs_of(f),
            items,
            started: now - SignedDuration::from_secs(1),
        };
        w.apply(SourceMsg::Aws(msg), now);
    }
    w
}

/// `events` PV updates spread over the World, then one re-evaluation, timed alone.
fn churn_then_refresh(
    w: &mut World,
    f: &mut Findings,
    now: &mut Timestamp,
    next: &mut usize,
    events: usize,
) -> Duration {
    for _ in 0..events {
        let i = (*next * 7_919) % PVS;
        let reclaim = if (*next / PVS).is_multiple_of(2) {
            "Retain"
        } else {
            "Delete"
        };
        *next += 1;
        let msg = SourceMsg::from(KubeMsg::Pv(Change::Apply(pv(i, "Bound", reclaim))));
        w.apply(msg, *now);
    }
    // Past the refresh spacing (which stretches with the cost of a whole evaluation), so
    // that it evaluates.
    *now += SignedDuration::from_secs(10);
    let started = Instant::now();
    let evaluated = f.refresh(w, *now);
    let took = started.elapsed();
    assert!(evaluated, "the churn must be re-evaluated");
    black_box(f.len());
    took
}

/// File system 0's listing, and the same with three changes: its first access point gone,
/// its second `deleting`, and one no PV uses.
fn listings() -> [Vec<AccessPointRec>; 2] {
    let listed: Vec<AccessPointRec> = (0..PVS).step_by(FILE_SYSTEMS).map(access_point).collect();
    let mut changed = listed[1..].to_vec();
    changed[0].life_cycle_state = "deleting".into();
    let mut unused = access_point(PVS);
    unused.file_system_id = fs_of(0).into();
    changed.push(unused);
    [listed, changed]
}

/// Sweeps of file system 0 that alternate between the two listings (so each changes
/// three access points), folded then re-evaluated: (fold, re-evaluation) times.
fn sweeps(
    w: &mut World,
    f: &mut Findings,
    now: &mut Timestamp,
    turn: &mut usize,
    iters: u64,
) -> (Duration, Duration) {
    let lists = listings();
    let (mut fold, mut eval) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        *turn += 1;
        *now += SignedDuration::from_secs(10);
        let msg = AwsMsg::AccessPoints {
            file_system_id: fs_of(0),
            items: lists[*turn % 2].clone(),
            started: *now - SignedDuration::from_secs(1),
        };
        let started = Instant::now();
        w.apply(SourceMsg::Aws(msg), *now);
        fold += started.elapsed();
        let started = Instant::now();
        assert!(f.refresh(w, *now), "the sweep must be re-evaluated");
        eval += started.elapsed();
        black_box(f.len());
    }
    (fold, eval)
}

fn sweep_benches(c: &mut Criterion) {
    let mut now = Timestamp::now();
    let mut w = world(now, true);
    let mut turn = 0;
    let mut g = c.benchmark_group(
        "one sweep of 10k access points with 3 changes, 100k PVs + 100k access points",
    );
    for (label, whole) in [("incremental", false), ("whole", true)] {
        let mut f = Findings::with_policy(Policy::default());
        if whole {
            f = f.judging_whole();
        }
        f.refresh(&w, now);
        if !whole {
            g.bench_function("fold the sweep into the World", |b| {
                b.iter_custom(|iters| sweeps(&mut w, &mut f, &mut now, &mut turn, iters).0)
            });
        }
        g.bench_function(format!("re-evaluate after it, {label}"), |b| {
            b.iter_custom(|iters| sweeps(&mut w, &mut f, &mut now, &mut turn, iters).1)
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    for (world_label, list) in [("PVs only", false), ("+ 100k access points", true)] {
        let mut now = Timestamp::now();
        let mut w = world(now, list);
        let mut next = 0;
        for (label, whole) in [("incremental", false), ("whole", true)] {
            let mut f = Findings::with_policy(Policy::default());
            if whole {
                f = f.judging_whole();
            }
            f.refresh(&w, now);
            let mut g = c.benchmark_group(format!("findings {label}, 100k PVs {world_label}"));
            for events in [1, 200] {
                g.throughput(Throughput::Elements(events as u64));
                g.bench_function(format!("re-evaluate after {events} PV events"), |b| {
                    b.iter_custom(|iters| {
                        (0..iters)
                            .map(|_| {
                                churn_then_refresh(&mut w, &mut f, &mut now, &mut next, events)
                            })
                            .sum()
                    })
                });
            }
            g.finish();
        }
    }
}

criterion_group! {
    name = findings;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = benches, sweep_benches
}
criterion_main!(findings);
