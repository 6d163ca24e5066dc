//! The demo's story 4 as AWS and the pods see it: the disrupted node's EBS volumes still
//! attached to its instance, the pod that moved to another node in the same zone and
//! cannot attach its volume there (a Multi-Attach error, then a mount that times out), and
//! an orphaned volume the driver made for a claim that is long gone.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::ebs::{self, CLUSTER_TAG};
use super::events::{self, Symptom};
use super::objects::ts;
use super::volumes::pv_name;
use super::{days_ago, put};
use crate::sim::SimState;
use crate::sim::aws::state::{hex_id, name_seed, uuid_like};
use crate::sim::truth::{self, ObjectId};

/// The claim whose pod moved off the disrupted node.
const MOVED_CLAIM: &str = "data-postgres-0";
const MOVED_POD: &str = "postgres-0";
/// The claim the orphan was made for; its PV was deleted by hand (reclaim Retain).
const ORPHAN_CLAIM: &str = "data-elasticsearch-0";

/// `ec2_nodes[0]` is the disrupted node; `ec2_nodes[2]` shares its zone.
pub fn build(st: &mut SimState, now: Timestamp, ec2_nodes: &[String]) {
    if let Some(to) = ec2_nodes.get(2) {
        moved_pod(st, now, to);
    }
    orphan(st, now);
}

/// The pod of `data-postgres-0`, rescheduled to `node` and stuck in ContainerCreating.
fn moved_pod(st: &mut SimState, now: Timestamp, node: &str) {
    let Some(pvc) = st.store.get("persistentvolumeclaims", "shop", MOVED_CLAIM) else {
        return;
    };
    let Some(pv) = pvc["spec"]["volumeName"].as_str().map(str::to_string) else {
        return;
    };
    let since = now - SignedDuration::from_mins(6);
    put(
        st,
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": MOVED_POD, "namespace": "shop",
                         "uid": uuid_like(name_seed("shop/postgres-0")),
                         "labels": {"app": "postgres"}, "creationTimestamp": ts(since)},
            "spec": {"nodeName": node,
                     "containers": [{"name": "postgres", "image": "postgres:16",
                                     "volumeMounts": [{"name": "data",
                                                       "mountPath": "/var/lib/postgresql"}]}],
                     "volumes": [{"name": "data",
                                  "persistentVolumeClaim": {"claimName": MOVED_CLAIM}}]},
            "status": {"phase": "Pending", "containerStatuses": [{
                "name": "postgres", "ready": false, "restartCount": 0, "image": "postgres:16",
                "imageID": "", "state": {"waiting": {"reason": "ContainerCreating"}}}]},
        }),
    );
    events::record(
        st,
        &Symptom {
            namespace: "shop",
            pod: MOVED_POD,
            reason: "FailedAttachVolume",
            message: events::multi_attach_message(&pv),
            kind: "Warning",
            component: "attachdetach-controller",
            first: since,
            last: now,
            count: 9,
        },
    );
    events::record(
        st,
        &Symptom {
            namespace: "shop",
            pod: MOVED_POD,
            reason: "FailedMount",
            message: "Unable to attach or mount volumes: unmounted volumes=[data], unattached \
                      volumes=[data], failed to process volumes=[]: timed out waiting for the \
                      condition"
                .into(),
            kind: "Warning",
            component: "kubelet",
            first: since + SignedDuration::from_mins(2),
            last: now,
            count: 3,
        },
    );
}

/// A 100 GiB volume the driver made for a claim whose Retain PV was deleted by hand.
fn orphan(st: &mut SimState, now: Timestamp) {
    let seed = name_seed(ORPHAN_CLAIM);
    let pv = pv_name(seed);
    let id = hex_id("vol", seed);
    ebs::create_volume(
        st,
        &id,
        "us-east-1b",
        100,
        ebs::csi_tags(&pv, "shop", ORPHAN_CLAIM),
        days_ago(now, 45),
    );
    debug_assert!(ebs::orphaned(st, &id), "{CLUSTER_TAG} volume with no PV");
    st.truth.plant(
        "orphaned-ebs-volume",
        ObjectId::cluster(truth::EC2_VOLUME, &id),
        [ObjectId::cluster(truth::PV, &pv)],
        now,
        "Retain PV deleted by hand; its tagged EBS volume left available",
    );
}
