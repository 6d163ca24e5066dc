//! What one message, one frame, one keypress and one filtered frame under churn cost
//! at 100,000 PVs.
//! `cargo bench --bench dashboard`; figures are recorded in README.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::PersistentVolume;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use stordeck::model::findings::Findings;
use stordeck::model::{Change, KubeMsg, SourceMsg, World};
use stordeck::ui::{self, Theme, UiState};

const PVS: usize = 100_000;

fn pv(i: usize) -> PersistentVolume {
    serde_json::from_value(json!({
        "metadata": {"name": format!("pvc-{i:08x}-0000-4000-8000-000000000000"), "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "csi-provisioner", "operation": "Update"}]},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"], "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": "efs-sc", "claimRef": {"namespace": "apps", "name": format!("data-{i}")},
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": format!("fs-0a1b2c3d::fsap-{i:017x}")}},
        "status": {"phase": "Bound"}
    }))
    .expect("valid PV")
}

fn world(n: usize) -> World {
    let mut w = World::default();
    let now = jiff::Timestamp::now();
    w.apply(SourceMsg::from(KubeMsg::Pv(Change::InitStart)), now);
    for i in 0..n {
        w.apply(SourceMsg::from(KubeMsg::Pv(Change::InitApply(pv(i)))), now);
    }
    w.apply(SourceMsg::from(KubeMsg::Pv(Change::InitDone)), now);
    w
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn benches(c: &mut Criterion) {
    let now = jiff::Timestamp::now();
    let mut w = world(PVS);
    let one = pv(PVS + 1);
    c.bench_function("fold one PV update into a 100k-PV world", |b| {
        b.iter(|| {
            w.apply(
                SourceMsg::from(KubeMsg::Pv(Change::Apply(black_box(one.clone())))),
                now,
            )
        })
    });

    let mut ui = UiState::new(Theme::dark(), false);
    let findings = Findings::evaluate(&w, now);
    ui::handle_key(&mut ui, key('3'), &w, &findings);
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    c.bench_function("render the Volumes pane, 100k PVs, 160x45", |b| {
        b.iter(|| {
            term.draw(|f| ui::render(f, &w, &findings, &ui, now))
                .expect("draw");
        })
    });
    c.bench_function("keypress j + redraw, 100k PVs", |b| {
        b.iter(|| {
            ui::handle_key(&mut ui, key('j'), &w, &findings);
            term.draw(|f| ui::render(f, &w, &findings, &ui, now))
                .expect("draw");
        })
    });

    // Under churn with a filter typed: each frame follows one changed PV, not 100,000.
    for k in std::iter::once('/').chain("fsap-0000000000000a".chars()) {
        ui::handle_key(&mut ui, key(k), &w, &findings);
    }
    ui::handle_key(
        &mut ui,
        KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
        &w,
        &findings,
    );
    let mut i = 0;
    c.bench_function("one PV changed + filtered redraw, 100k PVs", |b| {
        b.iter(|| {
            i += 1;
            let changed = pv(i % PVS);
            w.apply(SourceMsg::from(KubeMsg::Pv(Change::Apply(changed))), now);
            term.draw(|f| ui::render(f, &w, &findings, &ui, now))
                .expect("draw");
        })
    });

    // Sorted by CLAIM at the most rows a sort orders: a change moves rows, so the order
    // is made again from every row's text, once per change (never per frame).
    let mut w = world(stordeck::ui::panes::sort::LIMIT);
    let mut ui = UiState::new(Theme::dark(), false);
    for k in "3ssssss".chars() {
        ui::handle_key(&mut ui, key(k), &w, &findings);
    }
    c.bench_function("one PV changed + sorted redraw, 10k PVs", |b| {
        b.iter(|| {
            i += 1;
            let changed = pv(i % stordeck::ui::panes::sort::LIMIT);
            w.apply(SourceMsg::from(KubeMsg::Pv(Change::Apply(changed))), now);
            term.draw(|f| ui::render(f, &w, &findings, &ui, now))
                .expect("draw");
        })
    });
    c.bench_function("redraw of a sorted pane, nothing changed, 10k PVs", |b| {
        b.iter(|| {
            term.draw(|f| ui::render(f, &w, &findings, &ui, now))
                .expect("draw");
        })
    });
}

criterion_group! {
    name = dashboard;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(dashboard);
