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
        | SourceId::EksNodegroups => "EKS".into(),
        SourceId::AckFileSystems => "ACK FileSystems".into(),
        other => format!("Kubernetes {}", other.label()),
    }
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
                    st.notes.push((
                        Tone::Stale,
                        format!("{} ({}) stale: {}", service(*s), s.label(), clean(reason)),
                    ));
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
        st
    }

    pub fn notices(&self, t: &Theme) -> Vec<Line<'static>> {
        self.notes
            .iter()
            .map(|(tone, text)| Line::from(Span::styled(format!(" {text}"), tone.style(t))))
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
