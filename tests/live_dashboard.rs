//! The whole data path against the simulator: real kube watchers and AWS pollers feed the
//! World, and what the control API changes shows up in the rendered panes.

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use stordeck::headless::Headless;
use stordeck::model::World;
use stordeck::model::findings::Findings;
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, FS_B, REGION};
use stordeck::sources::connect;
use stordeck::ui::{self, Theme, UiState};

fn screen(world: &World, ui: &UiState) -> String {
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("test terminal");
    let findings = Findings::evaluate(world, jiff::Timestamp::now());
    term.draw(|f| ui::render(f, world, &findings, ui, jiff::Timestamp::now()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn type_keys(ui: &mut UiState, world: &World, text: &str) {
    for c in text.chars() {
        ui::handle_key(
            ui,
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            world,
            &Findings::default(),
        );
    }
}

fn press(ui: &mut UiState, world: &World, code: KeyCode) {
    ui::handle_key(
        ui,
        KeyEvent::new(code, KeyModifiers::NONE),
        world,
        &Findings::default(),
    );
}

#[tokio::test]
async fn control_api_changes_reach_the_rendered_panes() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(
        h.first_sync(Duration::from_secs(30)).await,
        "every source answers within 30s"
    );

    let mut ui = UiState::new(Theme::dark(), false);
    let first = screen(&h.world, &ui);
    assert!(
        first.contains("efs.csi.aws.com"),
        "CSI drivers pane shows the demo's driver:\n{first}"
    );

    // A PV created through the control API arrives over the watch and is rendered.
    ctl.post(
        "/objects",
        Some(json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-from-control-api"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "efs:fs-0a1b2c3d4e5f60718::fsap-0nothere"}}})),
    )
    .await;
    assert!(
        h.until(Duration::from_secs(10), |w| w
            .pvs
            .get("pv-from-control-api")
            .is_some())
            .await
    );
    type_keys(&mut ui, &h.world, "3/pv-from-control");
    press(&mut ui, &h.world, KeyCode::Enter);
    let volumes = screen(&h.world, &ui);
    assert!(
        volumes.contains("pv-from-control-api"),
        "Volumes pane shows the new PV:\n{volumes}"
    );

    // An AWS-side change shows once the pollers are asked to refresh.
    ctl.post(
        &format!("/aws/file-systems/{FS_B}/lifecycle?state=deleting"),
        None,
    )
    .await;
    h.refresh.now();
    let changed = h
        .until(Duration::from_secs(10), |w| {
            w.file_systems
                .get(&FS_B.to_string())
                .is_some_and(|f| f.life_cycle_state == "deleting")
        })
        .await;
    assert!(changed, "the EFS poller saw the new state");
    press(&mut ui, &h.world, KeyCode::Esc);
    type_keys(&mut ui, &h.world, &format!("5/{FS_B}"));
    press(&mut ui, &h.world, KeyCode::Enter);
    let lifecycle = screen(&h.world, &ui);
    let row = lifecycle
        .lines()
        .find(|l| l.contains(&format!("fs   {FS_B}")))
        .unwrap_or_default();
    assert!(
        row.contains("deleting"),
        "Lifecycle pane shows {FS_B} deleting:\n{lifecycle}"
    );
}

#[tokio::test]
async fn a_forbidden_source_shows_its_reason_while_the_rest_stays_live() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    ctl.post("/faults/forbid?resource=volumeattachments", None)
        .await;
    ctl.post("/faults/forbid?resource=efs", None).await;
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(h.first_sync(Duration::from_secs(30)).await);
    use stordeck::model::{HealthState, SourceId};
    let state = |s| h.world.health.get(&s).map(|h| h.state.clone());
    match state(SourceId::VolumeAttachments) {
        Some(HealthState::Error { reason, hint }) => {
            assert!(reason.contains("forbidden"), "{reason}");
            assert!(
                hint.contains("watch"),
                "the hint names the missing verb: {hint}"
            );
        }
        other => panic!("volumeattachments should be in error, got {other:?}"),
    }
    assert!(matches!(
        state(SourceId::EfsFileSystems),
        Some(HealthState::Error { .. })
    ));
    assert_eq!(
        state(SourceId::Pvs),
        Some(HealthState::Live),
        "other sources keep working"
    );
    assert_eq!(state(SourceId::EksAddons), Some(HealthState::Live));
    assert!(!h.world.pvs.is_empty());
    let ui = UiState::new(Theme::dark(), false);
    let text = screen(&h.world, &ui);
    assert!(
        text.contains("volumeattachments") || text.contains("error"),
        "header names the failing source:\n{text}"
    );
}

#[tokio::test]
async fn when_the_cluster_cannot_be_described_every_eks_source_says_why() {
    use stordeck::model::{HealthState, SourceId};
    let sim = common::start_sim().await;
    common::Control::new(&sim)
        .post("/faults/forbid?resource=eks", None)
        .await;
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(
        h.first_sync(Duration::from_secs(30)).await,
        "no EKS source is left syncing forever"
    );
    for s in [
        SourceId::EksCluster,
        SourceId::EksAddons,
        SourceId::EksFargateProfiles,
        SourceId::EksNodegroups,
    ] {
        match h.world.health.get(&s).map(|h| &h.state) {
            Some(HealthState::Error { reason, .. }) => {
                assert!(reason.contains("denied"), "{s:?}: {reason}")
            }
            other => panic!("{s:?} should be in error, got {other:?}"),
        }
    }
}

/// At scale every first list competed with the PVs' for the same cores and server, and the
/// Volumes pane waited far longer than the PV list alone takes. Checked against the
/// simulator's own log of what reached it: the PV list's pages come before any other
/// source's first request, and the rest still sync.
#[tokio::test]
async fn the_pv_list_goes_first_and_the_rest_follow_it() {
    use stordeck::model::{HealthState, SourceId};
    use stordeck::sim::{ScaleOptions, ScenarioName, SimOptions};
    let sim = stordeck::sim::start(SimOptions {
        scenario: ScenarioName::Scale,
        live_clock: false,
        scale: ScaleOptions {
            pvs: 2_000,
            access_points: 2_000,
            churn: 0.0,
        },
        ..Default::default()
    })
    .await
    .expect("sim");
    let ctl = common::Control::new(&sim);
    let (cluster, region, account) = sim.cluster();
    let conn = connect::simulator(&sim.url(), &cluster, &region, &account, true)
        .await
        .expect("connect");
    ctl.delete("/requests").await;
    let mut h = Headless::start(&conn);
    assert!(
        h.first_sync(Duration::from_secs(60)).await,
        "every source syncs"
    );
    let log = ctl.requests().await;
    let path = |r: &serde_json::Value| r["path"].as_str().unwrap_or_default().to_string();
    let is_pv_list = |r: &serde_json::Value| {
        path(r) == "/api/v1/persistentvolumes"
            && !r["query"].as_str().unwrap_or_default().contains("watch")
    };
    let pages = log.iter().filter(|r| is_pv_list(r)).count();
    assert!(pages >= 4, "2,000 PVs come in pages of 500: {pages}");
    let last_page = log.iter().rposition(is_pv_list).expect("a PV list");
    let before: Vec<String> = log[..last_page]
        .iter()
        .filter(|r| !is_pv_list(r))
        .map(path)
        .collect();
    assert!(
        before.is_empty(),
        "asked before the PV list ended: {before:?}"
    );
    assert!(
        log[last_page..]
            .iter()
            .any(|r| path(r) == "/api/v1/persistentvolumeclaims"),
        "the claims are listed after it"
    );
    assert_eq!(
        h.world
            .health
            .get(&SourceId::EfsAccessPoints)
            .map(|s| s.state.clone()),
        Some(HealthState::Live)
    );
}
