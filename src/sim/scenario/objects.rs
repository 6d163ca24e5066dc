//! Kubernetes objects as the API server would serve them, built as JSON. Each builder
//! fills the fields k8s-openapi requires; callers add labels, annotations and
//! managedFields on top (`v["metadata"]["labels"] = …`).

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::sim::store::rfc3339;

pub fn ts(t: Timestamp) -> String {
    rfc3339(t)
}

fn meta(name: &str, namespace: Option<&str>, created: Timestamp) -> Value {
    let mut m = json!({"name": name, "creationTimestamp": ts(created)});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// One managedFields entry: who wrote the object, how, and when.
pub fn managed_field(manager: &str, operation: &str, api_version: &str, at: Timestamp) -> Value {
    json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": ts(at),
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:labels": {}}, "f:spec": {}},
    })
}

pub fn namespace(name: &str, created: Timestamp) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": meta(name, None, created),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

/// A Ready node; `ip` is its private address (10.0.x.y).
pub fn node(
    name: &str,
    ip: &str,
    labels: Value,
    taints: Value,
    provider_id: &str,
    created: Timestamp,
) -> Value {
    let at = ts(created);
    let cond = |t: &str, s: &str, reason: &str| {
        json!({"type": t, "status": s, "reason": reason, "message": reason,
               "lastHeartbeatTime": at, "lastTransitionTime": at})
    };
    let mut m = meta(name, None, created);
    m["labels"] = labels;
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": m,
        "spec": {"providerID": provider_id, "taints": taints},
        "status": {
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID"),
                cond("Ready", "True", "KubeletReady"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
            ],
            "capacity": {"cpu": "2", "memory": "7868Mi", "pods": "29"},
            "allocatable": {"cpu": "1930m", "memory": "7030Mi", "pods": "29"},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "9b0c6f1e-3c1a-4a5e-9d7e-2f4b8c1d0e01",
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "6.1.134-152.225.amzn2023.x86_64",
                "kubeProxyVersion": "v1.33.0-eks-802817d",
                "kubeletVersion": "v1.33.0-eks-802817d",
                "machineID": "ec2b3c4d5e6f70819a0b1c2d3e4f5a6b",
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023.7.20250512",
                "systemUUID": "ec2b3c4d-5e6f-7081-9a0b-1c2d3e4f5a6b",
            },
        },
    })
}

pub fn taint(key: &str, value: Option<&str>, effect: &str) -> Value {
    let mut t = json!({"key": key, "effect": effect});
    if let Some(v) = value {
        t["value"] = json!(v);
    }
    t
}

pub struct PvClaim<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
}

/// A bound CSI PersistentVolume; `csi` is the `spec.csi` block.
pub fn pv(
    name: &str,
    csi: Value,
    access_mode: &str,
    storage_class: &str,
    claim: &PvClaim<'_>,
    reclaim: &str,
    created: Timestamp,
) -> Value {
    let driver = csi["driver"].clone();
    let mut m = meta(name, None, created);
    m["annotations"] = json!({"pv.kubernetes.io/provisioned-by": driver});
    m["finalizers"] = json!(["kubernetes.io/pv-protection"]);
    json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": m,
        "spec": {
            "accessModes": [access_mode],
            "capacity": {"storage": "5Gi"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "namespace": claim.namespace, "name": claim.name},
            "csi": csi,
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": storage_class,
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Bound"},
    })
}

/// A claim, Bound to `volume` or Pending when there is none yet.
pub fn pvc(
    namespace: &str,
    name: &str,
    storage_class: &str,
    provisioner: &str,
    access_mode: &str,
    volume: Option<&str>,
    created: Timestamp,
) -> Value {
    let mut m = meta(name, Some(namespace), created);
    m["annotations"] = json!({"volume.kubernetes.io/storage-provisioner": provisioner});
    m["finalizers"] = json!(["kubernetes.io/pvc-protection"]);
    let mut v = json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": m,
        "spec": {
            "accessModes": [access_mode],
            "resources": {"requests": {"storage": "5Gi"}},
            "storageClassName": storage_class,
            "volumeMode": "Filesystem",
        },
        "status": {"phase": "Pending"},
    });
    if let Some(vol) = volume {
        v["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = json!("yes");
        v["spec"]["volumeName"] = json!(vol);
        v["status"] = json!({"phase": "Bound", "accessModes": [access_mode],
                             "capacity": {"storage": "5Gi"}});
    }
    v
}

pub fn volume_attachment(
    name: &str,
    attacher: &str,
    node: &str,
    pv: &str,
    created: Timestamp,
) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
        "metadata": meta(name, None, created),
        "spec": {"attacher": attacher, "nodeName": node, "source": {"persistentVolumeName": pv}},
        "status": {"attached": true, "attachmentMetadata": {"devicePath": "/dev/xvdaa"}},
    })
}

pub fn storage_class(
    name: &str,
    provisioner: &str,
    parameters: Value,
    binding_mode: &str,
    created: Timestamp,
) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": meta(name, None, created),
        "provisioner": provisioner,
        "parameters": parameters,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": binding_mode,
        "allowVolumeExpansion": true,
    })
}

pub fn csi_driver(name: &str, spec: Value, created: Timestamp) -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
        "metadata": meta(name, None, created),
        "spec": spec,
    })
}

/// Scheduling and readiness of a DaemonSet across the nodes it may run on.
#[derive(Debug, Clone, Copy)]
pub struct DsCounts {
    pub desired: i32,
    pub ready: i32,
}

/// A node DaemonSet that stays off Fargate, as EKS's own node agents do. `match_labels`
/// is its selector; its pods carry those labels and a `component` of their own.
#[allow(clippy::too_many_arguments)]
pub fn daemon_set(
    namespace: &str,
    name: &str,
    match_labels: Value,
    image: &str,
    service_account: &str,
    tolerations: Value,
    counts: DsCounts,
    created: Timestamp,
) -> Value {
    let mut pod_labels = match_labels.clone();
    pod_labels["app.kubernetes.io/component"] = json!("node");
    json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": meta(name, Some(namespace), created),
        "spec": {
            "selector": {"matchLabels": match_labels},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "serviceAccountName": service_account,
                    "priorityClassName": "system-node-critical",
                    "containers": [{"name": name, "image": image}],
                    "tolerations": tolerations,
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{
                            "key": "eks.amazonaws.com/compute-type",
                            "operator": "NotIn",
                            "values": ["fargate", "hybrid", "auto"],
                        }]}],
                    }}},
                },
            },
            "updateStrategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": "10%"}},
        },
        "status": ds_status(counts),
    })
}

pub fn ds_status(c: DsCounts) -> Value {
    json!({
        "currentNumberScheduled": c.desired,
        "desiredNumberScheduled": c.desired,
        "numberMisscheduled": 0,
        "numberReady": c.ready,
        "numberAvailable": c.ready,
        "updatedNumberScheduled": c.desired,
        "observedGeneration": 1,
    })
}

pub fn service_account(namespace: &str, name: &str, created: Timestamp) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": meta(name, Some(namespace), created),
    })
}

pub fn cluster_role(name: &str, rules: Value, created: Timestamp) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": meta(name, None, created),
        "rules": rules,
    })
}

pub fn cluster_role_binding(
    name: &str,
    role: &str,
    sa_namespace: &str,
    sa: &str,
    created: Timestamp,
) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": meta(name, None, created),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": sa_namespace}],
    })
}

/// The ACK EFS controller's CRD, served as `filesystems.efs.services.k8s.aws/v1alpha1`.
pub fn ack_filesystem_crd(created: Timestamp) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": meta("filesystems.efs.services.k8s.aws", None, created),
        "spec": {
            "group": "efs.services.k8s.aws",
            "names": {"kind": "FileSystem", "listKind": "FileSystemList",
                      "plural": "filesystems", "singular": "filesystem"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                                               "x-kubernetes-preserve-unknown-fields": true}},
                "subresources": {"status": {}},
            }],
        },
    })
}

/// The ACK view of one file system: its own idea of the lifecycle state and whether it
/// believes itself in sync with AWS.
pub struct AckFs<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub arn: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub file_system_id: &'a str,
    pub life_cycle_state: &'a str,
    pub synced: &'a str,
    pub synced_since: Timestamp,
    pub message: &'a str,
}

pub fn ack_filesystem(f: &AckFs<'_>, created: Timestamp) -> Value {
    json!({
        "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
        "metadata": meta(f.name, Some(f.namespace), created),
        "spec": {
            "creationToken": f.name,
            "encrypted": true,
            "performanceMode": "generalPurpose",
            "throughputMode": "elastic",
            "tags": [{"key": "Name", "value": f.name}],
        },
        "status": {
            "ackResourceMetadata": {"arn": f.arn, "ownerAccountID": f.account,
                                    "region": f.region},
            "fileSystemID": f.file_system_id,
            "lifeCycleState": f.life_cycle_state,
            "conditions": [{
                "type": "ACK.ResourceSynced",
                "status": f.synced,
                "lastTransitionTime": ts(f.synced_since),
                "message": f.message,
            }],
        },
    })
}
