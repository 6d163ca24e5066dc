//! The EBS rules against synthetic worlds: each fires on its fault and stays quiet on the
//! healthy neighbour, and none claims anything on an EC2 read older than its moment.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::testkit::*;
use super::types::Severity;
use crate::model::ebs::{EbsAttachment, EbsVolumeRec};
use crate::model::intern::Sym;
use crate::model::{AwsMsg, Change, KubeMsg, ProbeKey, ProbeOutcome, World};

const EBS: &str = "ebs.csi.aws.com";

fn node_obj(name: &str, instance: &str, taints: Value) -> k8s_openapi::api::core::v1::Node {
    serde_json::from_value(json!({
        "metadata": meta(name, None, days_ago(3), &[]),
        "spec": {"providerID": format!("aws:///us-east-1a/{instance}"), "taints": taints},
    }))
    .expect("node")
}

/// Lists the nodes as the watch does, so that the World knows it has them all.
fn nodes(w: &mut World, list: &[(&str, &str, Value)]) {
    kube(w, KubeMsg::Node(Change::InitStart));
    for (name, instance, taints) in list {
        kube(
            w,
            KubeMsg::Node(Change::InitApply(node_obj(name, instance, taints.clone()))),
        );
    }
    kube(w, KubeMsg::Node(Change::InitDone));
    kube(w, KubeMsg::VolumeAttachment(Change::InitStart));
    kube(w, KubeMsg::VolumeAttachment(Change::InitDone));
}

fn vol(id: &str, state: &str, attached: &[(&str, &str)]) -> EbsVolumeRec {
    EbsVolumeRec {
        id: id.into(),
        size_gib: 100,
        volume_type: Sym::new("gp3"),
        iops: Some(3000),
        throughput: Some(125),
        zone: Sym::new("us-east-1a"),
        state: Sym::new(state),
        created: Some(days_ago(45)),
        attachments: attached
            .iter()
            .map(|(i, s)| EbsAttachment {
                instance_id: (*i).into(),
                device: Some("/dev/xvdaa".into()),
                state: Sym::new(s),
                since: Some(days_ago(2)),
            })
            .collect(),
        cluster_tagged: true,
        pv_tag: Some("pvc-gone".into()),
        claim_tag: None,
    }
}

fn sweep(w: &mut World, items: Vec<EbsVolumeRec>, at: Timestamp) {
    w.apply(
        crate::model::SourceMsg::Aws(AwsMsg::EbsVolumes { items, started: at }),
        at,
    );
}

fn disrupted() -> Value {
    json!([{"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}])
}

fn stranded_world() -> World {
    let mut w = World::default();
    nodes(
        &mut w,
        &[("old", "i-old", disrupted()), ("new", "i-new", json!([]))],
    );
    pv(&mut w, "pvc-pg", EBS, "vol-0a", "Bound");
    pv(&mut w, "pvc-ok", EBS, "vol-0b", "Bound");
    attachment(&mut w, "csi-pg", EBS, "old", "pvc-pg");
    attachment(&mut w, "csi-ok", EBS, "new", "pvc-ok");
    sweep(
        &mut w,
        vec![
            vol("vol-0a", "in-use", &[("i-old", "attached")]),
            vol("vol-0b", "in-use", &[("i-new", "attached")]),
        ],
        now(),
    );
    w
}

#[test]
fn a_volume_aws_holds_for_a_disrupted_node_is_stranded_once_read_after_the_grace() {
    let mut w = stranded_world();
    let late = now() + SignedDuration::from_mins(6);
    let found = run_at(&w, late);
    let ebs: Vec<_> = of(&found, "stranded-volume")
        .into_iter()
        .filter(|f| f.title.contains("vol-"))
        .collect();
    assert!(
        ebs.is_empty(),
        "the last EC2 read predates the grace: {ebs:?}"
    );
    sweep(
        &mut w,
        vec![
            vol("vol-0a", "in-use", &[("i-old", "attached")]),
            vol("vol-0b", "in-use", &[("i-new", "attached")]),
        ],
        late,
    );
    let found = run_at(&w, late);
    let ebs: Vec<_> = of(&found, "stranded-volume")
        .into_iter()
        .filter(|f| f.title.contains("vol-"))
        .collect();
    assert_eq!(ebs.len(), 1, "{found:?}");
    assert!(ebs[0].title.contains("vol-0a") && ebs[0].title.contains("i-old"));
    assert_eq!(ebs[0].severity, Severity::Critical);
}

#[test]
fn a_stranded_candidate_asks_ec2_again_instead_of_judging_an_old_read() {
    let w = stranded_world();
    let policy = super::Policy::default();
    let cx = super::Ctx {
        now: now() + SignedDuration::from_mins(6),
        policy: &policy,
    };
    let out = super::evaluate_with(&w, &cx);
    assert!(out.wanted.contains(&ProbeKey::EbsVolume("vol-0a".into())));
    assert!(!out.wanted.contains(&ProbeKey::EbsVolume("vol-0b".into())));
}

#[test]
fn a_detach_that_lasts_past_its_grace_is_stuck_and_a_quick_one_is_not() {
    let mut w = stranded_world();
    sweep(
        &mut w,
        vec![vol("vol-0b", "in-use", &[("i-new", "busy")])],
        now(),
    );
    assert!(run(&w, "detach-stuck").is_empty(), "just started");
    let late = now() + SignedDuration::from_mins(6);
    assert!(
        of(&run_at(&w, late), "detach-stuck").is_empty(),
        "no read since"
    );
    probe_at(
        &mut w,
        ProbeKey::EbsVolume("vol-0b".into()),
        ProbeOutcome::EbsVolume(vol("vol-0b", "in-use", &[("i-new", "busy")])),
        late,
    );
    let found = run_at(&w, late);
    let stuck = of(&found, "detach-stuck");
    assert_eq!(stuck.len(), 1, "{found:?}");
    assert!(stuck[0].title.contains("stuck busy from i-new"));
}

#[test]
fn an_available_tagged_volume_without_a_pv_is_an_orphan_with_its_cost() {
    let mut w = stranded_world();
    live(&mut w, crate::model::SourceId::Pvs);
    let mut items = vec![
        vol("vol-0a", "in-use", &[("i-old", "attached")]),
        vol("vol-0c", "available", &[]),
    ];
    let mut young = vol("vol-0d", "available", &[]);
    young.created = Some(ago(30));
    items.push(young);
    let mut foreign = vol("vol-0e", "available", &[]);
    foreign.cluster_tagged = false;
    items.push(foreign);
    let mut named = vol("vol-0b", "available", &[]);
    named.pv_tag = Some("pvc-ok".into());
    items.push(named);
    sweep(&mut w, items, now());
    let found = run(&w, "orphaned-ebs-volume");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].title.contains("vol-0c"));
    assert!(text(&found[0]).contains("$8.00 a month"));
    assert!(text(&found[0]).contains("an estimate"));
}

#[test]
fn kubernetes_and_ec2_disagreeing_past_the_grace_is_drift() {
    let mut w = stranded_world();
    sweep(&mut w, vec![vol("vol-0b", "available", &[])], now());
    assert!(
        run(&w, "attachment-drift").is_empty(),
        "a detach may be under way"
    );
    let late = now() + SignedDuration::from_mins(3);
    sweep(&mut w, vec![vol("vol-0b", "available", &[])], late);
    let found = run_at(&w, late);
    let drift = of(&found, "attachment-drift");
    assert_eq!(drift.len(), 1, "{found:?}");
    assert!(text(drift[0]).contains("says attached to new"));

    let mut agree = stranded_world();
    sweep(
        &mut agree,
        vec![vol("vol-0b", "in-use", &[("i-new", "attached")])],
        late,
    );
    assert!(of(&run_at(&agree, late), "attachment-drift").is_empty());
}

#[test]
fn a_pv_whose_affinity_excludes_its_volumes_zone_is_a_mismatch() {
    let mut w = World::default();
    for (name, zone) in [("pvc-a", "us-east-1b"), ("pvc-b", "us-east-1a")] {
        let p = serde_json::from_value(json!({
            "metadata": meta(name, None, days_ago(20), &[]),
            "spec": {"csi": {"driver": EBS, "volumeHandle": format!("vol-0{}", &name[4..])},
                     "claimRef": {"namespace": "shop", "name": "c"},
                     "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                         {"key": "topology.ebs.csi.aws.com/zone", "operator": "In",
                          "values": [zone]}]}]}}},
            "status": {"phase": "Bound"},
        }))
        .expect("pv");
        kube(&mut w, KubeMsg::Pv(Change::Apply(p)));
    }
    sweep(
        &mut w,
        vec![
            vol("vol-0a", "available", &[]),
            vol("vol-0b", "available", &[]),
        ],
        now(),
    );
    let found = run(&w, "az-mismatch");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].title.contains("pvc-a") && found[0].title.contains("us-east-1b"));
}

#[test]
fn a_volume_whose_attachment_changed_is_read_from_ec2_at_once_until_a_read_is_in() {
    let mut w = stranded_world();
    let key = ProbeKey::EbsVolume("vol-0b".into());
    assert!(
        !run_out(&w).wanted.contains(&key),
        "nothing changed since the sweep"
    );
    let later = now() + SignedDuration::from_secs(20);
    let va = serde_json::from_value(json!({
        "metadata": {"name": "csi-ok"},
        "spec": {"attacher": EBS, "nodeName": "new", "source": {"persistentVolumeName": "pvc-ok"}},
        "status": {"attached": false}}))
    .unwrap();
    w.apply(
        crate::model::SourceMsg::from(crate::model::KubeMsg::VolumeAttachment(
            crate::model::Change::Apply(va),
        )),
        later,
    );
    let policy = super::Policy::default();
    let cx = super::Ctx {
        now: later,
        policy: &policy,
    };
    let out = super::evaluate_with(&w, &cx);
    assert!(out.wanted.contains(&key), "{:?}", out.wanted);
    assert!(
        out.checking.is_empty(),
        "a want, not a candidate: {:?}",
        out.checking
    );
    // Read after the change: no longer wanted; and never once the change is old.
    sweep(
        &mut w,
        vec![vol("vol-0b", "in-use", &[("i-new", "detaching")])],
        later,
    );
    assert!(!super::evaluate_with(&w, &cx).wanted.contains(&key));
}
