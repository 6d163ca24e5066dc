use jiff::SignedDuration;
use serde_json::{Value, json};

use super::symptoms::ID;
use super::testkit::*;
use super::{Kind, ObjRef, Severity};
use crate::model::input::PodRead;
use crate::model::symptom::Reason;
use crate::model::{Change, KubeMsg, ProbeKey, ProbeOutcome, World};

const FS: &str = "fs-0a1b2c3d4e5f60718";

/// `pvc-lost` names an access point EFS no longer has (missing-access-point, confirmed);
/// `pvc-ok` is healthy. Each is bound to `claim-<pv>` in `shop`.
fn world() -> World {
    let mut w = World::default();
    pv(
        &mut w,
        "pvc-ok",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-01"),
        "Bound",
    );
    pv(
        &mut w,
        "pvc-lost",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-09"),
        "Bound",
    );
    for p in ["pvc-ok", "pvc-lost"] {
        let c = serde_json::from_value(json!({
            "metadata": {"name": format!("claim-{p}"), "namespace": "shop"},
            "spec": {"storageClassName": "efs-sc", "volumeName": p},
            "status": {"phase": "Bound"}}))
        .unwrap();
        kube(&mut w, KubeMsg::Pvc(Change::Apply(c)));
    }
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![ap("fsap-01", FS, "pvc-ok", 1000)]);
    confirm_all(&mut w);
    w
}

fn event(pod: &str, reason: Reason, message: &str, first: jiff::Timestamp) -> Value {
    json!({"metadata": {"name": format!("{pod}.17f0"), "namespace": "shop"},
           "involvedObject": {"kind": "Pod", "namespace": "shop", "name": pod, "uid": pod},
           "reason": reason.as_str(), "type": "Warning", "count": 3, "message": message,
           "firstTimestamp": first.to_string(), "lastTimestamp": now().to_string()})
}

fn put(w: &mut World, reason: Reason, ev: Value) {
    let change = Change::Apply(serde_json::from_value(ev).unwrap());
    kube(w, KubeMsg::Event { reason, change });
}

fn pod_read(w: &mut World, pod: &str, claims: &[&str]) {
    let key = ProbeKey::Pod {
        namespace: "shop".into(),
        name: pod.into(),
    };
    let read = PodRead {
        uid: Some(pod.into()),
        node: Some("node-1".into()),
        claims: claims.iter().map(|c| c.to_string()).collect(),
    };
    probe(w, key, ProbeOutcome::Pod(read));
}

const MOUNT_FAILED: &str = "MountVolume.SetUp failed for volume \"data\" : rpc error: code = \
                            Internal desc = Could not mount: access point not found";

#[test]
fn an_event_on_a_pod_mounting_the_volume_is_evidence_on_the_finding_that_explains_it() {
    let mut w = world();
    put(
        &mut w,
        Reason::FailedMount,
        event("web-0", Reason::FailedMount, MOUNT_FAILED, ago(60)),
    );
    // The pod is read first: until then its claims are unknown.
    let out = run_out(&w);
    let key = ProbeKey::Pod {
        namespace: "shop".into(),
        name: "web-0".into(),
    };
    assert!(out.wanted.contains(&key), "{:?}", out.wanted);
    assert!(of(&out.findings, ID).is_empty());
    assert!(out.checking.iter().any(|c| c.rule == ID));

    pod_read(&mut w, "web-0", &["claim-pvc-lost"]);
    let found = run_at(&w, now() + SignedDuration::from_mins(10));
    let map = of(&found, "missing-access-point");
    assert_eq!(map.len(), 1, "{found:?}");
    let ev = ObjRef::new(Kind::Event, Some("shop"), "web-0.17f0");
    assert!(map[0].objects().any(|o| *o == ev), "{:?}", map[0].evidence);
    let t = text(map[0]);
    assert!(
        t.contains("\"count\":\"3\"") && t.contains("lastTimestamp"),
        "{t}"
    );
    assert!(
        of(&found, ID).is_empty(),
        "explained, so not unexplained: {found:?}"
    );
}

#[test]
fn an_event_with_nothing_behind_it_is_an_unexplained_symptom_once_past_its_grace() {
    let mut w = world();
    put(
        &mut w,
        Reason::FailedMount,
        event("api-0", Reason::FailedMount, MOUNT_FAILED, now()),
    );
    pod_read(&mut w, "api-0", &["claim-pvc-ok"]);
    // New, and a drain's symptoms clear within minutes: not yet, and not a candidate a
    // report would wait for either.
    let out = run_out(&w);
    assert!(of(&out.findings, ID).is_empty(), "{:?}", out.findings);
    assert!(
        !out.checking.iter().any(|c| c.rule == ID),
        "{:?}",
        out.checking
    );

    let found = run_at(&w, now() + SignedDuration::from_mins(6));
    let u = of(&found, ID);
    assert_eq!(u.len(), 1, "{found:?}");
    assert_eq!(u[0].severity, Severity::Info);
    assert!(
        u[0].title.contains("FailedMount on pod shop/api-0"),
        "{}",
        u[0].title
    );
    let names: Vec<(Kind, &str)> = u[0].objects().map(|o| (o.kind, o.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (Kind::Event, "api-0.17f0"),
            (Kind::Pod, "api-0"),
            (Kind::PersistentVolumeClaim, "claim-pvc-ok"),
            (Kind::PersistentVolume, "pvc-ok"),
        ]
    );
}

#[test]
fn an_event_the_recorder_saw_long_ago_needs_no_grace_and_a_deleted_one_goes() {
    let mut w = world();
    let ev = event("api-0", Reason::FailedMount, MOUNT_FAILED, ago(900));
    put(&mut w, Reason::FailedMount, ev.clone());
    pod_read(&mut w, "api-0", &[]);
    assert_eq!(run(&w, ID).len(), 1);
    let change = Change::Delete(serde_json::from_value(ev).unwrap());
    kube(
        &mut w,
        KubeMsg::Event {
            reason: Reason::FailedMount,
            change,
        },
    );
    assert!(run(&w, ID).is_empty());
}

#[test]
fn a_multi_attach_error_names_its_pv_and_needs_no_pod_read() {
    let mut w = world();
    let msg = "Multi-Attach error for volume \"pvc-lost\" Volume is already exclusively \
               attached to one node and can't be attached to another";
    put(
        &mut w,
        Reason::FailedAttachVolume,
        event("db-0", Reason::FailedAttachVolume, msg, now()),
    );
    let found = run(&w, "missing-access-point");
    assert!(
        found[0].objects().any(|o| o.kind == Kind::Event),
        "{:?}",
        found[0].evidence
    );
    assert!(run(&w, ID).is_empty());
}

#[test]
fn a_missing_driver_says_so_and_a_refused_pod_read_says_why() {
    let mut w = world();
    live(&mut w, crate::model::SourceId::CsiDrivers);
    kube(&mut w, KubeMsg::CsiDriver(Change::InitStart));
    kube(&mut w, KubeMsg::CsiDriver(Change::InitDone));
    let msg = "MountVolume.MountDevice failed for volume \"data\" : kubernetes.io/csi: attacher.\
               MountDevice failed to create newCsiDriverClient: driver name efs.csi.aws.com not \
               found in the list of registered CSI drivers";
    put(
        &mut w,
        Reason::FailedMount,
        event("fargate-0", Reason::FailedMount, msg, ago(900)),
    );
    let key = ProbeKey::Pod {
        namespace: "shop".into(),
        name: "fargate-0".into(),
    };
    probe(
        &mut w,
        key,
        ProbeOutcome::Denied {
            reason: "pods is forbidden".into(),
        },
    );
    let u = run(&w, ID);
    assert_eq!(u.len(), 1, "{u:?}");
    assert!(
        u[0].title
            .contains("CSIDriver efs.csi.aws.com is not registered"),
        "{}",
        u[0].title
    );
    let t = text(&u[0]);
    assert!(
        t.contains("pods is forbidden") && t.contains("reinstall the driver"),
        "{t}"
    );
}

#[test]
fn the_rule_can_be_disabled_but_evidence_still_joins() {
    let mut w = world();
    put(
        &mut w,
        Reason::FailedMount,
        event("api-0", Reason::FailedMount, MOUNT_FAILED, ago(900)),
    );
    pod_read(&mut w, "api-0", &["claim-pvc-lost"]);
    let mut policy = super::Policy::default();
    policy.disabled.insert(ID.to_string());
    let cx = super::Ctx {
        now: now(),
        policy: &policy,
    };
    let out = super::evaluate_with(&w, &cx);
    assert!(of(&out.findings, ID).is_empty());
    let map = of(&out.findings, "missing-access-point");
    assert!(map[0].objects().any(|o| o.kind == Kind::Event));
}
