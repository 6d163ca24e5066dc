//! The pane tabs, with the key that selects each and how many rows it holds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::ui::PaneId;
use crate::ui::format::thousands;
use crate::ui::theme::Theme;

pub fn render(
    area: Rect,
    buf: &mut Buffer,
    active: PaneId,
    counts: [usize; PaneId::ALL.len()],
    t: &Theme,
) {
    let mut spans = vec![Span::raw(" ")];
    for (i, pane) in PaneId::ALL.iter().enumerate() {
        let label = label(i, *pane, counts);
        let style = if *pane == active {
            Style::new()
                .bg(t.selected_bg)
                .fg(t.fg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(t.muted)
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    Paragraph::new(Line::from(spans))
        .style(t.base())
        .render(area, buf);
}

fn label(i: usize, pane: PaneId, counts: [usize; PaneId::ALL.len()]) -> String {
    format!(" {} {} {} ", i + 1, pane.title(), thousands(counts[i]))
}

/// The tab drawn at column `x` (a mouse click), laid out as `render` lays them out.
pub fn at(x: u16, counts: [usize; PaneId::ALL.len()]) -> Option<PaneId> {
    let mut left = 1u16;
    for (i, pane) in PaneId::ALL.iter().enumerate() {
        let w = Span::raw(label(i, *pane, counts)).width() as u16;
        if (left..left + w).contains(&x) {
            return Some(*pane);
        }
        left += w + 1;
    }
    None
}
