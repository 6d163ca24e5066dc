//! Volumes as their provisioners leave them: EFS access point + PV + bound PVC (story 3),
//! and EBS volumes attached to nodes (story 4).

use jiff::Timestamp;
use serde_json::json;

use super::objects::{self as o, PvClaim};
use super::{days_ago, ebs, put};
use crate::sim::SimState;
use crate::sim::aws::state::{hex_id, name_seed, splitmix64, uuid_like};

/// One dynamically provisioned EFS volume, as the EFS CSI driver makes it.
pub struct EfsVolume<'a> {
    pub file_system_id: &'a str,
    pub storage_class: &'a str,
    pub namespace: &'a str,
    pub claim: &'a str,
    pub pv: &'a str,
    pub gid: i64,
    pub reclaim: &'a str,
    /// False for a PV whose access point has since been deleted.
    pub with_access_point: bool,
    /// The newer `efs:fs-…::fsap-…` handle form instead of `fs-…::fsap-…`.
    pub efs_prefix: bool,
    pub created: Timestamp,
}

/// Creates the access point (client token = PV name), the PV and the bound claim; returns
/// the access point id the PV names.
pub fn provision_efs(st: &mut SimState, v: &EfsVolume<'_>) -> String {
    let ap_id = if v.with_access_point {
        st.aws
            .provision_access_point(v.file_system_id, v.pv, v.gid, "700")
            .id
    } else {
        st.aws.next_id("fsap")
    };
    let prefix = if v.efs_prefix { "efs:" } else { "" };
    let csi = json!({
        "driver": "efs.csi.aws.com",
        "volumeHandle": format!("{prefix}{}::{ap_id}", v.file_system_id),
    });
    let claim = PvClaim {
        namespace: v.namespace,
        name: v.claim,
    };
    // The external provisioner names the PV `pvc-<claim uid>`.
    let uid = v.pv.strip_prefix("pvc-").unwrap_or(v.pv);
    let mut pv = o::pv(
        v.pv,
        csi,
        "ReadWriteMany",
        v.storage_class,
        &claim,
        v.reclaim,
        v.created,
    );
    pv["spec"]["claimRef"]["uid"] = json!(uid);
    put(st, pv);
    let mut pvc = o::pvc(
        v.namespace,
        v.claim,
        v.storage_class,
        "efs.csi.aws.com",
        "ReadWriteMany",
        Some(v.pv),
        v.created,
    );
    pvc["metadata"]["uid"] = json!(uid);
    put(st, pvc);
    ap_id
}

/// A PV name as the external provisioner makes it: `pvc-` + the claim's uid.
pub fn pv_name(seed: u64) -> String {
    format!("pvc-{}", uuid_like(seed))
}

/// EBS volumes still attached to Karpenter nodes, two on the first one (the node that is
/// already disrupted), each in its node's zone.
pub fn ebs_attached(st: &mut SimState, now: Timestamp, ec2_nodes: &[String]) {
    let claims = [
        ("data-postgres-0", 0),
        ("data-redis-0", 0),
        ("data-postgres-1", 1),
        ("data-kafka-0", 2),
    ];
    for (claim, node_idx) in claims {
        let Some(node) = ec2_nodes.get(node_idx) else {
            continue;
        };
        let Some(zone) = zone_of(st, node) else {
            continue;
        };
        ebs_volume(st, claim, node, &zone, days_ago(now, 20));
    }
}

fn zone_of(st: &SimState, node: &str) -> Option<String> {
    let n = st.store.get("nodes", "", node)?;
    n["metadata"]["labels"]["topology.kubernetes.io/zone"]
        .as_str()
        .map(str::to_string)
}

/// One more EBS volume (PV, claim in `shop`, attachment) on `node`, in the node's zone.
pub fn attach_ebs_volume(st: &mut SimState, node: &str) {
    let zone = zone_of(st, node).unwrap_or_else(|| "us-east-1a".into());
    let claim = format!("data-{}", node.split('.').next().unwrap_or(node));
    let now = st.now();
    ebs_volume(st, &claim, node, &zone, now);
}

/// The PV, its claim in `shop` and the VolumeAttachment, and in AWS the tagged volume
/// attached to the node's instance.
fn ebs_volume(st: &mut SimState, claim: &str, node: &str, zone: &str, created: Timestamp) {
    let seed = name_seed(claim);
    let pv_name = pv_name(seed);
    let vol_id = hex_id("vol", seed);
    ebs::create_volume(
        st,
        &vol_id,
        zone,
        5,
        ebs::csi_tags(&pv_name, "shop", claim),
        created,
    );
    ebs::attach(st, &vol_id, node, created, true);
    let csi = json!({
        "driver": ebs::EBS_DRIVER,
        "volumeHandle": vol_id,
        "fsType": "ext4",
        "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity":
                             "1717000000000-8081-ebs.csi.aws.com"},
    });
    let claim_ref = PvClaim {
        namespace: "shop",
        name: claim,
    };
    let mut pv = o::pv(
        &pv_name,
        csi,
        "ReadWriteOnce",
        "gp3",
        &claim_ref,
        "Delete",
        created,
    );
    pv["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{
        "matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                              "values": [zone]}]}]}});
    put(st, pv);
    let pvc = o::pvc(
        "shop",
        claim,
        "gp3",
        "ebs.csi.aws.com",
        "ReadWriteOnce",
        Some(&pv_name),
        created,
    );
    put(st, pvc);
    let va_name = format!(
        "csi-{:016x}{:016x}{:016x}{:016x}",
        splitmix64(seed),
        splitmix64(seed ^ 1),
        splitmix64(seed ^ 2),
        splitmix64(seed ^ 3)
    );
    let va = o::volume_attachment(&va_name, "ebs.csi.aws.com", node, &pv_name, created);
    put(st, va);
}
