//! The `?` overlay: every binding of the key map, by when it applies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::ui::keymap::{Scope, bindings, keys_label};
use crate::ui::theme::Theme;
use crate::ui::widgets::centered;

const SECTIONS: [(Scope, &str); 3] = [
    (Scope::Browse, "Browsing"),
    (Scope::Filter, "While typing a filter"),
    (Scope::Global, "Anywhere"),
];

pub fn lines(t: &Theme) -> Vec<Line<'static>> {
    let width = bindings()
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
        for b in bindings().iter().filter(|b| b.scope == scope) {
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

/// The furthest the help can scroll on a screen of `height` rows: its last line at the
/// bottom of the box.
pub fn max_scroll(height: u16) -> usize {
    let shown = usize::from(height.saturating_sub(2));
    line_count().saturating_sub(shown)
}

/// As many as [`lines`] makes: a title per section, a blank line between sections.
fn line_count() -> usize {
    let shown = bindings()
        .iter()
        .filter(|b| SECTIONS.iter().any(|(s, _)| *s == b.scope))
        .count();
    shown + 2 * SECTIONS.len() - 1
}

/// Draws the help from line `scroll`; on a terminal too short for all of it the bottom
/// border says how to see the rest.
pub fn render(area: Rect, buf: &mut Buffer, t: &Theme, scroll: usize) {
    let body = lines(t);
    let width = body.iter().map(Line::width).max().unwrap_or(20) as u16 + 4;
    let popup = centered(area, width, body.len() as u16 + 2);
    let scroll = scroll.min(max_scroll(popup.height));
    let cut = body.len() > usize::from(popup.height.saturating_sub(2));
    let hint = if cut {
        format!(
            " j/k scroll ({}/{}) · Esc or ? closes ",
            scroll + usize::from(popup.height.saturating_sub(2)).min(body.len()),
            body.len()
        )
    } else {
        " Esc or ? closes ".to_string()
    };
    Clear.render(popup, buf);
    Paragraph::new(body)
        .style(t.base())
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .block(
            Block::bordered()
                .title(Line::styled(" Help ", t.title()))
                .title_bottom(Line::styled(hint, Style::new().fg(t.muted)))
                .border_style(t.border()),
        )
        .render(popup, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_scrolls_to_its_last_line_on_a_short_terminal_and_not_on_a_tall_one() {
        assert_eq!(line_count(), lines(&Theme::dark()).len());
        assert_eq!(max_scroll(200), 0);
        let h = 12;
        assert_eq!(max_scroll(h), line_count() - 10);
        let area = Rect::new(0, 0, 140, h);
        let mut buf = Buffer::empty(area);
        render(area, &mut buf, &Theme::dark(), usize::MAX);
        let text: String = (0..h)
            .flat_map(|y| (0..140).map(move |x| (x, y)))
            .map(|(x, y)| buf[(x, y)].symbol().to_string())
            .collect();
        assert!(
            text.contains("ctrl-c"),
            "the last line shows when scrolled to the end"
        );
        assert!(text.contains("j/k scroll"), "{text}");
    }
}
