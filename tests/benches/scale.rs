//! Scale run: the first full paint of the Volumes pane at N PVs against the time it takes
//! just to fetch and parse the LIST. `cargo bench --bench scale` (N from STORDECK_SCALE_PVS,
//! default 100,000; access points from STORDECK_SCALE_APS, default as many). Prints figures;
//! asserts nothing about time.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::PersistentVolume;
use kube::Api;
use kube::api::ListParams;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stordeck::headless::Headless;
use stordeck::model::{HealthState, SourceId};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimOptions};
use stordeck::sources::connect;
use stordeck::ui::{self, Theme, UiState};

fn main() {
    // `cargo test --all-targets` runs bench targets once in test mode: keep that quick.
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let pvs: usize = std::env::var("STORDECK_SCALE_PVS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 2_000 } else { 100_000 });
    let aps: usize = std::env::var("STORDECK_SCALE_APS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(pvs);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(pvs, aps));
}

async fn run(pvs: usize, aps: usize) {
    let built = Instant::now();
    let scale = ScaleOptions {
        pvs,
        access_points: aps,
        churn: 0.0,
    };
    let handle = sim::start(SimOptions {
        scenario: ScenarioName::Scale,
        live_clock: false,
        scale,
        ..Default::default()
    })
    .await
    .expect("sim");
    println!(
        "scale: simulator with {pvs} PVs and {aps} access points built in {:.1?}",
        built.elapsed()
    );
    let (cluster, region, account) = handle.cluster();
    let conn = connect::simulator(&handle.url(), &cluster, &region, &account, true)
        .await
        .expect("connect");

    // Baseline: fetch and parse every page of the LIST, as the watcher's initial list does.
    let api: Api<PersistentVolume> = Api::all(conn.kube.clone());
    let t = Instant::now();
    let mut got = 0;
    let mut lp = ListParams::default().limit(500);
    loop {
        let page = api.list(&lp).await.expect("list");
        got += page.items.len();
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    let list_time = t.elapsed();
    println!("scale: LIST fetch+parse of {got} PVs: {list_time:.2?}");

    // The dashboard path: watcher → channel → World → first render of the Volumes pane.
    let t = Instant::now();
    let mut h = Headless::start(&conn);
    let synced = h
        .until(Duration::from_secs(600), |w| {
            w.health
                .get(&SourceId::Pvs)
                .is_some_and(|s| s.state == HealthState::Live)
        })
        .await;
    assert!(synced, "PVs synced");
    let mut ui = UiState::new(Theme::dark(), false);
    ui::handle_key(
        &mut ui,
        crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('3')),
        &h.world,
        &h.findings,
    );
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    // Drawn as the app draws: with the findings the loop keeps, never evaluated on the
    // draw path.
    term.draw(|f| ui::render(f, &h.world, &h.findings, &ui, jiff::Timestamp::now()))
        .expect("draw");
    let paint = t.elapsed();
    println!(
        "scale: first full paint of {} PVs: {paint:.2?} = {:.2}x the bare LIST",
        h.world.pvs.len(),
        paint.as_secs_f64() / list_time.as_secs_f64()
    );
}
