//! The detail view: what is wrong with the sources behind the object (in full, wrapped),
//! the selected object's joined chain and the findings naming it, then the whole object
//! as YAML, which the app fetches asynchronously ("loading…" until it arrives).

use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::Ctx;
use super::chain::chain;
use super::chain_link::Link;
use crate::ui::sanitize::clean;
use crate::ui::state::Detail;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::Tone;

const LABEL_WIDTH: usize = 25;

fn chain_line<'a>(i: usize, n: usize, l: &Link, t: &Theme) -> Line<'a> {
    let branch = match i {
        0 => "",
        _ if i + 1 == n => "└ ",
        _ => "├ ",
    };
    let label = format!(" {branch}{}", l.label);
    Line::from(vec![
        Span::styled(format!("{label:<LABEL_WIDTH$} "), Style::new().fg(t.muted)),
        Span::styled(clean(&l.name), l.tone.style(t).add_modifier(Modifier::BOLD)),
        Span::raw("  "),
        Span::styled(clean(&l.info), Style::new().fg(t.fg)),
    ])
}

/// YAML lines from `scroll`, at most `height`, sanitized one by one so a hostile value
/// cannot escape its line.
pub fn yaml_window(yaml: &str, scroll: usize, height: usize) -> Vec<String> {
    yaml.lines().skip(scroll).take(height).map(clean).collect()
}

/// The furthest the YAML can scroll: its last line at the top.
pub(crate) fn max_scroll(d: &Detail) -> usize {
    match &d.yaml {
        Some(Ok(y)) => y.lines().count().saturating_sub(1),
        _ => 0,
    }
}

pub(crate) fn render(frame: &mut Frame, area: Rect, cx: &Ctx<'_>, d: &Detail) {
    let t = &cx.ui.theme;
    let title = format!(
        " {} {} ",
        d.target.kind.label(),
        clean(&d.target.display_name())
    );
    let block = Block::bordered()
        .title(Line::styled(title, t.title()))
        .title_bottom(Line::styled(
            " Esc back · j/k PgDn/PgUp g/G scroll · r re-fetch ",
            Style::new().fg(t.muted),
        ))
        .border_style(t.border())
        .style(t.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // A truncated reason would hide the root cause, which comes first and is what to act on.
    let status = super::PaneStatus::of(cx.world, super::sources_of(cx.ui.pane(), cx.findings));
    let notices = status.notices(t, inner.width);
    let notices_h = (notices.len() as u16).min(inner.height / 3);
    let mut links = chain(cx.world, cx.findings, &d.target, cx.now);
    links.extend(super::findings::finding_links(cx.findings, &d.target));
    let chain_h = (links.len() as u16).min(inner.height / 2);
    let [notices_area, chain_area, rule, yaml_area] =
        Layout::vertical([Length(notices_h), Length(chain_h), Length(1), Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(notices), notices_area);
    let lines: Vec<Line<'_>> = links
        .iter()
        .enumerate()
        .map(|(i, l)| chain_line(i, links.len(), l, t))
        .collect();
    frame.render_widget(Paragraph::new(lines), chain_area);
    let rule_text = format!(
        "── YAML {}",
        "─".repeat(usize::from(rule.width).saturating_sub(8))
    );
    frame.render_widget(Paragraph::new(Line::styled(rule_text, t.border())), rule);

    let height = usize::from(yaml_area.height);
    cx.ui.viewport.set(height);
    let body: Vec<Line<'_>> = match &d.yaml {
        None => vec![Line::styled(" loading…", Tone::Info.style(t))],
        Some(Err(e)) => {
            let text = format!(" could not fetch the object: {} — r retries", clean(e));
            let error =
                Paragraph::new(Line::styled(text, Tone::Error.style(t))).wrap(Wrap { trim: false });
            frame.render_widget(error, yaml_area);
            return;
        }
        Some(Ok(y)) => yaml_window(y, d.scroll.min(max_scroll(d)), height)
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), Style::new().fg(t.fg)))
            .collect(),
    };
    frame.render_widget(Paragraph::new(body), yaml_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_window_is_bounded_and_clean() {
        let y = "a: 1\nb: \"\u{1b}[31mred\"\nc: 3\nd: 4\n";
        assert_eq!(yaml_window(y, 1, 2), vec!["b: \"red\"", "c: 3"]);
        assert_eq!(yaml_window(y, 10, 2), Vec::<String>::new());
    }
}
