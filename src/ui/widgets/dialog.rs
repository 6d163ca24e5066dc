//! A confirmation box. Actions put in it the exact request they will send, so what the
//! operator confirms is what runs; in read-only mode it says so instead of offering to act.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::ui::sanitize::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::centered;
use crate::ui::widgets::table::Tone;

pub struct Dialog<'a> {
    pub title: &'a str,
    /// Lines describing what will happen; may quote outside text, so sanitized here.
    pub body: &'a [String],
    pub confirm: &'a str,
    /// Deletes and other irreversible acts get the critical colour.
    pub dangerous: bool,
    /// When set, the action is disabled and this says why (e.g. read-only mode).
    pub disabled: Option<&'a str>,
}

impl Dialog<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let width = self
            .body
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(30, 90) as u16
            + 4;
        let mut lines: Vec<Line<'_>> = self.body.iter().map(|l| Line::raw(clean(l))).collect();
        lines.push(Line::raw(""));
        let buttons = match self.disabled {
            Some(why) => vec![Span::styled(clean(why), Tone::Muted.style(t))],
            None => {
                let tone = if self.dangerous {
                    Tone::Critical
                } else {
                    Tone::Accent
                };
                vec![
                    Span::styled(
                        format!("[y] {}", self.confirm),
                        tone.style(t).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw("    "),
                    Span::styled("[n/Esc] cancel", Style::new().fg(t.muted)),
                ]
            }
        };
        lines.push(Line::from(buttons));
        let popup = centered(area, width, lines.len() as u16 + 2);
        Clear.render(popup, buf);
        let border = if self.dangerous { t.critical } else { t.accent };
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .style(t.base())
            .block(
                Block::bordered()
                    .title(Line::styled(format!(" {} ", clean(self.title)), t.title()))
                    .border_style(Style::new().fg(border)),
            )
            .render(popup, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(buf: &Buffer) -> String {
        let a = buf.area;
        (a.y..a.bottom())
            .map(|y| {
                (a.x..a.right())
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn shows_the_request_and_the_choice() {
        let area = Rect::new(0, 0, 70, 10);
        let mut buf = Buffer::empty(area);
        let body = ["DELETE access point fsap-0abc\u{1b}[2J (fs-1)".to_string()];
        let d = Dialog {
            title: "Delete orphan access point",
            body: &body,
            confirm: "delete",
            dangerous: true,
            disabled: None,
        };
        d.render(area, &mut buf, &Theme::dark());
        let s = text(&buf);
        assert!(s.contains("DELETE access point fsap-0abc (fs-1)"), "{s}");
        assert!(s.contains("[y] delete"), "{s}");
        let d = Dialog {
            disabled: Some("read-only: actions are disabled"),
            ..d
        };
        let mut buf = Buffer::empty(area);
        d.render(area, &mut buf, &Theme::dark());
        assert!(!text(&buf).contains("[y]"));
        assert!(text(&buf).contains("read-only: actions are disabled"));
    }
}
