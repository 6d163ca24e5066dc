//! `demo`: every story from DESIGN.md at a size a person can read, and alive.
//!
//! At the start: 72 EFS volumes on fs-A through `efs-sc` (gid range 1000–1100, so its
//! 74 access points already use most of it), 3 orphaned access points, one Retain PV whose
//! access point is gone, 15 claims on fs-B waiting for it to exist, EBS volumes attached to
//! a disrupted node whose EBS agent was evicted (in AWS too, with the moved pod's
//! Multi-Attach Events) and one orphaned EBS volume, and `ml-datasets` (fs-C), shared with
//! SageMaker and Lambda, holding 8,200 access points they made: 82% of its quota, none of
//! them orphans. Then, in scenario time, all of it healthy and in the real components'
//! order (see `lifecycle` and `drain`):
//! - 15 s: AWS reports fs-B `available`; its ACK resource stays `creating` (story 5).
//! - 16–30 s: fs-B's waiting claims are provisioned, one a second.
//! - 20 s: Karpenter drains a second node, and the drain completes.
//! - every 8 s: one more volume on fs-A, 20 in all, eating into the gid range (story 3).
//! - every 40 s from 40 s: one of fs-B's volumes is deleted, the two delete orders in turn.
//!
//! Every fault is in the ground truth (`sim::truth`); nothing the timeline does is one.

use jiff::SignedDuration;
use serde_json::json;

use super::base::{self, BaseOptions, FS_A, FS_B, FS_C};
use super::lifecycle::{self, Claim, DeleteOrder};
use super::objects as o;
use super::volumes::{EfsVolume, provision_efs, pv_name};
use super::{Scenario, days_ago, drain, ml_datasets, put, stranded_ebs};
use crate::sim::SimState;
use crate::sim::aws::state::{name_seed, uuid_like};
use crate::sim::truth::{self, ObjectId};

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
const DRAIN_AT: i64 = 20;
const DELETE_EVERY_SECS: i64 = 40;
const NAME_SEED: u64 = 0xde30_0000;

/// What the timeline does, in the order it falls due.
#[derive(Debug, Clone, Copy)]
enum Event {
    FsBAvailable,
    BindFsB(u32),
    Drain,
    ProvisionA,
    DeleteFsB(u32),
}

fn schedule() -> Vec<(SignedDuration, Event)> {
    let s = SignedDuration::from_secs;
    let mut ev = vec![
        (s(FS_B_AVAILABLE_AT), Event::FsBAvailable),
        (s(DRAIN_AT), Event::Drain),
    ];
    for i in 0..FS_B_CLAIMS {
        ev.push((s(FS_B_BIND_FROM + i64::from(i)), Event::BindFsB(i)));
        ev.push((
            s(DELETE_EVERY_SECS * (i64::from(i) + 1)),
            Event::DeleteFsB(i),
        ));
    }
    for k in 1..=i64::from(ALIVE_MAX) {
        ev.push((s(ALIVE_EVERY_SECS * k), Event::ProvisionA));
    }
    // Stable: events due together keep the order above.
    ev.sort_by_key(|(at, _)| *at);
    ev
}

pub struct Demo {
    seq: u64,
    next_gid_a: i64,
    provisioned: u32,
    ec2_nodes: Vec<String>,
    timeline: Vec<(SignedDuration, Event)>,
    /// Events of `timeline` already queued.
    queued: usize,
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
            ec2_nodes: base.ec2_nodes,
            timeline: schedule(),
            queued: 0,
        };
        for i in 0..FS_A_VOLUMES {
            let (ns, claim) = if i < 40 {
                ("shop", format!("assets-web-{i}"))
            } else {
                ("media", format!("uploads-{}", i - 40))
            };
            let reclaim = if i == MISSING_AP { "Retain" } else { "Delete" };
            let created = days_ago(now, 180 - 2 * i as i64);
            let pv = d.provision_a(st, ns, &claim, reclaim, i != MISSING_AP, created);
            if i == MISSING_AP {
                st.truth.plant(
                    "missing-access-point",
                    ObjectId::cluster(truth::PV, &pv),
                    [ObjectId::namespaced(truth::PVC, ns, &claim)],
                    now,
                    "access point deleted in AWS, Retain PV left bound",
                );
            }
        }
        for _ in 0..ORPHANED_APS {
            let pv = d.next_pv_name();
            let gid = d.take_gid_a();
            let ap = st.aws.provision_access_point(FS_A, &pv, gid, "700");
            st.truth.plant(
                "orphan-access-point",
                ObjectId::cluster(truth::ACCESS_POINT, &ap.id),
                [ObjectId::cluster(truth::PV, &pv)],
                now,
                "PV deleted by hand, access point left",
            );
        }
        let waiting = now - SignedDuration::from_secs(40);
        for i in 0..FS_B_CLAIMS {
            let claim = format!("scratch-spark-{i}");
            let mut pvc = o::pvc(
                "analytics",
                &claim,
                "efs-sc-b",
                "efs.csi.aws.com",
                "ReadWriteMany",
                None,
                waiting,
            );
            pvc["metadata"]["uid"] = json!(uuid_like(name_seed(&claim)));
            put(st, pvc);
            // The timeline deletes every one of them: no fault may take them.
            st.truth
                .busy
                .insert(ObjectId::namespaced(truth::PVC, "analytics", &claim));
        }
        st.truth.plant(
            "gid-range",
            ObjectId::cluster(truth::STORAGE_CLASS, "efs-sc"),
            [],
            now,
            "efs-sc's gid range 1000-1100 mostly used, and filling",
        );
        // Last, so the ids of everything above stay as they were without it.
        ml_datasets::build(st, now);
        st.truth.plant(
            "access-point-quota",
            ObjectId::cluster(truth::FILE_SYSTEM, FS_C),
            [],
            now,
            "8,200 access points of SageMaker and Lambda on ml-datasets",
        );
        // After everything else too, for the same reason: story 4 in AWS and in Events.
        stranded_ebs::build(st, now, &d.ec2_nodes);
        insights(st, now);
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

    /// One of the volumes that exist at the start, provisioned long ago.
    fn provision_a(
        &mut self,
        st: &mut SimState,
        namespace: &str,
        claim: &str,
        reclaim: &str,
        with_access_point: bool,
        created: jiff::Timestamp,
    ) -> String {
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
        pv
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

    fn fs_b_claim(i: u32) -> Claim {
        Claim {
            namespace: "analytics".into(),
            name: format!("scratch-spark-{i}"),
            storage_class: "efs-sc-b".into(),
            file_system_id: FS_B.into(),
            gid: FS_B_GID_START + i64::from(i),
            reclaim: "Delete".into(),
            efs_prefix: true,
            keep_busy: true,
        }
    }

    /// The step that plays `ev`, with what it needs decided now, in timeline order.
    fn plan(&mut self, ev: Event) -> Box<dyn FnOnce(&mut SimState) + Send> {
        match ev {
            Event::FsBAvailable => Box::new(Self::make_fs_b_available),
            Event::BindFsB(i) => Box::new(move |st: &mut SimState| {
                lifecycle::provision_pending(st, Self::fs_b_claim(i));
            }),
            Event::Drain => {
                let node = self.ec2_nodes.get(1).cloned();
                Box::new(move |st: &mut SimState| {
                    if let Some(node) = node {
                        drain::drain(st, &node, NAME_SEED ^ 0xd7a1);
                    }
                })
            }
            Event::ProvisionA => {
                self.provisioned += 1;
                self.seq += 1;
                let claim = Claim {
                    namespace: "media".into(),
                    name: format!(
                        "uploads-{}",
                        FS_A_VOLUMES - 40 + self.provisioned as usize - 1
                    ),
                    storage_class: "efs-sc".into(),
                    file_system_id: FS_A.into(),
                    gid: self.take_gid_a(),
                    reclaim: "Delete".into(),
                    efs_prefix: self.seq.is_multiple_of(5),
                    keep_busy: false,
                };
                let seed = NAME_SEED + self.seq;
                Box::new(move |st: &mut SimState| {
                    lifecycle::provision(st, claim, seed);
                })
            }
            Event::DeleteFsB(i) => Box::new(move |st: &mut SimState| {
                let claim = format!("scratch-spark-{i}");
                let order = DeleteOrder::nth(u64::from(i));
                lifecycle::delete(st, "analytics", &claim, order);
            }),
        }
    }
}

impl Scenario for Demo {
    fn advance(&mut self, st: &mut SimState, elapsed: SignedDuration) {
        while let Some(&(at, ev)) = self.timeline.get(self.queued) {
            if at > elapsed {
                break;
            }
            self.queued += 1;
            let step = self.plan(ev);
            let due = st.started.checked_add(at).unwrap_or(st.started);
            st.timeline.at(due, step);
        }
    }
}

/// EKS's own insights: those not passing are EKS's claims the findings must show.
fn insights(st: &mut SimState, now: jiff::Timestamp) {
    let Some(cl) = st.aws.clusters.get(base::CLUSTER) else {
        return;
    };
    let all = crate::sim::aws::eks_insights::demo(&st.aws, &cl.name, &cl.version, now);
    for i in all.iter().filter(|i| i.status != "PASSING") {
        st.truth.plant(
            "eks-insight",
            ObjectId::cluster(truth::INSIGHT, &i.name),
            [],
            now,
            &format!("EKS insight {} ({})", i.status, i.reason),
        );
    }
    if let Some(cl) = st.aws.clusters.get_mut(base::CLUSTER) {
        cl.insights = all.into_iter().map(|i| (i.id.clone(), i)).collect();
    }
}
