use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::*;
use crate::model::findings::Findings;
use crate::model::input::{Health, HealthState, KubeMsg, SourceId, SourceMsg};
use crate::model::{Change, World};
use crate::ui::{ObjectKind, ObjectRef, Overlay, PaneId, Theme, UiCommand, UiState};

fn now() -> jiff::Timestamp {
    "2025-06-01T12:00:00Z".parse().expect("timestamp")
}

/// `n` PVs named `pv-000` … in a world where every PV source is live.
fn world_with_pvs(n: usize) -> World {
    let mut w = World::default();
    for i in 0..n {
        let pv = serde_json::from_value(json!({
            "metadata": {"name": format!("pv-{i:03}")},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]},
        }))
        .expect("pv");
        w.apply(SourceMsg::from(KubeMsg::Pv(Change::Apply(pv))), now());
    }
    let live = Health {
        source: SourceId::Pvs,
        state: HealthState::Live,
        at: now(),
        retry_at: None,
    };
    w.apply(SourceMsg::Health(live), now());
    w
}

fn press(ui: &mut UiState, w: &World, code: KeyCode) -> Vec<UiCommand> {
    handle_key(
        ui,
        KeyEvent::new(code, KeyModifiers::NONE),
        w,
        &Findings::default(),
    )
}

fn typed(ui: &mut UiState, w: &World, s: &str) {
    for c in s.chars() {
        press(ui, w, KeyCode::Char(c));
    }
}

fn volumes(w: &World) -> UiState {
    let mut ui = UiState::new(Theme::dark(), false);
    press(&mut ui, w, KeyCode::Char('3'));
    assert_eq!(ui.pane(), PaneId::Volumes);
    ui
}

#[test]
fn navigation_stays_in_bounds() {
    let w = world_with_pvs(50);
    let mut ui = volumes(&w);
    press(&mut ui, &w, KeyCode::Up);
    assert_eq!(ui.selection(), 0);
    press(&mut ui, &w, KeyCode::Char('j'));
    press(&mut ui, &w, KeyCode::Down);
    assert_eq!(ui.selection(), 2);
    press(&mut ui, &w, KeyCode::PageDown);
    assert_eq!(
        ui.selection(),
        22,
        "a page is the last rendered height (20 before any render)"
    );
    press(&mut ui, &w, KeyCode::Char('G'));
    assert_eq!(ui.selection(), 49);
    assert_eq!(
        ui.nav().offset,
        30,
        "the window follows the cursor to the end"
    );
    press(&mut ui, &w, KeyCode::Char('j'));
    press(&mut ui, &w, KeyCode::PageDown);
    assert_eq!(ui.selection(), 49);
    press(&mut ui, &w, KeyCode::Char('g'));
    assert_eq!((ui.selection(), ui.nav().offset), (0, 0));
    press(&mut ui, &w, KeyCode::PageUp);
    assert_eq!(ui.selection(), 0);

    let empty = World::default();
    let mut ui = volumes(&empty);
    press(&mut ui, &empty, KeyCode::Char('G'));
    press(&mut ui, &empty, KeyCode::Char('j'));
    assert_eq!(ui.selection(), 0);
    assert!(
        press(&mut ui, &empty, KeyCode::Enter).is_empty(),
        "nothing to open"
    );
}

#[test]
fn filter_edits_live_keeps_and_clears() {
    let w = world_with_pvs(50);
    let mut ui = volumes(&w);
    press(&mut ui, &w, KeyCode::Char('G'));
    press(&mut ui, &w, KeyCode::Char('/'));
    assert!(ui.is_typing_filter());
    typed(&mut ui, &w, "PV-04");
    assert_eq!(ui.filter(), "PV-04");
    assert_eq!(ui.selection(), 0, "a new filter starts at the top");
    assert_eq!(
        panes::row_count(&w, &Findings::default(), &ui),
        10,
        "case-insensitive on visible text"
    );
    typed(&mut ui, &w, "q");
    assert_eq!(
        panes::row_count(&w, &Findings::default(), &ui),
        0,
        "q is typed, not quit"
    );
    press(&mut ui, &w, KeyCode::Backspace);
    press(&mut ui, &w, KeyCode::Backspace);
    assert_eq!(
        panes::row_count(&w, &Findings::default(), &ui),
        50,
        "pv-0 matches all"
    );
    typed(&mut ui, &w, "49");
    press(&mut ui, &w, KeyCode::Enter);
    assert!(!ui.is_typing_filter());
    assert_eq!(ui.filter(), "PV-049");
    press(&mut ui, &w, KeyCode::Char('G'));
    assert_eq!(ui.selection(), 0, "one row left");
    let cmds = press(&mut ui, &w, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![UiCommand::FetchObject(ObjectRef::cluster(
            ObjectKind::Pv,
            "pv-049"
        ))]
    );
    press(&mut ui, &w, KeyCode::Esc);
    assert_eq!(ui.overlay(), Overlay::None);
    assert_eq!(ui.filter(), "PV-049", "first Esc closes the detail view");
    press(&mut ui, &w, KeyCode::Esc);
    assert_eq!(ui.filter(), "", "second Esc clears the filter");

    press(&mut ui, &w, KeyCode::Char('/'));
    typed(&mut ui, &w, "zzz");
    press(&mut ui, &w, KeyCode::Esc);
    assert!(!ui.is_typing_filter());
    assert_eq!(ui.filter(), "");
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    press(&mut ui, &w, KeyCode::Char('/'));
    assert_eq!(
        handle_key(&mut ui, ctrl_c, &w, &Findings::default()),
        vec![UiCommand::Quit]
    );
}

#[test]
fn panes_switch_by_number_and_tab_keeping_their_place() {
    let w = world_with_pvs(5);
    let mut ui = UiState::new(Theme::dark(), true);
    assert_eq!(ui.pane(), PaneId::Drivers);
    press(&mut ui, &w, KeyCode::BackTab);
    assert_eq!(ui.pane(), PaneId::EbsVolumes);
    press(&mut ui, &w, KeyCode::Tab);
    assert_eq!(ui.pane(), PaneId::Drivers);
    press(&mut ui, &w, KeyCode::Char('3'));
    press(&mut ui, &w, KeyCode::Char('j'));
    press(&mut ui, &w, KeyCode::Char('j'));
    press(&mut ui, &w, KeyCode::Tab);
    assert_eq!((ui.pane(), ui.selection()), (PaneId::AccessPoints, 0));
    press(&mut ui, &w, KeyCode::Char('5'));
    press(&mut ui, &w, KeyCode::Char('3'));
    assert_eq!((ui.pane(), ui.selection()), (PaneId::Volumes, 2));
    press(&mut ui, &w, KeyCode::Char('9'));
    assert_eq!(ui.pane(), PaneId::Volumes, "no pane 9");
    for key in ['0', '6'] {
        press(&mut ui, &w, KeyCode::Char('1'));
        press(&mut ui, &w, KeyCode::Char(key));
        assert_eq!(ui.pane(), PaneId::Findings, "{key}");
    }
}

#[test]
fn detail_fetches_scrolls_and_ignores_stale_answers() {
    let w = world_with_pvs(3);
    let mut ui = volumes(&w);
    let target = ObjectRef::cluster(ObjectKind::Pv, "pv-000");
    assert_eq!(
        press(&mut ui, &w, KeyCode::Enter),
        vec![UiCommand::FetchObject(target.clone())]
    );
    assert_eq!(ui.overlay(), Overlay::Detail);
    let other = ObjectRef::cluster(ObjectKind::Pv, "pv-001");
    ui.set_detail_yaml(&other, Ok("wrong: object".into()));
    assert_eq!(ui.detail.as_ref().and_then(|d| d.yaml.clone()), None);
    ui.set_detail_yaml(&target, Ok("a: 1\nb: 2\nc: 3".into()));
    press(&mut ui, &w, KeyCode::Char('G'));
    assert_eq!(ui.detail.as_ref().map(|d| d.scroll), Some(2));
    press(&mut ui, &w, KeyCode::PageDown);
    assert_eq!(ui.detail.as_ref().map(|d| d.scroll), Some(2));
    press(&mut ui, &w, KeyCode::Char('k'));
    assert_eq!(ui.detail.as_ref().map(|d| d.scroll), Some(1));
    assert_eq!(
        ui.selection(),
        0,
        "scrolling the detail leaves the row alone"
    );
    assert_eq!(
        press(&mut ui, &w, KeyCode::Char('r')),
        vec![UiCommand::Refresh, UiCommand::FetchObject(target.clone())]
    );
    assert_eq!(
        ui.detail.as_ref().and_then(|d| d.yaml.clone()),
        None,
        "loading again"
    );

    press(&mut ui, &w, KeyCode::Char('?'));
    assert_eq!(ui.overlay(), Overlay::Help);
    press(&mut ui, &w, KeyCode::Esc);
    assert_eq!(
        ui.overlay(),
        Overlay::Detail,
        "help closes back to the detail view"
    );
    press(&mut ui, &w, KeyCode::Char('1'));
    assert_eq!(
        ui.overlay(),
        Overlay::None,
        "switching panes closes the detail view"
    );
    ui.set_detail_yaml(&target, Ok("late".into()));
    assert!(ui.detail.is_none());
    assert_eq!(
        press(&mut ui, &w, KeyCode::Char('q')),
        vec![UiCommand::Quit]
    );
}

#[test]
fn enter_opens_the_row_drawn_as_selected_after_rows_vanish() {
    let w = world_with_pvs(10);
    let mut ui = volumes(&w);
    press(&mut ui, &w, KeyCode::Char('G'));
    let fewer = world_with_pvs(4);
    assert_eq!(
        press(&mut ui, &fewer, KeyCode::Enter),
        vec![UiCommand::FetchObject(ObjectRef::cluster(
            ObjectKind::Pv,
            "pv-003"
        ))]
    );
}
