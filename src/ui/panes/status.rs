//! What a pane says about the sources behind it: errors with what to do, staleness in
//! the title, "syncing…" while the first answer is on its way.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::{HealthState, SourceId, World};
use crate::ui::sanitize::clean;
use crate::ui::state::UiState;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::Tone;

#[derive(Debug, Default)]
pub struct PaneStatus {
    /// Earliest time any source of the pane went stale.
    pub stale_since: Option<jiff::Timestamp>,
    /// Some source has not answered yet.
    pub syncing: bool,
    notes: Vec<(Tone, String)>,
    errored: bool,
}

/// How the operator knows a source: by the service, or by the Kubernetes kind.
fn service(s: SourceId) -> String {
    match s {
        SourceId::EfsFileSystems | SourceId::EfsAccessPoints | SourceId::EfsMountTargets => {
            "EFS".into()
        }
        SourceId::EksCluster
        | SourceId::EksAddons
        | SourceId::EksFargateProfiles
        | SourceId::EksNodegroups
        | SourceId::EksInsights => "EKS".into(),
        SourceId::Ec2Volumes | SourceId::Ec2Instances => "EC2".into(),
        SourceId::AckFileSystems => "ACK FileSystems".into(),
        other => format!("Kubernetes {}", other.label()),
    }
}

/// A service and the poller within it, or the Kubernetes kind.
fn who(s: SourceId) -> String {
    let what = service(s);
    if s.is_aws() {
        format!("{what} ({})", s.label())
    } else {
        what
    }
}

/// Greedy word wrap by characters; a word longer than the width is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let cur = lines.last_mut().map_or(0, |l| l.chars().count());
            let sep = usize::from(cur > 0);
            if cur + sep + word.len() <= width {
                if let Some(l) = lines.last_mut() {
                    if sep == 1 {
                        l.push(' ');
                    }
                    l.extend(word.iter());
                }
                break;
            }
            if cur > 0 {
                lines.push(String::new());
                continue;
            }
            let rest = word.split_off(width);
            if let Some(l) = lines.last_mut() {
                l.extend(word.iter());
            }
            lines.push(String::new());
            word = rest;
        }
    }
    lines
}

impl PaneStatus {
    pub fn of(world: &World, sources: &[SourceId]) -> PaneStatus {
        let mut st = PaneStatus::default();
        for s in sources {
            let Some(h) = world.health.get(s) else {
                st.syncing = true;
                continue;
            };
            match &h.state {
                HealthState::Live => {}
                HealthState::Syncing => st.syncing = true,
                HealthState::Stale { since, reason } => {
                    st.stale_since = Some(st.stale_since.map_or(*since, |t| t.min(*since)));
                    st.notes
                        .push((Tone::Stale, format!("{} stale: {}", who(*s), clean(reason))));
                }
                HealthState::Error { reason, hint } => {
                    st.errored = true;
                    let what = service(*s);
                    // Several EFS pollers failing usually share one cause: say it once.
                    let text = format!("{what} unavailable: {} — {}", clean(reason), clean(hint));
                    if !st.notes.iter().any(|(_, t)| t == &text) {
                        st.notes.push((Tone::Error, text));
                    }
                }
                HealthState::Absent { reason } => {
                    let text = if *s == SourceId::AckFileSystems {
                        "ACK EFS controller CRD not installed — lifecycle drift cannot be checked"
                            .to_string()
                    } else {
                        format!("{}: {}", service(*s), clean(reason))
                    };
                    st.notes.push((Tone::Muted, text));
                }
            }
        }
        let next = sources
            .iter()
            .filter_map(|s| world.health.get(s))
            .filter(|h| !matches!(h.state, HealthState::Live | HealthState::Syncing))
            .filter_map(|h| h.retry_at)
            .min();
        if let Some(at) = next {
            // `of` has no UiState; the system zone is the one the header uses unless a
            // test pins it.
            let at = crate::ui::format::clock(at, &jiff::tz::TimeZone::system());
            st.notes
                .push((Tone::Muted, format!("next try at {at}; r retries now")));
        }
        st
    }

    /// The notes as lines wrapped to `width`, so the caller knows their true height.
    pub fn notices(&self, t: &Theme, width: u16) -> Vec<Line<'static>> {
        self.notes
            .iter()
            .flat_map(|(tone, text)| {
                let style = tone.style(t);
                wrap(text, usize::from(width).saturating_sub(1))
                    .into_iter()
                    .map(move |l| Line::from(Span::styled(format!(" {l}"), style)))
            })
            .collect()
    }

    /// What an empty table says instead; `None` when the notices already explain it.
    pub fn empty_message(
        &self,
        ui: &UiState,
        hint: &str,
        unfiltered: usize,
    ) -> Option<Line<'static>> {
        let t = &ui.theme;
        let line = |s: String, tone: Tone| Some(Line::from(Span::styled(s, tone.style(t))));
        if unfiltered > 0 {
            let f = clean(ui.filter());
            return line(
                format!(" No rows match /{f} — Esc clears the filter."),
                Tone::Muted,
            );
        }
        if self.errored {
            return None;
        }
        if self.syncing {
            return line(" syncing…".into(), Tone::Info);
        }
        Some(Line::from(Span::styled(
            format!(" {hint}"),
            Style::new().fg(t.muted),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_source_says_when_it_tries_again() {
        let at: jiff::Timestamp = "2025-06-01T12:00:00Z".parse().expect("timestamp");
        let w = crate::model::input::retrying_world(at);
        let st = PaneStatus::of(&w, &[SourceId::ServiceAccounts]);
        let due = crate::ui::format::clock(
            at + jiff::SignedDuration::from_secs(35),
            &jiff::tz::TimeZone::system(),
        );
        assert!(
            st.notes
                .iter()
                .any(|(_, t)| t == &format!("next try at {due}; r retries now")),
            "{:?}",
            st.notes
        );
    }

    #[test]
    fn wraps_on_words_and_splits_long_ones() {
        assert_eq!(
            wrap("EFS unavailable: denied — fix it", 16),
            ["EFS unavailable:", "denied — fix it"]
        );
        assert_eq!(
            wrap("abcdefghijklmnopqrstuvwxyz", 10),
            ["abcdefghij", "klmnopqrst", "uvwxyz"]
        );
        assert_eq!(wrap("", 10), [""]);
    }
}
