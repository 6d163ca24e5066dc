//! Key presses in, state changes and commands out. What a key means comes from the key
//! map; this file only says what each action does in each situation.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};

use super::action_dialog;
use super::keymap::{Action, Key, lookup};
use super::panes::{self, detail::max_scroll};
use super::state::{Detail, UiState};
use super::widgets::table::window_offset;
use super::{PaneId, UiCommand};
use crate::model::World;
use crate::model::findings::Findings;

pub fn handle_key(
    ui: &mut UiState,
    key: KeyEvent,
    world: &World,
    findings: &Findings,
) -> Vec<UiCommand> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if ui.is_dialog_open() {
        return action_dialog::handle_key(ui, key);
    }
    if ui.prompt.is_some() {
        return super::prompt::handle_key(ui, key);
    }
    ui.notice = None;
    let Some((binding, matched)) = lookup(&key, ui.typing_filter) else {
        return Vec::new();
    };
    match binding.action {
        Action::Quit => return vec![UiCommand::Quit],
        Action::Refresh => {
            let mut out = vec![UiCommand::Refresh];
            if let Some(d) = ui.detail.as_mut() {
                d.yaml = None;
                out.push(UiCommand::FetchObject(d.target.clone()));
            }
            return out;
        }
        Action::Help => {
            ui.help = !ui.help;
            ui.help_scroll = 0;
        }
        Action::Back => back(ui),
        Action::NextPane => switch(ui, ui.pane.step(1)),
        Action::PrevPane => switch(ui, ui.pane.step(-1)),
        Action::GotoPane => {
            let digit = match matched {
                Key::Char(c) => c.to_digit(10),
                _ => None,
            };
            if let Some(p) = digit.and_then(PaneId::for_digit) {
                switch(ui, p);
            }
        }
        Action::Down => move_by(ui, world, findings, 1),
        Action::Up => move_by(ui, world, findings, -1),
        Action::PageDown => move_by(ui, world, findings, ui.page() as isize),
        Action::PageUp => move_by(ui, world, findings, -(ui.page() as isize)),
        Action::Top => move_by(ui, world, findings, isize::MIN),
        Action::Bottom => move_by(ui, world, findings, isize::MAX),
        Action::StartPrompt => super::prompt::open(ui),
        Action::Wide => ui.wide = !ui.wide,
        Action::SortNext | Action::SortReverse if ui.detail.is_none() && !ui.help => {
            sort(ui, findings, binding.action == Action::SortNext);
        }
        Action::SortNext | Action::SortReverse => {}
        Action::Copy => {
            let target = ui
                .detail
                .as_ref()
                .map(|d| d.target.clone())
                .or_else(|| panes::selected_ref(world, findings, ui));
            if let Some(t) = target {
                ui.notice = Some(format!("copied {}", t.name));
                return vec![UiCommand::Copy(t.name)];
            }
        }
        Action::StartFilter => {
            if !ui.help && ui.detail.is_none() {
                ui.typing_filter = true;
            }
        }
        Action::Open if ui.pane == PaneId::Findings && !ui.help && ui.detail.is_none() => {
            return panes::findings::go_to_object(ui, world, findings);
        }
        Action::Open => {
            if !ui.help
                && ui.detail.is_none()
                && let Some(target) = panes::selected_ref(world, findings, ui)
            {
                ui.detail = Some(Detail {
                    target: target.clone(),
                    yaml: None,
                    scroll: 0,
                });
                return vec![UiCommand::FetchObject(target)];
            }
        }
        Action::FilterKeep => ui.typing_filter = false,
        Action::FilterClear => {
            ui.typing_filter = false;
            set_filter(ui, String::new());
        }
        Action::FilterDelete => {
            let mut f = ui.filter().to_string();
            f.pop();
            set_filter(ui, f);
        }
        Action::FilterInsert => {
            if let KeyCode::Char(c) = key.code {
                let mut f = ui.filter().to_string();
                f.push(c);
                set_filter(ui, f);
            }
        }
        Action::Delete
        | Action::AdoptHelm
        | Action::Tolerate
        | Action::Detach
        | Action::RefreshInsights => {
            if !ui.help && ui.detail.is_none() {
                return action_dialog::open(ui, world, findings, binding.action);
            }
        }
        // Dialog keys reach `action_dialog::handle_key` while a dialog is open.
        Action::Confirm
        | Action::Cancel
        | Action::TogglePreserve
        | Action::Escalate
        | Action::DialogDelete
        | Action::DialogInsert => {}
    }
    Vec::new()
}

/// Esc: close help, else the detail view, else clear the filter.
fn back(ui: &mut UiState) {
    if ui.help {
        ui.help = false;
    } else if ui.detail.is_some() {
        ui.detail = None;
    } else if !ui.filter().is_empty() {
        set_filter(ui, String::new());
    }
}

fn switch(ui: &mut UiState, to: PaneId) {
    ui.help = false;
    ui.detail = None;
    ui.pane = to;
}

/// A new filter changes which rows exist, so the cursor goes back to the first.
fn set_filter(ui: &mut UiState, filter: String) {
    let nav = ui.nav_mut();
    nav.filter = filter;
    nav.selected = 0;
    nav.offset = 0;
}

/// Moves the cursor (or scrolls the detail view) by `delta`, saturating at both ends.
fn move_by(ui: &mut UiState, world: &World, findings: &Findings, delta: isize) {
    if ui.help {
        let max = super::widgets::help::max_scroll(ui.help_height.get());
        ui.help_scroll = step(ui.help_scroll, delta, max + 1);
        return;
    }
    if let Some(d) = ui.detail.as_mut() {
        d.scroll = step(d.scroll, delta, max_scroll(d) + 1);
        return;
    }
    let len = panes::row_count(world, findings, ui);
    let page = ui.page();
    let nav = ui.nav_mut();
    nav.selected = step(nav.selected, delta, len);
    nav.offset = window_offset(len, nav.selected, nav.offset, page);
}

fn step(from: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    from.min(len - 1).saturating_add_signed(delta).min(len - 1)
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;

/// `s` (next column) and `S` (reverse) on the active pane; the cursor goes to the top,
/// since the row it was on has moved.
fn sort(ui: &mut UiState, findings: &Findings, next: bool) {
    let pane = ui.pane;
    let current = ui.nav().sort;
    let sort = if next {
        panes::next_sort(pane, findings, current)
    } else {
        current
            .or_else(|| panes::next_sort(pane, findings, None))
            .map(|s| panes::sort::Sort {
                descending: !s.descending,
                ..s
            })
    };
    let nav = ui.nav_mut();
    nav.sort = sort;
    nav.selected = 0;
    nav.offset = 0;
}

/// Rows one wheel notch moves.
const WHEEL: isize = 3;

/// The wheel scrolls (the table, the help, the detail view); a click on a tab goes to
/// that pane, and on a row selects it. Only with `mouse = true` in config.toml.
pub fn handle_mouse(
    ui: &mut UiState,
    ev: MouseEvent,
    world: &World,
    findings: &Findings,
) -> Vec<UiCommand> {
    if !ui.mouse || ui.is_dialog_open() || ui.prompt.is_some() {
        return Vec::new();
    }
    match ev.kind {
        MouseEventKind::ScrollDown => move_by(ui, world, findings, WHEEL),
        MouseEventKind::ScrollUp => move_by(ui, world, findings, -WHEEL),
        MouseEventKind::Down(MouseButton::Left) if ev.row == super::widgets::header::HEIGHT => {
            if let Some(p) = super::widgets::tabs::at(ev.column, panes::counts(world, findings)) {
                switch(ui, p);
            }
        }
        MouseEventKind::Down(MouseButton::Left) if !ui.help && ui.detail.is_none() => {
            let body = ui.table_body.get();
            let inside = body.contains(ratatui::layout::Position::new(ev.column, ev.row));
            let row = ui.table_first.get() + usize::from(ev.row.saturating_sub(body.y));
            if inside && row < panes::row_count(world, findings, ui) {
                ui.nav_mut().selected = row;
            }
        }
        _ => {}
    }
    Vec::new()
}
