//! The cluster's EKS add-ons and the Kubernetes objects they manage, with the ownership
//! evidence of stories 1, 2 and 4: an adopted, older EFS CSIDriver; VPC CNI objects that
//! look Helm-managed but are not; CSI/CNI node DaemonSets that do or do not tolerate
//! Karpenter's disruption taint.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::{self as o, DsCounts};
use super::{days_ago, put};
use crate::sim::SimState;
use crate::sim::aws::{Addon, AddonIssue, ManagedObject};

const ECR: &str = "602401143452.dkr.ecr.us-east-1.amazonaws.com";

/// How the node agents' DaemonSets count: EC2 nodes, and how many of those Karpenter has
/// tainted (agents that do not tolerate the taint have been evicted from them).
#[derive(Debug, Clone, Copy)]
pub struct Fleet {
    pub ec2_nodes: i32,
    pub disrupted: i32,
}

impl Fleet {
    fn all(self) -> DsCounts {
        DsCounts {
            desired: self.ec2_nodes,
            ready: self.ec2_nodes,
        }
    }

    fn undisrupted(self) -> DsCounts {
        let n = (self.ec2_nodes - self.disrupted).max(0);
        DsCounts {
            desired: n,
            ready: n,
        }
    }
}

/// Labels and managedFields of an object EKS applied server-side as field manager `eks`.
fn eks_applied(v: &mut Value, name: &str, at: Timestamp) {
    let api = v["apiVersion"].clone();
    v["metadata"]["labels"] = json!({
        "app.kubernetes.io/managed-by": "EKS",
        "app.kubernetes.io/name": name,
    });
    v["metadata"]["managedFields"] = json!([o::managed_field(
        "eks",
        "Apply",
        api.as_str().unwrap_or_default(),
        at
    )]);
}

/// Story 2: `helm template … | kubectl apply --server-side --field-manager eks` leaves Helm
/// labels but none of the `meta.helm.sh/release-*` annotations Helm itself would add.
fn helm_templated(v: &mut Value, at: Timestamp) {
    let api = v["apiVersion"].clone();
    v["metadata"]["labels"] = json!({
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": "aws-node",
        "app.kubernetes.io/instance": "aws-vpc-cni",
        "app.kubernetes.io/version": "v1.19.5",
        "helm.sh/chart": "aws-vpc-cni-1.19.5",
        "k8s-app": "aws-node",
    });
    v["metadata"]["managedFields"] = json!([o::managed_field(
        "eks",
        "Apply",
        api.as_str().unwrap_or_default(),
        at
    )]);
}

fn addon(name: &str, version: &str, created: Timestamp, managed: Vec<ManagedObject>) -> Addon {
    Addon {
        name: name.into(),
        version: version.into(),
        status: "ACTIVE".into(),
        created_at: created,
        modified_at: created,
        service_account_role_arn: None,
        configuration_values: None,
        owner: "aws".into(),
        publisher: "eks".into(),
        health_issues: Vec::new(),
        managed,
        deleting: None,
    }
}

fn role_arn(account: &str, role: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role}")
}

/// Writes the add-ons' objects into the store and returns the EKS records.
pub fn install(st: &mut SimState, account: &str, now: Timestamp, fleet: Fleet) -> Vec<Addon> {
    vec![
        vpc_cni(st, days_ago(now, 120), fleet),
        ebs_csi(st, account, days_ago(now, 90), fleet),
        efs_csi(st, account, now, fleet),
        coredns(st, days_ago(now, 120)),
    ]
}

fn vpc_cni(st: &mut SimState, at: Timestamp, fleet: Fleet) -> Addon {
    let image = format!("{ECR}/amazon-k8s-cni:v1.19.5-eksbuild.1");
    let tolerate_all = json!([{"operator": "Exists"}]);
    let mut objs = vec![
        o::daemon_set(
            "kube-system",
            "aws-node",
            json!({"k8s-app": "aws-node"}),
            &image,
            "aws-node",
            tolerate_all,
            fleet.all(),
            at,
        ),
        o::service_account("kube-system", "aws-node", at),
        o::cluster_role(
            "aws-node",
            json!([{"apiGroups": [""], "resources": ["pods", "namespaces", "nodes"],
                    "verbs": ["list", "watch", "get"]}]),
            at,
        ),
        o::cluster_role_binding("aws-node", "aws-node", "kube-system", "aws-node", at),
    ];
    for v in &mut objs {
        helm_templated(v, at);
        put(st, v.clone());
    }
    addon(
        "vpc-cni",
        "v1.19.5-eksbuild.1",
        at,
        vec![
            ManagedObject::new("daemonsets", "kube-system", "aws-node"),
            ManagedObject::new("serviceaccounts", "kube-system", "aws-node"),
            ManagedObject::new("clusterroles", "", "aws-node"),
            ManagedObject::new("clusterrolebindings", "", "aws-node"),
        ],
    )
}

/// `ebs-csi-node` tolerates only what the chart tolerates by default — not
/// `karpenter.sh/disrupted` (story 4).
fn ebs_csi(st: &mut SimState, account: &str, at: Timestamp, fleet: Fleet) -> Addon {
    let tolerations = json!([
        {"key": "CriticalAddonsOnly", "operator": "Exists"},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
         "effect": "NoExecute", "tolerationSeconds": 300},
    ]);
    let role = role_arn(account, "AmazonEKS_EBS_CSI_DriverRole");
    let mut controller_sa = o::service_account("kube-system", "ebs-csi-controller-sa", at);
    controller_sa["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": role});
    let mut objs = vec![
        o::csi_driver(
            "ebs.csi.aws.com",
            json!({"attachRequired": true, "podInfoOnMount": false,
                   "fsGroupPolicy": "ReadWriteOnceWithFSType",
                   "volumeLifecycleModes": ["Persistent"]}),
            at,
        ),
        o::daemon_set(
            "kube-system",
            "ebs-csi-node",
            json!({"app": "ebs-csi-node", "app.kubernetes.io/name": "aws-ebs-csi-driver"}),
            &format!("{ECR}/eks/aws-ebs-csi-driver:v1.44.0"),
            "ebs-csi-node-sa",
            tolerations,
            fleet.undisrupted(),
            at,
        ),
        controller_sa,
        o::service_account("kube-system", "ebs-csi-node-sa", at),
        o::cluster_role(
            "ebs-csi-node-role",
            json!([{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]}]),
            at,
        ),
    ];
    for v in &mut objs {
        eks_applied(v, "aws-ebs-csi-driver", at);
        put(st, v.clone());
    }
    let mut ad = addon(
        "aws-ebs-csi-driver",
        "v1.44.0-eksbuild.1",
        at,
        vec![
            ManagedObject::new("csidrivers", "", "ebs.csi.aws.com"),
            ManagedObject::new("daemonsets", "kube-system", "ebs-csi-node"),
            ManagedObject::new("serviceaccounts", "kube-system", "ebs-csi-controller-sa"),
            ManagedObject::new("serviceaccounts", "kube-system", "ebs-csi-node-sa"),
            ManagedObject::new("clusterroles", "", "ebs-csi-node-role"),
        ],
    );
    ad.service_account_role_arn = Some(role);
    ad
}

/// Story 1: the `efs.csi.aws.com` CSIDriver was there ~200 days before the add-on, which
/// adopted it 30 days ago by applying over it.
fn efs_csi(st: &mut SimState, account: &str, now: Timestamp, fleet: Fleet) -> Addon {
    let at = days_ago(now, 30);
    let born = days_ago(now, 200);
    let role = role_arn(account, "AmazonEKS_EFS_CSI_DriverRole");
    let mut driver = o::csi_driver(
        "efs.csi.aws.com",
        json!({"attachRequired": false, "podInfoOnMount": false,
               "fsGroupPolicy": "ReadWriteOnceWithFSType",
               "volumeLifecycleModes": ["Persistent"]}),
        born,
    );
    eks_applied(&mut driver, "aws-efs-csi-driver", at);
    driver["metadata"]["managedFields"] = json!([
        o::managed_field(
            "kubectl-client-side-apply",
            "Update",
            "storage.k8s.io/v1",
            born
        ),
        o::managed_field("eks", "Apply", "storage.k8s.io/v1", at),
    ]);
    driver["metadata"]["annotations"] = json!({
        "kubectl.kubernetes.io/last-applied-configuration":
            "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":\"CSIDriver\",\"metadata\":{\"annotations\":{},\"name\":\"efs.csi.aws.com\"},\"spec\":{\"attachRequired\":false}}\n",
    });
    put(st, driver);

    let mut controller_sa = o::service_account("kube-system", "efs-csi-controller-sa", at);
    controller_sa["metadata"]["annotations"] = json!({"eks.amazonaws.com/role-arn": role});
    let mut objs = vec![
        o::daemon_set(
            "kube-system",
            "efs-csi-node",
            json!({"app": "efs-csi-node", "app.kubernetes.io/name": "aws-efs-csi-driver"}),
            &format!("{ECR}/eks/aws-efs-csi-driver:v2.1.9"),
            "efs-csi-node-sa",
            json!([{"operator": "Exists"}]),
            fleet.all(),
            at,
        ),
        controller_sa,
        o::service_account("kube-system", "efs-csi-node-sa", at),
        o::cluster_role(
            "efs-csi-external-provisioner-role",
            json!([{"apiGroups": [""], "resources": ["persistentvolumes"],
                    "verbs": ["get", "list", "watch", "create", "delete"]}]),
            at,
        ),
    ];
    for v in &mut objs {
        eks_applied(v, "aws-efs-csi-driver", at);
        put(st, v.clone());
    }
    let mut ad = addon(
        "aws-efs-csi-driver",
        "v2.1.9-eksbuild.1",
        at,
        vec![
            ManagedObject::new("csidrivers", "", "efs.csi.aws.com"),
            ManagedObject::new("daemonsets", "kube-system", "efs-csi-node"),
            ManagedObject::new("serviceaccounts", "kube-system", "efs-csi-controller-sa"),
            ManagedObject::new("serviceaccounts", "kube-system", "efs-csi-node-sa"),
            ManagedObject::new("clusterroles", "", "efs-csi-external-provisioner-role"),
        ],
    );
    ad.service_account_role_arn = Some(role);
    ad.configuration_values = Some(r#"{"controller":{"deleteAccessPointRootDir":true}}"#.into());
    ad
}

fn coredns(st: &mut SimState, at: Timestamp) -> Addon {
    let mut objs = vec![
        o::service_account("kube-system", "coredns", at),
        o::cluster_role(
            "system:coredns",
            json!([{"apiGroups": [""], "resources": ["endpoints", "services", "pods",
                    "namespaces"], "verbs": ["list", "watch"]}]),
            at,
        ),
        o::cluster_role_binding(
            "system:coredns",
            "system:coredns",
            "kube-system",
            "coredns",
            at,
        ),
    ];
    for v in &mut objs {
        eks_applied(v, "coredns", at);
        put(st, v.clone());
    }
    let mut ad = addon(
        "coredns",
        "v1.11.4-eksbuild.14",
        at,
        vec![
            ManagedObject::new("serviceaccounts", "kube-system", "coredns"),
            ManagedObject::new("clusterroles", "", "system:coredns"),
            ManagedObject::new("clusterrolebindings", "", "system:coredns"),
        ],
    );
    ad.status = "DEGRADED".into();
    ad.health_issues = vec![AddonIssue {
        code: "InsufficientNumberOfReplicas".into(),
        message: "The add-on is unhealthy because it doesn't have the desired number of \
                  replicas."
            .into(),
        resource_ids: vec!["kube-system/coredns".into()],
    }];
    ad
}

/// A Helm-installed CNI agent (chained with the VPC CNI) whose tolerations miss
/// `karpenter.sh/disrupted` — and, unlike `aws-node`, carries Helm's release annotations.
pub fn cilium(st: &mut SimState, now: Timestamp, fleet: Fleet) {
    let at = days_ago(now, 60);
    let mut ds = o::daemon_set(
        "kube-system",
        "cilium",
        json!({"k8s-app": "cilium"}),
        "quay.io/cilium/cilium:v1.17.4",
        "cilium",
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists"},
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
        ]),
        fleet.undisrupted(),
        at,
    );
    ds["metadata"]["labels"] = json!({
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": "cilium-agent",
        "app.kubernetes.io/part-of": "cilium",
    });
    ds["metadata"]["annotations"] = json!({
        "meta.helm.sh/release-name": "cilium",
        "meta.helm.sh/release-namespace": "kube-system",
    });
    ds["metadata"]["managedFields"] = json!([o::managed_field("helm", "Update", "apps/v1", at)]);
    put(st, ds);
}
