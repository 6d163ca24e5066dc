//! Story 4's AWS side end to end: the real sources (kube watches, the EC2 poller through
//! aws-sdk-ec2) against the simulator, the EBS rules judged against its ground truth, and
//! faults planted through its controls found and cleared. Graces are shortened by policy,
//! not by sleeping, so the test follows the rules' time logic at a test's pace.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::Value;
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::findings::{Finding, Graces, Policy};
use stordeck::model::{World, findings};
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sources::connect;

fn quick() -> Policy {
    Policy {
        graces: Graces {
            stranded: SignedDuration::from_secs(1),
            agent_settle: SignedDuration::from_secs(1),
            detach_stuck: SignedDuration::from_secs(2),
            attachment_drift: SignedDuration::from_secs(2),
            ..Graces::default()
        },
        ..Policy::default()
    }
}

async fn truth(sim: &stordeck::sim::SimHandle, rule: &str) -> BTreeSet<String> {
    let t: Value = reqwest::get(format!("{}/_sim/truth", sim.url()))
        .await
        .expect("truth")
        .json()
        .await
        .expect("truth is JSON");
    t["faults"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule && f["subject"]["kind"] == "AWS::EC2::Volume")
        .filter(|f| f["fixed_at"].is_null())
        .filter_map(|f| f["subject"]["name"].as_str().map(str::to_string))
        .collect()
}

/// The volumes the findings of `rule` name.
fn named(found: &[Finding], rule: &str) -> BTreeSet<String> {
    found
        .iter()
        .filter(|f| f.id == rule)
        .flat_map(|f| f.objects())
        .filter(|o| o.kind == findings::Kind::EbsVolume)
        .map(|o| o.name.clone())
        .collect()
}

/// A volume attached in AWS to a healthy node's instance, as the VolumeAttachment says.
fn healthy_attachment(w: &World) -> (String, String) {
    let by_instance = w.nodes_by_instance();
    w.ebs_volumes
        .values()
        .find_map(|v| {
            let a = v.attachments.iter().find(|a| a.state == "attached")?;
            let node = by_instance.get(a.instance_id.as_str())?;
            let pv = w.pv_for_ebs_volume(&v.id)?;
            let va = w.attachment_for_pv(&pv.meta.name)?;
            (!node.has_taint("karpenter.sh/disrupted") && va.attached && va.node == node.meta.name)
                .then(|| (v.id.to_string(), a.instance_id.to_string()))
        })
        .expect("the demo has a healthy EBS attachment")
}

#[tokio::test(flavor = "multi_thread")]
async fn ebs_findings_match_the_ground_truth_and_follow_planted_faults() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start_with(&conn, Clock::system(), quick());
    assert!(h.first_sync(Duration::from_secs(30)).await);

    let stranded = truth(&sim, "stranded-volume").await;
    let orphans = truth(&sim, "orphaned-ebs-volume").await;
    assert!(!stranded.is_empty() && !orphans.is_empty());
    let settled = h
        .until_findings(Duration::from_secs(30), |_, f| {
            named(f.all(), "stranded-volume") == stranded
                && named(f.all(), "orphaned-ebs-volume") == orphans
        })
        .await;
    let found = h.findings.all().to_vec();
    assert!(
        settled,
        "stranded {:?} vs truth {stranded:?}; orphans {:?} vs {orphans:?}",
        named(&found, "stranded-volume"),
        named(&found, "orphaned-ebs-volume")
    );
    for quiet in ["detach-stuck", "attachment-drift", "az-mismatch"] {
        assert!(
            named(&found, quiet).is_empty(),
            "{quiet} on a demo with no such fault: {:?}",
            named(&found, quiet)
        );
    }

    // A detach that hangs on a healthy node: stuck once the grace has passed and a read
    // after it confirms, and gone when it is released.
    let (vol, instance) = healthy_attachment(&h.world);
    let at = format!("/aws/ec2/attachment?volume_id={vol}&instance_id={instance}");
    ctl.post(&format!("{at}&state=busy"), None).await;
    h.refresh.now();
    let stuck = h
        .until_findings(Duration::from_secs(30), |_, f| {
            named(f.all(), "detach-stuck").contains(&vol)
        })
        .await;
    assert!(stuck, "{:?}", named(h.findings.all(), "detach-stuck"));
    assert!(
        !named(h.findings.all(), "attachment-drift").contains(&vol),
        "a busy volume is still held where Kubernetes says"
    );

    // EC2 lets go while the VolumeAttachment still says attached: drift, not stuck.
    ctl.post(&format!("{at}&state=detached"), None).await;
    h.refresh.now();
    let drift = h
        .until_findings(Duration::from_secs(30), |_, f| {
            named(f.all(), "attachment-drift").contains(&vol)
                && !named(f.all(), "detach-stuck").contains(&vol)
        })
        .await;
    assert!(drift, "{:?}", named(h.findings.all(), "attachment-drift"));

    // Attached again: the disagreement ends with the next read.
    ctl.post(&format!("{at}&state=attached"), None).await;
    h.refresh.now();
    let cleared = h
        .until_findings(Duration::from_secs(30), |_, f| {
            !named(f.all(), "attachment-drift").contains(&vol)
        })
        .await;
    assert!(cleared, "{:?}", named(h.findings.all(), "attachment-drift"));
}
