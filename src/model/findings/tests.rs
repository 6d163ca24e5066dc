//! The engine as a whole: every rule fires on a world shaped like the demo scenario, the
//! ranking holds, and the JSON shape is the documented one.

use serde_json::json;

use super::testkit::*;
use super::*;
use crate::model::{AwsMsg, Change, KubeMsg, SourceId};

const FS_A: &str = "fs-0a1b2c3d4e5f60718";
const FS_B: &str = "fs-0f9e8d7c6b5a40312";
const FS_C: &str = "fs-0fd1e2c3b4a596870";

/// The demo's stories at small size (see `sim/scenario/demo.rs`), with its shared ML file
/// system at full size: near the access point quota with access points other consumers
/// made, which must not read as orphans.
fn demo_like() -> World {
    let mut w = World::default();
    let helm = json!({"labels": {"app.kubernetes.io/managed-by": "Helm"}});
    // Story 1: the EFS CSIDriver predates its add-on; Fargate profiles, no node groups.
    csi_driver(
        &mut w,
        "efs.csi.aws.com",
        days_ago(200),
        &["kubectl-client-side-apply", "eks"],
    );
    csi_driver(&mut w, "ebs.csi.aws.com", days_ago(90), &["eks"]);
    addons(
        &mut w,
        vec![
            addon("aws-efs-csi-driver", days_ago(30)),
            addon("aws-ebs-csi-driver", days_ago(90)),
            addon("vpc-cni", days_ago(120)),
        ],
    );
    fargate_profiles(&mut w, &["fp-default", "fp-apps"]);
    aws(&mut w, AwsMsg::Nodegroups(vec![]));
    // Story 2 and 4: aws-node labelled Helm's; ebs-csi-node and cilium lack the toleration.
    daemonset(
        &mut w,
        "aws-node",
        "amazon-k8s-cni:v1.19.5",
        json!([{"operator": "Exists"}]),
        helm,
    );
    let critical = json!([{"key": "CriticalAddonsOnly", "operator": "Exists"}]);
    daemonset(
        &mut w,
        "ebs-csi-node",
        "aws-ebs-csi-driver:v1.44.0",
        critical.clone(),
        json!({}),
    );
    daemonset(
        &mut w,
        "cilium",
        "quay.io/cilium/cilium:v1.17.4",
        critical,
        json!({}),
    );
    let fargate = json!({"eks.amazonaws.com/compute-type": "fargate"});
    node(&mut w, "fargate-ip-10-0-12-34", fargate, json!([]));
    let disrupted = json!([{"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}]);
    node(&mut w, "ip-10-0-101-23", json!({}), disrupted);
    pv(&mut w, "pvc-pg", "ebs.csi.aws.com", "vol-01", "Bound");
    attachment(
        &mut w,
        "csi-aaa",
        "ebs.csi.aws.com",
        "ip-10-0-101-23",
        "pvc-pg",
    );
    // Story 3: 72 volumes on fs-A, one whose access point is gone, 3 orphans, gids 1000–1100.
    storage_class(
        &mut w,
        "efs-sc",
        json!({"fileSystemId": FS_A, "gidRangeStart": "1000", "gidRangeEnd": "1100"}),
    );
    let mut aps = Vec::new();
    for i in 0..75 {
        let name = format!("pvc-a{i:02}");
        let ap_id = format!("fsap-a{i:02}");
        if i < 72 {
            pv(
                &mut w,
                &name,
                "efs.csi.aws.com",
                &format!("{FS_A}::{ap_id}"),
                "Bound",
            );
        }
        if i != 17 {
            aps.push(ap(&ap_id, FS_A, &name, 1000 + i));
        }
    }
    live(&mut w, SourceId::Pvs);
    let tags = [("services.k8s.aws/controller-version", "efs-v1.0.12")];
    file_systems(
        &mut w,
        vec![
            fs(FS_A, "available", &[]),
            fs(FS_B, "available", &tags),
            fs(FS_C, "available", &[]),
        ],
    );
    access_points(&mut w, FS_A, aps);
    let shared = (0..8_500)
        .map(|i| {
            let token = format!("sagemaker-llm-eval-{i}");
            foreign_ap(&format!("fsap-c{i:05}"), FS_C, Some(&token))
        })
        .collect();
    access_points(&mut w, FS_C, shared);
    // Story 5: ACK stuck at creating for hours.
    let a = Ack {
        name: "analytics-fs",
        fs_id: FS_B,
        state: "creating",
        synced: "Unknown",
        since: ago(3 * 3600),
        seen: ago(60),
    };
    ack(&mut w, &a);
    // Two ACK objects own the ML datasets' file system: deleting either deletes it.
    for ns in ["ml", "ml-staging"] {
        let o = json!({
            "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
            "metadata": {"name": "datasets", "namespace": ns},
            "status": {"fileSystemID": FS_A, "lifeCycleState": "available",
                       "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]},
        });
        let o = serde_json::from_value(o).expect("ACK FileSystem");
        kube(&mut w, KubeMsg::AckFileSystem(Change::Apply(o)));
    }
    // Released and retained; an access point stuck creating; an add-on failed.
    pv_with(
        &mut w,
        "pvc-kept",
        &format!("{FS_B}::fsap-b01"),
        "Released",
        "Retain",
    );
    let mut stuck = ap("fsap-b02", FS_B, "pvc-b02", 2000);
    stuck.life_cycle_state = "creating".into();
    access_points(
        &mut w,
        FS_B,
        vec![ap("fsap-b01", FS_B, "pvc-kept", 2001), stuck],
    );
    let mut failed = addon("vpc-cni", days_ago(30));
    failed.status = "UPDATE_FAILED".into();
    let mut held: Vec<_> = w.addons.values().cloned().collect();
    held.retain(|a| a.name != "vpc-cni");
    held.push(failed);
    addons(&mut w, held);
    // Every candidate confirmed, as the targeted reads would.
    confirm_all(&mut w);
    w
}

/// Late enough that every grace (drains, creating access points) has run out.
fn later() -> jiff::Timestamp {
    now() + jiff::SignedDuration::from_mins(6)
}

#[test]
fn every_rule_fires_on_a_demo_shaped_world() {
    let found = evaluate(&demo_like(), later());
    // The EBS rules need EC2's side of the world, which `ebs_tests` builds per rule and
    // `tests/findings_ebs.rs` checks against the simulator's demo; Events are joined in
    // `symptoms_tests` and against the simulator in `tests/symptoms.rs`; EKS insights in
    // `eks_insight` and against the simulator in `tests/eks_insights.rs`.
    let ebs = [
        "eks-insight",
        "detach-stuck",
        "attachment-drift",
        "orphaned-ebs-volume",
        "az-mismatch",
        "unexplained-symptom",
    ];
    for id in rule_ids().filter(|id| !ebs.contains(id)) {
        assert!(
            found.iter().any(|f| f.id == id),
            "{id} did not fire; found {:#?}",
            found.iter().map(|f| (&f.id, &f.title)).collect::<Vec<_>>()
        );
    }
    // Only fs-A's three: none of fs-C's 8,500 other-consumer access points, no PV uses.
    let orphans = of(&found, "orphan-access-point");
    assert_eq!(orphans.len(), 3, "{orphans:#?}");
    assert!(orphans.iter().all(|f| f.title.contains(FS_A)));
    let quota = of(&found, "access-point-quota");
    assert_eq!(quota.len(), 1);
    assert!(quota[0].title.contains(FS_C), "{}", quota[0].title);
    assert_eq!(of(&found, "missing-access-point").len(), 1);
    let ranks: Vec<Severity> = found.iter().map(|f| f.severity).collect();
    assert!(ranks.is_sorted(), "most severe first: {ranks:?}");
    let f = Findings::evaluate(&demo_like(), later());
    assert_eq!(
        f.count(Severity::Critical),
        ranks.iter().filter(|s| **s == Severity::Critical).count()
    );
    assert_eq!(
        f.worst(Kind::CsiDriver, None, "efs.csi.aws.com"),
        Some(Severity::Critical)
    );
}

#[test]
fn an_empty_world_has_no_findings() {
    assert!(evaluate(&World::default(), now()).is_empty());
}

#[test]
fn json_shape_is_the_documented_one() {
    let found = evaluate(&demo_like(), later());
    let preserve = of(&found, "preserve-risk")[0];
    let v = serde_json::to_value(preserve).expect("serializes");
    assert_eq!(v["id"], "preserve-risk");
    assert_eq!(v["severity"], "critical");
    assert_eq!(
        v["evidence"][0]["object"],
        json!({"kind": "CSIDriver", "namespace": null, "name": "efs.csi.aws.com"})
    );
    assert_eq!(
        v["evidence"][0]["fields"]["metadata.creationTimestamp"],
        "2025-11-23T12:00:00Z"
    );
    assert_eq!(v["evidence"][1]["object"]["kind"], "AWS::EKS::Addon");
    assert!(v["evidence"][2].is_string());
    assert_eq!(
        v["fix"],
        json!({"kind": "PreserveDelete", "addon": "aws-efs-csi-driver"})
    );
    let drift = serde_json::to_value(of(&found, "lifecycle-drift")[0]).expect("serializes");
    assert_eq!(
        drift["evidence"][0]["object"]["kind"],
        "FileSystem.efs.services.k8s.aws"
    );
    assert_eq!(drift["evidence"][0]["object"]["namespace"], "default");
    assert_eq!(drift["fix"], serde_json::Value::Null);
    let toleration = serde_json::to_value(of(&found, "missing-toleration")[0]).expect("ok");
    assert_eq!(
        toleration["fix"],
        json!({"kind": "TolerateDisruption", "namespace": "kube-system", "daemonset": "cilium"})
    );
}
