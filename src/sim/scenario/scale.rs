//! `scale`: the demo's shapes at benchmark size. Every PV is an EFS volume with its access
//! point (4 in 5 on fs-A); more access points than PVs makes orphans, fewer makes PVs
//! whose access point is gone. `churn` changes per second of scenario time: mostly label
//! edits on existing PVs, and every fourth a volume created while an older churned one
//! is deleted.

use std::collections::VecDeque;

use jiff::SignedDuration;
use serde_json::json;

use super::base::{self, BaseOptions, FS_A, FS_B};
use super::objects as o;
use super::volumes::{EfsVolume, provision_efs, pv_name};
use super::{ScaleOptions, Scenario, days_ago, modify, put};
use crate::sim::SimState;
use crate::sim::truth::{self, ObjectId};

const NAMESPACES: usize = 50;
const GID_START: i64 = 50_000;
const NAME_SEED: u64 = 0x5ca1_e000_0000;
/// EFS's default quota of access points per file system, and the 80% of it at which
/// `access-point-quota` warns: a scale world past it on a file system has that fault too.
const AP_QUOTA: usize = 10_000;
const QUOTA_WARN_PERCENT: usize = 80;
/// Churned volumes alive at once; older ones are deleted as new ones arrive.
const CHURN_WINDOW: usize = 32;
/// A clock jump must not stall the simulator: backlog beyond this is dropped.
const MAX_CHANGES_PER_ADVANCE: u64 = 100_000;

struct Churned {
    pv: String,
    namespace: String,
    claim: String,
    access_point: String,
}

pub struct Scale {
    churn: f64,
    applied: u64,
    pv_names: Vec<String>,
    cursor: usize,
    seq: u64,
    churned: VecDeque<Churned>,
}

fn team(i: usize) -> String {
    format!("team-{:03}", i % NAMESPACES)
}

/// Four in five volumes on fs-A.
fn placement(i: usize) -> (&'static str, &'static str) {
    if i % 5 == 4 {
        (FS_B, "efs-sc-b")
    } else {
        (FS_A, "efs-sc")
    }
}

/// The base world and `opts.pvs` EFS volumes with `opts.access_points` access points;
/// returns the PV names. The planted faults (orphans, PVs without an access point) go into
/// the ground truth.
pub fn populate(st: &mut SimState, opts: &ScaleOptions) -> Vec<String> {
    let opts_base = BaseOptions {
        efs_sc_gid_range: None,
        fs_b_available: true,
    };
    let now = base::build(st, &opts_base).now;
    for i in 0..NAMESPACES.min(opts.pvs.max(1)) {
        put(st, o::namespace(&team(i), days_ago(now, 100)));
    }
    let mut pv_names = Vec::with_capacity(opts.pvs);
    for i in 0..opts.pvs {
        let (fs, sc) = placement(i);
        let pv = pv_name(NAME_SEED + i as u64);
        let back = i64::try_from(opts.pvs - i).unwrap_or(i64::MAX / 120);
        let with_access_point = i < opts.access_points;
        provision_efs(
            st,
            &EfsVolume {
                file_system_id: fs,
                storage_class: sc,
                namespace: &team(i),
                claim: &format!("data-{i}"),
                pv: &pv,
                gid: GID_START + i as i64,
                reclaim: "Delete",
                with_access_point,
                efs_prefix: i % 5 == 0,
                created: now - SignedDuration::from_secs(back.saturating_mul(60)),
            },
        );
        if !with_access_point {
            st.truth.plant(
                "missing-access-point",
                ObjectId::cluster(truth::PV, &pv),
                [ObjectId::namespaced(
                    truth::PVC,
                    &team(i),
                    &format!("data-{i}"),
                )],
                now,
                "access point deleted in AWS, PV left bound",
            );
        }
        pv_names.push(pv);
    }
    for i in opts.pvs..opts.access_points {
        let (fs, _) = placement(i);
        let token = pv_name(NAME_SEED + i as u64);
        let ap = st
            .aws
            .provision_access_point(fs, &token, GID_START + i as i64, "700");
        st.truth.plant(
            "orphan-access-point",
            ObjectId::cluster(truth::ACCESS_POINT, &ap.id),
            [],
            now,
            "access point with no PV",
        );
    }
    plant_quota_faults(st, now);
    pv_names
}

/// Large sizes fill a file system (4 in 5 volumes go to fs-A): 20,000 access points put
/// 16,000 there, over EFS's quota, which the ground truth must say.
fn plant_quota_faults(st: &mut SimState, now: jiff::Timestamp) {
    for fs in [FS_A, FS_B] {
        let n = st
            .aws
            .access_points
            .values()
            .filter(|ap| ap.file_system_id == fs)
            .count();
        if n * 100 >= AP_QUOTA * QUOTA_WARN_PERCENT {
            st.truth.plant(
                "access-point-quota",
                ObjectId::cluster(truth::FILE_SYSTEM, fs),
                [],
                now,
                &format!("{n} access points on {fs}, of a quota of {AP_QUOTA}"),
            );
        }
    }
}

impl Scale {
    pub fn build(st: &mut SimState, opts: &ScaleOptions) -> Scale {
        let pv_names = populate(st, opts);
        Scale {
            churn: opts.churn.max(0.0),
            applied: 0,
            seq: opts.pvs.max(opts.access_points) as u64,
            pv_names,
            cursor: 0,
            churned: VecDeque::new(),
        }
    }

    fn relabel(&mut self, st: &mut SimState) {
        if self.pv_names.is_empty() {
            return;
        }
        let name = &self.pv_names[self.cursor % self.pv_names.len()];
        self.cursor += 1;
        let generation = self.applied.to_string();
        modify(st, "persistentvolumes", "", name, |v| {
            v["metadata"]["labels"]["stordeck.sim/churn"] = json!(generation);
        });
    }

    fn replace(&mut self, st: &mut SimState) {
        self.seq += 1;
        let i = self.seq as usize;
        let (fs, sc) = placement(i);
        let c = Churned {
            pv: pv_name(NAME_SEED + self.seq),
            namespace: team(i),
            claim: format!("churn-{i}"),
            access_point: String::new(),
        };
        let now = st.now();
        let ap = provision_efs(
            st,
            &EfsVolume {
                file_system_id: fs,
                storage_class: sc,
                namespace: &c.namespace,
                claim: &c.claim,
                pv: &c.pv,
                gid: GID_START + i as i64,
                reclaim: "Delete",
                with_access_point: true,
                efs_prefix: false,
                created: now,
            },
        );
        self.churned.push_back(Churned {
            access_point: ap,
            ..c
        });
        if self.churned.len() > CHURN_WINDOW
            && let Some(old) = self.churned.pop_front()
        {
            st.store
                .delete("persistentvolumeclaims", &old.namespace, &old.claim);
            st.store.delete("persistentvolumes", "", &old.pv);
            st.aws.access_points.remove(&old.access_point);
        }
    }
}

impl Scenario for Scale {
    fn advance(&mut self, st: &mut SimState, elapsed: SignedDuration) {
        if self.churn <= 0.0 {
            return;
        }
        // Saturating float-to-int: a negative elapsed time means nothing is due.
        let target = (elapsed.as_secs_f64() * self.churn) as u64;
        let mut budget = MAX_CHANGES_PER_ADVANCE;
        while self.applied < target && budget > 0 {
            if self.applied % 4 == 3 {
                self.replace(st);
            } else {
                self.relabel(st);
            }
            self.applied += 1;
            budget -= 1;
        }
        self.applied = self.applied.max(target);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::state;
    use super::*;
    use crate::sim::scenario::ScenarioName;

    fn quota_faults(aps: usize) -> Vec<String> {
        let opts = ScaleOptions {
            pvs: aps,
            access_points: aps,
            churn: 0.0,
        };
        let st = state(ScenarioName::Churn, &opts);
        (st.truth.faults.iter())
            .filter(|f| f.rule == "access-point-quota")
            .map(|f| f.subject.name.clone())
            .collect()
    }

    #[test]
    fn a_file_system_filled_past_the_quota_warning_is_in_the_ground_truth() {
        assert!(quota_faults(200).is_empty());
        // 20,000 volumes: 16,000 access points on fs-A, 4,000 on fs-B.
        assert_eq!(quota_faults(20_000), [FS_A]);
    }
}
