//! Folding synthetic watch events and poll results into the World, and the joins.

use k8s_openapi::api::core::v1::PersistentVolume;
use k8s_openapi::api::storage::v1::VolumeAttachment;
use kube::api::DynamicObject;
use serde_json::json;

use super::input::{AccessPointRec, AwsMsg, Change, FileSystemRec, KubeMsg, SourceMsg};
use super::world::World;

fn at(s: &str) -> jiff::Timestamp {
    s.parse().expect("timestamp")
}

fn pv(name: &str, handle: &str) -> PersistentVolume {
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": {"csi": {"driver": "efs.csi.aws.com", "volumeHandle": handle}}}))
        .expect("PV")
}

fn ap(id: &str, fs: &str, token: Option<&str>) -> AccessPointRec {
    AccessPointRec {
        id: id.into(),
        arn: None,
        file_system_id: fs.into(),
        client_token: token.map(Into::into),
        name: None,
        root_path: None,
        uid: None,
        gid: None,
        life_cycle_state: "available".into(),
        tags: vec![],
    }
}

fn fs(id: &str, state: &str) -> FileSystemRec {
    FileSystemRec {
        id: id.into(),
        name: None,
        arn: None,
        life_cycle_state: state.into(),
        creation_time: None,
        size_bytes: None,
        number_of_mount_targets: 0,
        tags: vec![],
    }
}

fn apply(w: &mut World, m: impl Into<SourceMsg>, now: &str) {
    w.apply(m.into(), at(now));
}

#[test]
fn both_handle_forms_join_pvs_and_access_points_and_follow_updates() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    apply(
        &mut w,
        KubeMsg::Pv(Change::Apply(pv("old-form", "fs-1::fsap-a"))),
        t,
    );
    apply(
        &mut w,
        KubeMsg::Pv(Change::Apply(pv("new-form", "efs:fs-1:/data:fsap-b"))),
        t,
    );
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        t,
    );
    let aps = vec![
        ap("fsap-a", "fs-1", Some("old-form")),
        ap("fsap-b", "fs-1", None),
        ap("fsap-c", "fs-1", Some("gone-pv")),
    ];
    apply(
        &mut w,
        AwsMsg::AccessPoints {
            file_system_id: "fs-1".into(),
            items: aps,
            started: jiff::Timestamp::UNIX_EPOCH,
        },
        t,
    );

    let bound = |w: &World, id: &str| {
        w.pv_for_access_point(w.access_points.get(id).expect("ap"))
            .map(|p| p.meta.name.clone())
    };
    assert_eq!(bound(&w, "fsap-a").as_deref(), Some("old-form"));
    assert_eq!(
        bound(&w, "fsap-b").as_deref(),
        Some("new-form"),
        "efs: prefix with a path"
    );
    assert_eq!(
        bound(&w, "fsap-c"),
        None,
        "client token names no PV: an orphan"
    );
    assert_eq!(w.pvs_for_driver("efs.csi.aws.com"), 2);

    // The PV moves to another access point: the index follows, the old one is freed.
    apply(
        &mut w,
        KubeMsg::Pv(Change::Apply(pv("old-form", "fs-1::fsap-c"))),
        t,
    );
    assert_eq!(bound(&w, "fsap-a"), None);
    assert_eq!(bound(&w, "fsap-c").as_deref(), Some("old-form"));
    apply(
        &mut w,
        KubeMsg::Pv(Change::Delete(pv("old-form", "fs-1::fsap-c"))),
        t,
    );
    assert_eq!(bound(&w, "fsap-c"), None);
    assert_eq!(w.pvs_for_driver("efs.csi.aws.com"), 1);
}

#[test]
fn client_token_binds_only_when_the_handle_does_not_name_another_access_point() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    apply(
        &mut w,
        KubeMsg::Pv(Change::Apply(pv("pv-x", "fs-1::fsap-other"))),
        t,
    );
    apply(
        &mut w,
        AwsMsg::AccessPoints {
            file_system_id: "fs-1".into(),
            items: vec![ap("fsap-z", "fs-1", Some("pv-x"))],
            started: jiff::Timestamp::UNIX_EPOCH,
        },
        t,
    );
    let z = w.access_points.get("fsap-z").expect("ap");
    assert!(w.pv_for_access_point(z).is_none());
}

#[test]
fn relist_rebuilds_indexes_and_attachments_join_nodes() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    let va = |name: &str, node: &str, pv: &str| -> VolumeAttachment {
        serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node, "source": {"persistentVolumeName": pv}},
            "status": {"attached": true}}))
        .expect("VA")
    };
    apply(
        &mut w,
        KubeMsg::VolumeAttachment(Change::Apply(va("va-1", "node-a", "pv-1"))),
        t,
    );
    apply(
        &mut w,
        KubeMsg::VolumeAttachment(Change::Apply(va("va-2", "node-a", "pv-2"))),
        t,
    );
    assert_eq!(w.attachments_on_node("node-a").len(), 2);
    assert_eq!(
        w.attachment_for_pv("pv-2").map(|v| v.node.as_str()),
        Some("node-a")
    );

    // A relist (after a 410) that no longer has va-1 and moved va-2.
    apply(&mut w, KubeMsg::VolumeAttachment(Change::InitStart), t);
    apply(
        &mut w,
        KubeMsg::VolumeAttachment(Change::InitApply(va("va-2", "node-b", "pv-2"))),
        t,
    );
    assert_eq!(
        w.attachments_on_node("node-a").len(),
        2,
        "old data stays until the relist is done"
    );
    apply(&mut w, KubeMsg::VolumeAttachment(Change::InitDone), t);
    assert!(w.attachments_on_node("node-a").is_empty());
    assert_eq!(
        w.attachment_for_pv("pv-2").map(|v| v.node.as_str()),
        Some("node-b")
    );
    assert!(w.attachment_for_pv("pv-1").is_none());
}

#[test]
fn drift_starts_when_ack_and_aws_disagree_and_clears_when_they_agree() {
    let mut w = World::default();
    let ack = |state: &str, synced: &str| -> DynamicObject {
        serde_json::from_value(json!({"apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
            "metadata": {"name": "shared", "namespace": "default"},
            "status": {"fileSystemID": "fs-1", "lifeCycleState": state,
                "conditions": [{"type": "ACK.ResourceSynced", "status": synced, "lastTransitionTime": "2026-01-01T00:00:00Z"}]}}))
        .expect("ACK FileSystem")
    };
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "creating")]),
        "2026-01-01T00:00:00Z",
    );
    apply(
        &mut w,
        KubeMsg::AckFileSystem(Change::Apply(ack("creating", "True"))),
        "2026-01-01T00:00:00Z",
    );
    assert!(w.drift_since.is_empty(), "both say creating and synced");

    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        "2026-01-01T01:00:00Z",
    );
    assert_eq!(w.drift_since.get("fs-1"), Some(&at("2026-01-01T01:00:00Z")));
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        "2026-01-01T02:00:00Z",
    );
    assert_eq!(
        w.drift_since.get("fs-1"),
        Some(&at("2026-01-01T01:00:00Z")),
        "since the first disagreement"
    );
    let seen: Vec<_> = w
        .transitions
        .iter()
        .map(|t| (t.object.as_str(), t.to.as_str()))
        .collect();
    assert!(seen.contains(&("fs-1", "available")), "{seen:?}");

    apply(
        &mut w,
        KubeMsg::AckFileSystem(Change::Apply(ack("available", "True"))),
        "2026-01-01T03:00:00Z",
    );
    assert!(w.drift_since.is_empty());
    assert_eq!(
        w.ack_for_file_system("fs-1")
            .and_then(|a| a.life_cycle_state.as_deref()),
        Some("available")
    );
}

#[test]
fn a_file_system_that_disappears_takes_its_access_points_with_it() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available"), fs("fs-2", "available")]),
        t,
    );
    apply(
        &mut w,
        AwsMsg::AccessPoints {
            file_system_id: "fs-2".into(),
            items: vec![ap("fsap-2", "fs-2", None)],
            started: jiff::Timestamp::UNIX_EPOCH,
        },
        t,
    );
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        t,
    );
    assert!(w.access_points.is_empty());
}

#[test]
fn an_unchanged_poll_answer_is_not_a_change() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    let aps = || AwsMsg::AccessPoints {
        file_system_id: "fs-1".into(),
        items: vec![ap("fsap-a", "fs-1", None)],
        started: jiff::Timestamp::UNIX_EPOCH,
    };
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        t,
    );
    apply(&mut w, aps(), t);
    let v = w.version;
    apply(&mut w, aps(), t);
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available")]),
        t,
    );
    assert_eq!(w.version, v, "the same answer again changes nothing");
    apply(
        &mut w,
        AwsMsg::AccessPoints {
            file_system_id: "fs-1".into(),
            items: vec![],
            started: jiff::Timestamp::UNIX_EPOCH,
        },
        t,
    );
    assert!(
        w.version > v && w.access_points.is_empty(),
        "a real change still lands"
    );
}

#[test]
fn every_ack_file_system_claiming_one_file_system_is_joined_with_its_deletion_policy() {
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    let ack =
        |ns: &str, name: &str, fs_id: &str, annotations: serde_json::Value| -> DynamicObject {
            serde_json::from_value(
                json!({"apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
            "metadata": {"name": name, "namespace": ns, "annotations": annotations},
            "status": {"fileSystemID": fs_id, "lifeCycleState": "available"}}),
            )
            .expect("ACK FileSystem")
        };
    let retain = json!({"services.k8s.aws/deletion-policy": "retain", "unrelated": "x"});
    for o in [
        ack("team-b", "shared", "fs-1", json!({})),
        ack("storage", "shared", "fs-1", retain),
        ack("storage", "other", "fs-2", json!({})),
    ] {
        apply(&mut w, KubeMsg::AckFileSystem(Change::Apply(o)), t);
    }
    let claims = |w: &World| -> Vec<(String, Option<String>)> {
        w.acks_for_file_system("fs-1")
            .map(|a| {
                let ns = a.meta.namespace.unwrap_or_default();
                let policy = a.meta.annotations.get(super::world::ACK_DELETION_POLICY);
                (format!("{ns}/{}", a.meta.name), policy.map(str::to_string))
            })
            .collect()
    };
    assert_eq!(
        claims(&w),
        [
            ("storage/shared".to_string(), Some("retain".to_string())),
            ("team-b/shared".to_string(), None),
        ],
        "both claimants, in namespace order, with the policy and no other annotation"
    );
    assert_eq!(
        w.ack_for_file_system("fs-1")
            .map(|a| a.meta.namespace.as_deref()),
        Some(Some("storage"))
    );

    apply(
        &mut w,
        KubeMsg::AckFileSystem(Change::Delete(ack("storage", "shared", "fs-1", json!({})))),
        t,
    );
    assert_eq!(claims(&w), [("team-b/shared".to_string(), None)]);
}

#[test]
fn a_sweep_journals_only_the_access_points_it_changed_and_counts_per_file_system() {
    use super::observed::Changed;
    let mut w = World::default();
    let t = "2026-01-01T00:00:00Z";
    apply(
        &mut w,
        AwsMsg::FileSystems(vec![fs("fs-1", "available"), fs("fs-2", "available")]),
        t,
    );
    let sweep = |items: Vec<AccessPointRec>, secs: i64| AwsMsg::AccessPoints {
        file_system_id: "fs-1".into(),
        items,
        started: jiff::Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_secs(secs),
    };
    let listed: Vec<AccessPointRec> = (0..20)
        .map(|i| ap(&format!("fsap-{i:02}"), "fs-1", None))
        .collect();
    apply(&mut w, sweep(listed.clone(), 1), t);
    let other = AwsMsg::AccessPoints {
        file_system_id: "fs-2".into(),
        items: vec![ap("fsap-x", "fs-2", None)],
        started: jiff::Timestamp::UNIX_EPOCH,
    };
    apply(&mut w, other, t);
    assert_eq!(
        (w.access_point_count("fs-1"), w.access_point_count("fs-2")),
        (20, 1)
    );
    // One gone, one changed, one new; the rest as they were.
    let mut next = listed[1..].to_vec();
    next[0].life_cycle_state = "deleting".into();
    next[1].gid = Some(1000);
    next.push(ap("fsap-new", "fs-1", None));
    let from = w.observed.journal.cursor();
    apply(&mut w, sweep(next, 2), t);
    let mut journaled: Vec<Changed> = w
        .observed
        .journal
        .since(from)
        .expect("current")
        .cloned()
        .collect();
    journaled.sort_by_key(|c| format!("{c:?}"));
    let mut want: Vec<Changed> = ["fsap-00", "fsap-01", "fsap-02", "fsap-new"]
        .iter()
        .map(|id| Changed::AccessPoint(id.to_string()))
        .chain([Changed::FileSystem("fs-1".into())])
        .collect();
    want.sort_by_key(|c| format!("{c:?}"));
    // The listing's time moved too: the file system is named once for its rows, once
    // for when it was listed.
    journaled.dedup();
    assert_eq!(journaled, want);
    assert_eq!(w.access_point_count("fs-1"), 20);
    assert_eq!(
        w.access_point_count("fs-2"),
        1,
        "another file system's rows stay"
    );
    assert!(w.access_points.get("fsap-00").is_none());
    assert_eq!(
        w.access_point_gids("fs-1", 0..=i64::MAX)
            .collect::<Vec<_>>(),
        [1000]
    );
}
