//! The mouse, when turned on: a click on a tab goes to that pane, a click on a row
//! selects it, the wheel scrolls; with it off (the default) nothing happens.

#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;
#[path = "ui_snapshots/rich.rs"]
mod rich;

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use stordeck::model::World;
use stordeck::ui::{self, Findings, PaneId, Theme, UiState};

use fixture::now;
use rich::rich_world;

fn screen(world: &World, ui: &UiState) -> String {
    fixture::text(&fixture::draw(world, ui, 140, 24))
}

fn mouse(ui: &mut UiState, w: &World, kind: MouseEventKind, column: u16, row: u16) {
    let ev = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    ui::handle_mouse(ui, ev, w, &Findings::evaluate(w, now()));
}

fn click(ui: &mut UiState, w: &World, column: u16, row: u16) {
    mouse(ui, w, MouseEventKind::Down(MouseButton::Left), column, row);
}

/// Where `text` is on screen, as (column, row).
fn find(screen: &str, text: &str) -> (u16, u16) {
    screen
        .lines()
        .enumerate()
        .find_map(|(y, l)| {
            l.find(text)
                .map(|b| (l[..b].chars().count() as u16, y as u16))
        })
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
}

#[test]
fn clicks_pick_tabs_and_rows_and_the_wheel_scrolls() {
    let w = rich_world();
    let mut ui = UiState::new(Theme::dark(), false);
    ui.mouse = true;
    let s = screen(&w, &ui);
    let (x, y) = find(&s, "3 Volumes");
    click(&mut ui, &w, x + 2, y);
    assert_eq!(ui.pane(), PaneId::Volumes);

    let s = screen(&w, &ui);
    let (x, y) = find(&s, "pvc-ccc");
    click(&mut ui, &w, x, y);
    let sel = ui::panes::selected_ref(&w, &Findings::evaluate(&w, now()), &ui);
    assert_eq!(sel.map(|r| r.name).as_deref(), Some("pvc-ccc"));

    mouse(&mut ui, &w, MouseEventKind::ScrollDown, x, y);
    assert_eq!(ui.selection(), 4, "three rows down, held at the last");
    mouse(&mut ui, &w, MouseEventKind::ScrollUp, x, y);
    assert_eq!(ui.selection(), 1);

    // Below the last row: nothing to select.
    let s = screen(&w, &ui);
    click(&mut ui, &w, x, find(&s, "static-efs").1 + 3);
    assert_eq!(ui.selection(), 1);
}

#[test]
fn with_the_mouse_off_clicks_do_nothing() {
    let w = rich_world();
    let mut ui = UiState::new(Theme::dark(), false);
    let s = screen(&w, &ui);
    let (x, y) = find(&s, "3 Volumes");
    click(&mut ui, &w, x + 2, y);
    assert_eq!(ui.pane(), PaneId::Drivers);
}
