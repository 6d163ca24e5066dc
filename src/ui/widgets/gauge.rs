//! A one-line gauge of use against a quota, coloured by how close it is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{LineGauge, Widget};

use crate::ui::format::thousands;
use crate::ui::sanitize::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::Tone;

/// How worrying a usage level is: warn from 80 %, critical from 95 %.
pub fn quota_tone(used: usize, quota: usize) -> Tone {
    let pct = used.saturating_mul(100) / quota.max(1);
    match pct {
        95.. => Tone::Critical,
        80.. => Tone::Warn,
        _ => Tone::Ok,
    }
}

/// `label` comes from outside (a file system name) and is sanitized here.
pub fn render_quota(
    area: Rect,
    buf: &mut Buffer,
    label: &str,
    used: usize,
    quota: usize,
    t: &Theme,
) {
    let ratio = (used as f64 / quota.max(1) as f64).clamp(0.0, 1.0);
    let text = format!(
        "{}  {}/{} ({:.0}%)",
        clean(label),
        thousands(used),
        thousands(quota),
        ratio * 100.0
    );
    LineGauge::default()
        .ratio(ratio)
        .label(text)
        .style(Style::new().fg(t.fg))
        .filled_style(quota_tone(used, quota).style(t))
        .unfilled_style(Style::new().fg(t.border))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_by_threshold() {
        assert_eq!(quota_tone(0, 10_000), Tone::Ok);
        assert_eq!(quota_tone(7_999, 10_000), Tone::Ok);
        assert_eq!(quota_tone(8_000, 10_000), Tone::Warn);
        assert_eq!(quota_tone(9_500, 10_000), Tone::Critical);
        assert_eq!(quota_tone(12_000, 10_000), Tone::Critical);
        assert_eq!(quota_tone(1, 0), Tone::Critical);
    }
}
