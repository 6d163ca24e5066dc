//! The scenarios' objects are valid Kubernetes (k8s-openapi reads every one), and the
//! demo tells the stories it claims to, on time.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{
    Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{CLUSTER, FS_A, FS_B, ScaleOptions, ScenarioName, build};
use crate::model::volume_handle;
use crate::sim::{SimState, aws, resources};

pub(super) fn state(name: ScenarioName, scale: &ScaleOptions) -> SimState {
    let mut st = SimState::new(false, 1.0);
    let sc = build(name, scale, &mut st);
    st.scenario = Some(sc);
    st
}

pub(super) fn demo() -> SimState {
    state(ScenarioName::Demo, &ScaleOptions::default())
}

pub(super) fn advance_to(st: &mut SimState, secs: impl Into<f64>) {
    let elapsed = st.now().duration_since(st.started);
    let need = jiff::SignedDuration::from_secs_f64(secs.into()) - elapsed;
    if need.is_positive() {
        st.clock_offset += need;
    }
    st.run_due();
}

fn typed<T: DeserializeOwned>(plural: &str, obj: &Value) {
    if let Err(e) = serde_json::from_value::<T>(obj.clone()) {
        panic!(
            "{plural} {} does not deserialize: {e}",
            obj["metadata"]["name"]
        );
    }
}

fn all_objects_deserialize(st: &SimState) -> usize {
    let mut n = 0;
    for def in resources::RESOURCES {
        for (_, obj) in st.store.list(def.plural) {
            n += 1;
            match def.plural {
                "namespaces" => typed::<Namespace>(def.plural, obj),
                "nodes" => typed::<Node>(def.plural, obj),
                "pods" => typed::<Pod>(def.plural, obj),
                "events" => typed::<Event>(def.plural, obj),
                "persistentvolumes" => typed::<PersistentVolume>(def.plural, obj),
                "persistentvolumeclaims" => typed::<PersistentVolumeClaim>(def.plural, obj),
                "serviceaccounts" => typed::<ServiceAccount>(def.plural, obj),
                "storageclasses" => typed::<StorageClass>(def.plural, obj),
                "csidrivers" => typed::<CSIDriver>(def.plural, obj),
                "volumeattachments" => typed::<VolumeAttachment>(def.plural, obj),
                "daemonsets" => typed::<DaemonSet>(def.plural, obj),
                "clusterroles" => typed::<ClusterRole>(def.plural, obj),
                "clusterrolebindings" => typed::<ClusterRoleBinding>(def.plural, obj),
                "customresourcedefinitions" => typed::<CustomResourceDefinition>(def.plural, obj),
                "filesystems" => typed::<kube::api::DynamicObject>(def.plural, obj),
                other => panic!("no typed check for {other}; add one"),
            }
        }
    }
    n
}

#[test]
fn every_demo_object_deserializes_into_its_k8s_openapi_type() {
    let mut st = demo();
    assert!(all_objects_deserialize(&st) > 150);
    // Objects the timeline writes and rewrites too.
    advance_to(&mut st, 200);
    all_objects_deserialize(&st);
}

fn created(obj: &Value) -> jiff::Timestamp {
    obj["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no creationTimestamp on {}", obj["metadata"]["name"]))
}

#[test]
fn story_1_the_efs_csidriver_predates_the_addon_that_adopted_it() {
    let st = demo();
    let cl = &st.aws.clusters[CLUSTER];
    let efs = &cl.addons["aws-efs-csi-driver"];
    let ebs = &cl.addons["aws-ebs-csi-driver"];
    let efs_driver = st.store.get("csidrivers", "", "efs.csi.aws.com").unwrap();
    let ebs_driver = st.store.get("csidrivers", "", "ebs.csi.aws.com").unwrap();
    assert!(created(&efs_driver) < efs.created_at);
    assert_eq!(created(&ebs_driver).as_second(), ebs.created_at.as_second());
    let managers: Vec<&str> = efs_driver["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, ["kubectl-client-side-apply", "eks"]);
    assert!(
        efs.managed
            .iter()
            .any(|m| m.resource == "csidrivers" && m.name == "efs.csi.aws.com")
    );
    assert!(cl.nodegroups.is_empty());
    assert_eq!(cl.fargate_profiles.len(), 2);
    let fargate = st
        .store
        .list("nodes")
        .filter(|(_, n)| n["metadata"]["labels"]["eks.amazonaws.com/compute-type"] == "fargate")
        .count();
    assert_eq!((fargate, st.store.count("nodes")), (3, 6));
    // Every object an add-on says it manages exists, so a non-preserving delete removes
    // something real.
    for ad in cl.addons.values() {
        for m in &ad.managed {
            assert!(
                st.store.get(&m.resource, &m.namespace, &m.name).is_some(),
                "{} manages missing {m:?}",
                ad.name
            );
        }
    }
}

#[test]
fn story_2_vpc_cni_objects_look_helm_managed_without_helm_annotations() {
    let st = demo();
    for (plural, ns) in [
        ("daemonsets", "kube-system"),
        ("serviceaccounts", "kube-system"),
        ("clusterroles", ""),
        ("clusterrolebindings", ""),
    ] {
        let o = st.store.get(plural, ns, "aws-node").unwrap();
        let meta = &o["metadata"];
        assert_eq!(meta["labels"]["app.kubernetes.io/managed-by"], "Helm");
        assert_eq!(meta["labels"]["app.kubernetes.io/name"], "aws-node");
        assert!(meta["annotations"]["meta.helm.sh/release-name"].is_null());
        assert_eq!(meta["managedFields"][0]["manager"], "eks");
        assert_eq!(meta["managedFields"][0]["operation"], "Apply");
    }
}

fn disrupted(st: &SimState) -> Vec<String> {
    st.store
        .list("nodes")
        .filter(|(_, n)| {
            n["spec"]["taints"]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| t["key"] == "karpenter.sh/disrupted"))
        })
        .map(|(k, _)| k.1.clone())
        .collect()
}

#[test]
fn story_4_disrupted_nodes_keep_attachments_and_the_ebs_agent_does_not_tolerate_it() {
    let mut st = demo();
    let first = disrupted(&st);
    assert_eq!(first.len(), 1);
    let on_first = st
        .store
        .list("volumeattachments")
        .filter(|(_, va)| va["spec"]["nodeName"] == first[0].as_str())
        .filter(|(_, va)| va["spec"]["attacher"] == "ebs.csi.aws.com")
        .count();
    assert_eq!(on_first, 2);
    let tolerations = |name: &str| {
        let ds = st.store.get("daemonsets", "kube-system", name).unwrap();
        ds["spec"]["template"]["spec"]["tolerations"].clone()
    };
    let ebs = tolerations("ebs-csi-node");
    assert!(ebs.as_array().unwrap().iter().all(|t| {
        t["key"] != "karpenter.sh/disrupted" && !(t["operator"] == "Exists" && t["key"].is_null())
    }));
    assert_eq!(
        tolerations("efs-csi-node"),
        serde_json::json!([{"operator": "Exists"}])
    );
    advance_to(&mut st, 19);
    assert_eq!(disrupted(&st).len(), 1);
    advance_to(&mut st, 20);
    assert_eq!(disrupted(&st).len(), 2);
    // The second node drains while its agents still run: the evicted one is the first's.
    let agents_and_ebs = |st: &SimState| {
        let ds = st
            .store
            .get("daemonsets", "kube-system", "ebs-csi-node")
            .unwrap();
        (
            super::agents::on_node(st, &first[0]).len(),
            ds["status"]["desiredNumberScheduled"].clone(),
        )
    };
    assert_eq!(agents_and_ebs(&st), (2, serde_json::json!(2)));
    // The drain completes: one disrupted node again, the agents on a replacement.
    advance_to(&mut st, 60);
    assert_eq!(disrupted(&st), first);
    assert_eq!(agents_and_ebs(&st), (2, serde_json::json!(2)));
    assert_eq!(st.truth.healthy.drains_completed, 1);
}

/// The tag the EFS CSI driver sets on every access point it creates.
const DRIVER_TAG: &str = "efs.csi.aws.com/cluster";

pub(super) fn by_driver(ap: &aws::AccessPoint) -> bool {
    ap.tags.iter().any(|(k, _)| k == DRIVER_TAG)
}

/// (access points on fs-A, orphaned access points the driver made, PVs whose access point
/// is missing, handles in the `efs:` form)
fn efs_join(st: &SimState) -> (usize, usize, Vec<String>, usize) {
    let pvs: HashMap<String, String> = st
        .store
        .list("persistentvolumes")
        .filter(|(_, pv)| pv["spec"]["csi"]["driver"] == "efs.csi.aws.com")
        .map(|(k, pv)| {
            let handle = pv["spec"]["csi"]["volumeHandle"].as_str().unwrap_or("");
            (k.1.clone(), handle.to_string())
        })
        .collect();
    let aps: HashSet<&str> = st.aws.access_points.keys().map(String::as_str).collect();
    let orphans = st
        .aws
        .access_points
        .values()
        .filter(|ap| by_driver(ap) && !pvs.contains_key(&ap.client_token))
        .count();
    let mut missing = Vec::new();
    let mut prefixed = 0;
    for (name, handle) in &pvs {
        let h = volume_handle::parse(handle).unwrap();
        prefixed += usize::from(handle.starts_with("efs:"));
        let ap = h.access_point_id.unwrap();
        if !aps.contains(ap.as_str()) {
            missing.push(name.clone());
        }
    }
    let on_a = st
        .aws
        .access_points
        .values()
        .filter(|ap| ap.file_system_id == FS_A)
        .count();
    (on_a, orphans, missing, prefixed)
}

#[test]
fn story_3_access_points_join_pvs_with_orphans_a_missing_one_and_a_filling_gid_range() {
    let mut st = demo();
    let (on_a, orphans, missing, prefixed) = efs_join(&st);
    assert_eq!((on_a, orphans, missing.len()), (74, 3, 1));
    assert!(prefixed > 0 && prefixed < st.store.count("persistentvolumes"));
    let pv = st.store.get("persistentvolumes", "", &missing[0]).unwrap();
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    assert_eq!(pv["status"]["phase"], "Bound");
    for ap in st.aws.access_points.values().filter(|ap| by_driver(ap)) {
        assert_eq!(ap.file_system_id, FS_A);
        assert_eq!(
            ap.root_path,
            format!("/dynamic_provisioning/{}", ap.client_token)
        );
        assert!((1000..=1100).contains(&ap.gid) && ap.uid == ap.gid);
    }
    let sc = st.store.get("storageclasses", "", "efs-sc").unwrap();
    assert_eq!(sc["parameters"]["gidRangeEnd"], "1100");

    advance_to(&mut st, 8);
    assert_eq!(
        efs_join(&st).0,
        74,
        "the driver's CreateAccessPoint comes 0.5 s later"
    );
    advance_to(&mut st, 9);
    assert_eq!(efs_join(&st).0, 75);
    let bound_b = |st: &SimState| {
        st.store
            .list("persistentvolumeclaims")
            .filter(|(k, _)| k.0 == "analytics")
            .filter(|(_, c)| c["status"]["phase"] == "Bound")
            .count()
    };
    advance_to(&mut st, 31);
    assert_eq!(bound_b(&st), 15);
    advance_to(&mut st, 1000);
    let (on_a, orphans, missing, _) = efs_join(&st);
    assert_eq!((on_a, orphans, missing.len()), (94, 3, 1));
    // fs-B's volumes were deleted one every 40 s, access points and all.
    assert_eq!(bound_b(&st), 0);
    assert_eq!(
        st.aws
            .access_points
            .values()
            .filter(|ap| ap.file_system_id == FS_B)
            .count(),
        0
    );
}

#[test]
fn story_5_aws_turns_available_while_ack_stays_creating() {
    let mut st = demo();
    let ack = |st: &SimState| {
        st.store
            .get("filesystems", "default", "analytics-fs")
            .unwrap()
    };
    assert_eq!(st.aws.file_systems[FS_B].life_cycle_state, "creating");
    assert_eq!(ack(&st)["status"]["lifeCycleState"], "creating");
    assert_eq!(ack(&st)["status"]["fileSystemID"], FS_B);
    advance_to(&mut st, 14);
    assert_eq!(st.aws.file_systems[FS_B].life_cycle_state, "creating");
    advance_to(&mut st, 15);
    assert_eq!(st.aws.file_systems[FS_B].life_cycle_state, "available");
    let cr = ack(&st);
    assert_eq!(cr["status"]["lifeCycleState"], "creating");
    assert_eq!(cr["status"]["conditions"][0]["type"], "ACK.ResourceSynced");
    assert_eq!(cr["status"]["conditions"][0]["status"], "Unknown");
    assert!(
        st.store
            .get(
                "customresourcedefinitions",
                "",
                resources::ACK_FILESYSTEM_CRD
            )
            .is_some()
    );
}

#[test]
fn scale_builds_the_requested_sizes_and_churns() {
    let opts = ScaleOptions {
        pvs: 1000,
        access_points: 1100,
        churn: 20.0,
    };
    let mut st = state(ScenarioName::Scale, &opts);
    all_objects_deserialize(&st);
    let efs_pvs = |st: &SimState| {
        st.store
            .list("persistentvolumes")
            .filter(|(_, pv)| pv["spec"]["csi"]["driver"] == "efs.csi.aws.com")
            .count()
    };
    assert_eq!(efs_pvs(&st), 1000);
    assert_eq!(st.aws.access_points.len(), 1100);
    assert_eq!(efs_join(&st).1, 100);
    advance_to(&mut st, 10);
    // 200 changes: a quarter of them add a volume, at most 32 of which stay.
    assert_eq!(efs_pvs(&st), 1032);
    assert_eq!(st.aws.access_points.len(), 1132);
    let relabelled = st
        .store
        .list("persistentvolumes")
        .filter(|(_, pv)| !pv["metadata"]["labels"]["stordeck.sim/churn"].is_null())
        .count();
    assert!(relabelled >= 100);

    let fewer = ScaleOptions {
        pvs: 500,
        access_points: 400,
        churn: 0.0,
    };
    let st = state(ScenarioName::Scale, &fewer);
    assert_eq!(efs_join(&st).2.len(), 100);
}
