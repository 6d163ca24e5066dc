//! The realistic orders the simulator plays (provisioning, both delete orders, a drain),
//! its clock, and the ground truth of planted faults.

use std::sync::Arc;

use serde_json::Value;

use super::tests::{advance_to, demo, state};
use super::{ScaleOptions, ScenarioName, agents, drain};
use crate::sim::truth::{self, ObjectId};
use crate::sim::{SimState, plant};

fn pvc(st: &SimState, ns: &str, name: &str) -> Option<Arc<Value>> {
    st.store.get("persistentvolumeclaims", ns, name)
}

fn pv(st: &SimState, name: &str) -> Option<Arc<Value>> {
    st.store.get("persistentvolumes", "", name)
}

fn has_ap_for(st: &SimState, token: &str) -> bool {
    st.aws
        .access_points
        .values()
        .any(|ap| ap.client_token == token)
}

#[test]
fn provisioning_goes_claim_pending_then_access_point_then_pv_then_bound() {
    let mut st = demo();
    // The first alive fs-A volume is asked for at 8 s.
    advance_to(&mut st, 8);
    let claim = pvc(&st, "media", "uploads-32").expect("claim created at 8 s");
    assert_eq!(claim["status"]["phase"], "Pending");
    let uid = claim["metadata"]["uid"].as_str().unwrap().to_string();
    let name = format!("pvc-{uid}");
    assert!(!has_ap_for(&st, &name) && pv(&st, &name).is_none());
    advance_to(&mut st, 8.5);
    assert!(
        has_ap_for(&st, &name),
        "CreateAccessPoint 0.5 s after the claim"
    );
    assert!(pv(&st, &name).is_none());
    let ap = st
        .aws
        .access_points
        .values()
        .find(|ap| ap.client_token == name)
        .unwrap()
        .clone();
    assert!(
        ap.tags
            .iter()
            .any(|(k, v)| k == "efs.csi.aws.com/cluster" && v == "true")
    );
    advance_to(&mut st, 8.8);
    let v = pv(&st, &name).expect("the PV 0.3 s after the access point");
    assert_eq!(v["status"]["phase"], "Bound");
    assert_eq!(v["spec"]["claimRef"]["uid"], uid.as_str());
    assert!(
        v["spec"]["csi"]["volumeHandle"]
            .as_str()
            .unwrap()
            .ends_with(&ap.id)
    );
    assert_eq!(
        pvc(&st, "media", "uploads-32").unwrap()["status"]["phase"],
        "Pending"
    );
    advance_to(&mut st, 8.9);
    let bound = pvc(&st, "media", "uploads-32").unwrap();
    assert_eq!(bound["status"]["phase"], "Bound");
    assert_eq!(bound["spec"]["volumeName"], name.as_str());
    assert_eq!(st.truth.healthy.provisioned, 1);
}

/// (PV name, access point id) of a bound fs-B claim.
fn volume_of(st: &SimState, claim: &str) -> (String, String) {
    let c = pvc(st, "analytics", claim).unwrap();
    let name = c["spec"]["volumeName"].as_str().unwrap().to_string();
    let ap = st
        .aws
        .access_points
        .values()
        .find(|ap| ap.client_token == name)
        .unwrap()
        .id
        .clone();
    (name, ap)
}

#[test]
fn deletions_alternate_the_provisioner_order_and_the_pv_first_order() {
    let mut st = demo();
    advance_to(&mut st, 39);
    let (pv0, ap0) = volume_of(&st, "scratch-spark-0");
    let (pv1, ap1) = volume_of(&st, "scratch-spark-1");
    // 40 s: the external-provisioner's order.
    advance_to(&mut st, 40);
    assert!(pvc(&st, "analytics", "scratch-spark-0").is_none());
    advance_to(&mut st, 40.1);
    assert_eq!(pv(&st, &pv0).unwrap()["status"]["phase"], "Released");
    assert_eq!(
        pv(&st, &pv0).unwrap()["spec"]["claimRef"]["name"],
        "scratch-spark-0"
    );
    advance_to(&mut st, 40.3);
    assert!(
        !st.aws.access_points.contains_key(&ap0),
        "DeleteAccessPoint first"
    );
    assert!(pv(&st, &pv0).is_some());
    advance_to(&mut st, 40.8);
    assert!(pv(&st, &pv0).is_none(), "then the PV, 0.5 s later");
    // 80 s: the PV first, DeleteAccessPoint 1 s later.
    advance_to(&mut st, 80.3);
    assert!(pv(&st, &pv1).is_none());
    assert!(st.aws.access_points.contains_key(&ap1));
    advance_to(&mut st, 81.3);
    assert!(!st.aws.access_points.contains_key(&ap1));
    assert_eq!(st.truth.healthy.deleted, 2);
}

#[test]
fn a_drain_completes_and_leaves_no_attachment_on_a_node_that_is_gone() {
    let mut st = demo();
    advance_to(&mut st, 19);
    let node = "ip-10-0-102-45.ec2.internal";
    let before = drain::attachments_on(&st, node);
    assert_eq!(before.len(), 1);
    advance_to(&mut st, 20);
    assert!(drain::is_disrupted(
        &st.store.get("nodes", "", node).unwrap()
    ));
    // Attachments go first (5-20 s), the agents 2 s later, the node 5 s after that.
    advance_to(&mut st, 24.9);
    assert_eq!(drain::attachments_on(&st, node).len(), 1);
    assert_eq!(agents::on_node(&st, node).len(), 4);
    advance_to(&mut st, 60);
    assert!(st.store.get("nodes", "", node).is_none());
    for (_, va) in st.store.list("volumeattachments") {
        let on = va["spec"]["nodeName"].as_str().unwrap();
        assert!(
            st.store.get("nodes", "", on).is_some(),
            "attachment left on {on}"
        );
    }
    let moved = &before[0].2;
    let (_, va) = st
        .store
        .list("volumeattachments")
        .find(|(_, va)| va["spec"]["source"]["persistentVolumeName"] == moved.as_str())
        .expect("the moved volume is attached again");
    let new_node = va["spec"]["nodeName"].as_str().unwrap();
    assert_ne!(new_node, node);
    assert_eq!(agents::on_node(&st, new_node).len(), 4);
    assert_eq!(st.truth.healthy.drains_completed, 1);
    // The drain is no fault: the truth names only the node disrupted from the start.
    let stranded: Vec<_> = st
        .truth
        .faults
        .iter()
        .filter(|f| f.rule == "stranded-volume" && f.subject.kind == truth::NODE)
        .collect();
    assert_eq!(stranded.len(), 1);
    assert_eq!(stranded[0].subject.name, "ip-10-0-101-23.ec2.internal");
}

#[test]
fn agent_pods_carry_their_daemonsets_selector_and_owner() {
    let st = demo();
    for name in agents::NODE_AGENTS {
        let ds = st.store.get("daemonsets", "kube-system", name).unwrap();
        let sel = ds["spec"]["selector"]["matchLabels"].as_object().unwrap();
        assert!(!sel.is_empty());
        let pods: Vec<_> = st
            .store
            .list("pods")
            .filter(|(_, p)| p["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"])
            .collect();
        let evicted = usize::from(!agents::tolerates(
            &ds,
            super::DISRUPTED_TAINT,
            "NoSchedule",
        ));
        assert_eq!(pods.len(), 3 - evicted, "{name}");
        assert_eq!(ds["status"]["numberReady"], pods.len());
        for ((_, pname), p) in pods {
            let suffix = pname.strip_prefix(&format!("{name}-")).unwrap();
            assert_eq!(suffix.len(), 5);
            assert!(
                suffix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            );
            for (k, v) in sel {
                assert_eq!(&p["metadata"]["labels"][k], v);
            }
            assert_eq!(p["metadata"]["ownerReferences"][0]["controller"], true);
            assert_eq!(p["status"]["phase"], "Running");
            let node = st
                .store
                .get("nodes", "", p["spec"]["nodeName"].as_str().unwrap());
            assert!(drain::is_ec2(&node.unwrap()));
        }
    }
}

fn churn() -> SimState {
    state(
        ScenarioName::Churn,
        &ScaleOptions::defaults_for(ScenarioName::Churn),
    )
}

#[test]
fn every_plant_kind_shows_in_the_truth_and_leaves_its_condition() {
    let mut st = churn();
    advance_to(&mut st, 30);
    for (kind, rule, subject_kind) in [
        ("delete-access-point", "missing-access-point", truth::PV),
        (
            "orphan-access-point",
            "orphan-access-point",
            truth::ACCESS_POINT,
        ),
        ("released-volume", "released-volume", truth::PV),
        ("stranded-volume", "stranded-volume", truth::NODE),
    ] {
        let f = plant::plant(&mut st, kind).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        assert_eq!(
            (f.rule.as_str(), f.subject.kind.as_str()),
            (rule, subject_kind)
        );
        let now = st.now();
        let t = st.truth.snapshot(now);
        assert!(t.faults.contains(&f));
        plant::refresh_fixed(&mut st);
        assert_eq!(
            st.truth.faults.last().unwrap().fixed_at,
            None,
            "{kind} holds"
        );
    }
    assert!(plant::plant(&mut st, "nope").is_err());
    // Healthy churn goes on around the faults and never touches them.
    let faulted = st.truth.faulted.clone();
    advance_to(&mut st, 400);
    plant::refresh_fixed(&mut st);
    assert!(
        st.truth.faults.iter().all(|f| f.fixed_at.is_none()),
        "{:?}",
        st.truth.faults
    );
    assert!(faulted.iter().all(|id| !st.truth.busy.contains(id)));
    assert!(st.truth.healthy.provisioned > 150 && st.truth.healthy.drains_completed >= 3);
}

#[test]
fn the_stranded_plant_deletes_the_csi_agent_and_keeps_the_attachments() {
    let mut st = churn();
    let f = plant::plant(&mut st, "stranded-volume").unwrap();
    let node = &f.subject.name;
    assert!(!drain::attachments_on(&st, node).is_empty());
    let owners: Vec<String> = agents::on_node(&st, node)
        .into_iter()
        .map(|p| p.2)
        .collect();
    assert!(!owners.iter().any(|o| o == "ebs-csi-node"), "{owners:?}");
    // No drain ever takes it.
    advance_to(&mut st, 600);
    assert!(st.store.get("nodes", "", node).is_some());
    assert!(!st.truth.is_free(&ObjectId::cluster(truth::NODE, node)));
}

/// Everything a client can see, for comparing histories.
fn world(st: &SimState) -> (Vec<String>, Vec<String>, Vec<String>) {
    let names = |plural: &str| {
        st.store
            .list(plural)
            .map(|(k, _)| format!("{}/{}", k.0, k.1))
            .collect()
    };
    (
        names("persistentvolumes"),
        names("nodes"),
        st.aws.access_points.keys().cloned().collect(),
    )
}

#[test]
fn churn_is_deterministic_however_the_clock_is_stepped() {
    let mut one = churn();
    advance_to(&mut one, 300);
    let mut many = churn();
    let mut t: f64 = 0.0;
    while t < 300.0 {
        t += 0.7;
        advance_to(&mut many, t.min(300.0));
    }
    assert_eq!(world(&one), world(&many));
    assert_eq!(one.truth.healthy, many.truth.healthy);
    // 0.5 provisions a second, each deleted 60 s later; a drain every 90 s.
    // The 150th, asked for at 300 s, binds 0.9 s later.
    assert_eq!(one.truth.healthy.provisioned, 149);
    assert!(
        (115..=120).contains(&one.truth.healthy.deleted),
        "{:?}",
        one.truth.healthy
    );
    assert_eq!(one.truth.healthy.drains_completed, 3);
}

#[test]
fn a_frozen_clock_moves_only_by_offset_and_a_live_one_at_its_rate() {
    let frozen = SimState::new(false, 10.0);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(frozen.now(), frozen.started);
    let fast = SimState::new(true, 50.0);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // At least rate × the wall time slept; no upper bound (the machine may be slow).
    assert!(
        fast.elapsed() >= jiff::SignedDuration::from_secs(1),
        "{:?}",
        fast.elapsed()
    );
}
