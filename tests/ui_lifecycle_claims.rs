//! A file system two ACK FileSystems claim, on screen: the Lifecycle pane lists both
//! claimants under the file system (one used to hide the other), and the findings pane
//! explains the hazard. Same 120×32 screens and fixed times as `ui_snapshots.rs`.

#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;
#[path = "ui_snapshots/rich.rs"]
mod rich;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use stordeck::model::{Change, KubeMsg, World};
use stordeck::ui::{self, Findings, PaneId, Theme, UiState};

use fixture::{ago, kube, now, obj};

const W: u16 = 120;
const H: u16 = 32;
const FS1: &str = "fs-0123456789abcdef0";

/// The rich world (storage/shared-fs claims FS1, without a deletion policy), and
/// team-b/shared-fs, created an hour ago with deletion-policy retain, claiming FS1 too.
fn claimed_twice() -> World {
    let mut w = rich::rich_world();
    let second = obj(json!({
        "apiVersion": "efs.services.k8s.aws/v1alpha1", "kind": "FileSystem",
        "metadata": {"name": "shared-fs", "namespace": "team-b",
                     "creationTimestamp": ago(3600).to_string(),
                     "annotations": {"services.k8s.aws/deletion-policy": "retain"}},
        "status": {"fileSystemID": FS1, "lifeCycleState": "available",
                   "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]},
    }));
    kube(
        &mut w,
        KubeMsg::AckFileSystem(Change::Apply(second)),
        ago(60),
    );
    w
}

fn new_ui() -> UiState {
    let mut ui = UiState::new(Theme::dark(), false);
    ui.time_zone = jiff::tz::TimeZone::UTC;
    ui
}

fn screen(world: &World, ui: &UiState) -> String {
    let findings = Findings::evaluate(world, now());
    let mut term = Terminal::new(TestBackend::new(W, H)).expect("test terminal");
    term.draw(|f| ui::render(f, world, &findings, ui, now()))
        .expect("draw");
    let buf = term.backend().buffer();
    let lines: Vec<String> = (0..H)
        .map(|y| {
            let line: String = (0..W).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect();
    lines.join("\n")
}

fn keys(ui: &mut UiState, world: &World, keys: &str) {
    let findings = Findings::evaluate(world, now());
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        ui::handle_key(
            ui,
            KeyEvent::new(code, KeyModifiers::NONE),
            world,
            &findings,
        );
    }
}

/// The screen row of the Lifecycle table that starts with `kind` and names `id`.
fn row<'s>(s: &'s str, kind: &str, id: &str) -> Option<&'s str> {
    s.lines()
        .find(|l| l.contains(&format!(" {kind} ")) && l.contains(id))
}

#[test]
fn lifecycle_lists_every_ack_file_system_claiming_a_file_system() {
    let w = claimed_twice();
    let mut ui = new_ui();
    keys(&mut ui, &w, "5");
    let s = screen(&w, &ui);
    let fs = row(&s, "fs", FS1).unwrap_or_else(|| panic!("no row for {FS1}:\n{s}"));
    assert!(fs.contains("2 claim it"), "{s}");
    let first = row(&s, "ack", "storage/shared-fs").unwrap_or_else(|| panic!("{s}"));
    assert!(
        first.contains("deletes fs") && first.contains("creating"),
        "{s}"
    );
    let second = row(&s, "ack", "team-b/shared-fs").unwrap_or_else(|| panic!("{s}"));
    assert!(
        second.contains("retains fs") && second.contains("True"),
        "{s}"
    );
    assert!(
        second.contains('✖'),
        "each claimant carries the finding's mark: {s}"
    );
    insta::assert_snapshot!("lifecycle_claimed_twice", s);
}

#[test]
fn the_finding_names_both_and_enter_lands_on_the_file_system() {
    let w = claimed_twice();
    let found = Findings::evaluate(&w, now());
    let i = found
        .all()
        .iter()
        .position(|f| f.id == "ack-duplicate")
        .expect("ack-duplicate");
    let mut ui = new_ui();
    keys(&mut ui, &w, &format!("0{}", "j".repeat(i)));
    let s = screen(&w, &ui);
    assert!(s.contains("team-b/shared-fs"), "{s}");
    insta::assert_snapshot!("findings_ack_duplicate", s);
    keys(&mut ui, &w, "\n");
    assert_eq!((ui.pane(), ui.selection()), (PaneId::Lifecycle, 0));
}
