//! The bottom line: key hints generated from the key map, or the filter being typed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::ui::keymap::footer_hints;
use crate::ui::sanitize::clean;
use crate::ui::state::UiState;

pub fn render(area: Rect, buf: &mut Buffer, ui: &UiState) {
    let t = &ui.theme;
    let mut spans = Vec::new();
    if let Some(text) = ui.prompt_text() {
        spans.push(Span::styled(
            " :",
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(clean(text), Style::new().fg(t.fg)));
        spans.push(Span::styled("▏", Style::new().fg(t.accent)));
        spans.push(Span::styled(
            "   Tab complete · ↑/↓ history · Enter run · Esc cancel",
            Style::new().fg(t.muted),
        ));
        return Paragraph::new(Line::from(spans))
            .style(t.base())
            .render(area, buf);
    }
    if let Some(n) = &ui.notice {
        spans.push(Span::styled(
            format!(" {}", clean(n)),
            Style::new().fg(t.info),
        ));
        return Paragraph::new(Line::from(spans))
            .style(t.base())
            .render(area, buf);
    }
    if ui.is_typing_filter() {
        spans.push(Span::styled(
            " /",
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(clean(ui.filter()), Style::new().fg(t.fg)));
        spans.push(Span::styled("▏", Style::new().fg(t.accent)));
        spans.push(Span::raw("  "));
    }
    for (keys, hint) in footer_hints(ui.is_typing_filter()) {
        spans.push(Span::styled(
            format!(" <{keys}>"),
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!(" {hint}"), Style::new().fg(t.muted)));
    }
    Paragraph::new(Line::from(spans))
        .style(t.base())
        .render(area, buf);
}
