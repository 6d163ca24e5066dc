//! Faults planted midway (`POST /_sim/faults/plant?kind=K`, any scenario), and the check
//! of whether each fault in the ground truth still holds. A plant takes only settled
//! objects no healthy activity is working on, and marks what it took so none ever will.

use serde_json::{Value, json};

use super::SimState;
use super::aws::state::name_seed;
use super::scenario::lifecycle::access_point_of;
use super::scenario::volumes::{EfsVolume, attach_ebs_volume, provision_efs, pv_name};
use super::scenario::{DISRUPTED_TAINT, FS_B, agents, drain, ebs};
use super::truth::{self, Fault, ObjectId};

pub const KINDS: [&str; 4] = [
    "delete-access-point",
    "orphan-access-point",
    "released-volume",
    "stranded-volume",
];

#[derive(Debug)]
pub enum PlantError {
    UnknownKind,
    /// Nothing in the world can take this fault now, and why.
    NoCandidate(String),
}

pub fn plant(st: &mut SimState, kind: &str) -> Result<Fault, PlantError> {
    match kind {
        "delete-access-point" => delete_access_point(st),
        "orphan-access-point" => orphan_access_point(st),
        "released-volume" => released_volume(st),
        "stranded-volume" => stranded_volume(st),
        _ => Err(PlantError::UnknownKind),
    }
}

/// An EFS volume as healthy provisioning leaves it: PV and claim Bound to each other,
/// its access point in AWS.
struct Settled {
    pv: String,
    namespace: String,
    claim: String,
    access_point: String,
    reclaim: String,
}

impl Settled {
    fn ids(&self) -> [ObjectId; 3] {
        [
            ObjectId::cluster(truth::PV, &self.pv),
            ObjectId::namespaced(truth::PVC, &self.namespace, &self.claim),
            ObjectId::cluster(truth::ACCESS_POINT, &self.access_point),
        ]
    }
}

fn settled(st: &SimState, pv_name: &str, pv: &Value) -> Option<Settled> {
    if pv["spec"]["csi"]["driver"] != "efs.csi.aws.com" || pv["status"]["phase"] != "Bound" {
        return None;
    }
    let ap = access_point_of(pv["spec"]["csi"]["volumeHandle"].as_str()?)?;
    st.aws.access_points.get(ap)?;
    let ns = pv["spec"]["claimRef"]["namespace"].as_str()?;
    let claim = pv["spec"]["claimRef"]["name"].as_str()?;
    let pvc = st.store.get("persistentvolumeclaims", ns, claim)?;
    if pvc["status"]["phase"] != "Bound" || pvc["spec"]["volumeName"] != pv_name {
        return None;
    }
    let s = Settled {
        pv: pv_name.into(),
        namespace: ns.into(),
        claim: claim.into(),
        access_point: ap.into(),
        reclaim: pv["spec"]["persistentVolumeReclaimPolicy"]
            .as_str()
            .unwrap_or_default()
            .into(),
    };
    s.ids().iter().all(|id| st.truth.is_free(id)).then_some(s)
}

/// The first settled, free volume (in name order) that `want` accepts.
fn pick(st: &SimState, want: impl Fn(&Settled) -> bool) -> Option<Settled> {
    st.store
        .list("persistentvolumes")
        .filter_map(|(k, pv)| settled(st, &k.1, pv))
        .find(|s| want(s))
}

fn no_volume() -> PlantError {
    PlantError::NoCandidate("no settled, bound EFS volume is free to break".into())
}

fn record(
    st: &mut SimState,
    rule: &str,
    subject: ObjectId,
    involved: impl IntoIterator<Item = ObjectId>,
    how: &str,
) -> Fault {
    let now = st.now();
    st.truth.plant(rule, subject, involved, now, how)
}

fn delete_access_point(st: &mut SimState) -> Result<Fault, PlantError> {
    let v = pick(st, |_| true).ok_or_else(no_volume)?;
    st.aws.access_points.remove(&v.access_point);
    let [pv, claim, ap] = v.ids();
    Ok(record(
        st,
        "missing-access-point",
        pv,
        [claim, ap],
        "access point deleted in AWS, PV left bound",
    ))
}

fn orphan_access_point(st: &mut SimState) -> Result<Fault, PlantError> {
    let v = pick(st, |_| true).ok_or_else(no_volume)?;
    st.store
        .delete("persistentvolumeclaims", &v.namespace, &v.claim);
    st.store.delete("persistentvolumes", "", &v.pv);
    let [pv, claim, ap] = v.ids();
    Ok(record(
        st,
        "orphan-access-point",
        ap,
        [pv, claim],
        "PV deleted by hand, access point left",
    ))
}

/// Makes a settled Retain volume on fs-B (no gid range there for it to disturb).
fn make_retain_volume(st: &mut SimState) -> Option<Settled> {
    let n = st.truth.faults.len() as u64;
    let claim = format!("retained-{n}");
    let pv = pv_name(name_seed(&claim) ^ n);
    let now = st.now();
    provision_efs(
        st,
        &EfsVolume {
            file_system_id: FS_B,
            storage_class: "efs-sc-b",
            namespace: "default",
            claim: &claim,
            pv: &pv,
            gid: 60_000 + i64::try_from(n).unwrap_or(0),
            reclaim: "Retain",
            with_access_point: true,
            efs_prefix: false,
            created: now,
        },
    );
    let pv_obj = st.store.get("persistentvolumes", "", &pv)?;
    settled(st, &pv, &pv_obj)
}

fn released_volume(st: &mut SimState) -> Result<Fault, PlantError> {
    let v = match pick(st, |s| s.reclaim == "Retain") {
        Some(v) => v,
        None => make_retain_volume(st).ok_or_else(no_volume)?,
    };
    st.store
        .delete("persistentvolumeclaims", &v.namespace, &v.claim);
    if let Some(cur) = st.store.get("persistentvolumes", "", &v.pv) {
        let mut obj = (*cur).clone();
        obj["status"] = json!({"phase": "Released"});
        let now = st.now();
        let _ = st.store.upsert(obj, now);
    }
    let [pv, claim, ap] = v.ids();
    Ok(record(
        st,
        "released-volume",
        pv,
        [claim, ap],
        "Retain PV's claim deleted: PV Released, claimRef and access point kept",
    ))
}

fn stranded_volume(st: &mut SimState) -> Result<Fault, PlantError> {
    let free: Vec<String> = st
        .store
        .list("nodes")
        .filter(|(_, n)| drain::is_ec2(n) && !drain::is_disrupted(n))
        .map(|(k, _)| k.1.clone())
        .filter(|n| st.truth.is_free(&ObjectId::cluster(truth::NODE, n)))
        .collect();
    let with_attachments = free
        .iter()
        .find(|n| !drain::attachments_on(st, n).is_empty())
        .cloned();
    let node = match with_attachments {
        Some(n) => n,
        None => {
            let n = free.first().cloned().ok_or_else(|| {
                PlantError::NoCandidate("no EC2 node is free of drains and faults".into())
            })?;
            attach_ebs_volume(st, &n);
            n
        }
    };
    drain::taint(st, &node);
    let vas = drain::attachments_on(st, &node);
    for attacher in vas.iter().map(|(_, a, _)| a.clone()) {
        let short = attacher.split('.').next().unwrap_or_default();
        agents::stop(st, &node, Some(&format!("{short}-csi-node")));
    }
    let involved: Vec<ObjectId> = vas
        .iter()
        .map(|(va, _, _)| ObjectId::cluster("VolumeAttachment", va))
        .collect();
    let fault = record(
        st,
        "stranded-volume",
        ObjectId::cluster(truth::NODE, &node),
        involved,
        "node tainted karpenter.sh/disrupted, CSI agent pod deleted, attachments left",
    );
    // The same fault as EC2 sees it: every EBS volume still held for the node's instance.
    for (_, _, pv) in &vas {
        if let Some(vol) = ebs::volume_of_pv(st, pv)
            && ebs::stranded_in_aws(st, &vol)
        {
            record(
                st,
                "stranded-volume",
                ObjectId::cluster(truth::EC2_VOLUME, &vol),
                [ObjectId::cluster(truth::PV, pv)],
                "still attached in AWS to the instance of a node tainted karpenter.sh/disrupted",
            );
        }
    }
    Ok(fault)
}

/// Stamps `fixed_at` on every fault that no longer holds.
pub fn refresh_fixed(st: &mut SimState) {
    let now = st.now();
    let fixed: Vec<usize> = st
        .truth
        .faults
        .iter()
        .enumerate()
        .filter(|(_, f)| f.fixed_at.is_none() && !holds(st, f))
        .map(|(i, _)| i)
        .collect();
    for i in fixed {
        st.truth.faults[i].fixed_at = Some(now);
    }
}

fn k8s(st: &SimState, plural: &str, id: &ObjectId) -> Option<std::sync::Arc<Value>> {
    st.store
        .get(plural, id.namespace.as_deref().unwrap_or(""), &id.name)
}

/// Whether the condition the fault's rule looks for is still there.
fn holds(st: &SimState, f: &Fault) -> bool {
    let s = &f.subject;
    match f.rule.as_str() {
        "missing-access-point" => k8s(st, "persistentvolumes", s).is_some_and(|pv| {
            pv["spec"]["csi"]["volumeHandle"]
                .as_str()
                .and_then(access_point_of)
                .is_some_and(|ap| !st.aws.access_points.contains_key(ap))
        }),
        "orphan-access-point" => st.aws.access_points.get(&s.name).is_some_and(|ap| {
            st.store
                .get("persistentvolumes", "", &ap.client_token)
                .is_none()
        }),
        "released-volume" => k8s(st, "persistentvolumes", s).is_some_and(|pv| {
            pv["status"]["phase"] == "Released"
                && pv["spec"]["csi"]["volumeHandle"]
                    .as_str()
                    .and_then(access_point_of)
                    .is_some_and(|ap| st.aws.access_points.contains_key(ap))
        }),
        "stranded-volume" if s.kind == truth::EC2_VOLUME => ebs::stranded_in_aws(st, &s.name),
        "orphaned-ebs-volume" => ebs::orphaned(st, &s.name),
        "stranded-volume" => k8s(st, "nodes", s).is_some_and(|n| {
            drain::is_disrupted(&n) && !drain::attachments_on(st, &s.name).is_empty()
        }),
        "missing-toleration" => k8s(st, "daemonsets", s)
            .is_some_and(|ds| !agents::tolerates(&ds, DISRUPTED_TAINT, "NoSchedule")),
        "preserve-risk" => {
            k8s(st, "csidrivers", s).is_some()
                && st
                    .aws
                    .clusters
                    .values()
                    .any(|c| c.addons.contains_key("aws-efs-csi-driver"))
        }
        "ownership-ambiguous" => st
            .aws
            .clusters
            .values()
            .any(|c| c.addons.contains_key(&s.name)),
        "lifecycle-drift" => k8s(st, "filesystems", s)
            .is_some_and(|cr| cr["status"]["conditions"][0]["status"] != "True"),
        "gid-range" => k8s(st, "storageclasses", s).is_some(),
        "access-point-quota" => st.aws.file_systems.contains_key(&s.name),
        _ => true,
    }
}
