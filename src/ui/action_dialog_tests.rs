use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::actions::fixture::{now, world};
use crate::ui::state::dialog::READ_ONLY;
use crate::ui::{Theme, handle_key, render};

fn key(ui: &mut UiState, w: &World, code: KeyCode, m: KeyModifiers) -> Vec<UiCommand> {
    let cmds = handle_key(ui, KeyEvent::new(code, m), w, &Findings::evaluate(w, now()));
    draw(ui, w, 160, 45);
    cmds
}

fn press(ui: &mut UiState, w: &World, c: char) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl(ui: &mut UiState, w: &World, c: char) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn enter(ui: &mut UiState, w: &World) -> Vec<UiCommand> {
    key(ui, w, KeyCode::Enter, KeyModifiers::NONE)
}

fn typed(ui: &mut UiState, w: &World, s: &str) {
    for c in s.chars() {
        press(ui, w, c);
    }
}

/// Renders a frame (which is what records whether the dialog fitted) and returns it.
fn draw(ui: &UiState, w: &World, width: u16, height: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    term.draw(|f| render(f, w, &Findings::evaluate(w, now()), ui, now()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Add-ons pane with the EFS add-on (the second row) selected.
fn addons(read_only: bool) -> (UiState, World) {
    let w = world();
    let mut ui = UiState::new(Theme::dark(), read_only);
    press(&mut ui, &w, '2');
    press(&mut ui, &w, 'j');
    (ui, w)
}

fn preserve(ui: &UiState) -> Option<bool> {
    match ui.dialog_action() {
        Some(Action::DeleteAddon(d)) => Some(d.preserve),
        _ => None,
    }
}

#[test]
fn confirming_runs_exactly_the_value_shown_after_the_name_is_typed() {
    let (mut ui, w) = addons(false);
    assert!(ctrl(&mut ui, &w, 'd').is_empty());
    let shown = ui.dialog_action().cloned().expect("dialog open");
    assert_eq!(preserve(&ui), Some(true));
    let screen = draw(&ui, &w, 160, 45);
    assert!(screen.contains("DELETE /clusters/prod/addons/aws-efs-csi-driver?preserve=true"));

    assert!(enter(&mut ui, &w).is_empty(), "no name typed yet");
    assert!(draw(&ui, &w, 160, 45).contains("type aws-efs-csi-driver exactly"));
    typed(&mut ui, &w, "aws-efs-csi-driver");
    assert_eq!(enter(&mut ui, &w), vec![UiCommand::Execute(shown)]);
    assert!(!ui.is_dialog_open());
    assert!(draw(&ui, &w, 160, 45).contains("running: delete add-on aws-efs-csi-driver"));
}

#[test]
fn preserve_goes_off_only_when_asked_twice_and_back_on_at_once() {
    let (mut ui, w) = addons(false);
    ctrl(&mut ui, &w, 'd');
    typed(&mut ui, &w, "aws-efs-csi-driver");
    ctrl(&mut ui, &w, 'p');
    assert_eq!(preserve(&ui), Some(true), "one ask only arms");
    assert!(draw(&ui, &w, 160, 45).contains("Switch preserve OFF?"));
    assert!(enter(&mut ui, &w).is_empty(), "armed: nothing runs");
    key(&mut ui, &w, KeyCode::Esc, KeyModifiers::NONE);
    assert!(ui.is_dialog_open(), "Esc steps back from arming, not out");
    assert_eq!(preserve(&ui), Some(true));

    ctrl(&mut ui, &w, 'p');
    ctrl(&mut ui, &w, 'p');
    assert_eq!(preserve(&ui), Some(false));
    let screen = draw(&ui, &w, 160, 45);
    assert!(screen.contains("DELETED from the cluster"), "{screen}");
    assert!(screen.contains("?preserve=false"));
    assert!(
        enter(&mut ui, &w).is_empty(),
        "the name typed before no longer counts"
    );
    typed(&mut ui, &w, "aws-efs-csi-driver");
    let cmds = enter(&mut ui, &w);
    assert!(matches!(&cmds[..], [UiCommand::Execute(Action::DeleteAddon(d))] if !d.preserve));

    ctrl(&mut ui, &w, 'd');
    ctrl(&mut ui, &w, 'p');
    ctrl(&mut ui, &w, 'p');
    ctrl(&mut ui, &w, 'p');
    assert_eq!(preserve(&ui), Some(true), "back on with one ask");
}

#[test]
fn read_only_dialogs_show_the_request_but_never_run_it() {
    let (mut ui, w) = addons(true);
    ctrl(&mut ui, &w, 'd');
    typed(&mut ui, &w, "aws-efs-csi-driver");
    assert!(enter(&mut ui, &w).is_empty());
    let screen = draw(&ui, &w, 160, 45);
    assert!(screen.contains("DELETE /clusters/prod/addons/aws-efs-csi-driver"));
    assert!(screen.contains(READ_ONLY));
    assert!(!screen.contains("[Enter] delete"));
    key(&mut ui, &w, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!ui.is_dialog_open());
    assert!(
        draw(&ui, &w, 160, 45).contains(READ_ONLY),
        "the action bar says so too"
    );
    for c in ['a', 't'] {
        press(&mut ui, &w, c);
        let cmds = enter(&mut ui, &w);
        assert!(!cmds.iter().any(|c| matches!(c, UiCommand::Execute(_))));
        key(&mut ui, &w, KeyCode::Esc, KeyModifiers::NONE);
    }
}

#[test]
fn a_dialog_that_does_not_fit_cannot_be_confirmed() {
    let (mut ui, w) = addons(false);
    press(&mut ui, &w, 'j');
    press(&mut ui, &w, 'a');
    assert!(matches!(ui.dialog_action(), Some(Action::AdoptHelm(_))));
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    assert!(draw(&ui, &w, 60, 10).contains("confirming needs the whole request"));
    assert!(handle_key(&mut ui, enter, &w, &Findings::default()).is_empty());
    draw(&ui, &w, 160, 45);
    assert!(matches!(
        &handle_key(&mut ui, enter, &w, &Findings::default())[..],
        [UiCommand::Execute(Action::AdoptHelm(_))]
    ));
}

#[test]
fn keys_without_an_action_here_say_so_and_outcomes_show() {
    let (mut ui, w) = addons(false);
    press(&mut ui, &w, '3');
    ctrl(&mut ui, &w, 'd');
    assert!(!ui.is_dialog_open());
    assert!(draw(&ui, &w, 160, 45).contains("no such action on the Volumes pane"));

    press(&mut ui, &w, '2');
    press(&mut ui, &w, 'g');
    ctrl(&mut ui, &w, 'd');
    assert!(draw(&ui, &w, 160, 45).contains("already DELETING"));
    press(&mut ui, &w, 'j');
    ctrl(&mut ui, &w, 'd');
    let action = ui.dialog_action().cloned().expect("open");
    key(&mut ui, &w, KeyCode::Esc, KeyModifiers::NONE);
    ui.action_finished(Outcome {
        action: action.clone(),
        result: Err("EKS denied DeleteAddon: not authorized".into()),
    });
    let screen = draw(&ui, &w, 160, 45);
    assert!(
        screen.contains("✗ delete add-on aws-efs-csi-driver (preserve=true) failed: EKS denied")
    );
    ui.action_finished(Outcome {
        action: action.clone(),
        result: Err("refused: add-on aws-efs-csi-driver is DELETING now; nothing was sent".into()),
    });
    let screen = draw(&ui, &w, 160, 45);
    assert!(
        screen.contains(
            "✗ delete add-on aws-efs-csi-driver (preserve=true) refused: add-on \
             aws-efs-csi-driver is DELETING now; nothing was sent"
        ),
        "a refusal is not called a failure: {screen}"
    );
    ui.action_finished(Outcome {
        action,
        result: Ok("accepted".into()),
    });
    assert!(
        draw(&ui, &w, 160, 45).contains("aws-efs-csi-driver: ACTIVE (preserve=true); following")
    );
}
