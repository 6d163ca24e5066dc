//! The simulator's churn, pods and ground truth through real clients: the node agents'
//! pods watched by label selector with kube-runtime, `/_sim/truth` read into
//! `stordeck::sim::truth::Truth`, faults planted midway, fractional clock steps.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::watcher::{self, Event};
use stordeck::sim::truth::{self, Truth};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimHandle, SimOptions};

async fn churn_sim() -> SimHandle {
    sim::start(SimOptions {
        scenario: ScenarioName::Churn,
        live_clock: false,
        scale: ScaleOptions::defaults_for(ScenarioName::Churn),
        ..Default::default()
    })
    .await
    .expect("simulator starts on loopback")
}

async fn truth(sim: &SimHandle) -> Truth {
    reqwest::get(format!("{}/_sim/truth", sim.url()))
        .await
        .expect("truth")
        .json()
        .await
        .expect("truth is a Truth")
}

async fn next<S>(stream: &mut S) -> Event<Pod>
where
    S: futures::Stream<Item = Result<Event<Pod>, watcher::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("watch event within 10s")
        .expect("watch ok")
        .expect("stream open")
}

/// The label selector the dashboard watches a DaemonSet's pods with: `k=v,k2=v2`.
fn selector_of(ds: &DaemonSet) -> String {
    let labels = ds.spec.selector.match_labels.clone().unwrap_or_default();
    assert!(!labels.is_empty());
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test]
async fn agent_pods_are_watched_by_selector_and_a_planted_stranding_evicts_one() {
    let sim = churn_sim().await;
    let ctl = common::Control::new(&sim);
    let client = common::kube_client(&sim);
    let dss: Api<DaemonSet> = Api::namespaced(client.clone(), "kube-system");
    let ebs = dss.get("ebs-csi-node").await.expect("ebs-csi-node");
    let pods: Api<Pod> = Api::namespaced(client, "kube-system");
    let cfg = watcher::Config::default().labels(&selector_of(&ebs));
    let mut stream = watcher::watcher(pods, cfg).boxed();
    let mut initial = Vec::new();
    loop {
        match next(&mut stream).await {
            Event::Init => {}
            Event::InitApply(p) => initial.push(p),
            Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    // Two EC2 nodes run it; on the third, disrupted from the start, it was evicted.
    assert_eq!(initial.len(), 2, "{initial:?}");
    let uid = ebs.metadata.uid.clone();
    for p in &initial {
        let owner = &p.metadata.owner_references.as_ref().expect("owner")[0];
        assert_eq!(
            (owner.kind.as_str(), owner.controller),
            ("DaemonSet", Some(true))
        );
        assert_eq!(Some(owner.uid.clone()), uid);
        let status = p.status.as_ref().expect("status");
        assert_eq!(status.phase.as_deref(), Some("Running"));
        let ready = status.conditions.as_ref().expect("conditions");
        assert!(
            ready
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        );
    }

    let fault = ctl.post("/faults/plant?kind=stranded-volume", None).await;
    assert_eq!(fault["rule"], "stranded-volume");
    let node = fault["subject"]["name"].as_str().expect("node").to_string();
    match next(&mut stream).await {
        Event::Delete(p) => {
            let on = p.spec.and_then(|s| s.node_name).unwrap_or_default();
            assert_eq!(on, node, "the evicted pod is the stranded node's");
        }
        other => panic!("expected the agent's pod deleted, got {other:?}"),
    }
    let t = truth(&sim).await;
    let planted = t
        .faults
        .iter()
        .find(|f| f.id == fault["id"].as_u64().unwrap_or(0));
    let planted = planted.expect("the plant is in the truth");
    assert_eq!(
        planted.subject,
        truth::ObjectId::cluster(truth::NODE, &node)
    );
    assert_eq!(planted.fixed_at, None);
}

#[tokio::test]
async fn truth_lists_the_base_faults_and_grows_with_plants_and_fractional_steps() {
    let sim = churn_sim().await;
    let ctl = common::Control::new(&sim);
    let start = truth(&sim).await;
    let rules: Vec<&str> = start.faults.iter().map(|f| f.rule.as_str()).collect();
    for rule in [
        "preserve-risk",
        "stranded-volume",
        "lifecycle-drift",
        "missing-toleration",
    ] {
        assert!(rules.contains(&rule), "{rules:?}");
    }
    assert_eq!(start.healthy, truth::Healthy::default());

    // The first churned claim is asked for at 2 s (0.5 a second) and bound 0.9 s later.
    let at = ctl.post("/advance?seconds=2.5", None).await;
    assert_eq!(at["elapsed_seconds"], 2.5);
    assert_eq!(truth(&sim).await.healthy.provisioned, 0);
    ctl.post("/advance?seconds=0.4", None).await;
    assert_eq!(truth(&sim).await.healthy.provisioned, 1);

    for kind in [
        "delete-access-point",
        "orphan-access-point",
        "released-volume",
    ] {
        let f = ctl.post(&format!("/faults/plant?kind={kind}"), None).await;
        assert!(f["id"].as_u64().is_some(), "{kind}: {f}");
    }
    let (code, body) = ctl.post_status("/faults/plant?kind=melt-the-disk").await;
    assert_eq!(code, 400);
    let msg = body["message"].as_str().unwrap_or_default();
    for kind in sim::plant::KINDS {
        assert!(msg.contains(kind), "{msg}");
    }
    let (code, _) = ctl.post_status("/advance?seconds=-1").await;
    assert_eq!(code, 400);

    ctl.post("/advance?seconds=120", None).await;
    let later = truth(&sim).await;
    assert_eq!(later.faults.len(), start.faults.len() + 3);
    assert!(later.faults.iter().all(|f| f.fixed_at.is_none()));
    assert!(later.healthy.deleted > 0 && later.healthy.drains_completed >= 1);
    assert!(later.now > start.now);
}
