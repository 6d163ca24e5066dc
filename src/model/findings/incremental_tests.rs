//! The incremental evaluation against the whole one: random churn over a small world
//! (so that PVs, claims, access points, probes and file systems collide often), and after
//! every evaluation the same findings in the same order, the same candidates and the same
//! wanted reads as judging every PV and access point again, and as a from-scratch
//! evaluation.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::testkit::{ap, fs, now, storage_class};
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

/// Half the names are the ones the external-provisioner gives (`pvc-<claim uid>`), which
/// tie an access point's ClientToken to a claim; the others tie it to a PV alone.
fn pv_name(r: &mut fastrand::Rng) -> String {
    let n = r.usize(..14);
    if n.is_multiple_of(2) {
        format!("pvc-{}", uid(n))
    } else {
        format!("pv-{n}")
    }
}

fn uid(n: usize) -> String {
    format!("{n:08}-0000-4000-8000-000000000000")
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
    let token = pv_name(r);
    let mut a = ap(id, fs, &token, 1000 + r.u32(0..5));
    if r.usize(..6) == 0 {
        a.life_cycle_state = "creating".into();
    }
    a
}

fn pv_msg(c: Change<k8s_openapi::api::core::v1::PersistentVolume>) -> SourceMsg {
    SourceMsg::from(KubeMsg::Pv(c))
}

/// The claim of an even-numbered PV, under the name the PV's claimRef gives it, with the
/// uid its name holds (or, now and then, another: a claim recreated under the same name).
fn pvc_obj(r: &mut fastrand::Rng) -> k8s_openapi::api::core::v1::PersistentVolumeClaim {
    let n = 2 * r.usize(..7);
    let uid = if r.usize(..5) == 0 {
        uid(n + 1)
    } else {
        uid(n)
    };
    serde_json::from_value(json!({
        "metadata": {"name": format!("claim-pvc-{}", self::uid(n)), "namespace": "shop",
                     "uid": uid, "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"storageClassName": "efs-sc"},
        "status": {"phase": pick(r, &["Pending", "Bound"])},
    }))
    .expect("PVC")
}

fn pvc_msg(c: Change<k8s_openapi::api::core::v1::PersistentVolumeClaim>) -> SourceMsg {
    SourceMsg::from(KubeMsg::Pvc(c))
}

/// One random change to `w` at `t`.
fn churn(r: &mut fastrand::Rng, w: &mut World, t: &mut Timestamp) {
    match r.usize(..10) {
        0 => claim_churn(r, w, *t),
        1 => sweep_with_few_changes(r, w, *t),
        _ => other_churn(r, w, t),
    }
}

fn claim_churn(r: &mut fastrand::Rng, w: &mut World, at: Timestamp) {
    match r.usize(..10) {
        0..=5 => w.apply(pvc_msg(Change::Apply(pvc_obj(r))), at),
        6..=8 => w.apply(pvc_msg(Change::Delete(pvc_obj(r))), at),
        _ => {
            w.apply(pvc_msg(Change::InitStart), at);
            for _ in 0..r.usize(..4) {
                w.apply(pvc_msg(Change::InitApply(pvc_obj(r))), at);
            }
            w.apply(pvc_msg(Change::InitDone), at);
        }
    }
}

/// A file system listed again as a sweep finds it: what the World holds, with an access
/// point gone, one added and one changed, each only sometimes.
fn sweep_with_few_changes(r: &mut fastrand::Rng, w: &mut World, at: Timestamp) {
    let fs_id = pick(r, &FS[..2]);
    let mut items: Vec<AccessPointRec> = w.access_points_of(fs_id).cloned().collect();
    if !items.is_empty() && r.bool() {
        items.remove(r.usize(..items.len()));
    }
    if r.bool() {
        let id = ap_id(r);
        items.retain(|a| a.id != id);
        items.push(ap_rec(r, &id, fs_id));
    }
    if !items.is_empty() && r.bool() {
        let i = r.usize(..items.len());
        let a = &mut items[i];
        match r.usize(..3) {
            0 => a.life_cycle_state = pick(r, &["available", "creating", "deleting"]).into(),
            1 => a.gid = Some(1000 + r.u32(0..5)),
            _ => a.client_token = Some(pv_name(r).into()),
        }
    }
    let msg = AwsMsg::AccessPoints {
        file_system_id: fs_id.into(),
        items,
        started: at - SignedDuration::from_secs(r.i64(0..150)),
    };
    w.apply(SourceMsg::Aws(msg), at);
}

fn other_churn(r: &mut fastrand::Rng, w: &mut World, t: &mut Timestamp) {
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
            let outcome = if r.usize(..3) == 0 {
                ProbeOutcome::Found {
                    uid: Some(uid(r.usize(..14))),
                }
            } else {
                ProbeOutcome::NotFound
            };
            let p = ProbeResult {
                key,
                started: ago(r),
                outcome,
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

/// What the World counts per file system is what its table holds.
fn assert_counts(w: &World, at: &str) {
    for fs_id in FS {
        let aps: Vec<&AccessPointRec> = w.access_points_of(fs_id).collect();
        assert_eq!(w.access_point_count(fs_id), aps.len(), "count: {at}");
        let mut gids: Vec<i64> = aps.iter().filter_map(|a| a.gid.map(i64::from)).collect();
        gids.sort_unstable();
        gids.dedup();
        let kept: Vec<i64> = w.access_point_gids(fs_id, i64::MIN..=i64::MAX).collect();
        assert_eq!(kept, gids, "gids: {at}");
    }
    let counted: Vec<(&str, usize)> = w.access_point_counts().collect();
    assert!(counted.iter().all(|(_, n)| *n > 0), "{counted:?}: {at}");
}

#[test]
fn incremental_findings_equal_judging_every_pv_after_every_step_of_random_churn() {
    // [missing-access-point, released-volume, orphan-access-point, gid-range, candidates]
    let mut seen = [0usize; 5];
    for seed in 0..60 {
        let mut r = fastrand::Rng::with_seed(seed);
        let mut w = World::default();
        let mut t = now();
        let items = FS.iter().map(|id| fs(id, "available", &[])).collect();
        w.apply(SourceMsg::Aws(AwsMsg::FileSystems(items)), t);
        // Five gids, so that the churn fills the range and empties it again.
        let range = json!({"fileSystemId": "fs-a", "gidRangeStart": "1000", "gidRangeEnd": "1004"});
        storage_class(&mut w, "efs-sc", range);
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
            assert_counts(&w, &at);
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
                let rule = [
                    super::missing_access_point::ID,
                    super::released_volume::ID,
                    super::orphan_access_point::ID,
                    super::gid_range::ID,
                ];
                if let Some(i) = rule.iter().position(|id| *id == f.id) {
                    seen[i] += 1;
                }
            }
            seen[4] += inc.checking().len();
        }
    }
    // Not vacuous: the churn produced findings of every rule judged incrementally and of
    // one counting gids, and candidates.
    assert!(seen.iter().all(|n| *n > 100), "{seen:?}");
}
