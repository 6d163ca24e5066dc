//! The AWS side of the scenarios' EBS story: an EC2 instance behind every Karpenter node
//! (`spec.providerID` = `aws:///<zone>/i-…`), an EBS volume behind every EBS PV (its
//! volumeHandle, tagged the way the EBS CSI driver tags what it provisions), and the
//! attachments that follow the VolumeAttachments as the CSI controller would move them.

use jiff::Timestamp;
use serde_json::Value;

use crate::sim::SimState;
use crate::sim::aws::ec2_state::{Instance, Volume};
use crate::sim::truth::{self, ObjectId};

pub const EBS_DRIVER: &str = "ebs.csi.aws.com";
/// The tag the EBS CSI driver puts on every volume it creates for a cluster.
pub const CLUSTER_TAG: &str = "ebs.csi.aws.com/cluster";

/// `(zone, instance id)` from a node's `aws:///<zone>/i-…` providerID; None for Fargate
/// nodes, whose providerID names a task and no instance.
pub fn instance_of(node: &Value) -> Option<(String, String)> {
    let rest = node["spec"]["providerID"]
        .as_str()?
        .strip_prefix("aws:///")?;
    let (zone, id) = rest.split_once('/')?;
    id.starts_with("i-")
        .then(|| (zone.to_string(), id.to_string()))
}

/// Launches (records) the running instance behind a stored EC2 node.
pub fn register_instance(st: &mut SimState, node: &str) {
    let Some(n) = st.store.get("nodes", "", node) else {
        return;
    };
    let Some((zone, id)) = instance_of(&n) else {
        return;
    };
    let ip = n["status"]["addresses"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
        .and_then(|x| x["address"].as_str())
        .unwrap_or_default()
        .to_string();
    let launched = n["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .unwrap_or_else(|| st.now());
    let instance_type = n["metadata"]["labels"]["node.kubernetes.io/instance-type"]
        .as_str()
        .unwrap_or("m6i.large")
        .to_string();
    st.aws.ec2.instances.insert(
        id.clone(),
        Instance {
            id,
            availability_zone: zone,
            state: "running".into(),
            private_dns_name: node.into(),
            private_ip: ip,
            instance_type,
            launch_time: launched,
        },
    );
}

/// Marks the instance behind `node` terminated, as Karpenter's node deletion ends it.
pub fn terminate_instance(st: &mut SimState, node: &Value) {
    if let Some((_, id)) = instance_of(node)
        && let Some(i) = st.aws.ec2.instances.get_mut(&id)
    {
        i.state = "terminated".into();
    }
}

/// The tags the EBS CSI driver sets on a volume it provisions for a claim.
pub fn csi_tags(pv: &str, namespace: &str, claim: &str) -> Vec<(String, String)> {
    [
        (CLUSTER_TAG, "true"),
        ("CSIVolumeName", pv),
        ("kubernetes.io/created-for/pvc/name", claim),
        ("kubernetes.io/created-for/pvc/namespace", namespace),
        ("kubernetes.io/created-for/pv/name", pv),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Creates an available gp3 volume with `tags`.
pub fn create_volume(
    st: &mut SimState,
    id: &str,
    zone: &str,
    size_gib: i32,
    tags: Vec<(String, String)>,
    created: Timestamp,
) {
    let mut v = Volume::new(id, size_gib, "gp3", zone, created);
    v.tags = tags;
    st.aws.ec2.volumes.insert(id.into(), v);
}

/// The next free device name on an instance, as the driver allocates them (`/dev/xvdaa`,
/// `/dev/xvdab`, …).
fn next_device(st: &SimState, instance: &str) -> String {
    let used = st
        .aws
        .ec2
        .volumes
        .values()
        .filter(|v| v.attachment_to(instance).is_some())
        .count();
    let letter = char::from(b'a' + (used % 26) as u8);
    format!("/dev/xvda{letter}")
}

/// Attaches volume `vol` to the instance behind `node`: already `attached` at `at` for a
/// world that starts that way, else `attaching` for the clock to finish.
pub fn attach(st: &mut SimState, vol: &str, node: &str, at: Timestamp, settled: bool) {
    let Some((_, instance)) = st
        .store
        .get("nodes", "", node)
        .and_then(|n| instance_of(&n))
    else {
        return;
    };
    let device = next_device(st, &instance);
    st.aws.ec2.attach(vol, &instance, &device, at);
    if settled && let Some(v) = st.aws.ec2.volumes.get_mut(vol) {
        for a in &mut v.attachments {
            a.state = "attached".into();
        }
    }
}

/// The EBS volume id a PV names, when it is an EBS CSI volume.
pub fn volume_of_pv(st: &SimState, pv: &str) -> Option<String> {
    let pv = st.store.get("persistentvolumes", "", pv)?;
    if pv["spec"]["csi"]["driver"] != EBS_DRIVER {
        return None;
    }
    pv["spec"]["csi"]["volumeHandle"]
        .as_str()
        .map(str::to_string)
}

/// Starts the detach the CSI controller asks for when a VolumeAttachment goes.
pub fn detach(st: &mut SimState, pv: &str, node: &str) {
    let now = st.now();
    let (Some(vol), Some((_, instance))) = (
        volume_of_pv(st, pv),
        st.store
            .get("nodes", "", node)
            .and_then(|n| instance_of(&n)),
    ) else {
        return;
    };
    st.aws.ec2.begin_detach(&vol, &instance, false, now);
}

/// Instance ids of nodes tainted `karpenter.sh/disrupted`.
pub fn disrupted_instances(st: &SimState) -> Vec<String> {
    st.store
        .list("nodes")
        .filter(|(_, n)| super::drain::is_disrupted(n))
        .filter_map(|(_, n)| instance_of(n).map(|(_, id)| id))
        .collect()
}

/// Whether AWS still holds `vol` for an instance whose node is disrupted or gone.
pub fn stranded_in_aws(st: &SimState, vol: &str) -> bool {
    let disrupted = disrupted_instances(st);
    let live: Vec<String> = st
        .store
        .list("nodes")
        .filter_map(|(_, n)| instance_of(n).map(|(_, id)| id))
        .collect();
    st.aws.ec2.volumes.get(vol).is_some_and(|v| {
        v.attachments.iter().any(|a| {
            matches!(a.state.as_str(), "attached" | "detaching" | "busy")
                && (disrupted.contains(&a.instance_id) || !live.contains(&a.instance_id))
        })
    })
}

/// Whether `vol` carries the driver's cluster tag, is available, and no PV names it.
pub fn orphaned(st: &SimState, vol: &str) -> bool {
    st.aws.ec2.volumes.get(vol).is_some_and(|v| {
        v.tag(CLUSTER_TAG) == Some("true")
            && v.state == "available"
            && !st
                .store
                .list("persistentvolumes")
                .any(|(_, pv)| pv["spec"]["csi"]["volumeHandle"] == vol)
    })
}

/// Plants, in the ground truth, every volume AWS holds for a disrupted node's instance:
/// the AWS side of story 4, beside the Kubernetes side the node's fault names.
pub fn plant_stranded(st: &mut SimState, now: Timestamp) {
    let stranded: Vec<(String, Vec<ObjectId>)> = st
        .aws
        .ec2
        .volumes
        .values()
        .filter(|v| stranded_in_aws(st, &v.id))
        .map(|v| {
            let mut involved = Vec::new();
            if let Some(pv) = v.tag("CSIVolumeName") {
                involved.push(ObjectId::cluster(truth::PV, pv));
            }
            if let (Some(ns), Some(claim)) = (
                v.tag("kubernetes.io/created-for/pvc/namespace"),
                v.tag("kubernetes.io/created-for/pvc/name"),
            ) {
                involved.push(ObjectId::namespaced(truth::PVC, ns, claim));
            }
            (v.id.clone(), involved)
        })
        .collect();
    for (vol, involved) in stranded {
        st.truth.plant(
            "stranded-volume",
            ObjectId::cluster(truth::EC2_VOLUME, &vol),
            involved,
            now,
            "still attached in AWS to the instance of a node tainted karpenter.sh/disrupted",
        );
    }
}
