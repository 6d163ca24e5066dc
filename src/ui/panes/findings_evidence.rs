//! The evidence panel under the findings: the selected finding's objects with the fields
//! that prove it, its notes, its fix and where `Enter` goes.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::model::findings::{Evidence, Finding, span, ts};
use crate::ui::kinds::{destination, ui_ref};
use crate::ui::sanitize::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::badge::{mark, tone};

pub fn evidence_lines(f: &Finding, t: &Theme, now: Timestamp) -> Vec<Line<'static>> {
    let muted = Style::new().fg(t.muted);
    let fg = Style::new().fg(t.fg);
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!(" {} {} ", mark(f.severity), f.severity.label()),
            tone(f.severity).style(t),
        ),
        Span::styled(format!("{} ", f.id), Style::new().fg(t.accent)),
        Span::styled(clean(&f.title), fg.add_modifier(Modifier::BOLD)),
    ])];
    if let Some(since) = f.since {
        let held = now.duration_since(since).as_secs();
        out.push(Line::from(vec![
            Span::styled("   since ", muted),
            Span::styled(format!("{} ({})", ts(since), span(held)), fg),
        ]));
    }
    if let Some(why) = &f.silenced {
        out.push(Line::from(vec![
            Span::styled("   silenced ", muted),
            Span::styled(
                format!(
                    "{} — not counted in the header or the report's exit code",
                    clean(why)
                ),
                muted,
            ),
        ]));
    }
    for e in &f.evidence {
        match e {
            Evidence::Object { object, fields } => {
                let mut spans = vec![Span::styled(
                    format!(
                        "   {} {}",
                        object.kind.label(),
                        clean(&object.display_name())
                    ),
                    fg.add_modifier(Modifier::BOLD),
                )];
                for (i, (k, v)) in fields.0.iter().enumerate() {
                    let sep = if i == 0 { "  " } else { " · " };
                    spans.push(Span::styled(format!("{sep}{} ", clean(k)), muted));
                    spans.push(Span::styled(clean(v), fg));
                }
                out.push(Line::from(spans));
            }
            Evidence::Note(text) => out.push(Line::from(vec![
                Span::styled("   · ", muted),
                Span::styled(clean(text), fg),
            ])),
        }
    }
    if let Some(fix) = &f.fix {
        out.push(Line::from(vec![
            Span::styled("   fix ", muted),
            Span::styled(
                fix.label(),
                Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!(" — {}", clean(&fix.describe())), fg),
        ]));
    }
    let go = match destination(f) {
        Some((pane, r)) => format!(
            "   Enter: go to {} › {}",
            pane.title(),
            clean(&r.display_name())
        ),
        None => match f.objects().find_map(ui_ref) {
            Some(r) => format!(
                "   Enter: open {} {}",
                r.kind.label(),
                clean(&r.display_name())
            ),
            None => String::new(),
        },
    };
    if !go.is_empty() {
        out.push(Line::styled(go, muted));
    }
    out
}

/// Rows the lines take when wrapped to `width` (a line is never less than one row).
pub fn wrapped_height(lines: &[Line<'_>], width: u16) -> usize {
    let w = usize::from(width.max(1));
    lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum()
}

pub fn render_evidence(frame: &mut Frame, area: Rect, f: &Finding, t: &Theme, now: Timestamp) {
    let block = Block::bordered()
        .title(Line::styled(" Evidence ", t.title()))
        .border_style(t.border())
        .style(t.base());
    let lines = evidence_lines(f, t, now);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
