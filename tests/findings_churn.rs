//! Ground truth under churn (issue 8's "done when"): the simulator's churn scenario —
//! the EFS CSI driver provisioning and deleting in the real components' order, Karpenter
//! drains that complete — runs for ten simulated minutes on a fast clock, with the
//! dashboard's clock at the same rate. Midway, faults are planted through `/_sim/`.
//! Asserted: no finding ever names an object the scenario did not break, and every
//! planted fault becomes a finding within its budget (simulated time).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::findings::{Finding, Policy};
use stordeck::sim::truth::{Fault, Truth};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimOptions};
use stordeck::sources::connect;

/// Simulated seconds per real second: ten simulated minutes take thirty real seconds.
const RATE: f64 = 20.0;
const RUN: Duration = Duration::from_secs(600);
const PLANT_AT: Duration = Duration::from_secs(240);
const KINDS: &[&str] = &[
    "delete-access-point",
    "orphan-access-point",
    "released-volume",
    "stranded-volume",
];

/// How long each planted fault may take to become a finding, in simulated time: for what
/// only a sweep can reveal (an access point deleted behind the driver's back), three
/// sweep intervals of 30 s (the sweep under way may have begun before the delete, and on
/// a 20× clock a sweep's own duration counts 20×: runs here took 48 s and 61 s);
/// otherwise the grace it waits out and 10 s for the confirming reads.
fn budget(rule: &str) -> Duration {
    Duration::from_secs(match rule {
        "missing-access-point" => 3 * 30,
        "orphan-access-point" => 5 + 10,
        "released-volume" => 10,
        "stranded-volume" => 30 + 10,
        _ => 60,
    })
}

fn key(kind: &str, ns: Option<&str>, name: &str) -> (String, Option<String>, String) {
    (kind.to_string(), ns.map(str::to_string), name.to_string())
}

fn subject_of(f: &Finding) -> Option<(String, Option<String>, String)> {
    let o = f.subject()?;
    let kind = serde_json::to_value(o.kind).ok()?.as_str()?.to_string();
    Some(key(&kind, o.namespace.as_deref(), &o.name))
}

fn fault_key(f: &Fault) -> (String, Option<String>, String) {
    key(
        &f.subject.kind,
        f.subject.namespace.as_deref(),
        &f.subject.name,
    )
}

async fn truth(url: &str) -> Truth {
    reqwest::get(format!("{url}/_sim/truth"))
        .await
        .expect("truth")
        .json()
        .await
        .expect("truth is a Truth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_raises_no_false_finding_and_every_planted_fault_is_found_in_time() {
    let sim = sim::start(SimOptions {
        scenario: ScenarioName::Churn,
        live_clock: true,
        clock_rate: RATE,
        scale: ScaleOptions::defaults_for(ScenarioName::Churn),
        ..Default::default()
    })
    .await
    .expect("simulator starts");
    let ctl = common::Control::new(&sim);
    let url = sim.url();
    let (cluster, region, account) = sim.cluster();
    let conn = connect::simulator(&url, &cluster, &region, &account, true)
        .await
        .expect("connect");
    let clock = Clock::scaled(RATE);
    let mut h = Headless::start_with(&conn, clock, Policy::default());
    assert!(h.first_sync(Duration::from_secs(30)).await, "first sync");

    let real = |d: Duration| d.div_f64(RATE);
    let started = Instant::now();
    let mut planted: Vec<(Fault, Instant)> = Vec::new();
    let mut found_at: BTreeMap<u64, Duration> = BTreeMap::new();
    let mut false_alarms: BTreeMap<(String, Option<String>, String), String> = BTreeMap::new();
    while started.elapsed() < real(RUN) {
        h.until_findings(real(Duration::from_secs(2)), |_, _| false)
            .await;
        if planted.is_empty() && started.elapsed() >= real(PLANT_AT) {
            for kind in KINDS {
                let fault: Fault = serde_json::from_value(
                    ctl.post(&format!("/faults/plant?kind={kind}"), None).await,
                )
                .expect("a planted fault");
                planted.push((fault, Instant::now()));
            }
        }
        let truth = truth(&url).await;
        for f in h.findings.all() {
            let Some(subject) = subject_of(f) else {
                continue;
            };
            let broken = truth.faults.iter().any(|t| fault_key(t) == subject);
            if !broken {
                false_alarms
                    .entry(subject.clone())
                    .or_insert_with(|| format!("{}: {}", f.id, f.title));
            }
            for (fault, at) in &planted {
                if fault.rule == f.id && fault_key(fault) == subject {
                    found_at
                        .entry(fault.id)
                        .or_insert_with(|| at.elapsed().mul_f64(RATE));
                }
            }
        }
    }
    assert!(
        false_alarms.is_empty(),
        "findings naming objects the scenario did not break: {false_alarms:#?}"
    );
    assert_eq!(planted.len(), KINDS.len());
    for (fault, _) in &planted {
        let took = found_at.get(&fault.id).copied();
        assert!(
            took.is_some_and(|t| t <= budget(&fault.rule)),
            "{} on {} ({}) found after {took:?} (simulated), budget {:?}",
            fault.rule,
            fault.subject.name,
            fault.how,
            budget(&fault.rule)
        );
    }
    let healthy = truth(&url).await.healthy;
    assert!(
        healthy.provisioned > 50 && healthy.deleted > 20 && healthy.drains_completed > 2,
        "the churn ran: {healthy:?}"
    );
}
