//! Actions that fail say why, change nothing, are audited as failed, and leave the
//! executor (and so the dashboard) working for the next one.

use serde_json::json;
use stordeck::actions::{
    Action, AuditLog, DeleteAccessPoint, DeleteAddon, Executor, Outcome, plan,
};
use stordeck::sim::lock;
use stordeck::sim::scenario::{CLUSTER, FS_A};

use crate::setup;

fn delete_addon(name: &str) -> Action {
    Action::DeleteAddon(DeleteAddon {
        cluster: CLUSTER.into(),
        addon: name.into(),
        preserve: true,
        objects: Vec::new(),
        role_arn: None,
        findings: Vec::new(),
    })
}

fn delete_access_point(id: &str) -> Action {
    Action::DeleteAccessPoint(DeleteAccessPoint {
        access_point_id: id.into(),
        file_system_id: FS_A.into(),
        client_token: None,
        root_path: None,
        findings: Vec::new(),
    })
}

fn failed(out: &Outcome, needle: &str) {
    match &out.result {
        Err(why) => assert!(why.contains(needle), "{needle:?} not in {why:?}"),
        Ok(m) => panic!("expected a failure, got {m}"),
    }
}

fn addon_status(s: &crate::Setup, name: &str) -> Option<String> {
    let st = lock(&s.sim.shared);
    st.aws.clusters[CLUSTER]
        .addons
        .get(name)
        .map(|a| a.status.clone())
}

#[tokio::test]
async fn forbidden_says_so_changes_nothing_and_the_next_try_works() {
    let s = setup(false).await;
    let ex = s.executor();
    s.ctl.post("/faults/forbid?resource=eks", None).await;
    // Denied already at the re-check's DescribeAddon: the delete is never tried.
    let out = ex.run(delete_addon("aws-efs-csi-driver")).await;
    failed(
        &out,
        "refused: add-on aws-efs-csi-driver could not be checked again",
    );
    failed(&out, "EKS denied DescribeAddon");
    failed(&out, "not authorized");
    assert!(s.mutations().await.is_empty());
    assert_eq!(
        addon_status(&s, "aws-efs-csi-driver").as_deref(),
        Some("ACTIVE")
    );
    let audit = s.audit();
    assert_eq!(audit.len(), 2);
    assert!(
        audit[1]["result"]
            .as_str()
            .is_some_and(|r| r.starts_with("refused: "))
    );

    s.ctl.delete("/faults").await;
    let out = ex.run(delete_addon("aws-efs-csi-driver")).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(
        addon_status(&s, "aws-efs-csi-driver").as_deref(),
        Some("DELETING")
    );
}

#[tokio::test]
async fn throttled_past_the_retries_says_so_and_changes_nothing() {
    let s = setup(false).await;
    let id = lock(&s.sim.shared)
        .aws
        .access_points
        .keys()
        .next()
        .cloned()
        .expect("an access point");
    s.ctl.post("/faults/throttle?count=10", None).await;
    let out = s.executor().run(delete_access_point(&id)).await;
    failed(&out, "throttled DescribeAccessPoints");
    assert!(s.mutations().await.is_empty());
    assert!(lock(&s.sim.shared).aws.access_points.contains_key(&id));
}

#[tokio::test]
async fn missing_targets_say_what_was_not_found() {
    let s = setup(false).await;
    let ex = s.executor();
    failed(
        &ex.run(delete_access_point("fsap-00000000000000bad")).await,
        "access point fsap-00000000000000bad no longer exists (EFS DescribeAccessPoints: \
         AccessPointNotFound)",
    );
    failed(
        &ex.run(delete_addon("no-such-addon")).await,
        "add-on no-such-addon no longer exists on cluster demo (EKS DescribeAddon: \
         ResourceNotFoundException",
    );
    assert!(s.mutations().await.is_empty());
    assert_eq!(s.audit().len(), 4, "refusals are audited too");
}

#[tokio::test]
async fn kube_refusals_and_changed_objects_send_no_patch() {
    let s = setup(false).await;
    let w = s.world().await;
    let ex = s.executor();
    let tolerate = plan::tolerate_for_driver(&w, "ebs.csi.aws.com").expect("planned");
    s.ctl.post("/faults/forbid?resource=daemonsets", None).await;
    failed(&ex.run(tolerate.clone()).await, "403");
    assert!(s.mutations().await.is_empty(), "refused at the GET");
    s.ctl.delete("/faults").await;

    // Someone dropped the tolerations after the dialog opened: the append it shows no
    // longer fits, so nothing is sent.
    let mut ds = lock(&s.sim.shared)
        .store
        .get("daemonsets", "kube-system", "ebs-csi-node")
        .map(|o| (*o).clone())
        .expect("ds");
    if let Some(spec) = ds["spec"]["template"]["spec"].as_object_mut() {
        spec.remove("tolerations");
    }
    s.ctl.post("/objects", Some(ds)).await;
    failed(
        &ex.run(tolerate).await,
        "DaemonSet kube-system/ebs-csi-node: its tolerations changed since the dialog opened",
    );
    assert!(s.mutations().await.is_empty(), "no PATCH got through");

    let adopt = plan::adopt_helm(&w, "vpc-cni").expect("planned");
    s.ctl
        .post("/faults/forbid?resource=clusterroles", None)
        .await;
    // Every object is read before the first is patched, so a refusal at the third leaves
    // the first two alone as well.
    let out = ex.run(adopt).await;
    failed(
        &out,
        "refused: ClusterRole aws-node could not be checked again: GET \
         /apis/rbac.authorization.k8s.io/v1/clusterroles/aws-node: the API server answered 403",
    );
    assert!(s.mutations().await.is_empty());
}

#[tokio::test]
async fn without_an_audit_log_nothing_is_sent() {
    let s = setup(false).await;
    let blocker = s.dir.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").expect("write");
    let audit = AuditLog::new(blocker.join("audit.jsonl"), "tester", CLUSTER);
    let ex = Executor::new(&s.conn, audit).expect("executor");
    let out = ex.run(delete_addon("aws-efs-csi-driver")).await;
    failed(&out, "nothing was sent: cannot write the audit log");
    assert!(s.mutations().await.is_empty());
    assert_eq!(
        addon_status(&s, "aws-efs-csi-driver").as_deref(),
        Some("ACTIVE")
    );
}

#[tokio::test]
async fn read_only_clients_refuse_to_mutate_and_no_executor_exists() {
    let s = setup(true).await;
    let audit = AuditLog::new(s.audit_path(), "tester", CLUSTER);
    assert!(Executor::new(&s.conn, audit).is_none());

    let eks = &s.conn.aws.eks;
    let denied = eks
        .delete_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .preserve(true)
        .send()
        .await;
    assert!(denied.is_err());
    let denied = s
        .conn
        .aws
        .efs
        .delete_access_point()
        .access_point_id("fsap-x")
        .send()
        .await;
    assert!(denied.is_err());
    let patch = http::Request::patch("/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node")
        .header("content-type", "application/merge-patch+json")
        .body(
            json!({"metadata": {"labels": {"x": "y"}}})
                .to_string()
                .into_bytes(),
        )
        .expect("request");
    let refused = s.conn.kube.request::<serde_json::Value>(patch).await;
    assert!(refused.is_err_and(|e| e.to_string().contains("read-only")));

    // Reading still works through the very same clients.
    assert!(eks.describe_cluster().name(CLUSTER).send().await.is_ok());
    let reqs = s.ctl.requests().await;
    assert!(reqs.iter().all(|r| r["method"] == "GET"), "{reqs:?}");
    assert!(!reqs.is_empty());
}
