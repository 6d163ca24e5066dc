//! The EBS actions against the simulator through the real EC2 client: a stranded volume is
//! detached without Force, and with Force only when the action says so; a detach is refused
//! under a Ready node, also when the node recovers after the dialog opened; an orphan is
//! deleted only after its snapshot completed, never when the snapshot does not complete,
//! and without a snapshot only in the escalated form.

use std::time::Duration;

use serde_json::Value;
use stordeck::actions::{Action, Executor, SnapshotWait, plan};
use stordeck::sim::lock;
use stordeck::sim::scenario::ebs::instance_of;

use crate::{Setup, setup};

const DISRUPTED: &str = "ip-10-0-101-23.ec2.internal";
const SAME_ZONE: &str = "ip-10-0-103-67.ec2.internal";

fn instance(s: &Setup, node: &str) -> String {
    let st = lock(&s.sim.shared);
    let n = st.store.get("nodes", "", node).expect("node");
    instance_of(&n).expect("an EC2 node").1
}

/// The EBS volume behind the PV bound to `shop/<claim>`.
fn volume_of(s: &Setup, claim: &str) -> String {
    let st = lock(&s.sim.shared);
    let pvc = st
        .store
        .get("persistentvolumeclaims", "shop", claim)
        .expect("claim");
    let pv = pvc["spec"]["volumeName"]
        .as_str()
        .expect("bound")
        .to_string();
    let pv = st.store.get("persistentvolumes", "", &pv).expect("pv");
    pv["spec"]["csi"]["volumeHandle"]
        .as_str()
        .expect("handle")
        .into()
}

fn orphan(s: &Setup) -> String {
    let st = lock(&s.sim.shared);
    let f = st
        .truth
        .faults
        .iter()
        .find(|f| f.rule == "orphaned-ebs-volume");
    f.expect("the demo plants an orphan").subject.name.clone()
}

/// The EC2 operations that changed something, in the order the simulator received them.
async fn ec2_mutations(s: &Setup) -> Vec<String> {
    s.mutations()
        .await
        .iter()
        .filter_map(|l| l.split(" Action=").nth(1).map(String::from))
        .collect()
}

/// The operation of each request line the dialog shows (`POST ec2 <Op> …`).
fn shown_ops(a: &Action) -> Vec<String> {
    a.requests()
        .iter()
        .map(|r| r.split_whitespace().nth(2).unwrap_or_default().to_string())
        .collect()
}

fn attachment_state(s: &Setup, vol: &str, inst: &str) -> Option<String> {
    let st = lock(&s.sim.shared);
    let v = st.aws.ec2.volumes.get(vol)?;
    v.attachment_to(inst).map(|a| a.state.clone())
}

fn results(audit: &[Value]) -> Vec<String> {
    audit
        .iter()
        .map(|r| r["result"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_stranded_volume_is_detached_without_force_first_and_forced_only_when_asked() {
    let s = setup(false).await;
    let (vol, inst) = (volume_of(&s, "data-postgres-0"), instance(&s, DISRUPTED));
    // The evicted CSI node agent never unmounted it: a plain detach hangs.
    s.ctl
        .post(
            &format!("/aws/ec2/attachment/stuck?volume_id={vol}&instance_id={inst}"),
            None,
        )
        .await;
    let w = s.world().await;
    let plain = plan::force_detach(&w, &vol).expect("planned");
    assert_eq!(
        plain.requests(),
        [format!(
            "POST ec2 DetachVolume VolumeId={vol} InstanceId={inst} Force=false"
        )]
    );

    let out = s.executor().run(plain.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(ec2_mutations(&s).await, shown_ops(&plain));
    s.ctl.post("/advance?seconds=30", None).await;
    assert_eq!(
        attachment_state(&s, &vol, &inst).as_deref(),
        Some("detaching"),
        "without Force the hung detach stays hung"
    );

    let w = s.world().await;
    let again = plan::force_detach(&w, &vol).expect("still held, still allowed");
    let forced = again.escalated(true).expect("Force is offered");
    assert_eq!(
        forced.requests(),
        [format!(
            "POST ec2 DetachVolume VolumeId={vol} InstanceId={inst} Force=true"
        )]
    );
    let out = s.executor().run(forced.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(ec2_mutations(&s).await, ["DetachVolume", "DetachVolume"]);
    s.ctl.post("/advance?seconds=5", None).await;
    assert_eq!(
        attachment_state(&s, &vol, &inst),
        None,
        "only Force=true frees a hung detach, so this proves it was sent"
    );

    let audit = s.audit();
    assert_eq!(
        audit
            .iter()
            .map(|r| r["action"].clone())
            .collect::<Vec<_>>(),
        [
            "detach-volume",
            "detach-volume",
            "force-detach-volume",
            "force-detach-volume"
        ]
    );
    assert_eq!(audit[1]["requests"][0], plain.requests()[0].as_str());
    assert_eq!(audit[3]["requests"][0], forced.requests()[0].as_str());
    assert_eq!(audit[0]["result"], "started");
    assert!(
        audit[3]["result"]
            .as_str()
            .is_some_and(|r| r.starts_with("ok: "))
    );
}

#[tokio::test]
async fn a_plain_detach_is_enough_when_the_instance_lets_go() {
    let s = setup(false).await;
    let (vol, inst) = (volume_of(&s, "data-redis-0"), instance(&s, DISRUPTED));
    let action = plan::force_detach(&s.world().await, &vol).expect("planned");
    assert!(!action.is_escalated());
    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(ec2_mutations(&s).await, shown_ops(&action));
    s.ctl.post("/advance?seconds=5", None).await;
    assert_eq!(attachment_state(&s, &vol, &inst), None);
    assert_eq!(volume_state(&s, &vol).as_deref(), Some("available"));
    // Nothing holds it now, so there is nothing left to detach.
    let again = plan::force_detach(&s.world().await, &vol);
    assert!(again.is_err_and(|e| e.contains("not attached")));
}

#[tokio::test]
async fn a_detach_is_refused_under_a_ready_node_even_if_it_recovered_after_the_dialog_opened() {
    let s = setup(false).await;
    let w = s.world().await;
    let kafka = volume_of(&s, "data-kafka-0");
    let refused = plan::force_detach(&w, &kafka).expect_err("its node is Ready");
    assert!(refused.contains("is Ready and not disrupted"), "{refused}");

    let vol = volume_of(&s, "data-postgres-0");
    let action = plan::force_detach(&w, &vol).expect("planned on the disrupted node");
    // Karpenter gives up on the disruption: the node is Ready and untainted again.
    {
        let mut st = lock(&s.sim.shared);
        let now = st.now();
        let mut node = (*st.store.get("nodes", "", DISRUPTED).expect("node")).clone();
        node["spec"]["taints"] = Value::Array(Vec::new());
        node["status"]["conditions"] = serde_json::json!([{"type": "Ready", "status": "True"}]);
        st.store.upsert(node, now).expect("node stored");
    }
    let out = s.executor().run(action.clone()).await;
    let why = out.result.expect_err("refused");
    assert!(
        why.starts_with("refused: ") && why.contains(DISRUPTED) && why.contains("Ready"),
        "{why}"
    );
    assert_eq!(ec2_mutations(&s).await, Vec::<String>::new());
    assert_eq!(
        attachment_state(&s, &vol, &instance(&s, DISRUPTED)).as_deref(),
        Some("attached")
    );
    assert_eq!(results(&s.audit())[1].split(':').next(), Some("refused"));
}

fn waiting(s: &Setup, at_most: Duration) -> Executor {
    s.executor().snapshot_wait(SnapshotWait {
        every: Duration::from_millis(20),
        at_most,
    })
}

fn snapshots_of(s: &Setup, vol: &str) -> Vec<(String, String)> {
    let st = lock(&s.sim.shared);
    st.aws
        .ec2
        .snapshots
        .values()
        .filter(|x| x.volume_id == vol)
        .map(|x| (x.id.clone(), x.state.clone()))
        .collect()
}

fn volume_state(s: &Setup, vol: &str) -> Option<String> {
    lock(&s.sim.shared)
        .aws
        .ec2
        .volumes
        .get(vol)
        .map(|v| v.state.clone())
}

#[tokio::test]
async fn an_orphan_is_deleted_only_once_its_snapshot_has_completed() {
    let s = setup(false).await;
    let vol = orphan(&s);
    let w = s.world().await;
    let Ok(action @ Action::DeleteVolume(_)) = plan::delete_ebs_volume(&w, &vol) else {
        panic!("planned");
    };
    let used = volume_of(&s, "data-postgres-0");
    assert!(plan::delete_ebs_volume(&w, &used).is_err());

    let ex = waiting(&s, Duration::from_secs(20));
    let run = tokio::spawn({
        let a = action.clone();
        async move { ex.run(a).await }
    });
    while snapshots_of(&s, &vol).is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Several polls see it pending; nothing is deleted meanwhile.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ec2_mutations(&s).await, ["CreateSnapshot"]);
    assert_eq!(volume_state(&s, &vol).as_deref(), Some("available"));
    s.ctl.post("/advance?seconds=5", None).await;
    let out = run.await.expect("joined");
    assert!(out.result.is_ok(), "{:?}", out.result);

    assert_eq!(ec2_mutations(&s).await, shown_ops(&action));
    let snaps = snapshots_of(&s, &vol);
    assert_eq!(snaps.len(), 1);
    let (snap, state) = &snaps[0];
    assert_eq!(state, "completed");
    assert_eq!(volume_state(&s, &vol).as_deref(), Some("deleting"));
    // DeleteVolume came after a DescribeSnapshots, which had to say completed to let it go.
    let log = s.ctl.requests().await;
    let ops: Vec<&str> = log.iter().filter_map(|r| r["action"].as_str()).collect();
    let deleted = ops.iter().position(|o| *o == "DeleteVolume").expect("sent");
    assert_eq!(
        ops[..deleted]
            .iter()
            .rev()
            .find(|o| **o != "DescribeVolumes"),
        Some(&"DescribeSnapshots")
    );

    let r = results(&s.audit());
    assert_eq!(r.len(), 4, "{r:?}");
    assert_eq!(r[0], "started");
    assert_eq!(
        r[1],
        format!("step: CreateSnapshot of {vol} started {snap}")
    );
    assert_eq!(r[2], format!("step: snapshot {snap} of {vol} completed"));
    assert!(
        r[3].starts_with("ok: ") && r[3].contains(snap.as_str()),
        "{r:?}"
    );
}

#[tokio::test]
async fn a_snapshot_that_does_not_complete_leaves_the_volume() {
    let s = setup(false).await;
    let vol = orphan(&s);
    let action = plan::delete_ebs_volume(&s.world().await, &vol).expect("planned");
    // The clock never moves, so the snapshot stays pending.
    let out = waiting(&s, Duration::from_millis(300)).run(action).await;
    let why = out.result.expect_err("not deleted");
    assert!(
        why.contains("not completed") && why.contains("NOT deleted"),
        "{why}"
    );
    assert_eq!(ec2_mutations(&s).await, ["CreateSnapshot"]);
    assert_eq!(volume_state(&s, &vol).as_deref(), Some("available"));
    let r = results(&s.audit());
    assert!(r[1].starts_with("step: CreateSnapshot"), "{r:?}");
    assert!(
        r[2].starts_with("step: snapshot ") && r[2].contains("not completed"),
        "{r:?}"
    );
    assert!(r[3].starts_with("failed: "), "{r:?}");
}

#[tokio::test]
async fn deleting_without_a_snapshot_is_only_the_escalated_form() {
    let s = setup(false).await;
    let vol = orphan(&s);
    let planned = plan::delete_ebs_volume(&s.world().await, &vol).expect("planned");
    assert!(!planned.is_escalated(), "a plan always snapshots first");
    let bare = planned.escalated(true).expect("offered");
    let out = s.executor().run(bare.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(ec2_mutations(&s).await, ["DeleteVolume"]);
    assert!(snapshots_of(&s, &vol).is_empty());
    assert_eq!(s.audit()[0]["action"], "delete-volume-without-snapshot");
}

#[tokio::test]
async fn a_volume_attached_after_the_dialog_opened_is_neither_snapshotted_nor_deleted() {
    let s = setup(false).await;
    let vol = orphan(&s);
    let action = plan::delete_ebs_volume(&s.world().await, &vol).expect("planned");
    let inst = instance(&s, SAME_ZONE);
    s.ctl
        .post(
            &format!("/aws/ec2/attachment?volume_id={vol}&instance_id={inst}&state=attached"),
            None,
        )
        .await;
    let why = s.executor().run(action).await.result.expect_err("refused");
    assert!(why.starts_with("refused: ") && why.contains(&inst), "{why}");
    assert_eq!(ec2_mutations(&s).await, Vec::<String>::new());
    assert!(snapshots_of(&s, &vol).is_empty());
}

#[tokio::test]
async fn read_only_clients_refuse_every_ebs_mutation_before_it_is_sent() {
    let s = setup(true).await;
    let (vol, inst) = (volume_of(&s, "data-postgres-0"), instance(&s, DISRUPTED));
    let ec2 = &s.conn.aws.ec2;
    assert!(
        ec2.detach_volume()
            .volume_id(&vol)
            .instance_id(&inst)
            .force(true)
            .send()
            .await
            .is_err()
    );
    assert!(ec2.create_snapshot().volume_id(&vol).send().await.is_err());
    assert!(
        ec2.delete_volume()
            .volume_id(orphan(&s))
            .send()
            .await
            .is_err()
    );
    assert!(
        ec2.describe_volumes().volume_ids(&vol).send().await.is_ok(),
        "reads still go"
    );
    assert_eq!(s.mutations().await, Vec::<String>::new());
    let audit = stordeck::actions::AuditLog::new(s.audit_path(), "tester", "c");
    assert!(Executor::new(&s.conn, audit).is_none());
}
