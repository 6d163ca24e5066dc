//! Healthy provisioning and deletion of EFS volumes, in the order and with the delays the
//! real components use, so the dashboard sees what it sees on a real cluster:
//!
//! - provision: the PVC is created `Pending` (PV name = `pvc-<its uid>`); 0.5 s later the
//!   EFS CSI driver's CreateAccessPoint (ClientToken = PV name); 0.3 s later the PV, Bound
//!   to the claim's uid; 0.1 s later the PVC `Bound`.
//! - delete (reclaim `Delete`): the PVC goes, the PV turns `Released`, then either the
//!   external-provisioner's order (DeleteAccessPoint, the PV 0.5 s later) or the order a
//!   black-box run saw (the PV, DeleteAccessPoint 1 s later).

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::objects::{self as o, PvClaim};
use super::{modify, put};
use crate::sim::SimState;
use crate::sim::aws::state::uuid_like;
use crate::sim::truth::{ACCESS_POINT, ObjectId, PV, PVC};

const TO_ACCESS_POINT: SignedDuration = SignedDuration::from_millis(500);
const TO_PV: SignedDuration = SignedDuration::from_millis(300);
const TO_BOUND: SignedDuration = SignedDuration::from_millis(100);
const TO_RELEASED: SignedDuration = SignedDuration::from_millis(100);
const TO_FIRST_DELETE: SignedDuration = SignedDuration::from_millis(200);
const PROVISIONER_PV_AFTER_AP: SignedDuration = SignedDuration::from_millis(500);
const BLACK_BOX_AP_AFTER_PV: SignedDuration = SignedDuration::from_secs(1);

/// A claim on an EFS StorageClass, and what the driver will give its volume.
#[derive(Debug, Clone)]
pub struct Claim {
    pub namespace: String,
    pub name: String,
    pub storage_class: String,
    pub file_system_id: String,
    pub gid: i64,
    pub reclaim: String,
    /// The newer `efs:fs-…::fsap-…` handle form.
    pub efs_prefix: bool,
    /// Healthy activity keeps the volume after it is bound (it will delete it), so no
    /// planted fault may take it.
    pub keep_busy: bool,
}

/// The order in which a reclaim-`Delete` volume's PV and access point go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOrder {
    /// The external-provisioner: DeleteAccessPoint, then the PV object 0.5 s later.
    AccessPointFirst,
    /// What a black-box run saw: the PV, then DeleteAccessPoint 1 s later.
    PvFirst,
}

impl DeleteOrder {
    /// Alternates the two, by a counter.
    pub fn nth(n: u64) -> DeleteOrder {
        if n.is_multiple_of(2) {
            DeleteOrder::AccessPointFirst
        } else {
            DeleteOrder::PvFirst
        }
    }
}

fn busy(st: &mut SimState, ids: [ObjectId; 3], on: bool) {
    for id in ids {
        if on {
            st.truth.busy.insert(id);
        } else {
            st.truth.busy.remove(&id);
        }
    }
}

fn ids(c: &Claim, pv: &str, ap: &str) -> [ObjectId; 3] {
    [
        ObjectId::cluster(PV, pv),
        ObjectId::namespaced(PVC, &c.namespace, &c.name),
        ObjectId::cluster(ACCESS_POINT, ap),
    ]
}

/// Creates the claim `Pending` now, with a uid from `uid_seed`, and provisions it.
/// Returns the PV name it will get.
pub fn provision(st: &mut SimState, c: Claim, uid_seed: u64) -> String {
    let uid = uuid_like(uid_seed);
    let now = st.now();
    let mut pvc = o::pvc(
        &c.namespace,
        &c.name,
        &c.storage_class,
        "efs.csi.aws.com",
        "ReadWriteMany",
        None,
        now,
    );
    pvc["metadata"]["uid"] = json!(uid);
    put(st, pvc);
    provision_pending(st, c).unwrap_or_default()
}

/// Provisions a claim that exists and is `Pending`. Returns the PV name, or None if the
/// claim is not there.
pub fn provision_pending(st: &mut SimState, c: Claim) -> Option<String> {
    let pvc = st
        .store
        .get("persistentvolumeclaims", &c.namespace, &c.name)?;
    let uid = pvc["metadata"]["uid"].as_str()?.to_string();
    let created = pvc["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or_else(|| st.now());
    let pv = format!("pvc-{uid}");
    // Reserved now so the PV step knows it; the driver learns it from CreateAccessPoint.
    let ap = st.aws.next_id("fsap");
    busy(st, ids(&c, &pv, &ap), true);
    let pv_name = pv.clone();
    st.after(TO_ACCESS_POINT, move |st| {
        st.aws
            .provision_access_point_as(&ap, &c.file_system_id, &pv, c.gid, "700");
        st.after(TO_PV, move |st| {
            let prefix = if c.efs_prefix { "efs:" } else { "" };
            let csi = json!({"driver": "efs.csi.aws.com",
                             "volumeHandle": format!("{prefix}{}::{ap}", c.file_system_id)});
            let claim = PvClaim {
                namespace: &c.namespace,
                name: &c.name,
            };
            let now = st.now();
            let mut obj = o::pv(
                &pv,
                csi,
                "ReadWriteMany",
                &c.storage_class,
                &claim,
                &c.reclaim,
                now,
            );
            obj["spec"]["claimRef"]["uid"] = json!(uid);
            put(st, obj);
            st.after(TO_BOUND, move |st| {
                let bound = o::pvc(
                    &c.namespace,
                    &c.name,
                    &c.storage_class,
                    "efs.csi.aws.com",
                    "ReadWriteMany",
                    Some(&pv),
                    created,
                );
                put(st, bound);
                st.truth.healthy.provisioned += 1;
                if !c.keep_busy {
                    busy(st, ids(&c, &pv, &ap), false);
                }
            });
        });
    });
    Some(pv_name)
}

/// The access point id in an EFS volume handle (`[efs:]fs-x[:path]::fsap-y`).
pub fn access_point_of(handle: &str) -> Option<&str> {
    handle
        .rsplit("::")
        .next()
        .filter(|id| id.starts_with("fsap-"))
}

/// Deletes a bound claim of reclaim policy `Delete` and lets the provisioner clean up.
/// Does nothing if the claim is not bound.
pub fn delete(st: &mut SimState, namespace: &str, claim: &str, order: DeleteOrder) {
    let Some(pvc) = st.store.get("persistentvolumeclaims", namespace, claim) else {
        return;
    };
    let Some(pv) = pvc["spec"]["volumeName"].as_str().map(str::to_string) else {
        return;
    };
    let ap = st
        .store
        .get("persistentvolumes", "", &pv)
        .and_then(|v| {
            access_point_of(v["spec"]["csi"]["volumeHandle"].as_str()?).map(str::to_string)
        })
        .unwrap_or_default();
    let c_ids = [
        ObjectId::cluster(PV, &pv),
        ObjectId::namespaced(PVC, namespace, claim),
        ObjectId::cluster(ACCESS_POINT, &ap),
    ];
    for id in c_ids.clone() {
        st.truth.busy.insert(id);
    }
    st.store.delete("persistentvolumeclaims", namespace, claim);
    st.after(TO_RELEASED, move |st| {
        modify(st, "persistentvolumes", "", &pv, |v| {
            v["status"] = json!({"phase": "Released"});
        });
        let done = move |st: &mut SimState| {
            st.truth.healthy.deleted += 1;
            for id in &c_ids {
                st.truth.busy.remove(id);
            }
        };
        st.after(TO_FIRST_DELETE, move |st| match order {
            DeleteOrder::AccessPointFirst => {
                st.aws.access_points.remove(&ap);
                st.after(PROVISIONER_PV_AFTER_AP, move |st| {
                    st.store.delete("persistentvolumes", "", &pv);
                    done(st);
                });
            }
            DeleteOrder::PvFirst => {
                st.store.delete("persistentvolumes", "", &pv);
                st.after(BLACK_BOX_AP_AFTER_PV, move |st| {
                    st.aws.access_points.remove(&ap);
                    done(st);
                });
            }
        });
    });
}
