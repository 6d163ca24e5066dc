//! The marks every pane's first column shows: the worst finding naming a row's object, or
//! `…` while a rule is still confirming one.

use ratatui::layout::Constraint::Length;

use crate::model::findings::{Findings, Severity};
use crate::ui::ObjectRef;
use crate::ui::kinds::model_kind;
use crate::ui::widgets::table::{CellText, Column, Tone};

/// The narrow first column of every other pane.
pub const BADGE_COLUMN: Column = Column::new("", Length(1));

pub fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "✖",
        Severity::Warning => "⚠",
        Severity::Info => "ℹ",
    }
}

pub fn tone(s: Severity) -> Tone {
    match s {
        Severity::Critical => Tone::Critical,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Info,
    }
}

/// Marks a row whose object a rule is still confirming.
pub const CHECKING_MARK: &str = "…";

/// The badge of a row: the mark of the worst finding naming its object, `…` while a
/// candidate on it is being checked, or nothing.
pub fn badge(findings: &Findings, r: Option<&ObjectRef>) -> CellText {
    let Some((r, kind)) = r.and_then(|r| Some((r, model_kind(r.kind)?))) else {
        return CellText::from("");
    };
    let ns = r.namespace.as_deref();
    match findings.worst(kind, ns, &r.name) {
        Some(s) => CellText::new(mark(s), tone(s)),
        None if findings.checking_for(kind, ns, &r.name).is_some() => {
            CellText::new(CHECKING_MARK, Tone::Info)
        }
        None => CellText::from(""),
    }
}
