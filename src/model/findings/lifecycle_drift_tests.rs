use serde_json::json;

use super::*;
use crate::model::findings::testkit::*;

const FS: &str = "fs-0f9e8d7c6b5a40312";

/// AWS says `aws_state`; ACK says `ack_state` with ResourceSynced `synced` since
/// `since`, and stordeck first saw it `seen`.
fn world(aws_state: &str, ack_state: &str, synced: &str, since: i64, seen: i64) -> World {
    let mut w = World::default();
    let tags = [(VERSION_TAG, "efs-v1.0.12")];
    file_systems(&mut w, vec![fs(FS, aws_state, &tags)]);
    ack(
        &mut w,
        &Ack {
            name: "analytics-fs",
            fs_id: FS,
            state: ack_state,
            synced,
            since: ago(since),
            seen: ago(seen),
        },
    );
    w
}

#[test]
fn stuck_at_creating_for_hours_is_critical_and_names_the_buggy_version() {
    // The condition says Unknown for 3 h though stordeck only started 5 min ago.
    let w = world("available", "creating", "Unknown", 3 * 3600 + 720, 300);
    let found = run(&w, ID);
    let [f] = found.as_slice() else {
        panic!("one finding expected: {found:?}");
    };
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.title,
        "ACK FileSystem default/analytics-fs disagrees with AWS for 3h 12m: ACK says creating, AWS says available"
    );
    let kinds: Vec<Kind> = f.objects().map(|o| o.kind).collect();
    assert_eq!(kinds, [Kind::AckFileSystem, Kind::FileSystem]);
    let t = text(f);
    assert!(
        t.contains(
            r#""status.conditions[ACK.ResourceSynced].lastTransitionTime":"2026-06-11T08:48:00Z""#
        ),
        "{t}"
    );
    assert!(t.contains("efs-v1.0.12): versions before v1.0.13"), "{t}");
}

#[test]
fn a_resource_not_synced_past_the_threshold_warns() {
    let w = world("available", "available", "False", 1200, 1200);
    let found = run(&w, ID);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(
        found[0]
            .title
            .contains("not synced with AWS for 20m (ACK.ResourceSynced=False)")
    );
}

#[test]
fn short_or_no_disagreement_raises_nothing_but_schedules_a_recheck() {
    let w = world("available", "creating", "Unknown", 300, 300);
    assert!(run(&w, ID).is_empty());
    assert_eq!(recheck_at(&w, now()), Some(ago(300) + THRESHOLD));
    let agreed = world("available", "available", "True", 7200, 7200);
    assert!(run(&agreed, ID).is_empty());
    assert_eq!(recheck_at(&agreed, now()), None);
}

#[test]
fn the_version_comes_from_a_controller_image_and_is_silent_when_unseen() {
    let mut w = world("available", "creating", "Unknown", 7200, 7200);
    daemonset(
        &mut w,
        "ack-efs-controller",
        "public.ecr.aws/aws-controllers-k8s/efs-controller:v1.0.14@sha256:abc",
        json!([]),
        json!({}),
    );
    let t = text(&run(&w, ID)[0]);
    assert!(
        t.contains(
            "v1.0.14 (image of DaemonSet kube-system/ack-efs-controller) has the v1.0.13 fix"
        ),
        "{t}"
    );

    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    let a = Ack {
        name: "analytics-fs",
        fs_id: FS,
        state: "creating",
        synced: "Unknown",
        since: ago(7200),
        seen: ago(7200),
    };
    ack(&mut w, &a);
    let t = text(&run(&w, ID)[0]);
    assert!(!t.contains("controller v"), "{t}");
}

#[test]
fn versions_and_image_tags_parse_leniently() {
    assert_eq!(parse_version("v1.0.12"), Some((1, 0, 12)));
    assert_eq!(parse_version("1.0.13-rc.1"), Some((1, 0, 13)));
    assert_eq!(parse_version("latest"), None);
    assert_eq!(
        image_tag("r:5000/x/efs-controller:v1.0.9", "efs-controller"),
        Some("v1.0.9")
    );
    assert_eq!(image_tag("r:5000/x/efs-controller", "efs-controller"), None);
    assert_eq!(image_tag("x/ebs-controller:v1", "efs-controller"), None);
}
