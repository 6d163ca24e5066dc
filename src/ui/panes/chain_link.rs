//! One step of the detail view's chain, shared by the chains of every kind.

use crate::ui::widgets::table::Tone;

/// One step of a chain. `name` and `info` may hold outside text; they are sanitized when
/// drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: &'static str,
    pub name: String,
    pub info: String,
    pub tone: Tone,
}

pub(super) fn link(
    label: &'static str,
    name: impl Into<String>,
    info: impl Into<String>,
    tone: Tone,
) -> Link {
    Link {
        label,
        name: name.into(),
        info: info.into(),
        tone,
    }
}

pub(super) fn missing(label: &'static str, what: &str) -> Link {
    link(label, "-", what, Tone::Muted)
}
