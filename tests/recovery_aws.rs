//! Recovery of the AWS pollers (issue 9): after throttling or a 5xx outage clears, EFS,
//! EKS and EC2 are live again within seconds, and while it lasts they call little.
//! (`cargo test --test recovery_aws -- --nocapture` prints the measured times.)

mod common;
mod recovery_support;

use std::time::Duration;

use stordeck::clock::Clock;
use stordeck::model::SourceId;
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sources::connect;

use recovery_support::*;

#[tokio::test]
async fn throttling_that_clears_is_forgotten_within_seconds() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.post("/faults/throttle?count=1000000", None).await;
    h.refresh.now();
    time_to(&mut h, Duration::from_secs(20), "throttled", |w| {
        stale_or_error(w, SourceId::EfsFileSystems)
            && stale_or_error(w, SourceId::EksCluster)
            && stale_or_error(w, SourceId::Ec2Volumes)
    })
    .await;
    // Throttled sources say when they try again, within the throttling cap (15 s).
    time_to(&mut h, Duration::from_secs(10), "a next try", |w| {
        [
            SourceId::EfsFileSystems,
            SourceId::EksCluster,
            SourceId::Ec2Volumes,
        ]
        .iter()
        .all(|s| {
            w.health
                .get(s)
                .and_then(|h| Some(h.retry_at?.duration_since(h.at)))
                .is_some_and(|d| {
                    d > jiff::SignedDuration::ZERO && d <= jiff::SignedDuration::from_secs(15)
                })
        })
    })
    .await;
    h.until(Duration::from_secs(3), |_| false).await;
    ctl.delete("/faults").await;
    let t = time_to(&mut h, Duration::from_secs(15), "AWS live", |w| {
        all_live(w, &AWS)
    })
    .await;
    eprintln!("recovery: throttling cleared -> EFS, EKS and EC2 live in {t:.1?}");
}

/// What a long outage cost, in the dashboard's (simulated) time.
struct Outage {
    /// Until each poller's first call (DescribeFileSystems, DescribeCluster) succeeded.
    retried: Duration,
    /// Until every AWS source was live: the retry plus one whole sweep, whose real
    /// duration the fast clock counts twenty-fold.
    all: Duration,
    /// AWS calls while it lasted.
    calls: usize,
}

/// Long outages on a 20x clock (the dashboard's and its pollers' time; the simulator's
/// faults are by count, not time). The SDK's own retries are off here: they sleep in
/// real time, which a fast clock would count twenty-fold, and they are the SDK's.
async fn long_outage(fault: &str, simulated: Duration) -> Outage {
    const RATE: f64 = 20.0;
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(sim.url())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_efs::config::Credentials::new(
            "stordeck-sim",
            "stordeck-sim",
            None,
            None,
            "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    conn.aws.efs = aws_sdk_efs::Client::new(&sdk);
    conn.aws.eks = aws_sdk_eks::Client::new(&sdk);
    conn.aws.ec2 = aws_sdk_ec2::Client::new(&sdk);
    let clock = Clock::scaled(RATE);
    let mut h = session_on(&conn, clock).await;
    ctl.post(&format!("/faults/{fault}?count=1000000"), None)
        .await;
    h.refresh.now();
    time_to(&mut h, Duration::from_secs(20), fault, |w| {
        stale_or_error(w, SourceId::EfsFileSystems)
            && stale_or_error(w, SourceId::EksCluster)
            && stale_or_error(w, SourceId::Ec2Volumes)
    })
    .await;
    ctl.delete("/requests").await;
    h.until(clock.real(simulated), |_| false).await;
    let log = ctl.requests().await;
    let calls = aws_calls(&log);
    let insights = log
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/insights")))
        .count();
    eprintln!("recovery: of the {calls} AWS calls, {insights} were EKS insights'");
    ctl.delete("/faults").await;
    let first = [
        SourceId::EfsFileSystems,
        SourceId::EksCluster,
        SourceId::Ec2Volumes,
    ];
    let retried = time_to(&mut h, Duration::from_secs(30), "AWS retried", |w| {
        all_live(w, &first)
    })
    .await;
    let rest = time_to(&mut h, Duration::from_secs(30), "AWS live", |w| {
        all_live(w, &AWS)
    })
    .await;
    Outage {
        retried: clock.from_real(retried),
        all: clock.from_real(retried + rest),
        calls,
    }
}

fn check(o: &Outage, what: &str, most_calls: usize) {
    eprintln!(
        "recovery: {what} cleared -> EFS, EKS and EC2 answering in {:.1?}, every AWS source live in {:.1?} (simulated), {} AWS calls during it",
        o.retried, o.all, o.calls
    );
    assert!(o.retried <= Duration::from_secs(30), "{:?}", o.retried);
    assert!(o.all <= Duration::from_secs(60), "{:?}", o.all);
    assert!(o.calls <= most_calls, "{} calls during {what}", o.calls);
}

#[tokio::test]
async fn a_long_5xx_outage_ends_within_seconds_of_clearing() {
    let o = long_outage("fail", Duration::from_secs(450)).await;
    // Four pollers (EFS, EKS, EKS insights, EC2), each at most one call per 11.25 s once
    // backed off, plus the ramp.
    check(&o, "7.5 min of 5xx", 4 * (450 / 11 + 6));
}

#[tokio::test]
async fn a_long_throttling_spell_ends_within_seconds_of_clearing() {
    let o = long_outage("throttle", Duration::from_secs(300)).await;
    check(&o, "5 min of throttling", 4 * (300 / 11 + 6));
}
