//! DESIGN.md's budget for a source that is forbidden or absent (issue 10): once it has
//! failed for a minute, at most two requests a minute to that kind; the health report
//! says when the next try is due; `r` tries at once. Counted in the simulator's request
//! log over real minutes (the kube backoff runs on tokio's clock, which a scaled
//! `Clock` does not speed up), so each test takes about four minutes; they run in
//! parallel. `cargo test --test forbidden_budget -- --nocapture` prints the figures.

mod common;
mod recovery_support;

use std::time::Duration;

use serde_json::Value;
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::{HealthState, SourceId, World};

use recovery_support::*;

/// How long the source has failed before the budget applies.
const RAMP: Duration = Duration::from_secs(60);
/// How long the steady state is watched.
const STEADY_MINUTES: u64 = 3;

/// Requests (lists and watches) whose path `hits` accepts.
fn requests(log: &[Value], hits: impl Fn(&str) -> bool) -> usize {
    log.iter()
        .filter(|r| hits(r["path"].as_str().unwrap_or_default()))
        .count()
}

fn failing_with_next_try(w: &World, s: SourceId, absent: bool) -> bool {
    w.health.get(&s).is_some_and(|h| {
        let state_ok = match &h.state {
            HealthState::Absent { .. } => absent,
            HealthState::Stale { reason, .. } | HealthState::Error { reason, .. } => {
                !absent && reason.contains("forbidden")
            }
            _ => false,
        };
        // The wait is chosen before the report, and is never above the 40 s cap.
        let due = h.retry_at.is_some_and(|t| {
            let d = t.duration_since(h.at);
            d > jiff::SignedDuration::ZERO && d <= jiff::SignedDuration::from_secs(40)
        });
        state_ok && due
    })
}

/// Waits out the ramp, counts the steady state, then checks that `r` asks at once.
async fn measure(
    h: &mut Headless,
    ctl: &common::Control,
    what: &str,
    hits: impl Fn(&str) -> bool + Copy,
) {
    h.until(RAMP, |_| false).await;
    ctl.delete("/requests").await;
    h.until(Duration::from_secs(60 * STEADY_MINUTES), |_| false)
        .await;
    let steady = requests(&ctl.requests().await, hits);
    eprintln!(
        "budget: {what}: {steady} requests in {STEADY_MINUTES} min after the first minute \
         ({:.1}/min)",
        steady as f64 / STEADY_MINUTES as f64
    );
    assert!(
        steady as u64 <= 2 * STEADY_MINUTES,
        "{what}: {steady} requests in {STEADY_MINUTES} min"
    );

    ctl.delete("/requests").await;
    h.refresh.all();
    h.until(Duration::from_secs(3), |_| false).await;
    let after_r = requests(&ctl.requests().await, hits);
    eprintln!("budget: {what}: r -> {after_r} requests within 3 s");
    assert!(after_r >= 1, "{what}: r did not retry at once");
}

#[tokio::test]
async fn a_forbidden_kind_keeps_to_two_requests_a_minute() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.post("/faults/forbid?resource=serviceaccounts", None)
        .await;
    ctl.post("/watches/drop", None).await;
    time_to(
        &mut h,
        Duration::from_secs(10),
        "serviceaccounts forbidden",
        |w| failing_with_next_try(w, SourceId::ServiceAccounts, false),
    )
    .await;
    measure(&mut h, &ctl, "forbidden serviceaccounts", |p| {
        p == "/api/v1/serviceaccounts"
    })
    .await;
}

#[tokio::test]
async fn an_absent_kind_keeps_to_two_requests_a_minute() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.delete("/objects/customresourcedefinitions/filesystems.efs.services.k8s.aws")
        .await;
    ctl.post("/watches/drop", None).await;
    time_to(
        &mut h,
        Duration::from_secs(10),
        "ACK FileSystems absent",
        |w| failing_with_next_try(w, SourceId::AckFileSystems, true),
    )
    .await;
    measure(&mut h, &ctl, "absent ACK FileSystems", |p| {
        p.starts_with("/apis/efs.services.k8s.aws/")
    })
    .await;
}
