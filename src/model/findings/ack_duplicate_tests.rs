use serde_json::{Value, json};

use super::*;
use crate::model::findings::Findings;
use crate::model::findings::testkit::*;
use crate::model::{Change, KubeMsg, SourceMsg};

const FS: &str = "fs-0123456789abcdef0";

fn ack_obj(ns: &str, name: &str, fs_id: &str, created: i64, annotations: Value) -> Value {
    json!({
        "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
        "metadata": {"name": name, "namespace": ns, "annotations": annotations,
                     "creationTimestamp": ago(created).to_string()},
        "status": {"fileSystemID": fs_id, "lifeCycleState": "available",
                   "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]},
    })
}

fn claim(w: &mut World, ns: &str, name: &str, created: i64, annotations: Value) {
    let o = serde_json::from_value(ack_obj(ns, name, FS, created, annotations)).expect("ACK");
    kube(w, KubeMsg::AckFileSystem(Change::Apply(o)));
}

fn retain() -> Value {
    json!({"services.k8s.aws/deletion-policy": "retain"})
}

/// storage/shared-fs for 30 days, retained; team-b/shared-fs adopted it 2 hours ago
/// without a policy.
fn two_claims() -> World {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    claim(&mut w, "storage", "shared-fs", 30 * 86_400, retain());
    claim(&mut w, "team-b", "shared-fs", 2 * 3600, json!({}));
    w
}

#[test]
fn two_objects_claiming_one_file_system_are_critical_with_both_named() {
    let found = run(&two_claims(), ID);
    let [f] = found.as_slice() else {
        panic!("one finding expected: {found:?}");
    };
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.title,
        format!(
            "2 ACK FileSystems claim EFS file system {FS} (storage/shared-fs, team-b/shared-fs): \
             deleting team-b/shared-fs deletes it under the other"
        )
    );
    assert_eq!(
        f.subject(),
        Some(&ObjRef::cluster(Kind::FileSystem, FS)),
        "about the file system, so Enter lands on its Lifecycle row"
    );
    let acks: Vec<String> = f
        .objects()
        .filter(|o| o.kind == Kind::AckFileSystem)
        .map(ObjRef::display_name)
        .collect();
    assert_eq!(acks, ["storage/shared-fs", "team-b/shared-fs"]);
    let t = text(f);
    let policy = "metadata.annotations[services.k8s.aws/deletion-policy]";
    assert!(t.contains(&format!(r#""{policy}":"retain""#)), "{t}");
    assert!(t.contains(&format!(r#""{policy}":"(absent)""#)), "{t}");
    assert!(
        t.contains(&format!(
            r#""metadata.creationTimestamp":"{}""#,
            ts(days_ago(30))
        )),
        "{t}"
    );
    assert!(t.contains("ACK's default is delete"), "{t}");
    assert_eq!(f.since, Some(ago(2 * 3600)), "since the newer claim");
    assert!(
        t.contains(
            "kubectl annotate filesystem.efs.services.k8s.aws/shared-fs -n team-b \
             services.k8s.aws/deletion-policy=retain --overwrite \
             && kubectl delete filesystem.efs.services.k8s.aws/shared-fs -n team-b"
        ),
        "the fix releases the newer one and keeps the first: {t}"
    );
    assert!(
        t.contains("keep one, e.g. storage/shared-fs (created first)"),
        "{t}"
    );
    assert!(!t.contains("-n storage"), "{t}");
    assert_eq!(
        f.fix, None,
        "no keybound action: the fix is a kubectl command"
    );
}

#[test]
fn both_claimants_carry_the_badge() {
    let f = Findings::evaluate(&two_claims(), now());
    for ns in ["storage", "team-b"] {
        assert_eq!(
            f.worst(Kind::AckFileSystem, Some(ns), "shared-fs"),
            Some(Severity::Critical),
            "{ns}"
        );
    }
    assert_eq!(
        f.worst(Kind::FileSystem, None, FS),
        Some(Severity::Critical)
    );
}

#[test]
fn one_claimant_or_claims_on_different_file_systems_raise_nothing() {
    let mut w = World::default();
    claim(&mut w, "storage", "shared-fs", 3600, json!({}));
    assert!(run(&w, ID).is_empty());
    let other = ack_obj("team-b", "other-fs", "fs-0fedcba9876543210", 60, json!({}));
    let other = serde_json::from_value(other).expect("ACK");
    kube(&mut w, KubeMsg::AckFileSystem(Change::Apply(other)));
    // Still being created: no fileSystemID yet, so it claims nothing.
    let mut creating = ack_obj("team-c", "new-fs", "", 10, json!({}));
    creating["status"] = json!({"lifeCycleState": "creating"});
    let creating = serde_json::from_value(creating).expect("ACK");
    kube(&mut w, KubeMsg::AckFileSystem(Change::Apply(creating)));
    assert!(run(&w, ID).is_empty(), "{:?}", run(&w, ID));
}

#[test]
fn all_retained_is_a_warning_two_controllers_still_reconcile_it() {
    let mut w = World::default();
    claim(&mut w, "storage", "shared-fs", 7200, retain());
    claim(&mut w, "team-b", "shared-fs", 3600, retain());
    let found = run(&w, ID);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0]
            .title
            .ends_with("all with deletion-policy retain: each controller reconciles it as its own"),
        "{}",
        found[0].title
    );
    assert!(!text(&found[0]).contains("ACK's default"));
}

#[test]
fn an_explicit_delete_policy_counts_and_three_claimants_name_the_deleters() {
    let mut w = World::default();
    claim(&mut w, "a", "fs", 300, retain());
    claim(
        &mut w,
        "b",
        "fs",
        200,
        json!({"services.k8s.aws/deletion-policy": "delete"}),
    );
    claim(&mut w, "c", "fs", 100, json!({}));
    let found = run(&w, ID);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Critical);
    assert!(
        found[0]
            .title
            .ends_with("deleting b/fs or c/fs deletes it under the others"),
        "{}",
        found[0].title
    );
    let t = text(&found[0]);
    assert!(t.contains("-n b ") && t.contains("-n c "), "{t}");
    assert!(
        !t.contains("-n a "),
        "a/fs, the first created, is kept: {t}"
    );
}

#[test]
fn deleting_the_duplicate_clears_it() {
    let mut w = two_claims();
    let gone = ack_obj("team-b", "shared-fs", FS, 2 * 3600, json!({}));
    let gone = serde_json::from_value(gone).expect("ACK");
    w.apply(
        SourceMsg::from(KubeMsg::AckFileSystem(Change::Delete(gone))),
        now(),
    );
    assert!(run(&w, ID).is_empty());
}

#[test]
fn without_every_creation_time_there_is_no_since_and_the_first_by_name_is_kept() {
    let mut w = World::default();
    claim(&mut w, "team-b", "shared-fs", 3600, json!({}));
    let mut undated = ack_obj("storage", "shared-fs", FS, 0, json!({}));
    undated["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("creationTimestamp");
    let undated = serde_json::from_value(undated).expect("ACK");
    kube(&mut w, KubeMsg::AckFileSystem(Change::Apply(undated)));
    let found = run(&w, ID);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].since, None, "stordeck's first sight then");
    let t = text(&found[0]);
    assert!(t.contains("keep one, e.g. storage/shared-fs, and"), "{t}");
    assert!(t.contains("-n team-b") && !t.contains("-n storage"), "{t}");
}
