//! `demo`: every story from DESIGN.md at a size a person can read, and alive.
//!
//! At the start: 72 EFS volumes on fs-A through `efs-sc` (gid range 1000–1100, so its
//! 74 access points already use most of it), 3 orphaned access points, one Retain PV whose
//! access point is gone, 15 claims on fs-B waiting for it to exist, EBS volumes attached to
//! a disrupted node, and `ml-datasets` (fs-C), shared with SageMaker and Lambda, holding
//! 8,200 access points they made: 82% of its quota, none of them orphans. Then, in
//! scenario time:
//! - 15 s: AWS reports fs-B `available`; its ACK resource stays `creating` (story 5).
//! - 16–30 s: fs-B's waiting claims are provisioned, one a second.
//! - 20 s: Karpenter disrupts a second node (story 4).
//! - every 8 s: one more volume on fs-A, 20 in all, eating into the gid range (story 3).

use jiff::SignedDuration;
use serde_json::json;

use super::addons::{self, Fleet};
use super::base::{self, BaseOptions, DISRUPTED_TAINT, FS_A, FS_B};
use super::ml_datasets;
use super::objects as o;
use super::volumes::{EfsVolume, provision_efs, pv_name};
use super::{Scenario, days_ago, modify, put};
use crate::sim::SimState;

pub const GID_RANGE: (i64, i64) = (1000, 1100);
const FS_A_VOLUMES: usize = 72;
/// Index of the fs-A volume whose access point someone deleted (its PV is Retain).
const MISSING_AP: usize = 17;
const ORPHANED_APS: usize = 3;
const FS_B_CLAIMS: u32 = 15;
/// The EFS CSI driver's default gid range start, which `efs-sc-b` leaves in place.
const FS_B_GID_START: i64 = 50_000;
const ALIVE_MAX: u32 = 20;
const ALIVE_EVERY_SECS: i64 = 8;
const FS_B_AVAILABLE_AT: i64 = 15;
const FS_B_BIND_FROM: i64 = 16;
const SECOND_DISRUPTION_AT: i64 = 20;
const NAME_SEED: u64 = 0xde30_0000;

pub struct Demo {
    seq: u64,
    next_gid_a: i64,
    provisioned: u32,
    fs_b_available: bool,
    bound_b: u32,
    second_disrupted: bool,
    ec2_nodes: Vec<String>,
    fleet: Fleet,
}

impl Demo {
    pub fn build(st: &mut SimState) -> Demo {
        let opts = BaseOptions {
            efs_sc_gid_range: Some(GID_RANGE),
            fs_b_available: false,
        };
        let base = base::build(st, &opts);
        let now = base.now;
        let mut d = Demo {
            seq: 0,
            next_gid_a: GID_RANGE.0,
            provisioned: 0,
            fs_b_available: false,
            bound_b: 0,
            second_disrupted: false,
            ec2_nodes: base.ec2_nodes,
            fleet: base.fleet,
        };
        for i in 0..FS_A_VOLUMES {
            let (ns, claim) = if i < 40 {
                ("shop", format!("assets-web-{i}"))
            } else {
                ("media", format!("uploads-{}", i - 40))
            };
            let reclaim = if i == MISSING_AP { "Retain" } else { "Delete" };
            let created = days_ago(now, 180 - 2 * i as i64);
            d.provision_a(st, ns, &claim, reclaim, i != MISSING_AP, created);
        }
        for _ in 0..ORPHANED_APS {
            let pv = d.next_pv_name();
            let gid = d.take_gid_a();
            st.aws.provision_access_point(FS_A, &pv, gid, "700");
        }
        let waiting = now - SignedDuration::from_secs(40);
        for i in 0..FS_B_CLAIMS {
            let claim = format!("scratch-spark-{i}");
            let pvc = o::pvc(
                "analytics",
                &claim,
                "efs-sc-b",
                "efs.csi.aws.com",
                "ReadWriteMany",
                None,
                waiting,
            );
            put(st, pvc);
        }
        // Last, so the ids of everything above stay as they were without it.
        ml_datasets::build(st, now);
        d
    }

    fn next_pv_name(&mut self) -> String {
        self.seq += 1;
        pv_name(NAME_SEED + self.seq)
    }

    fn take_gid_a(&mut self) -> i64 {
        let gid = self.next_gid_a;
        self.next_gid_a += 1;
        gid
    }

    fn provision_a(
        &mut self,
        st: &mut SimState,
        namespace: &str,
        claim: &str,
        reclaim: &str,
        with_access_point: bool,
        created: jiff::Timestamp,
    ) {
        let pv = self.next_pv_name();
        let gid = self.take_gid_a();
        provision_efs(
            st,
            &EfsVolume {
                file_system_id: FS_A,
                storage_class: "efs-sc",
                namespace,
                claim,
                pv: &pv,
                gid,
                reclaim,
                with_access_point,
                // Volumes provisioned by the newer driver carry the `efs:` form.
                efs_prefix: self.seq.is_multiple_of(5),
                created,
            },
        );
    }

    fn make_fs_b_available(st: &mut SimState) {
        if let Some(fs) = st.aws.file_systems.get_mut(FS_B) {
            fs.life_cycle_state = "available".into();
        }
        for mt in st.aws.mount_targets.values_mut() {
            if mt.file_system_id == FS_B {
                mt.life_cycle_state = "available".into();
            }
        }
    }

    fn bind_fs_b_claim(&mut self, st: &mut SimState, i: u32) {
        let pv = self.next_pv_name();
        let claim = format!("scratch-spark-{i}");
        let now = st.now();
        provision_efs(
            st,
            &EfsVolume {
                file_system_id: FS_B,
                storage_class: "efs-sc-b",
                namespace: "analytics",
                claim: &claim,
                pv: &pv,
                gid: FS_B_GID_START + i64::from(i),
                reclaim: "Delete",
                with_access_point: true,
                efs_prefix: true,
                created: now,
            },
        );
    }

    fn disrupt(&mut self, st: &mut SimState, node: &str) {
        modify(st, "nodes", "", node, |v| {
            let taint = o::taint(DISRUPTED_TAINT, None, "NoSchedule");
            match v["spec"]["taints"].as_array_mut() {
                Some(ts) => ts.push(taint),
                None => v["spec"]["taints"] = json!([taint]),
            }
        });
        self.fleet.disrupted += 1;
        addons::recount(st, self.fleet);
    }
}

impl Scenario for Demo {
    fn advance(&mut self, st: &mut SimState, elapsed: SignedDuration) {
        let secs = elapsed.as_secs();
        if secs >= FS_B_AVAILABLE_AT && !self.fs_b_available {
            self.fs_b_available = true;
            Self::make_fs_b_available(st);
        }
        let due_b = if secs >= FS_B_BIND_FROM {
            u32::try_from(secs - FS_B_BIND_FROM + 1).map_or(FS_B_CLAIMS, |n| n.min(FS_B_CLAIMS))
        } else {
            0
        };
        while self.bound_b < due_b {
            self.bind_fs_b_claim(st, self.bound_b);
            self.bound_b += 1;
        }
        if secs >= SECOND_DISRUPTION_AT && !self.second_disrupted {
            self.second_disrupted = true;
            if let Some(node) = self.ec2_nodes.get(1).cloned() {
                self.disrupt(st, &node);
            }
        }
        let due_a =
            u32::try_from(secs.max(0) / ALIVE_EVERY_SECS).map_or(ALIVE_MAX, |n| n.min(ALIVE_MAX));
        while self.provisioned < due_a {
            self.provisioned += 1;
            let claim = format!(
                "uploads-{}",
                FS_A_VOLUMES - 40 + self.provisioned as usize - 1
            );
            let now = st.now();
            self.provision_a(st, "media", &claim, "Delete", true, now);
        }
    }
}
