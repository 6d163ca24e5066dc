//! The simulator's EC2 endpoint through the real aws-sdk-ec2 client: paging, filters,
//! typed errors, throttling, the detach / snapshot / delete transitions the clock
//! finishes, the request log's `action`, the `/_sim/aws/ec2/` controls, and story 4's
//! Events and ground truth in the demo.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_ec2::config::{Credentials, Region};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, SnapshotState, VolumeAttachmentState, VolumeState};
use serde_json::Value;
use stordeck::sim::aws::ec2_state::Volume;
use stordeck::sim::scenario::ebs::instance_of;
use stordeck::sim::{SimHandle, lock};

mod common;

/// The node Karpenter disrupted from the start, and the one sharing its zone.
const DISRUPTED: &str = "ip-10-0-101-23.ec2.internal";
const SAME_ZONE: &str = "ip-10-0-103-67.ec2.internal";

async fn ec2(sim: &SimHandle, attempts: u32) -> aws_sdk_ec2::Client {
    let cfg = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sim.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("x", "x", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .load()
        .await;
    aws_sdk_ec2::Client::new(&cfg)
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The instance behind a demo node.
fn instance(sim: &SimHandle, node: &str) -> String {
    let st = lock(&sim.shared);
    let n = st.store.get("nodes", "", node).expect("node");
    instance_of(&n).expect("an EC2 node").1
}

/// The EBS volume behind the PV bound to `shop/<claim>`.
fn volume_of(sim: &SimHandle, claim: &str) -> String {
    let st = lock(&sim.shared);
    let pvc = st
        .store
        .get("persistentvolumeclaims", "shop", claim)
        .expect("claim");
    let pv_name = pvc["spec"]["volumeName"].as_str().expect("bound");
    let pv = st.store.get("persistentvolumes", "", pv_name).expect("pv");
    pv["spec"]["csi"]["volumeHandle"]
        .as_str()
        .expect("handle")
        .into()
}

fn orphan(sim: &SimHandle) -> String {
    let st = lock(&sim.shared);
    let f = st
        .truth
        .faults
        .iter()
        .find(|f| f.rule == "orphaned-ebs-volume")
        .expect("the demo plants an orphan");
    f.subject.name.clone()
}

async fn advance(sim: &SimHandle, secs: u32) {
    common::Control::new(sim)
        .post(&format!("/advance?seconds={secs}"), None)
        .await;
}

async fn one_volume(c: &aws_sdk_ec2::Client, id: &str) -> aws_sdk_ec2::types::Volume {
    let out = c.describe_volumes().volume_ids(id).send().await.unwrap();
    out.volumes()[0].clone()
}

#[tokio::test]
async fn describe_volumes_pages_return_every_volume_exactly_once() {
    let sim = common::start_sim().await;
    let all: BTreeSet<String> = {
        let mut st = lock(&sim.shared);
        let now = st.now();
        for i in 0..12u64 {
            let id = format!("vol-{:017x}", 0xe0c2_0000 + i);
            let v = Volume::new(&id, 8, "gp2", "us-east-1b", now);
            st.aws.ec2.volumes.insert(id, v);
        }
        st.aws.ec2.volumes.keys().cloned().collect()
    };
    assert!(all.len() > 5, "{all:?}");
    let c = ec2(&sim, 1).await;
    let mut pages = c.describe_volumes().max_results(5).into_paginator().send();
    let (mut n_pages, mut seen) = (0, Vec::new());
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.volumes().len() <= 5);
        n_pages += 1;
        seen.extend(
            page.volumes()
                .iter()
                .filter_map(|v| v.volume_id().map(String::from)),
        );
    }
    assert_eq!(n_pages, all.len().div_ceil(5));
    assert_eq!(seen.len(), all.len(), "a volume came twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), all);
}

#[tokio::test]
async fn filters_select_by_tag_id_attachment_and_state() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let count = |f: Vec<Filter>| {
        let c = c.clone();
        async move {
            let out = c
                .describe_volumes()
                .set_filters(Some(f))
                .send()
                .await
                .unwrap();
            out.volumes().to_vec()
        }
    };
    let tagged = count(vec![filter("tag:ebs.csi.aws.com/cluster", "true")]).await;
    assert_eq!(tagged.len(), 5, "four PVs' volumes and the orphan");
    let postgres = volume_of(&sim, "data-postgres-0");
    let pv_name = tagged
        .iter()
        .find(|v| v.volume_id() == Some(postgres.as_str()))
        .and_then(|v| v.tags().iter().find(|t| t.key() == Some("CSIVolumeName")))
        .and_then(|t| t.value())
        .expect("the driver's tags")
        .to_string();
    let by_name = count(vec![filter("tag:CSIVolumeName", &pv_name)]).await;
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].volume_id(), Some(postgres.as_str()));
    let wild = count(vec![filter(
        "tag:kubernetes.io/created-for/pvc/name",
        "data-postgres-*",
    )])
    .await;
    assert_eq!(wild.len(), 2);
    let keyed = count(vec![filter("tag-key", "kubernetes.io/created-for/pv/name")]).await;
    assert_eq!(keyed.len(), 5);
    let available = count(vec![filter("status", "available")]).await;
    assert_eq!(available.len(), 1);
    assert_eq!(available[0].volume_id(), Some(orphan(&sim).as_str()));

    let held = instance(&sim, DISRUPTED);
    let on_disrupted = count(vec![filter("attachment.instance-id", &held)]).await;
    assert_eq!(on_disrupted.len(), 2);
    for v in &on_disrupted {
        assert_eq!(v.state(), Some(&VolumeState::InUse));
        let a = &v.attachments()[0];
        assert_eq!(a.instance_id(), Some(held.as_str()));
        assert_eq!(a.state(), Some(&VolumeAttachmentState::Attached));
        assert!(a.device().is_some_and(|d| d.starts_with("/dev/xvda")));
        assert!(a.attach_time().is_some());
    }
    let v = one_volume(&c, &postgres).await;
    assert_eq!(v.availability_zone(), Some("us-east-1a"));
    assert_eq!(
        (v.size(), v.iops(), v.throughput()),
        (Some(5), Some(3000), Some(125))
    );
    assert_eq!(v.volume_type().map(|t| t.as_str()), Some("gp3"));
}

#[tokio::test]
async fn errors_come_back_typed_in_ec2_words() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let missing = "vol-0123456789abcdef0";
    let e = c
        .describe_volumes()
        .volume_ids(missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidVolume.NotFound"));
    assert!(e.message().unwrap_or_default().contains(missing));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(400));
    let e = c
        .describe_volumes()
        .volume_ids(orphan(&sim))
        .max_results(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterCombination"));
    let e = c
        .describe_volumes()
        .volume_ids("vol-x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidVolumeID.Malformed"));
    let e = c
        .describe_volumes()
        .filters(filter("colour", "blue"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    let e = c
        .describe_volumes()
        .max_results(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    let e = c
        .describe_instances()
        .instance_ids("i-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidInstanceID.NotFound"));
    let e = c
        .describe_snapshots()
        .snapshot_ids("snap-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSnapshot.NotFound"));
}

fn actions(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter_map(|r| r["action"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn throttling_is_request_limit_exceeded_and_the_sdk_backs_off_and_retries() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    ctl.post_status("/faults/throttle?count=1").await;
    let e = ec2(&sim, 1)
        .await
        .describe_volumes()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RequestLimitExceeded"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(503));

    ctl.delete("/requests").await;
    ctl.post_status("/faults/throttle?count=2").await;
    let out = ec2(&sim, 3).await.describe_volumes().send().await.unwrap();
    assert!(!out.volumes().is_empty());
    assert_eq!(actions(&ctl.requests().await), ["DescribeVolumes"; 3]);
    // A client error is not retried.
    ctl.delete("/requests").await;
    let e = ec2(&sim, 3)
        .await
        .describe_volumes()
        .volume_ids("vol-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidVolume.NotFound"));
    assert_eq!(actions(&ctl.requests().await).len(), 1);
}

#[tokio::test]
async fn describe_instances_answers_one_reservation_per_node_instance() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let mut pages = c
        .describe_instances()
        .max_results(5)
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        for r in page.unwrap().reservations() {
            assert_eq!(r.instances().len(), 1);
            let i = &r.instances()[0];
            assert_eq!(
                i.state().and_then(|s| s.name()).map(|n| n.as_str()),
                Some("running")
            );
            assert_eq!(i.state().and_then(|s| s.code()), Some(16));
            names.push(i.private_dns_name().unwrap_or_default().to_string());
        }
    }
    names.sort();
    assert_eq!(names, [DISRUPTED, "ip-10-0-102-45.ec2.internal", SAME_ZONE]);
    let id = instance(&sim, DISRUPTED);
    let out = c
        .describe_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    let i = &out.reservations()[0].instances()[0];
    assert_eq!(i.instance_id(), Some(id.as_str()));
    assert_eq!(
        i.placement().and_then(|p| p.availability_zone()),
        Some("us-east-1a")
    );
    let e = c
        .describe_instances()
        .instance_ids(&id)
        .max_results(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterCombination"));
}

#[tokio::test]
async fn a_detach_goes_through_detaching_and_leaves_the_volume_available() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let (vol, inst) = (volume_of(&sim, "data-kafka-0"), instance(&sim, SAME_ZONE));
    let a = c
        .detach_volume()
        .volume_id(&vol)
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    assert_eq!(a.state(), Some(&VolumeAttachmentState::Detaching));
    assert_eq!(a.instance_id(), Some(inst.as_str()));
    let v = one_volume(&c, &vol).await;
    assert_eq!(v.state(), Some(&VolumeState::InUse));
    assert_eq!(
        v.attachments()[0].state(),
        Some(&VolumeAttachmentState::Detaching)
    );
    advance(&sim, 3).await;
    let v = one_volume(&c, &vol).await;
    assert_eq!(v.state(), Some(&VolumeState::Available));
    assert!(v.attachments().is_empty());
    // Nothing is attached any more.
    let e = c.detach_volume().volume_id(&vol).send().await.unwrap_err();
    assert_eq!(e.code(), Some("IncorrectState"));
}

#[tokio::test]
async fn a_stuck_detach_stays_detaching_until_forced() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let c = ec2(&sim, 1).await;
    let (vol, inst) = (volume_of(&sim, "data-redis-0"), instance(&sim, DISRUPTED));
    let (code, body) = ctl
        .post_status(&format!(
            "/aws/ec2/attachment/stuck?volume_id={vol}&instance_id={inst}"
        ))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["attachments"][0]["stuck"], true);
    c.detach_volume().volume_id(&vol).send().await.unwrap();
    advance(&sim, 60).await;
    let v = one_volume(&c, &vol).await;
    assert_eq!(
        v.attachments()[0].state(),
        Some(&VolumeAttachmentState::Detaching)
    );
    let a = c
        .detach_volume()
        .volume_id(&vol)
        .instance_id(&inst)
        .force(true)
        .send()
        .await
        .unwrap();
    assert_eq!(a.state(), Some(&VolumeAttachmentState::Detaching));
    advance(&sim, 3).await;
    let v = one_volume(&c, &vol).await;
    assert_eq!(v.state(), Some(&VolumeState::Available));
}

#[tokio::test]
async fn a_snapshot_completes_on_the_clock() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let vol = orphan(&sim);
    let s = c
        .create_snapshot()
        .volume_id(&vol)
        .description("stordeck: before deleting an orphan")
        .send()
        .await
        .unwrap();
    assert_eq!(s.state(), Some(&SnapshotState::Pending));
    assert_eq!(s.volume_id(), Some(vol.as_str()));
    assert_eq!(s.volume_size(), Some(100));
    let id = s.snapshot_id().expect("an id").to_string();
    advance(&sim, 5).await;
    let out = c
        .describe_snapshots()
        .snapshot_ids(&id)
        .send()
        .await
        .unwrap();
    let s = &out.snapshots()[0];
    assert_eq!(s.state(), Some(&SnapshotState::Completed));
    assert_eq!(s.progress(), Some("100%"));
    let out = c
        .describe_snapshots()
        .filters(filter("volume-id", &vol))
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(out.snapshots().len(), 1);
    let e = c
        .create_snapshot()
        .volume_id("vol-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidVolume.NotFound"));
}

#[tokio::test]
async fn delete_volume_refuses_an_attached_volume_and_deletes_an_available_one() {
    let sim = common::start_sim().await;
    let c = ec2(&sim, 1).await;
    let held = volume_of(&sim, "data-kafka-0");
    let e = c.delete_volume().volume_id(&held).send().await.unwrap_err();
    assert_eq!(e.code(), Some("IncorrectState"));
    let vol = orphan(&sim);
    c.delete_volume().volume_id(&vol).send().await.unwrap();
    assert_eq!(
        one_volume(&c, &vol).await.state(),
        Some(&VolumeState::Deleting)
    );
    advance(&sim, 3).await;
    let e = c
        .describe_volumes()
        .volume_ids(&vol)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidVolume.NotFound"));
}

#[tokio::test]
async fn the_request_log_names_each_ec2_action_and_only_form_posts_carry_one() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let c = ec2(&sim, 1).await;
    ctl.delete("/requests").await;
    c.describe_volumes().send().await.unwrap();
    let (vol, inst) = (volume_of(&sim, "data-kafka-0"), instance(&sim, SAME_ZONE));
    c.detach_volume()
        .volume_id(&vol)
        .instance_id(&inst)
        .send()
        .await
        .unwrap();
    let kube = common::kube_client(&sim);
    let nodes: kube::Api<k8s_openapi::api::core::v1::Node> = kube::Api::all(kube);
    nodes.list(&Default::default()).await.unwrap();
    let log = ctl.requests().await;
    assert_eq!(actions(&log), ["DescribeVolumes", "DetachVolume"]);
    for r in &log {
        if r["path"] == "/" {
            assert_eq!(r["method"], "POST");
        } else {
            assert!(r.get("action").is_none(), "{r}");
        }
    }
}

#[tokio::test]
async fn controls_set_attachment_and_instance_states() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let c = ec2(&sim, 1).await;
    let (vol, inst) = (volume_of(&sim, "data-kafka-0"), instance(&sim, SAME_ZONE));
    let q = format!("volume_id={vol}&instance_id={inst}");
    let (code, _) = ctl
        .post_status(&format!("/aws/ec2/attachment?{q}&state=busy"))
        .await;
    assert_eq!(code, 200);
    let v = one_volume(&c, &vol).await;
    assert_eq!(
        v.attachments()[0].state(),
        Some(&VolumeAttachmentState::Busy)
    );
    ctl.post_status(&format!("/aws/ec2/attachment?{q}&state=detached"))
        .await;
    assert_eq!(
        one_volume(&c, &vol).await.state(),
        Some(&VolumeState::Available)
    );
    ctl.post_status(&format!("/aws/ec2/attachment?{q}&state=attached"))
        .await;
    let v = one_volume(&c, &vol).await;
    assert_eq!(
        v.attachments()[0].state(),
        Some(&VolumeAttachmentState::Attached)
    );

    let (code, body) = ctl
        .post_status(&format!("/aws/ec2/instances/{inst}/state?state=stopped"))
        .await;
    assert_eq!((code, body["state"].as_str()), (200, Some("stopped")));
    let out = c
        .describe_instances()
        .instance_ids(&inst)
        .send()
        .await
        .unwrap();
    let state = out.reservations()[0].instances()[0].state().cloned();
    assert_eq!(state.and_then(|s| s.code()), Some(80));
    ctl.post_status(&format!("/aws/ec2/instances/{inst}/state?state=terminated"))
        .await;
    advance(&sim, 3).await;
    assert!(one_volume(&c, &vol).await.attachments().is_empty());

    let (code, _) = ctl
        .post_status(&format!("/aws/ec2/attachment?{q}&state=glued"))
        .await;
    assert_eq!(code, 400);
    let (code, body) = ctl.post_status("/aws/ec2/nothing").await;
    assert_eq!(code, 404);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("attachment")
    );
}

#[tokio::test]
async fn the_demo_truth_and_events_tell_story_4_from_the_aws_side() {
    let sim = common::start_sim().await;
    let truth: Value = reqwest::get(format!("{}/_sim/truth", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ebs: Vec<(String, String)> = truth["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["subject"]["kind"] == "AWS::EC2::Volume")
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (s(&f["rule"]), s(&f["subject"]["name"]))
        })
        .collect();
    let mut stranded: Vec<String> = ebs
        .iter()
        .filter(|(r, _)| r == "stranded-volume")
        .map(|(_, v)| v.clone())
        .collect();
    stranded.sort();
    let mut want = vec![
        volume_of(&sim, "data-postgres-0"),
        volume_of(&sim, "data-redis-0"),
    ];
    want.sort();
    assert_eq!(stranded, want);
    assert!(ebs.contains(&("orphaned-ebs-volume".into(), orphan(&sim))));

    use k8s_openapi::api::core::v1::Event;
    let events: kube::Api<Event> = kube::Api::namespaced(common::kube_client(&sim), "shop");
    let by = |sel: &str| {
        let events = events.clone();
        let lp = kube::api::ListParams::default().fields(sel);
        async move { events.list(&lp).await.map(|l| l.items) }
    };
    let multi = by("reason=FailedAttachVolume").await.unwrap();
    assert_eq!(multi.len(), 1);
    let ev = &multi[0];
    assert_eq!(ev.type_.as_deref(), Some("Warning"));
    assert_eq!(ev.involved_object.kind.as_deref(), Some("Pod"));
    assert_eq!(ev.involved_object.name.as_deref(), Some("postgres-0"));
    assert!(
        ev.message
            .as_deref()
            .unwrap_or_default()
            .starts_with("Multi-Attach error")
    );
    let others = by("involvedObject.name=postgres-0,reason!=FailedAttachVolume")
        .await
        .unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].reason.as_deref(), Some("FailedMount"));
    assert!(
        by("reason in (FailedMount,FailedAttachVolume)")
            .await
            .is_err()
    );
}
