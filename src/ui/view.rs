//! The whole screen: header, tabs, the active pane (or the detail view), the action bar,
//! footer, and the help overlay or a confirmation dialog on top.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::Layout;
use ratatui::widgets::Block;

use super::action_bar;
use super::panes::{self, Ctx};
use super::state::UiState;
use super::widgets::{footer, header, help, tabs};
use crate::model::World;
use crate::model::findings::Findings;

/// Draws one frame. Pure with respect to the model; `now` is passed in so ages and
/// "stale since" are deterministic, and the findings are evaluated by the caller (see
/// `Findings::refresh`) so a frame costs no rule. The only state it touches is the UI's
/// own view bookkeeping (page size, filter memo).
pub fn render(frame: &mut Frame, world: &World, findings: &Findings, ui: &UiState, now: Timestamp) {
    let area = frame.area();
    frame.render_widget(Block::new().style(ui.theme.base()), area);
    let [head, tab_bar, body, bar, foot] = Layout::vertical([
        Length(header::HEIGHT),
        Length(1),
        Fill(1),
        Length(action_bar::height(ui)),
        Length(1),
    ])
    .areas(area);
    header::render(head, frame.buffer_mut(), world, findings, ui);
    tabs::render(
        tab_bar,
        frame.buffer_mut(),
        ui.pane(),
        panes::counts(world, findings),
        &ui.theme,
    );
    let cx = Ctx {
        world,
        findings,
        ui,
        now,
    };
    match &ui.detail {
        Some(d) => panes::detail::render(frame, body, &cx, d),
        None => panes::render(ui.pane(), frame, body, &cx),
    }
    action_bar::render_bar(bar, frame.buffer_mut(), world, ui);
    if ui.is_dialog_open() {
        action_bar::render_footer(foot, frame.buffer_mut(), ui);
        action_bar::render_dialog(area, frame.buffer_mut(), world, ui);
    } else {
        footer::render(foot, frame.buffer_mut(), ui);
    }
    if ui.help {
        ui.help_height.set(area.height);
        help::render(area, frame.buffer_mut(), &ui.theme, ui.help_scroll);
    }
}
