//! Story 4 on the AWS side of the demo: instances behind the nodes, volumes behind the EBS
//! PVs, the healthy drain's detach and re-attach, and the ground truth it leaves alone.

use super::ebs::{instance_of, orphaned, stranded_in_aws};
use super::tests::{advance_to, demo};
use crate::sim::SimState;
use crate::sim::truth;

fn instance_of_node(st: &SimState, node: &str) -> String {
    let n = st.store.get("nodes", "", node).unwrap();
    instance_of(&n).unwrap().1
}

fn volume_of_claim(st: &SimState, claim: &str) -> String {
    let pvc = st
        .store
        .get("persistentvolumeclaims", "shop", claim)
        .unwrap();
    let pv = st
        .store
        .get(
            "persistentvolumes",
            "",
            pvc["spec"]["volumeName"].as_str().unwrap(),
        )
        .unwrap();
    pv["spec"]["csi"]["volumeHandle"].as_str().unwrap().into()
}

#[test]
fn every_ebs_pv_has_its_tagged_volume_attached_to_its_nodes_instance() {
    let st = demo();
    assert_eq!(st.aws.ec2.instances.len(), 3);
    for (claim, node) in [
        ("data-postgres-0", "ip-10-0-101-23.ec2.internal"),
        ("data-redis-0", "ip-10-0-101-23.ec2.internal"),
        ("data-postgres-1", "ip-10-0-102-45.ec2.internal"),
        ("data-kafka-0", "ip-10-0-103-67.ec2.internal"),
    ] {
        let vol = &st.aws.ec2.volumes[&volume_of_claim(&st, claim)];
        assert_eq!(vol.state, "in-use");
        assert_eq!(vol.attachments[0].instance_id, instance_of_node(&st, node));
        assert_eq!(vol.attachments[0].state, "attached");
        assert_eq!(vol.tag("kubernetes.io/created-for/pvc/name"), Some(claim));
        assert_eq!(vol.tag("ebs.csi.aws.com/cluster"), Some("true"));
        let n = st.store.get("nodes", "", node).unwrap();
        assert_eq!(
            n["metadata"]["labels"]["topology.kubernetes.io/zone"].as_str(),
            Some(vol.availability_zone.as_str())
        );
    }
    let stranded: Vec<&str> = st
        .truth
        .faults
        .iter()
        .filter(|f| f.rule == "stranded-volume" && f.subject.kind == truth::EC2_VOLUME)
        .map(|f| f.subject.name.as_str())
        .collect();
    assert_eq!(stranded.len(), 2);
    assert!(stranded.iter().all(|v| stranded_in_aws(&st, v)));
    let orphans: Vec<&str> = st
        .truth
        .faults
        .iter()
        .filter(|f| f.rule == "orphaned-ebs-volume")
        .map(|f| f.subject.name.as_str())
        .collect();
    assert_eq!(orphans.len(), 1);
    assert!(orphaned(&st, orphans[0]));
    assert_eq!(st.store.count("events"), 2);
}

#[test]
fn the_healthy_drain_detaches_in_aws_then_attaches_to_the_replacement() {
    let mut st = demo();
    let node = "ip-10-0-102-45.ec2.internal";
    let old = instance_of_node(&st, node);
    let vol = volume_of_claim(&st, "data-postgres-1");
    let mut saw_detaching = false;
    let mut saw_available = false;
    let mut t = 20.0;
    while t < 70.0 {
        t += 0.5;
        advance_to(&mut st, t);
        let v = &st.aws.ec2.volumes[&vol];
        saw_detaching |= v.attachments.iter().any(|a| a.state == "detaching");
        saw_available |= v.state == "available";
    }
    assert!(saw_detaching && saw_available);
    assert_eq!(st.truth.healthy.drains_completed, 1);
    assert_eq!(st.aws.ec2.instances[&old].state, "terminated");
    let v = &st.aws.ec2.volumes[&vol];
    assert_eq!(v.state, "in-use");
    assert_eq!(v.attachments.len(), 1);
    assert_eq!(v.attachments[0].state, "attached");
    let new = &st.aws.ec2.instances[&v.attachments[0].instance_id];
    assert_ne!(new.id, old);
    assert_eq!(new.state, "running");
    assert!(!stranded_in_aws(&st, &vol));
    let attached = st
        .store
        .list("events")
        .filter(|(_, e)| e["reason"] == "SuccessfulAttachVolume")
        .count();
    assert_eq!(attached, 1);
    // The EBS faults still hold; the drain touched none of them.
    crate::sim::plant::refresh_fixed(&mut st);
    assert!(
        st.truth
            .faults
            .iter()
            .filter(|f| f.subject.kind == truth::EC2_VOLUME)
            .all(|f| f.fixed_at.is_none())
    );
}
