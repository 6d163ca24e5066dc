//! The rich world: a cluster with every story of DESIGN.md in it.

use serde_json::json;
use stordeck::model::input::ClusterRec;
use stordeck::model::{AwsMsg, Change, HealthState, KubeMsg, SourceId, World};

use crate::fixture::*;

/// A cluster with every story in it: a pre-existing EFS driver adopted by an add-on, the
/// VPC CNI's ambiguous Helm labels, both volumeHandle forms, an access point that is gone,
/// an orphan whose root path carries escape sequences, ACK stuck at `creating`, a stale
/// PV watch and an errored node-group poller.
pub fn rich_world() -> World {
    let mut w = World::default();
    let t = ago(4 * 3600);
    let helm = json!({"app.kubernetes.io/managed-by": "Helm"});
    aws(
        &mut w,
        AwsMsg::Cluster(ClusterRec {
            name: "prod-eks".into(),
            arn: Some("arn:aws:eks:eu-west-1:123456789012:cluster/prod-eks".into()),
            version: Some("1.31".into()),
            status: "ACTIVE".into(),
            created_at: None,
            platform_version: None,
        }),
        t,
    );

    for (name, created, mgr, labels, attach, policy) in [
        (
            "efs.csi.aws.com",
            "2024-11-02T10:00:00Z",
            "kubectl-client-side-apply",
            json!({}),
            false,
            "None",
        ),
        (
            "ebs.csi.aws.com",
            "2025-05-01T10:00:00Z",
            "eks",
            json!({}),
            true,
            "ReadWriteOnceWithFSType",
        ),
        (
            "fsx.csi.aws.com",
            "2025-05-30T10:00:00Z",
            "helm",
            helm.clone(),
            false,
            "File",
        ),
    ] {
        let mut m = meta(name, None, created, &[mgr], labels);
        if name.starts_with("fsx") {
            m["annotations"] = json!({"meta.helm.sh/release-name": "aws-fsx-csi-driver", "meta.helm.sh/release-namespace": "kube-system"});
        }
        let d = obj(
            json!({"metadata": m, "spec": {"attachRequired": attach, "fsGroupPolicy": policy}}),
        );
        kube(&mut w, KubeMsg::CsiDriver(Change::Apply(d)), t);
    }
    for (name, desired, ready, labels, mgr) in [
        ("ebs-csi-node", 3, 2, json!({}), "eks"),
        ("efs-csi-node", 3, 3, json!({}), "eks"),
        ("aws-node", 3, 3, helm.clone(), "eks"),
    ] {
        let ds = obj(json!({
            "metadata": meta(name, Some("kube-system"), "2025-05-01T10:00:00Z", &[mgr], labels),
            "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "c", "image": "img"}]}}},
            "status": {"desiredNumberScheduled": desired, "numberReady": ready,
                       "currentNumberScheduled": desired, "numberMisscheduled": 0},
        }));
        kube(&mut w, KubeMsg::DaemonSet(Change::Apply(ds)), t);
    }
    let sa = obj(
        json!({"metadata": meta("aws-node", Some("kube-system"), "2025-05-01T10:00:00Z", &["eks"], helm.clone())}),
    );
    kube(&mut w, KubeMsg::ServiceAccount(Change::Apply(sa)), t);
    let cr = obj(
        json!({"metadata": meta("aws-node", None, "2025-05-01T10:00:00Z", &["eks", "kubectl-edit"], helm.clone())}),
    );
    kube(&mut w, KubeMsg::ClusterRole(Change::Apply(cr)), t);

    let mut ebs = addon(
        "aws-ebs-csi-driver",
        "v1.44.0-eksbuild.1",
        "DEGRADED",
        "2025-05-01T09:59:00Z",
        None,
    );
    ebs.health_issues = vec![(
        "InsufficientNumberOfReplicas".into(),
        "ebs-csi-node: 2 of 3 ready \u{202e}gnp.exe".into(),
    )];
    aws(
        &mut w,
        AwsMsg::Addons(vec![
            addon(
                "vpc-cni",
                "v1.19.2-eksbuild.1",
                "ACTIVE",
                "2025-02-01T10:00:00Z",
                None,
            ),
            ebs,
            addon(
                "aws-efs-csi-driver",
                "v2.1.4-eksbuild.1",
                "ACTIVE",
                "2025-05-01T10:00:00Z",
                Some("arn:aws:iam::123456789012:role/AmazonEKS_EFS_CSI_DriverRole"),
            ),
            addon(
                "coredns",
                "v1.11.4-eksbuild.2",
                "ACTIVE",
                "2025-02-01T10:00:00Z",
                None,
            ),
        ]),
        t,
    );

    for (name, prov, params) in [
        (
            "efs-sc",
            "efs.csi.aws.com",
            json!({"provisioningMode": "efs-ap", "gidRangeStart": "1000", "gidRangeEnd": "2000"}),
        ),
        ("gp3", "ebs.csi.aws.com", json!({"type": "gp3"})),
    ] {
        let sc = obj(
            json!({"metadata": {"name": name}, "provisioner": prov, "parameters": params, "reclaimPolicy": "Delete"}),
        );
        kube(&mut w, KubeMsg::StorageClass(Change::Apply(sc)), t);
    }
    let efs = "efs.csi.aws.com";
    for v in [
        pv(
            "pvc-aaa",
            &format!("{FS1}::fsap-0aaa0000000000001"),
            efs,
            Some(("apps", "data-a")),
            json!({}),
        ),
        pv(
            "pvc-bbb",
            &format!("efs:{FS1}::fsap-0bbb0000000000002"),
            efs,
            Some(("apps", "data-b")),
            json!({}),
        ),
        pv(
            "pvc-ccc",
            &format!("{FS1}:/shared:fsap-0ccc0000000000003"),
            efs,
            Some(("apps", "old-c")),
            json!({"phase": "Released", "reclaim": "Retain"}),
        ),
        pv(
            "pvc-ddd",
            "vol-0abc1234def567890",
            "ebs.csi.aws.com",
            Some(("data", "db-0")),
            json!({"cap": "20Gi", "mode": "ReadWriteOnce", "sc": "gp3"}),
        ),
        pv(
            "static-efs",
            FS2,
            efs,
            None,
            json!({"phase": "Available", "reclaim": "Retain", "sc": ""}),
        ),
    ] {
        kube(&mut w, KubeMsg::Pv(Change::Apply(obj(v))), t);
    }
    for (ns, name, vol) in [
        ("apps", "data-a", "pvc-aaa"),
        ("apps", "data-b", "pvc-bbb"),
        ("data", "db-0", "pvc-ddd"),
    ] {
        let c = obj(json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"volumeName": vol, "storageClassName": "efs-sc", "resources": {"requests": {"storage": "5Gi"}}},
            "status": {"phase": "Bound"},
        }));
        kube(&mut w, KubeMsg::Pvc(Change::Apply(c)), t);
    }
    let va = obj(json!({
        "metadata": {"name": "csi-7f3e"},
        "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "ip-10-0-1-10.eu-west-1.compute.internal",
                 "source": {"persistentVolumeName": "pvc-ddd"}},
        "status": {"attached": true},
    }));
    kube(&mut w, KubeMsg::VolumeAttachment(Change::Apply(va)), t);

    let t0 = ago(3 * 3600 + 600);
    aws(
        &mut w,
        AwsMsg::FileSystems(vec![
            fs(FS1, "shared", "available"),
            fs(FS2, "static", "creating"),
        ]),
        t0,
    );
    aws(
        &mut w,
        AwsMsg::MountTargets {
            file_system_id: FS1.into(),
            items: vec![
                mt("fsmt-0a1", FS1, "eu-west-1a", "available"),
                mt("fsmt-0b2", FS1, "eu-west-1b", "available"),
            ],
        },
        t0,
    );
    aws(
        &mut w,
        AwsMsg::MountTargets {
            file_system_id: FS2.into(),
            items: vec![mt("fsmt-0c3", FS2, "eu-west-1a", "creating")],
        },
        t0,
    );
    let mut evil = ap(
        "fsap-0eee0000000000005",
        FS1,
        "pvc-eee",
        "/dynamic/evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m-red",
        1004,
    );
    evil.name = Some("team\u{202e}txt.exe".into());
    aws(
        &mut w,
        AwsMsg::AccessPoints {
            file_system_id: FS1.into(),
            items: vec![
                ap(
                    "fsap-0aaa0000000000001",
                    FS1,
                    "pvc-aaa",
                    "/dynamic/pvc-aaa",
                    1001,
                ),
                ap(
                    "fsap-0bbb0000000000002",
                    FS1,
                    "pvc-bbb",
                    "/dynamic/pvc-bbb",
                    1002,
                ),
                evil,
            ],
            started: jiff::Timestamp::UNIX_EPOCH,
        },
        t0,
    );
    let ack = obj(json!({
        "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
        "metadata": {"name": "shared-fs", "namespace": "storage"},
        "status": {"fileSystemID": FS1, "lifeCycleState": "creating",
                   "conditions": [{"type": "ACK.ResourceSynced", "status": "Unknown"}]},
    }));
    kube(
        &mut w,
        KubeMsg::AckFileSystem(Change::Apply(ack)),
        ago(3 * 3600 + 300),
    );
    aws(
        &mut w,
        AwsMsg::FileSystems(vec![
            fs(FS1, "shared", "available"),
            fs(FS2, "static", "available"),
        ]),
        ago(20 * 60),
    );
    aws(
        &mut w,
        AwsMsg::MountTargets {
            file_system_id: FS2.into(),
            items: vec![mt("fsmt-0c3", FS2, "eu-west-1a", "available")],
        },
        ago(15 * 60),
    );

    for s in all_sources() {
        health(&mut w, s, HealthState::Live);
    }
    health(
        &mut w,
        SourceId::Pvs,
        HealthState::Stale {
            since: "2025-06-01T11:58:00Z".parse().expect("timestamp"),
            reason: "watch stream closed: connection reset by peer".into(),
        },
    );
    health(
        &mut w,
        SourceId::EksNodegroups,
        HealthState::Error {
            reason: "AccessDeniedException: eks:ListNodegroups".into(),
            hint: "allow eks:ListNodegroups for the role stordeck runs as".into(),
        },
    );
    super::fixture::confirm(&mut w);
    w
}
