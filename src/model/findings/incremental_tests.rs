//! The incremental evaluation against the whole one: random churn over a small world
//! (so that PVs, access points, probes and file systems collide often), and after every
//! evaluation the same findings in the same order, the same candidates and the same wanted
//! reads as judging every PV again, and as a from-scratch evaluation.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::testkit::{ap, fs, now};
use super::{Findings, Policy};
use crate::model::input::{AccessPointRec, FileSystemRec};
use crate::model::{
    AwsMsg, Change, Health, HealthState, KubeMsg, ProbeKey, ProbeOutcome, ProbeResult, SourceId,
    SourceMsg, World,
};

const FS: [&str; 3] = ["fs-a", "fs-b", "fs-c"];

fn pick<'a>(r: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[r.usize(..from.len())]
}

fn pv_name(r: &mut fastrand::Rng) -> String {
    format!("pv-{}", r.usize(..14))
}

fn ap_id(r: &mut fastrand::Rng) -> String {
    format!("fsap-{}", r.usize(..12))
}

fn pv_obj(r: &mut fastrand::Rng, name: &str) -> k8s_openapi::api::core::v1::PersistentVolume {
    let fs = pick(r, &FS);
    let (driver, handle) = match r.usize(..8) {
        0 => ("ebs.csi.aws.com", "vol-0123".to_string()),
        1 => ("efs.csi.aws.com", fs.to_string()),
        2 => ("efs.csi.aws.com", format!("efs:{fs}:/data:{}", ap_id(r))),
        _ => ("efs.csi.aws.com", format!("{fs}::{}", ap_id(r))),
    };
    let phase = pick(r, &["Bound", "Released", "Released", "Available"]);
    let reclaim = pick(r, &["Retain", "Delete"]);
    let mut meta = json!({"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"});
    if r.usize(..10) == 0 {
        meta["annotations"] = json!({"stordeck.io/ignore": "*"});
    }
    serde_json::from_value(json!({
        "metadata": meta,
        "spec": {"csi": {"driver": driver, "volumeHandle": handle},
                 "claimRef": {"namespace": "shop", "name": format!("claim-{name}")},
                 "persistentVolumeReclaimPolicy": reclaim, "storageClassName": "efs-sc"},
        "status": {"phase": phase},
    }))
    .expect("PV")
}

fn ap_rec(r: &mut fastrand::Rng, id: &str, fs: &str) -> AccessPointRec {
    let mut a = ap(id, fs, &format!("pv-{}", r.usize(..14)), 1000 + r.i64(..3));
    if r.usize(..6) == 0 {
        a.life_cycle_state = "creating".into();
    }
    a
}

fn pv_msg(c: Change<k8s_openapi::api::core::v1::PersistentVolume>) -> SourceMsg {
    SourceMsg::from(KubeMsg::Pv(c))
}

/// One random change to `w` at `t`.
fn churn(r: &mut fastrand::Rng, w: &mut World, t: &mut Timestamp) {
    let at = *t;
    let ago = |r: &mut fastrand::Rng| at - SignedDuration::from_secs(r.i64(0..150));
    match r.usize(..100) {
        0..=29 => {
            let name = pv_name(r);
            let pv = pv_obj(r, &name);
            w.apply(pv_msg(Change::Apply(pv)), at);
        }
        30..=39 => {
            let pv = serde_json::from_value(json!({"metadata": {"name": pv_name(r)}}));
            w.apply(pv_msg(Change::Delete(pv.expect("PV"))), at);
        }
        40..=54 => {
            // fs-c is never listed: another account's.
            let fs_id = pick(r, &FS[..2]);
            let items = (0..r.usize(..6))
                .map(|_| {
                    let home = if r.usize(..8) == 0 {
                        pick(r, &FS)
                    } else {
                        fs_id
                    };
                    let id = ap_id(r);
                    ap_rec(r, &id, home)
                })
                .collect();
            let started = ago(r);
            let msg = AwsMsg::AccessPoints {
                file_system_id: fs_id.into(),
                items,
                started,
            };
            w.apply(SourceMsg::Aws(msg), at);
        }
        55..=59 => {
            // The same listing again: only its time moves.
            let fs_id = pick(r, &FS[..2]);
            let items = w.access_points_of(fs_id).cloned().collect();
            let msg = AwsMsg::AccessPoints {
                file_system_id: fs_id.into(),
                items,
                started: ago(r),
            };
            w.apply(SourceMsg::Aws(msg), at);
        }
        60..=79 => {
            let id = ap_id(r);
            let outcome = match r.usize(..4) {
                0 => ProbeOutcome::NotFound,
                1 => ProbeOutcome::Invalid {
                    reason: "malformed".into(),
                },
                _ => {
                    let home = pick(r, &FS);
                    ProbeOutcome::AccessPoint(ap_rec(r, &id, home))
                }
            };
            let p = ProbeResult {
                key: ProbeKey::AccessPoint(id),
                started: ago(r),
                outcome,
            };
            w.apply(SourceMsg::Probe(p), at);
        }
        80..=82 => {
            let key = if r.bool() {
                ProbeKey::Pv(pv_name(r))
            } else {
                ProbeKey::Pvc {
                    namespace: "shop".into(),
                    name: format!("claim-{}", pv_name(r)),
                }
            };
            let p = ProbeResult {
                key,
                started: ago(r),
                outcome: ProbeOutcome::NotFound,
            };
            w.apply(SourceMsg::Probe(p), at);
        }
        83..=92 => *t += SignedDuration::from_secs(r.i64(1..90)),
        93 => *t -= SignedDuration::from_secs(r.i64(1..20)),
        94 | 95 => {
            let state = if r.bool() {
                HealthState::Live
            } else {
                HealthState::Syncing
            };
            let h = Health {
                source: SourceId::Pvs,
                state,
                at,
                retry_at: None,
            };
            w.apply(SourceMsg::Health(h), at);
        }
        96 | 97 => {
            let items: Vec<FileSystemRec> = FS
                .iter()
                .filter(|_| r.usize(..5) != 0)
                .map(|id| fs(id, "available", &[]))
                .collect();
            w.apply(SourceMsg::Aws(AwsMsg::FileSystems(items)), at);
        }
        _ => {
            w.apply(pv_msg(Change::InitStart), at);
            for _ in 0..r.usize(..10) {
                let name = pv_name(r);
                let pv = pv_obj(r, &name);
                w.apply(pv_msg(Change::InitApply(pv)), at);
            }
            w.apply(pv_msg(Change::InitDone), at);
        }
    }
}

#[test]
fn incremental_findings_equal_judging_every_pv_after_every_step_of_random_churn() {
    let mut seen = [0usize; 3];
    for seed in 0..60 {
        let mut r = fastrand::Rng::with_seed(seed);
        let mut w = World::default();
        let mut t = now();
        let items = FS.iter().map(|id| fs(id, "available", &[])).collect();
        w.apply(SourceMsg::Aws(AwsMsg::FileSystems(items)), t);
        let mut inc = Findings::with_policy(Policy::default());
        let mut whole = Findings::with_policy(Policy::default()).judging_whole();
        for step in 0..400 {
            // Several changes between two evaluations, as under churn.
            for _ in 0..r.usize(1..5) {
                churn(&mut r, &mut w, &mut t);
            }
            inc.reevaluate(&w, t);
            whole.reevaluate(&w, t);
            let at = format!("seed {seed}, step {step}, at {t}");
            assert_eq!(inc.all(), whole.all(), "findings differ: {at}");
            assert_eq!(inc.checking(), whole.checking(), "checking differs: {at}");
            assert_eq!(inc.wanted(), whole.wanted(), "wanted differs: {at}");
            let fresh = Findings::evaluate(&w, t);
            let strip = |f: &Findings| {
                let mut v = f.all().to_vec();
                v.iter_mut().for_each(|f| f.since = None);
                v
            };
            assert_eq!(strip(&inc), strip(&fresh), "from scratch differs: {at}");
            assert_eq!(inc.checking(), fresh.checking(), "{at}");
            assert_eq!(inc.wanted(), fresh.wanted(), "{at}");
            for f in inc.all() {
                if f.id == super::missing_access_point::ID {
                    seen[0] += 1;
                } else if f.id == super::released_volume::ID {
                    seen[1] += 1;
                }
            }
            seen[2] += inc.checking().len();
        }
    }
    // Not vacuous: the churn produced findings of both per-PV rules, and candidates.
    assert!(seen.iter().all(|n| *n > 100), "{seen:?}");
}
