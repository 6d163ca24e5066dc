//! The world moves after the dialog opened: each delete, re-checked with fresh reads right
//! before it sends, refuses, says what changed, sends nothing mutating, and audits the
//! refusal. Unchanged, the same reads let it through.

use serde_json::{Value, json};
use stordeck::actions::{Action, DeleteAccessPoint, plan};
use stordeck::sim::lock;
use stordeck::sim::scenario::{CLUSTER, FS_A};

use crate::{Setup, setup, shown_requests};

const EFS_ADDON: &str = "aws-efs-csi-driver";
/// A claim uid, so the access point's token is the PV name the provisioner would give.
const UID: &str = "0c7e6d1a-3b2f-4a59-8e10-6f2d9b4c7a31";

/// A fresh orphan made the way the driver makes one (token `pvc-<uid>`, driver tag), and
/// its delete planned from what stordeck sees.
async fn planned_orphan(s: &Setup) -> DeleteAccessPoint {
    let token = format!("pvc-{UID}");
    let ap = s
        .ctl
        .post(
            &format!("/aws/access-points?file_system_id={FS_A}&client_token={token}"),
            None,
        )
        .await;
    let id = ap["AccessPointId"]
        .as_str()
        .expect("access point id")
        .to_string();
    let w = s.world().await;
    match plan::delete_access_point(&w, &id) {
        Ok(Action::DeleteAccessPoint(d)) => d,
        other => panic!("planned: {other:?}"),
    }
}

fn pv(name: &str, handle: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"],
                 "storageClassName": "efs-sc", "persistentVolumeReclaimPolicy": "Delete",
                 "csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle}},
        "status": {"phase": "Available"}})
}

/// Runs the action, expects a refusal naming `needle`, and checks that nothing mutating
/// reached the simulator and that the audit log says why.
async fn refused(s: &Setup, action: Action, needle: &str) -> String {
    let out = s.executor().run(action).await;
    let why = match out.result {
        Err(why) => why,
        Ok(m) => panic!("expected a refusal, got {m}"),
    };
    assert!(why.starts_with("refused: "), "{why}");
    assert!(why.contains(needle), "{needle:?} not in {why:?}");
    assert!(why.ends_with("nothing was sent"), "{why}");
    assert_eq!(
        s.mutations().await,
        Vec::<String>::new(),
        "nothing mutating"
    );
    let audit = s.audit();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0]["result"], "started");
    let line = audit[1]["result"].as_str().unwrap_or_default();
    assert!(
        line.starts_with("refused: ") && line.contains(needle),
        "{line}"
    );
    why
}

fn present(s: &Setup, id: &str) -> bool {
    lock(&s.sim.shared).aws.access_points.contains_key(id)
}

#[tokio::test]
async fn a_pv_made_after_planning_that_names_the_access_point_stops_the_delete() {
    let s = setup(false).await;
    let d = planned_orphan(&s).await;
    let handle = format!("{FS_A}::{}", d.access_point_id);
    s.ctl
        .post("/objects", Some(pv("static-share", &handle)))
        .await;
    refused(
        &s,
        Action::DeleteAccessPoint(d.clone()),
        &format!(
            "PV static-share uses {} now (volumeHandle {handle})",
            d.access_point_id
        ),
    )
    .await;
    assert!(present(&s, &d.access_point_id));
}

#[tokio::test]
async fn the_pv_its_client_token_names_stops_the_delete() {
    let s = setup(false).await;
    let d = planned_orphan(&s).await;
    let token = d.client_token.clone().expect("token");
    // Named by the token, as the external-provisioner names it, whatever its handle says.
    s.ctl.post("/objects", Some(pv(&token, FS_A))).await;
    let why = refused(
        &s,
        Action::DeleteAccessPoint(d.clone()),
        &format!(
            "PV {token} exists now, and its name is {}'s ClientToken",
            d.access_point_id
        ),
    )
    .await;
    assert!(why.contains(&format!("(volumeHandle {FS_A})")), "{why}");
    assert!(present(&s, &d.access_point_id));
}

#[tokio::test]
async fn a_pending_claim_with_the_tokens_uid_means_provisioning_is_in_flight() {
    let s = setup(false).await;
    let d = planned_orphan(&s).await;
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop", "uid": UID},
        "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "efs-sc",
                 "resources": {"requests": {"storage": "5Gi"}}},
        "status": {"phase": "Pending"}});
    s.ctl.post("/objects", Some(claim)).await;
    refused(
        &s,
        Action::DeleteAccessPoint(d.clone()),
        &format!("PVC shop/data (Pending) has uid {UID}"),
    )
    .await;
    assert!(present(&s, &d.access_point_id));
}

#[tokio::test]
async fn an_access_point_deleted_meanwhile_is_not_deleted_again() {
    let s = setup(false).await;
    let d = planned_orphan(&s).await;
    // The driver (or a colleague) deletes it first; that request is not stordeck's.
    s.conn
        .aws
        .efs
        .delete_access_point()
        .access_point_id(&d.access_point_id)
        .send()
        .await
        .expect("deleted");
    s.ctl.delete("/requests").await;
    refused(
        &s,
        Action::DeleteAccessPoint(d.clone()),
        &format!("access point {} no longer exists", d.access_point_id),
    )
    .await;
}

#[tokio::test]
async fn unchanged_the_reads_the_dialog_lists_are_sent_and_then_the_delete() {
    let s = setup(false).await;
    let d = planned_orphan(&s).await;
    let action = Action::DeleteAccessPoint(d.clone());
    s.ctl.delete("/requests").await;
    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert!(!present(&s, &d.access_point_id));
    assert_eq!(s.mutations().await, shown_requests(&action));
    assert_eq!(s.gets().await, action.read_lines(), "the reads, in order");
    let audit = s.audit();
    assert_eq!(audit[0]["reads"], json!(action.read_lines()));
}

#[tokio::test]
async fn an_addon_set_deleting_after_planning_is_not_deleted_again() {
    let s = setup(false).await;
    let w = s.world().await;
    let action = plan::delete_addon(&w, EFS_ADDON).expect("planned");
    s.ctl
        .post(
            &format!("/aws/addons/{CLUSTER}/{EFS_ADDON}/status?state=DELETING"),
            None,
        )
        .await;
    refused(
        &s,
        action,
        &format!("add-on {EFS_ADDON} is DELETING now: someone else started deleting it"),
    )
    .await;
}

#[tokio::test]
async fn a_preserve_delete_reads_the_addon_once_then_deletes() {
    let s = setup(false).await;
    let w = s.world().await;
    let action = plan::delete_addon(&w, EFS_ADDON).expect("planned");
    s.ctl.delete("/requests").await;
    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(
        s.gets().await,
        vec![format!("GET /clusters/{CLUSTER}/addons/{EFS_ADDON}")]
    );
    assert_eq!(s.gets().await, action.read_lines());
    assert_eq!(s.mutations().await, shown_requests(&action));
}
