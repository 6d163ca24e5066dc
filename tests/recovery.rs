//! Recovery of the Kubernetes sources (issue 9), through the real clients against the
//! simulator: once a fault clears, every kind says live within seconds, not when an
//! object next happens to change; a replaced API server is relisted (by itself when it
//! is behind our version, by `r` otherwise); `r` held down costs one follow-up sweep and
//! relist, not ten. Each test prints what it measured
//! (`cargo test --test recovery -- --nocapture`); AWS outages are in recovery_aws.rs.

mod common;
mod recovery_support;

use std::time::Duration;

use serde_json::Value;
use stordeck::clock::Clock;
use stordeck::model::{HealthState, SourceId, World};
use stordeck::sim;

use recovery_support::*;

#[tokio::test]
async fn a_kind_is_live_again_soon_after_it_is_allowed_again() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.post("/faults/forbid?resource=persistentvolumes", None)
        .await;
    ctl.post("/watches/drop", None).await;
    let said = |w: &World| {
        w.health.get(&SourceId::Pvs).is_some_and(|h| {
            matches!(&h.state, HealthState::Stale { reason, .. } if reason.contains("forbidden"))
        })
    };
    time_to(&mut h, Duration::from_secs(10), "pvs forbidden", said).await;
    h.until(Duration::from_secs(2), |_| false).await;
    ctl.delete("/faults").await;
    // No PV changes from here on: only the watch itself can say it is back.
    let t = time_to(&mut h, Duration::from_secs(10), "pvs live", |w| {
        live(w, SourceId::Pvs)
    })
    .await;
    eprintln!("recovery: forbidden pvs allowed again -> live in {t:.1?}");
}

#[tokio::test]
async fn after_an_api_server_restart_no_quiet_kind_stays_stale() {
    let sim = common::start_sim().await;
    let mut h = session(&sim, Clock::system()).await;
    let kinds = live_kube(&h.world);
    assert!(kinds.contains(&SourceId::CsiDrivers), "{kinds:?}");
    let addr = stop(sim).await;
    time_to(&mut h, Duration::from_secs(10), "csidrivers stale", |w| {
        stale_or_error(w, SourceId::CsiDrivers)
    })
    .await;
    h.until(Duration::from_secs(1), |_| false).await;
    let _sim = start_on(addr).await;
    let t = time_to(&mut h, Duration::from_secs(15), "every kind live", |w| {
        all_live(w, &kinds)
    })
    .await;
    eprintln!(
        "recovery: API server restarted -> {} kinds live in {t:.1?}",
        kinds.len()
    );
}

/// The replacement is behind the version the watches resume from: it would accept them
/// and then drop everything up to that version, so only a relist shows its world.
#[tokio::test]
async fn a_replacement_server_behind_our_version_is_relisted() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.post("/objects", Some(pv("pv-old-world"))).await;
    for i in 0..4 {
        ctl.post("/objects", Some(pv(&format!("pv-churn-{i}"))))
            .await;
        ctl.delete(&format!("/objects/persistentvolumes/pv-churn-{i}"))
            .await;
    }
    h.until(Duration::from_secs(10), |w| has_pv(w, "pv-old-world"))
        .await;
    let addr = stop(sim).await;
    h.until(Duration::from_secs(10), |w| {
        stale_or_error(w, SourceId::Pvs)
    })
    .await;
    let sim = start_on(addr).await;
    common::Control::new(&sim)
        .post("/objects", Some(pv("pv-new-world")))
        .await;
    let t = time_to(&mut h, Duration::from_secs(15), "the new world", |w| {
        !has_pv(w, "pv-old-world") && has_pv(w, "pv-new-world") && live(w, SourceId::Pvs)
    })
    .await;
    eprintln!("recovery: API server replaced (behind us) -> relisted, live in {t:.1?}");
}

/// The replacement is ahead of our version: it accepts the watches and sends what came
/// after that version in its own history, so nothing looks wrong. `r` relists.
#[tokio::test]
async fn after_a_replacement_server_r_relists_every_kind() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    ctl.post("/objects", Some(pv("pv-old-world"))).await;
    h.until(Duration::from_secs(10), |w| has_pv(w, "pv-old-world"))
        .await;
    let addr = stop(sim).await;
    h.until(Duration::from_secs(10), |w| {
        stale_or_error(w, SourceId::Pvs)
    })
    .await;
    let sim = start_on(addr).await;
    {
        // Straight into the store, before the watches find the new server.
        let mut st = sim::lock(&sim.shared);
        let now = st.now();
        for name in ["pv-new-1", "pv-new-2", "pv-new-3"] {
            st.store.upsert(pv(name), now).expect("a valid PV");
        }
    }
    let resumed = h
        .until(Duration::from_secs(15), |w| {
            has_pv(w, "pv-new-3") && live(w, SourceId::Pvs)
        })
        .await;
    assert!(resumed, "the watch resumed on the replacement");
    assert!(
        has_pv(&h.world, "pv-old-world") && !has_pv(&h.world, "pv-new-1"),
        "nothing looked wrong before r"
    );
    h.refresh.all();
    let t = time_to(&mut h, Duration::from_secs(10), "relisted", |w| {
        !has_pv(w, "pv-old-world") && has_pv(w, "pv-new-1") && live(w, SourceId::Pvs)
    })
    .await;
    eprintln!("recovery: API server replaced (ahead of us) -> r relisted in {t:.1?}");
}

fn count(log: &[Value], method: &str, path: &str, watch: bool) -> usize {
    log.iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .filter(|r| {
            r["query"]
                .as_str()
                .unwrap_or_default()
                .contains("watch=true")
                == watch
        })
        .count()
}

#[tokio::test]
async fn r_held_down_costs_one_follow_up_sweep() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = session(&sim, Clock::system()).await;
    h.until(Duration::from_secs(3), |_| false).await;
    ctl.delete("/requests").await;
    for _ in 0..10 {
        h.refresh.all();
        h.until(Duration::from_millis(100), |_| false).await;
    }
    h.until(Duration::from_secs(6), |_| false).await;
    let log = ctl.requests().await;
    let sweeps = count(&log, "GET", "/2015-02-01/file-systems", false);
    let relists = count(&log, "GET", "/api/v1/persistentvolumes", false);
    let aws_calls = aws_calls(&log);
    eprintln!(
        "refresh: 10 presses in 1 s -> {sweeps} EFS sweeps, {relists} PV relists, {aws_calls} AWS calls"
    );
    assert!((1..=2).contains(&sweeps), "{sweeps} EFS sweeps");
    assert!((1..=2).contains(&relists), "{relists} PV relists");
}
