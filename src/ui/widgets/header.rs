//! Two lines at the top: which cluster, region and account this is (and READ-ONLY when it
//! is), then the findings counted by severity and how each source is doing — counted
//! when live, named when not.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::model::findings::{Findings, Severity};
use crate::model::{HealthState, SourceId, World};
use crate::ui::format::{arn_region_account, clock, opt, thousands};
use crate::ui::sanitize::clean;
use crate::ui::state::UiState;
use crate::ui::widgets::badge::{CHECKING_MARK, mark, tone};
use crate::ui::widgets::table::Tone;

pub const HEIGHT: u16 = 2;

pub fn render(area: Rect, buf: &mut Buffer, world: &World, findings: &Findings, ui: &UiState) {
    let t = &ui.theme;
    let bg = Style::new().bg(t.header_bg).fg(t.fg);
    let key = |s: &'static str| Span::styled(s, Style::new().fg(t.muted));
    // A context's own colour marks which cluster this is (production in red, say).
    let ident = Style::new()
        .fg(ui.context_color.unwrap_or(t.fg))
        .add_modifier(Modifier::BOLD);
    let val = |s: String| Span::styled(s, Style::new().fg(t.fg).add_modifier(Modifier::BOLD));
    let ident_val = |s: String| Span::styled(s, ident);

    let mut top = vec![Span::styled(" stordeck ", t.title()), Span::raw(" ")];
    if let Some(ctx) = &ui.context {
        top.push(key("context "));
        top.push(match ui.context_color {
            Some(c) => Span::styled(
                format!(" {} ", clean(ctx)),
                Style::new()
                    .bg(c)
                    .fg(t.header_bg)
                    .add_modifier(Modifier::BOLD),
            ),
            None => val(clean(ctx)),
        });
        top.push(Span::raw("  "));
    }
    match &world.cluster {
        Some(c) => {
            let (arn_region, account) = c
                .arn
                .as_deref()
                .and_then(arn_region_account)
                .unwrap_or(("-", "-"));
            // The region the clients were pointed at: an endpoint override may answer
            // with another one in its ARNs.
            let region = world.target.region.as_deref().unwrap_or(arn_region);
            top.push(key("cluster "));
            top.push(ident_val(clean(&c.name)));
            top.push(Span::styled(
                format!(
                    " ({}, {})",
                    clean(opt(c.version.as_deref())),
                    clean(&c.status)
                ),
                Style::new().fg(t.muted),
            ));
            top.push(key("  region "));
            top.push(val(clean(region)));
            top.push(key("  account "));
            top.push(ident_val(clean(account)));
        }
        None => top.extend(cluster_unknown(world, ui)),
    }
    if ui.write_override {
        top.push(Span::raw("  "));
        top.push(Span::styled(
            " WRITABLE (--write) ",
            Style::new()
                .bg(t.warn)
                .fg(t.header_bg)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if ui.read_only {
        top.push(Span::raw("  "));
        top.push(Span::styled(
            " READ-ONLY ",
            Style::new()
                .bg(t.badge_readonly)
                .fg(t.header_bg)
                .add_modifier(Modifier::BOLD),
        ));
    }

    let mut second = findings_spans(world, findings, ui);
    second.extend(sources_line(world, ui).spans);
    Paragraph::new(vec![Line::from(top), Line::from(second)])
        .style(bg)
        .render(area, buf);
}

/// Why the cluster is not known: still being asked, failed (and why), or never named.
fn cluster_unknown(world: &World, ui: &UiState) -> Vec<Span<'static>> {
    let t = &ui.theme;
    let name = world.target.cluster.as_deref().map(clean);
    let state = world.health.get(&SourceId::EksCluster).map(|h| &h.state);
    let text = match (name, state) {
        (None, _) => {
            return vec![Span::styled(
                "no EKS cluster name: give --cluster NAME (the kubeconfig context does not say)",
                Tone::Warn.style(t),
            )];
        }
        (Some(n), Some(HealthState::Error { reason, .. })) => {
            return vec![
                Span::styled("cluster ", Style::new().fg(t.muted)),
                Span::styled(n, Style::new().fg(t.fg).add_modifier(Modifier::BOLD)),
                Span::styled(
                    format!(": EKS DescribeCluster failed: {}", clean(reason)),
                    Tone::Error.style(t),
                ),
            ];
        }
        (Some(n), _) => format!("cluster {n} (EKS DescribeCluster pending)"),
    };
    vec![Span::styled(text, Style::new().fg(t.muted))]
}

/// `✖ 2 critical  ⚠ 5 warning  … 1 checking  3 silenced  │`, only what occurs; nothing
/// before the first evaluation, and no all-clear while sources are still syncing or
/// failing or a candidate is being checked.
fn findings_spans(world: &World, findings: &Findings, ui: &UiState) -> Vec<Span<'static>> {
    let t = &ui.theme;
    if !findings.evaluated() {
        return Vec::new();
    }
    let mut spans = vec![Span::raw(" ")];
    for s in Severity::ALL {
        let n = findings.count(s);
        if n > 0 {
            let text = format!("{} {} {}", mark(s), thousands(n), s.label());
            spans.push(Span::styled(text, tone(s).style(t)));
            spans.push(Span::raw("  "));
        }
    }
    let checking = findings.checking().len();
    if checking > 0 {
        let text = format!("{CHECKING_MARK} {} checking  ", thousands(checking));
        spans.push(Span::styled(text, Tone::Info.style(t)));
    }
    if findings.silenced() > 0 {
        let text = format!("{} silenced  ", thousands(findings.silenced()));
        spans.push(Span::styled(text, Tone::Muted.style(t)));
    }
    if findings.is_empty() && checking == 0 {
        let complete = !world.health.is_empty()
            && world
                .health
                .values()
                .all(|h| !matches!(h.state, HealthState::Syncing | HealthState::Error { .. }));
        spans.push(if complete {
            Span::styled("✔ no findings  ", Tone::Ok.style(t))
        } else {
            Span::styled("no findings so far  ", Tone::Muted.style(t))
        });
    }
    spans.push(Span::styled("│", Style::new().fg(t.border)));
    spans
}

fn sources_line(world: &World, ui: &UiState) -> Line<'static> {
    let t = &ui.theme;
    let (mut live, mut syncing) = (0, 0);
    let mut others: Vec<Span<'static>> = Vec::new();
    for h in world.health.values() {
        let name = h.source.label();
        let (text, tone) = match &h.state {
            HealthState::Live => {
                live += 1;
                continue;
            }
            HealthState::Syncing => {
                syncing += 1;
                continue;
            }
            HealthState::Stale { since, .. } => (
                format!("{name} stale since {}", clock(*since, &ui.time_zone)),
                Tone::Stale,
            ),
            HealthState::Error { .. } => (format!("{name} error"), Tone::Error),
            HealthState::Absent { .. } => (format!("{name} absent"), Tone::Muted),
        };
        // A clock time rather than a countdown: it holds still between frames and says
        // when to look again.
        let text = match h.retry_at {
            Some(at) => format!("{text}, next try {}", clock(at, &ui.time_zone)),
            None => text,
        };
        if !others.is_empty() {
            others.push(Span::styled(" · ", Style::new().fg(t.muted)));
        }
        others.push(Span::styled(text, tone.style(t)));
    }
    let mut spans = vec![
        Span::styled(" sources ", Style::new().fg(t.muted)),
        Span::styled(format!("{live} live"), Tone::Ok.style(t)),
    ];
    if syncing > 0 {
        spans.push(Span::styled(
            format!(" · {syncing} syncing"),
            Tone::Info.style(t),
        ));
    }
    if world.health.is_empty() {
        spans = vec![Span::styled(" sources: connecting…", Tone::Info.style(t))];
    }
    if !others.is_empty() {
        spans.push(Span::styled("  │ ", Style::new().fg(t.border)));
        spans.extend(others);
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::Theme;

    #[test]
    fn a_failing_source_shows_its_next_try() {
        let at: jiff::Timestamp = "2025-06-01T12:00:00Z".parse().expect("timestamp");
        let w = crate::model::input::retrying_world(at);
        let mut ui = UiState::new(Theme::dark(), false);
        ui.time_zone = jiff::tz::TimeZone::UTC;
        let line: String = sources_line(&w, &ui)
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        assert!(
            line.contains("serviceaccounts error, next try 12:00:35"),
            "{line}"
        );
    }
}
