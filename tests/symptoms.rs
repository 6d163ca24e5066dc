//! Symptoms end to end: the real Events watches (one field selector per storage reason)
//! against the simulator's demo. Its Multi-Attach error and the mount that times out on
//! `shop/postgres-0` are evidence on the stranded-volume finding they come from; an Event
//! created with nothing behind it is an unexplained symptom, and goes when it goes.

mod common;

use std::time::Duration;

use jiff::SignedDuration;
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use serde_json::json;
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::findings::{Evidence, Finding, Graces, Kind, Policy, UNEXPLAINED_SYMPTOM};
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sources::connect;

fn quick() -> Policy {
    Policy {
        graces: Graces {
            stranded: SignedDuration::from_secs(1),
            agent_settle: SignedDuration::from_secs(1),
            unexplained_symptom: SignedDuration::from_secs(1),
            driver_lost: SignedDuration::from_secs(1),
            ..Graces::default()
        },
        ..Policy::default()
    }
}

/// The reasons of the Events a finding carries as evidence.
fn event_reasons(f: &Finding) -> Vec<String> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Object { object, fields } if object.kind == Kind::Event => fields
                .0
                .iter()
                .find(|(k, _)| k == "reason")
                .map(|(_, v)| v.clone()),
            _ => None,
        })
        .collect()
}

fn names_event(f: &Finding, name: &str) -> bool {
    f.objects().any(|o| o.kind == Kind::Event && o.name == name)
}

#[tokio::test(flavor = "multi_thread")]
async fn storage_events_join_their_findings_and_the_rest_are_unexplained() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start_with(&conn, Clock::system(), quick());
    assert!(h.first_sync(Duration::from_secs(30)).await);

    // The claim whose pod moved off the disrupted node: its PV is stranded, and both of
    // the pod's Events are evidence on that finding (the Multi-Attach error names the
    // PV; the kubelet's timeout names only the pod, whose claims are read).
    let pv = h
        .world
        .pvcs
        .values()
        .find(|c| c.meta.name == "data-postgres-0")
        .and_then(|c| c.volume.clone())
        .expect("the demo binds data-postgres-0");
    let explained = h
        .until_findings(Duration::from_secs(30), |_, f| {
            f.all().iter().any(|f| {
                f.id == "stranded-volume"
                    && f.objects().any(|o| o.name == *pv)
                    && event_reasons(f).contains(&"FailedAttachVolume".to_string())
                    && event_reasons(f).contains(&"FailedMount".to_string())
            })
        })
        .await;
    let found = h.findings.all().to_vec();
    assert!(
        explained,
        "{:#?}",
        found
            .iter()
            .map(|f| (f.id, &f.title, event_reasons(f)))
            .collect::<Vec<_>>()
    );
    let multi = found
        .iter()
        .find(|f| f.id == "stranded-volume" && f.objects().any(|o| o.name == *pv))
        .map(|f| serde_json::to_string(f).expect("serializes"))
        .unwrap_or_default();
    assert!(multi.contains("Multi-Attach error"), "{multi}");
    assert!(
        !found.iter().any(|f| f.id == UNEXPLAINED_SYMPTOM),
        "every demo Event is explained: {:?}",
        found
            .iter()
            .filter(|f| f.id == UNEXPLAINED_SYMPTOM)
            .map(|f| &f.title)
            .collect::<Vec<_>>()
    );

    // A mount that fails for a reason no rule knows: an unexplained symptom.
    let events: Api<Event> = Api::namespaced(common::kube_client(&sim), "shop");
    let now = jiff::Timestamp::now().to_string();
    let ev: Event = serde_json::from_value(json!({
        "metadata": {"name": "reports-0.18a2f", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "reports-0"},
        "reason": "FailedMount", "type": "Warning", "count": 2,
        "message": "MountVolume.SetUp failed for volume \"scratch\" : mount failed: exit status 32",
        "source": {"component": "kubelet"},
        "firstTimestamp": now, "lastTimestamp": now}))
    .expect("event");
    events
        .create(&PostParams::default(), &ev)
        .await
        .expect("create event");
    let listed = h
        .until_findings(Duration::from_secs(30), |_, f| {
            f.all()
                .iter()
                .any(|f| f.id == UNEXPLAINED_SYMPTOM && names_event(f, "reports-0.18a2f"))
        })
        .await;
    assert!(
        listed,
        "{:?}",
        h.findings
            .all()
            .iter()
            .map(|f| &f.title)
            .collect::<Vec<_>>()
    );
    let u = h
        .findings
        .all()
        .iter()
        .find(|f| f.id == UNEXPLAINED_SYMPTOM)
        .expect("listed");
    assert!(
        u.title.contains("FailedMount on pod shop/reports-0"),
        "{}",
        u.title
    );

    events
        .delete("reports-0.18a2f", &DeleteParams::default())
        .await
        .expect("delete event");
    let gone = h
        .until_findings(Duration::from_secs(30), |_, f| {
            !f.all().iter().any(|f| f.id == UNEXPLAINED_SYMPTOM)
        })
        .await;
    assert!(gone, "the Event is gone, so is its finding");

    // Only the storage reasons were asked for, each by its own field selector.
    let log = ctl.requests().await;
    let asked: Vec<String> = log
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/events")))
        .filter(|r| r["method"] == "GET")
        .map(|r| r["query"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!asked.is_empty());
    for q in &asked {
        assert!(
            q.contains("fieldSelector=reason%3D"),
            "an Events request without a reason: {q}"
        );
    }
    for reason in [
        "FailedAttachVolume",
        "FailedMount",
        "ProvisioningFailed",
        "VolumeFailedDelete",
        "FailedDetachVolume",
    ] {
        assert!(
            asked.iter().any(|q| q.contains(reason)),
            "{reason} not watched: {asked:?}"
        );
    }
}

/// Story 1 after the fact: the EFS add-on deleted without preserve takes the CSIDriver
/// that predated it; the finding says so, and the kubelet's "driver name … not found"
/// Event is its evidence, not an unexplained symptom.
#[tokio::test(flavor = "multi_thread")]
async fn a_driver_lost_with_its_addon_is_critical_and_explains_the_mount_events() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start_with(&conn, Clock::system(), quick());
    assert!(h.first_sync(Duration::from_secs(30)).await);
    let lost = |f: &Finding| f.id == "preserve-risk" && f.title.contains("is gone");
    assert!(!h.findings.all().iter().any(lost));

    let writer = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, false)
        .await
        .expect("connect for writing");
    writer
        .aws
        .eks
        .delete_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .preserve(false)
        .send()
        .await
        .expect("delete add-on");
    ctl.post("/advance?seconds=10", None).await;

    let events: Api<Event> = Api::namespaced(common::kube_client(&sim), "apps");
    let now = jiff::Timestamp::now().to_string();
    let ev: Event = serde_json::from_value(json!({
        "metadata": {"name": "uploads-0.19c07", "namespace": "apps"},
        "involvedObject": {"kind": "Pod", "namespace": "apps", "name": "uploads-0"},
        "reason": "FailedMount", "type": "Warning", "count": 4,
        "message": "MountVolume.MountDevice failed for volume \"data\" : kubernetes.io/csi: \
                    attacher.MountDevice failed to create newCsiDriverClient: driver name \
                    efs.csi.aws.com not found in the list of registered CSI drivers",
        "source": {"component": "kubelet"},
        "firstTimestamp": now, "lastTimestamp": now}))
    .expect("event");
    events
        .create(&PostParams::default(), &ev)
        .await
        .expect("create event");

    let explained = h
        .until_findings(Duration::from_secs(30), |_, f| {
            f.all()
                .iter()
                .any(|f| lost(f) && names_event(f, "uploads-0.19c07"))
        })
        .await;
    let found = h.findings.all().to_vec();
    assert!(
        explained,
        "{:#?}",
        found
            .iter()
            .map(|f| (f.id, &f.title, event_reasons(f)))
            .collect::<Vec<_>>()
    );
    let f = found.iter().find(|f| lost(f)).expect("lost");
    assert!(
        f.title.contains("CSIDriver efs.csi.aws.com is gone"),
        "{}",
        f.title
    );
    assert_eq!(f.severity, stordeck::model::findings::Severity::Critical);
    assert!(
        !found.iter().any(|f| f.id == UNEXPLAINED_SYMPTOM),
        "{found:#?}"
    );
}
