//! The `?` overlay: every binding of the key map, by when it applies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::ui::keymap::{BINDINGS, Scope, keys_label};
use crate::ui::theme::Theme;
use crate::ui::widgets::centered;

const SECTIONS: [(Scope, &str); 3] = [
    (Scope::Browse, "Browsing"),
    (Scope::Filter, "While typing a filter"),
    (Scope::Global, "Anywhere"),
];

pub fn lines(t: &Theme) -> Vec<Line<'static>> {
    let width = BINDINGS
        .iter()
        .map(|b| keys_label(b).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for (scope, title) in SECTIONS {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(title, t.title()));
        for b in BINDINGS.iter().filter(|b| b.scope == scope) {
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {:<width$}  ", keys_label(b)),
                    Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
                ),
                Span::styled(b.help, Style::new().fg(t.fg)),
            ]));
        }
    }
    out
}

pub fn render(area: Rect, buf: &mut Buffer, t: &Theme) {
    let body = lines(t);
    let width = body.iter().map(Line::width).max().unwrap_or(20) as u16 + 4;
    let popup = centered(area, width, body.len() as u16 + 2);
    Clear.render(popup, buf);
    Paragraph::new(body)
        .style(t.base())
        .block(
            Block::bordered()
                .title(Line::styled(" Help ", t.title()))
                .title_bottom(Line::styled(" Esc or ? closes ", Style::new().fg(t.muted)))
                .border_style(t.border()),
        )
        .render(popup, buf);
}
