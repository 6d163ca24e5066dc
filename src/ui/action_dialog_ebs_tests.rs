//! The EBS dialogs' second confirmation: Force=true and a delete without a snapshot each
//! take two asks and then the typed volume id, and read-only never hands anything to run.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::actions::fixture::now;
use crate::actions::fixture_ebs::{live, world};
use crate::model::SourceId;
use crate::ui::{Theme, handle_key, render};

fn key(ui: &mut UiState, w: &World, code: KeyCode, m: KeyModifiers) -> Vec<UiCommand> {
    let cmds = handle_key(ui, KeyEvent::new(code, m), w, &Findings::evaluate(w, now()));
    draw(ui, w);
    cmds
}

fn press(ui: &mut UiState, w: &World, c: char) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl_f(ui: &mut UiState, w: &World) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Char('f'), KeyModifiers::CONTROL)
}

fn enter(ui: &mut UiState, w: &World) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Enter, KeyModifiers::NONE)
}

fn typed(ui: &mut UiState, w: &World, s: &str) {
    for c in s.chars() {
        press(ui, w, c);
    }
}

/// Renders a frame, which is what records whether the dialog fitted.
fn draw(ui: &UiState, w: &World) -> String {
    let (width, height) = (170, 50);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("terminal");
    term.draw(|f| render(f, w, &Findings::evaluate(w, now()), ui, now()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn ebs_world() -> World {
    let mut w = world();
    live(&mut w, SourceId::Nodes);
    live(&mut w, SourceId::Pvs);
    w
}

fn runs(cmds: &[UiCommand]) -> Option<&Action> {
    cmds.iter().find_map(|c| match c {
        UiCommand::Execute(a) => Some(a),
        _ => None,
    })
}

/// The Volumes pane with PV `pv-dis` (on the disrupted node's volume) selected.
fn on_pv_dis(read_only: bool) -> (UiState, World) {
    let w = ebs_world();
    let mut ui = UiState::new(Theme::dark(), read_only);
    press(&mut ui, &w, '3');
    press(&mut ui, &w, '/');
    typed(&mut ui, &w, "pv-dis");
    enter(&mut ui, &w);
    (ui, w)
}

#[test]
fn the_volumes_pane_detaches_without_force_and_forces_only_after_two_asks_and_the_id() {
    let (mut ui, w) = on_pv_dis(false);
    press(&mut ui, &w, 'x');
    let screen = draw(&ui, &w);
    assert!(
        screen.contains("POST ec2 DetachVolume VolumeId=vol-0d InstanceId=i-dis Force=false"),
        "{screen}"
    );
    let plain = ui.dialog_action().cloned().expect("dialog open");
    assert_eq!(
        runs(&enter(&mut ui, &w)),
        Some(&plain),
        "Force=false needs no typing"
    );

    press(&mut ui, &w, 'x');
    ctrl_f(&mut ui, &w);
    assert!(draw(&ui, &w).contains("Detach with Force=true?"));
    assert_eq!(ui.dialog_action(), Some(&plain), "one ask only arms");
    assert_eq!(runs(&enter(&mut ui, &w)), None, "armed: nothing runs");
    ctrl_f(&mut ui, &w);
    let screen = draw(&ui, &w);
    assert!(screen.contains("Force=true"), "{screen}");
    assert!(screen.contains("data loss"), "AWS's warning: {screen}");
    assert_eq!(
        runs(&enter(&mut ui, &w)),
        None,
        "the volume id is not typed yet"
    );
    typed(&mut ui, &w, "vol-0d");
    let cmds = enter(&mut ui, &w);
    assert!(
        matches!(runs(&cmds), Some(Action::DetachVolume(d)) if d.force),
        "{:?}",
        cmds.len()
    );
}

#[test]
fn a_volume_in_use_under_a_ready_node_opens_no_dialog() {
    let w = ebs_world();
    let mut ui = UiState::new(Theme::dark(), false);
    open_for_ebs_volume(
        &mut ui,
        &w,
        &Findings::evaluate(&w, now()),
        Key::Detach,
        "vol-0a",
    );
    assert!(!ui.is_dialog_open());
    assert!(draw(&ui, &w).contains("is Ready and not disrupted"));
}

#[test]
fn deleting_without_a_snapshot_takes_two_asks_and_the_typed_id() {
    let w = ebs_world();
    let mut ui = UiState::new(Theme::dark(), false);
    let f = Findings::evaluate(&w, now());
    open_for_ebs_volume(&mut ui, &w, &f, Key::Delete, "vol-0f");
    assert!(draw(&ui, &w).contains("POST ec2 CreateSnapshot VolumeId=vol-0f"));
    ctrl_f(&mut ui, &w);
    assert!(draw(&ui, &w).contains("Delete WITHOUT a snapshot?"));
    typed(&mut ui, &w, "vol-0f");
    assert_eq!(runs(&enter(&mut ui, &w)), None, "armed: nothing runs");
    ctrl_f(&mut ui, &w);
    assert!(draw(&ui, &w).contains("NO snapshot is taken"));
    assert_eq!(
        runs(&enter(&mut ui, &w)),
        None,
        "the id typed for the snapshot form no longer counts"
    );
    typed(&mut ui, &w, "vol-0f");
    let cmds = enter(&mut ui, &w);
    assert!(matches!(runs(&cmds), Some(Action::DeleteVolume(d)) if !d.snapshot_first));

    open_for_ebs_volume(&mut ui, &w, &f, Key::Delete, "vol-0f");
    typed(&mut ui, &w, "vol-0f");
    let cmds = enter(&mut ui, &w);
    assert!(matches!(runs(&cmds), Some(Action::DeleteVolume(d)) if d.snapshot_first));
}

#[test]
fn read_only_ebs_dialogs_never_run() {
    let (mut ui, w) = on_pv_dis(true);
    press(&mut ui, &w, 'x');
    assert!(ui.is_dialog_open());
    assert_eq!(runs(&enter(&mut ui, &w)), None);
    ctrl_f(&mut ui, &w);
    ctrl_f(&mut ui, &w);
    typed(&mut ui, &w, "vol-0d");
    assert_eq!(runs(&enter(&mut ui, &w)), None);
}

/// [`ebs_world`] with the orphan vol-0f created `age` ago, read by the same sweep.
fn orphan_aged(age: jiff::SignedDuration) -> World {
    let mut w = ebs_world();
    let items = crate::actions::fixture_ebs::volumes()
        .into_iter()
        .map(|mut v| {
            v.created = Some(now() - age);
            v
        })
        .collect();
    let sweep = crate::model::AwsMsg::EbsVolumes {
        items,
        started: now(),
    };
    w.apply(crate::model::SourceMsg::Aws(sweep), now());
    w
}

fn dialog_findings(ui: &UiState) -> Vec<String> {
    match ui.dialog_action() {
        Some(Action::DeleteVolume(d)) => d.findings.clone(),
        Some(Action::DetachVolume(d)) => d.findings.clone(),
        other => panic!("no EBS dialog: {other:?}"),
    }
}

#[test]
fn the_snapshot_then_delete_dialog_lists_the_orphan_finding_about_its_volume() {
    let w = orphan_aged(jiff::SignedDuration::from_hours(24));
    let f = Findings::evaluate(&w, now());
    let mut ui = UiState::new(Theme::dark(), false);
    open_for_ebs_volume(&mut ui, &w, &f, Key::Delete, "vol-0f");
    let listed = dialog_findings(&ui);
    assert!(
        listed.len() == 1
            && listed[0].contains("orphaned-ebs-volume")
            && listed[0].contains("vol-0f"),
        "{listed:?}"
    );
    let screen = draw(&ui, &w);
    assert!(screen.contains("Findings:"), "{screen}");
    assert!(screen.contains("orphaned-ebs-volume"), "{screen}");

    // The orphan's finding is about vol-0f, not about the volume being detached.
    open_for_ebs_volume(&mut ui, &w, &f, Key::Detach, "vol-0d");
    let listed = dialog_findings(&ui);
    assert!(
        listed.iter().all(|l| !l.contains("orphaned-ebs-volume")),
        "{listed:?}"
    );
}

#[test]
fn an_orphan_still_within_its_grace_brings_no_finding_to_the_dialog() {
    let w = orphan_aged(jiff::SignedDuration::from_mins(2));
    let f = Findings::evaluate(&w, now());
    let mut ui = UiState::new(Theme::dark(), false);
    open_for_ebs_volume(&mut ui, &w, &f, Key::Delete, "vol-0f");
    assert_eq!(dialog_findings(&ui), Vec::<String>::new());
    assert!(!draw(&ui, &w).contains("Findings:"));
}
