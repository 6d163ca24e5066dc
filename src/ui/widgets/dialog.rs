//! A confirmation box. Actions put in it the exact request they will send, so what the
//! operator confirms is what runs; in read-only mode it says so instead of offering to act,
//! and a body too tall for the screen is never offered for confirmation.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

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
    /// The key that confirms, as the key map labels it.
    pub confirm_key: &'a str,
    /// Further choices, drawn between confirm and cancel: (key, what it does).
    pub extra: &'a [(String, String)],
}

impl Dialog<'_> {
    /// Draws the box and returns whether the whole body fitted. When it did not, the body
    /// is cut with a note and no confirm button is drawn: nobody should confirm a request
    /// they could not read.
    pub fn render(&self, area: Rect, buf: &mut Buffer, t: &Theme) -> bool {
        let cancel = Span::styled("[Esc] cancel", Style::new().fg(t.muted));
        let mut buttons = match self.disabled {
            Some(why) => vec![
                Span::styled(clean(why), Tone::Muted.style(t)),
                Span::raw("    "),
                cancel.clone(),
            ],
            None => {
                let tone = if self.dangerous {
                    Tone::Critical
                } else {
                    Tone::Accent
                };
                let mut v = vec![Span::styled(
                    format!("[{}] {}", self.confirm_key, self.confirm),
                    tone.style(t).add_modifier(Modifier::BOLD),
                )];
                for (key, what) in self.extra {
                    v.push(Span::raw("    "));
                    v.push(Span::styled(
                        format!("[{key}] {what}"),
                        Style::new().fg(t.fg),
                    ));
                }
                v.push(Span::raw("    "));
                v.push(cancel.clone());
                v
            }
        };
        let body: Vec<String> = self.body.iter().map(|l| clean(l)).collect();
        let widest = body
            .iter()
            .map(|l| Span::raw(l.as_str()).width())
            .chain([Line::from(buttons.clone()).width()])
            .max()
            .unwrap_or(0);
        let width = (widest.clamp(30, 120) as u16 + 4).min(area.width);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let mut rows: Vec<String> = body.iter().flat_map(|l| wrap(l, inner)).collect();
        // Two borders, the blank line and the buttons.
        let room = usize::from(area.height).saturating_sub(4);
        let fits = rows.len() <= room;
        if !fits {
            let keep = room.saturating_sub(1);
            let cut = rows.len() - keep;
            rows.truncate(keep);
            rows.push(format!(
                "… {cut} more lines: enlarge the terminal to read them all"
            ));
            if self.disabled.is_none() {
                buttons = vec![
                    Span::styled(
                        "confirming needs the whole request on screen",
                        Tone::Warn.style(t),
                    ),
                    Span::raw("    "),
                    cancel,
                ];
            }
        }
        let mut lines: Vec<Line<'_>> = rows.into_iter().map(Line::raw).collect();
        lines.push(Line::raw(""));
        lines.push(Line::from(buttons));
        let popup = centered(area, width, lines.len() as u16 + 2);
        Clear.render(popup, buf);
        let border = if self.dangerous { t.critical } else { t.accent };
        Paragraph::new(lines)
            .style(t.base())
            .block(
                Block::bordered()
                    .title(Line::styled(format!(" {} ", clean(self.title)), t.title()))
                    .border_style(Style::new().fg(border)),
            )
            .render(popup, buf);
        fits
    }
}

fn width_of(s: &str) -> usize {
    Span::raw(s).width()
}

/// Word-wraps one line to `width` columns, keeping its indent on every row and breaking
/// words longer than a row (JSON bodies have no spaces) wherever they must.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let start = indent.len();
    let mut out = Vec::new();
    let (mut cur, mut cur_w) = (indent.to_string(), start);
    for word in body.split(' ') {
        let w = width_of(word);
        let sep = usize::from(cur_w > start);
        if cur_w + sep + w <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + w;
            continue;
        }
        if cur_w > start {
            out.push(std::mem::replace(&mut cur, indent.to_string()));
            cur_w = start;
        }
        let mut b = [0u8; 4];
        for ch in word.chars() {
            let cw = width_of(ch.encode_utf8(&mut b));
            if cur_w + cw > width && cur_w > start {
                out.push(std::mem::replace(&mut cur, indent.to_string()));
                cur_w = start;
            }
            cur.push(ch);
            cur_w += cw;
        }
    }
    out.push(cur);
    out
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
            confirm_key: "y",
            extra: &[],
        };
        assert!(d.render(area, &mut buf, &Theme::dark()));
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

    #[test]
    fn a_body_taller_than_the_screen_cannot_be_confirmed() {
        let area = Rect::new(0, 0, 60, 8);
        let body: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
        let d = Dialog {
            title: "t",
            body: &body,
            confirm: "patch",
            dangerous: false,
            disabled: None,
            confirm_key: "Enter",
            extra: &[],
        };
        let mut buf = Buffer::empty(area);
        assert!(!d.render(area, &mut buf, &Theme::dark()));
        let s = text(&buf);
        assert!(!s.contains("[Enter] patch"), "{s}");
        assert!(s.contains("more lines"), "{s}");
    }

    #[test]
    fn wraps_words_keeps_indent_and_breaks_long_tokens() {
        assert_eq!(wrap("  aa bb cc", 7), vec!["  aa bb", "  cc"]);
        assert_eq!(
            wrap("  {\"k\":\"vvvv\"}", 8),
            vec!["  {\"k\":\"", "  vvvv\"}"]
        );
        assert_eq!(wrap("", 5), vec![""]);
    }
}
