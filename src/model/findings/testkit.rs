//! Synthetic worlds for the rules' tests, built the way sources build them: Kubernetes
//! objects and AWS records through `World::apply`, at fixed times.

use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Ctx, Finding, Fix, Out, Policy, evaluate, evaluate_with};
use crate::model::input::{AccessPointRec, AddonRec, FargateProfileRec, FileSystemRec};
use k8s_openapi::api::core::v1::Pod;

use crate::model::{
    AgentSelector, AwsMsg, Change, Health, HealthState, KubeMsg, ProbeKey, ProbeOutcome,
    ProbeResult, SourceId, SourceMsg, World,
};

pub fn now() -> Timestamp {
    "2026-06-11T12:00:00Z".parse().expect("timestamp")
}

pub fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

pub fn days_ago(days: i64) -> Timestamp {
    ago(days * 86_400)
}

fn obj<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("test object")
}

pub fn kube(w: &mut World, msg: KubeMsg) {
    w.apply(SourceMsg::from(msg), now());
}

pub fn aws(w: &mut World, msg: AwsMsg) {
    w.apply(SourceMsg::Aws(msg), now());
}

pub fn live(w: &mut World, source: SourceId) {
    let h = Health {
        source,
        state: HealthState::Live,
        at: now(),
        retry_at: None,
    };
    w.apply(SourceMsg::Health(h), now());
}

/// Metadata with managedFields managers, labels and annotations.
pub fn meta(name: &str, ns: Option<&str>, created: Timestamp, managers: &[&str]) -> Value {
    let mf: Vec<Value> = managers
        .iter()
        .map(|m| json!({"manager": m, "operation": "Apply"}))
        .collect();
    let mut m = json!({"name": name, "creationTimestamp": created.to_string(),
                       "managedFields": mf});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

pub fn csi_driver(w: &mut World, name: &str, created: Timestamp, managers: &[&str]) {
    let d = obj(json!({"metadata": meta(name, None, created, managers), "spec": {}}));
    kube(w, KubeMsg::CsiDriver(Change::Apply(d)));
}

pub fn addon(name: &str, created: Timestamp) -> AddonRec {
    AddonRec {
        name: name.into(),
        version: Some("v1.0.0-eksbuild.1".into()),
        status: "ACTIVE".into(),
        created_at: Some(created),
        modified_at: None,
        service_account_role_arn: None,
        health_issues: vec![],
    }
}

pub fn addons(w: &mut World, items: Vec<AddonRec>) {
    aws(w, AwsMsg::Addons(items));
}

pub fn fargate_profiles(w: &mut World, names: &[&str]) {
    let items = names
        .iter()
        .map(|n| FargateProfileRec {
            name: n.to_string(),
            status: "ACTIVE".into(),
            created_at: Some(days_ago(400)),
            namespaces: vec!["default".into()],
        })
        .collect();
    aws(w, AwsMsg::FargateProfiles(items));
}

/// A DaemonSet; `meta_extra` is merged into its metadata (labels, annotations).
pub fn daemonset(w: &mut World, name: &str, image: &str, tolerations: Value, meta_extra: Value) {
    let mut m = meta(name, Some("kube-system"), days_ago(30), &["eks"]);
    if let (Some(m), Some(extra)) = (m.as_object_mut(), meta_extra.as_object()) {
        m.extend(extra.clone());
    }
    let ds = obj(json!({
        "metadata": m,
        "spec": {"selector": {}, "template": {"spec": {
            "containers": [{"name": name, "image": image}], "tolerations": tolerations}}},
        "status": {"desiredNumberScheduled": 3, "numberReady": 3,
                   "currentNumberScheduled": 3, "numberMisscheduled": 0},
    }));
    kube(w, KubeMsg::DaemonSet(Change::Apply(ds)));
}

/// A DaemonSet whose pods are selected by `selector` (`k=v`), replacing one of that name.
pub fn daemonset_with_selector(w: &mut World, name: &str, selector: &str) {
    let (k, v) = selector.split_once('=').expect("k=v");
    let ds = obj(json!({
        "metadata": meta(name, Some("kube-system"), days_ago(30), &["eks"]),
        "spec": {"selector": {"matchLabels": {k: v}}, "template": {"spec": {
            "containers": [{"name": name, "image": "x"}]}}},
        "status": {"desiredNumberScheduled": 3, "numberReady": 3,
                   "currentNumberScheduled": 3, "numberMisscheduled": 0},
    }));
    kube(w, KubeMsg::DaemonSet(Change::Apply(ds)));
}

pub fn agent_pod(name: &str, node: &str) -> Pod {
    obj(
        json!({"metadata": {"name": name, "namespace": "kube-system"},
               "spec": {"nodeName": node, "containers": []},
               "status": {"phase": "Running"}}),
    )
}

/// A complete listing of one agent selector's pods.
pub fn list_agent_pods(w: &mut World, selector: &AgentSelector, pods: Vec<Pod>) {
    let mut send = |change| {
        kube(
            w,
            KubeMsg::AgentPod {
                selector: selector.clone(),
                change,
            },
        )
    };
    send(Change::InitStart);
    for p in pods {
        send(Change::InitApply(p));
    }
    send(Change::InitDone);
}

pub fn node(w: &mut World, name: &str, labels: Value, taints: Value) {
    let mut m = meta(name, None, days_ago(3), &[]);
    m["labels"] = labels;
    let n = obj(json!({"metadata": m, "spec": {"taints": taints}}));
    kube(w, KubeMsg::Node(Change::Apply(n)));
}

pub fn pv(w: &mut World, name: &str, driver: &str, handle: &str, phase: &str) {
    pv_obj(w, name, driver, handle, phase, "Delete");
}

/// An EFS PV with a reclaim policy.
pub fn pv_with(w: &mut World, name: &str, handle: &str, phase: &str, reclaim: &str) {
    pv_obj(w, name, "efs.csi.aws.com", handle, phase, reclaim);
}

fn pv_obj(w: &mut World, name: &str, driver: &str, handle: &str, phase: &str, reclaim: &str) {
    let p = obj(json!({
        "metadata": meta(name, None, days_ago(20), &["csi-provisioner"]),
        "spec": {"csi": {"driver": driver, "volumeHandle": handle},
                 "claimRef": {"namespace": "shop", "name": format!("claim-{name}")},
                 "persistentVolumeReclaimPolicy": reclaim, "storageClassName": "efs-sc"},
        "status": {"phase": phase},
    }));
    kube(w, KubeMsg::Pv(Change::Apply(p)));
}

/// A claim with a uid, as the PVC watch delivers it.
pub fn pvc(w: &mut World, ns: &str, name: &str, uid: &str, phase: &str) {
    let mut m = meta(name, Some(ns), days_ago(1), &[]);
    m["uid"] = json!(uid);
    let c = obj(
        json!({"metadata": m, "spec": {"storageClassName": "efs-sc"},
                       "status": {"phase": phase}}),
    );
    kube(w, KubeMsg::Pvc(Change::Apply(c)));
}

/// The answer to a targeted read of an access point, started at `now()`.
pub fn probe_ap(w: &mut World, id: &str, fs: &str, found: bool) {
    let outcome = if found {
        ProbeOutcome::AccessPoint(ap(id, fs, "", 1000))
    } else {
        ProbeOutcome::NotFound
    };
    probe(w, ProbeKey::AccessPoint(id.into()), outcome);
}

pub fn probe(w: &mut World, key: ProbeKey, outcome: ProbeOutcome) {
    probe_at(w, key, outcome, now());
}

pub fn probe_at(w: &mut World, key: ProbeKey, outcome: ProbeOutcome, at: Timestamp) {
    let r = ProbeResult {
        key,
        started: at,
        outcome,
    };
    w.apply(SourceMsg::Probe(r), at);
}

/// The PV watch's Delete event for a PV the World holds.
pub fn delete_pv(w: &mut World, name: &str) {
    let p = obj(json!({"metadata": {"name": name}}));
    kube(w, KubeMsg::Pv(Change::Delete(p)));
}

/// Answers every targeted read the rules want, as the world stands: an access point EFS
/// has is found, a PV or claim the World lacks is not.
pub fn confirm_all(w: &mut World) {
    for key in run_out(w).wanted {
        let outcome = match &key {
            ProbeKey::AccessPoint(id) => match w.access_points.get(id.as_str()) {
                Some(a) => ProbeOutcome::AccessPoint(a.clone()),
                None => ProbeOutcome::NotFound,
            },
            ProbeKey::Pv(n) if w.pvs.get(n.as_str()).is_some() => ProbeOutcome::Found { uid: None },
            ProbeKey::Pvc { namespace, name }
                if w.pvcs.get(&(namespace.into(), name.into())).is_some() =>
            {
                ProbeOutcome::Found { uid: None }
            }
            _ => ProbeOutcome::NotFound,
        };
        probe(w, key, outcome);
    }
}

pub fn attachment(w: &mut World, name: &str, attacher: &str, node: &str, pv: &str) {
    let va = obj(json!({
        "metadata": meta(name, None, days_ago(20), &[]),
        "spec": {"attacher": attacher, "nodeName": node,
                 "source": {"persistentVolumeName": pv}},
        "status": {"attached": true},
    }));
    kube(w, KubeMsg::VolumeAttachment(Change::Apply(va)));
}

pub fn storage_class(w: &mut World, name: &str, params: Value) {
    let sc = obj(json!({"metadata": meta(name, None, days_ago(250), &[]),
                        "provisioner": "efs.csi.aws.com", "parameters": params}));
    kube(w, KubeMsg::StorageClass(Change::Apply(sc)));
}

pub fn fs(id: &str, state: &str, tags: &[(&str, &str)]) -> FileSystemRec {
    FileSystemRec {
        id: id.into(),
        name: Some(format!("{id}-name")),
        arn: None,
        life_cycle_state: state.into(),
        creation_time: Some(days_ago(250)),
        size_bytes: Some(6144),
        number_of_mount_targets: 2,
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

pub fn file_systems(w: &mut World, items: Vec<FileSystemRec>) {
    aws(w, AwsMsg::FileSystems(items));
}

/// An access point as the EFS CSI driver makes it, with the tag it sets on every one.
pub fn ap(id: &str, fs: &str, token: &str, gid: u32) -> AccessPointRec {
    AccessPointRec {
        id: id.into(),
        arn: None,
        file_system_id: fs.into(),
        client_token: Some(token.into()),
        name: None,
        root_path: Some(format!("/dynamic_provisioning/{token}").into()),
        uid: Some(gid),
        gid: Some(gid),
        life_cycle_state: "available".into(),
        tags: vec![("efs.csi.aws.com/cluster".into(), "true".into())],
    }
}

/// An access point another consumer of the file system made (Lambda, SageMaker,
/// Terraform): its own ClientToken, no driver tag.
pub fn foreign_ap(id: &str, fs: &str, token: Option<&str>) -> AccessPointRec {
    AccessPointRec {
        client_token: token.map(Into::into),
        root_path: Some("/shared".into()),
        uid: Some(1000),
        gid: Some(1000),
        tags: vec![("ManagedBy".into(), "terraform".into())],
        ..ap(id, fs, "", 1000)
    }
}

pub fn access_points(w: &mut World, fs: &str, items: Vec<AccessPointRec>) {
    access_points_at(w, fs, items, now());
}

/// A listing whose first page was asked for at `started`.
pub fn access_points_at(w: &mut World, fs: &str, items: Vec<AccessPointRec>, started: Timestamp) {
    aws(
        w,
        AwsMsg::AccessPoints {
            file_system_id: fs.into(),
            items,
            started,
        },
    );
}

/// An ACK FileSystem whose ResourceSynced condition last changed at `since`; applied at
/// `seen`, when stordeck first saw it.
pub struct Ack<'a> {
    pub name: &'a str,
    pub fs_id: &'a str,
    pub state: &'a str,
    pub synced: &'a str,
    pub since: Timestamp,
    pub seen: Timestamp,
}

pub fn ack(w: &mut World, a: &Ack<'_>) {
    let o = obj(json!({
        "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
        "metadata": {"name": a.name, "namespace": "default"},
        "status": {"fileSystemID": a.fs_id, "lifeCycleState": a.state,
                   "conditions": [{"type": "ACK.ResourceSynced", "status": a.synced,
                                   "lastTransitionTime": a.since.to_string(),
                                   "message": "Unable to determine if desired resource state matches latest observed state"}]},
    }));
    w.apply(
        SourceMsg::from(KubeMsg::AckFileSystem(Change::Apply(o))),
        a.seen,
    );
}

/// The findings one rule produced.
pub fn of<'a>(found: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    found.iter().filter(|f| f.id == id).collect()
}

pub fn run(w: &World, id: &str) -> Vec<Finding> {
    evaluate(w, now())
        .into_iter()
        .filter(|f| f.id == id)
        .collect()
}

pub fn run_at(w: &World, at: Timestamp) -> Vec<Finding> {
    evaluate(w, at)
}

/// Findings, candidates and wanted reads at `now()` with the default policy.
pub fn run_out(w: &World) -> Out {
    let policy = Policy::default();
    evaluate_with(
        w,
        &Ctx {
            now: now(),
            policy: &policy,
        },
    )
}

/// All evidence of a finding as text, for `contains` assertions.
pub fn text(f: &Finding) -> String {
    serde_json::to_string(f).expect("findings serialize")
}

pub fn fix(f: &Finding) -> Option<&Fix> {
    f.fix.as_ref()
}
