//! A small World for unit tests of actions and their dialogs: cluster `prod` with the EFS
//! add-on (its CSIDriver and node DaemonSet), the VPC CNI's Helm-labelled objects, and an
//! EBS add-on that is already DELETING.

use serde_json::{Value, json};

use crate::model::input::{AddonRec, ClusterRec};
use crate::model::{AwsMsg, Change, KubeMsg, SourceMsg, World};

pub fn now() -> jiff::Timestamp {
    "2025-06-01T12:00:00Z".parse().expect("timestamp")
}

pub fn kube(w: &mut World, msg: KubeMsg) {
    w.apply(SourceMsg::from(msg), now());
}

pub fn de<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("object")
}

pub fn addon(name: &str, status: &str, role: Option<&str>) -> AddonRec {
    AddonRec {
        name: name.into(),
        version: None,
        status: status.into(),
        created_at: None,
        modified_at: None,
        service_account_role_arn: role.map(str::to_string),
        health_issues: Vec::new(),
    }
}

pub fn ds(name: &str, labels: Value, tolerations: Value) -> KubeMsg {
    KubeMsg::DaemonSet(Change::Apply(de(json!({
        "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
        "spec": {"selector": {}, "template": {"spec": {"containers": [], "tolerations": tolerations}}},
    }))))
}

/// The EFS add-on with its CSIDriver and node DaemonSet, and the VPC CNI's Helm-labelled
/// objects, in cluster `prod`.
pub fn world() -> World {
    let mut w = World::default();
    w.apply(
        SourceMsg::Aws(AwsMsg::Cluster(ClusterRec {
            name: "prod".into(),
            arn: None,
            version: None,
            status: "ACTIVE".into(),
            created_at: None,
            platform_version: None,
        })),
        now(),
    );
    w.apply(
        SourceMsg::Aws(AwsMsg::Addons(vec![
            addon(
                "aws-efs-csi-driver",
                "ACTIVE",
                Some("arn:aws:iam::1:role/efs"),
            ),
            addon("vpc-cni", "ACTIVE", None),
            addon("aws-ebs-csi-driver", "DELETING", None),
        ])),
        now(),
    );
    kube(
        &mut w,
        KubeMsg::CsiDriver(Change::Apply(de(json!({
            "metadata": {"name": "efs.csi.aws.com"}, "spec": {}})))),
    );
    kube(
        &mut w,
        ds("efs-csi-node", json!({}), json!([{"operator": "Exists"}])),
    );
    let helm = json!({"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/instance": "aws-vpc-cni"});
    kube(
        &mut w,
        ds(
            "aws-node",
            helm.clone(),
            json!([{"key": "CriticalAddonsOnly", "operator": "Exists"}]),
        ),
    );
    kube(
        &mut w,
        KubeMsg::ServiceAccount(Change::Apply(de(json!({"metadata": {
            "name": "aws-node", "namespace": "kube-system", "labels": helm,
            "annotations": {"meta.helm.sh/release-name": "aws-vpc-cni",
                            "meta.helm.sh/release-namespace": "kube-system"}}})))),
    );
    w
}
