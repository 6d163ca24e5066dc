//! Findings, most severe first, with the evidence of the selected one underneath;
//! `Enter` goes to the row of the object it names in its own pane (or, for objects no
//! pane lists, to that object's detail view). Also the badge other panes put on rows a
//! finding names, and the mapping between the model's object kinds and the UI's.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::chain_link::Link;
use super::findings_evidence::{evidence_lines, render_evidence, wrapped_height};
use super::{Ctx, TablePane, position_of, render_table, selected_item, shown_index};
use crate::model::findings::{Findings, plural};
use crate::model::{HealthState, SourceId, World};
use crate::ui::format::{age, clock};
use crate::ui::kinds::{destination, model_kind, pane_for, ui_ref};
use crate::ui::state::{Detail, UiState};
use crate::ui::widgets::badge::{CHECKING_MARK, mark, tone};
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectRef, PaneId, UiCommand};

pub struct FindingsPane<'f>(pub &'f Findings);

const COLUMNS: &[Column] = &[
    Column::new("SEVERITY", Length(10)),
    Column::new("RULE", Length(20)),
    Column::new("FOR", Length(5)),
    Column::new("TITLE", Fill(1)),
    Column::new("OBJECT", Length(22)).ident(),
    Column::new("FIX", Length(19)).optional(1),
];

/// The findings naming an object, as lines of the detail view's chain.
pub fn finding_links(findings: &Findings, target: &ObjectRef) -> Vec<Link> {
    let Some(kind) = model_kind(target.kind) else {
        return Vec::new();
    };
    let ns = target.namespace.as_deref();
    let mut links: Vec<Link> = findings
        .naming(kind, ns, &target.name)
        .map(|f| Link {
            label: "finding",
            name: format!("{} {}", mark(f.severity), f.id),
            info: match &f.silenced {
                Some(why) => format!("{} (silenced: {why})", f.title),
                None => f.title.clone(),
            },
            tone: if f.silenced.is_some() {
                Tone::Muted
            } else {
                tone(f.severity)
            },
        })
        .collect();
    if let Some(c) = findings.checking_for(kind, ns, &target.name) {
        links.push(Link {
            label: "checking",
            name: format!("{CHECKING_MARK} {}", c.rule),
            info: format!("not a finding until confirmed: {}", c.why),
            tone: Tone::Info,
        });
    }
    links
}

/// `Enter` on a finding: select its object's row in that object's pane, or open the
/// detail view of an object no pane lists.
pub(crate) fn go_to_object(ui: &mut UiState, world: &World, findings: &Findings) -> Vec<UiCommand> {
    let Some(f) = selected_item(&FindingsPane(findings), world, ui).and_then(|i| findings.get(i))
    else {
        return Vec::new();
    };
    for o in f.objects() {
        let (Some(pane), Some(target)) = (pane_for(o.kind), ui_ref(o)) else {
            continue;
        };
        if let Some(row) = position_of(pane, world, findings, ui, &target) {
            let page = ui.page();
            ui.pane = pane;
            ui.typing_filter = false;
            let nav = &mut ui.nav[pane.index()];
            // The row may be filtered out: show it rather than keep the filter.
            nav.filter.clear();
            let row = shown_index(pane, world, findings, ui, row);
            let nav = &mut ui.nav[pane.index()];
            nav.selected = row;
            nav.offset = row.saturating_sub(page / 2);
            return Vec::new();
        }
    }
    match f.objects().find_map(ui_ref) {
        Some(target) => {
            ui.detail = Some(Detail {
                target: target.clone(),
                yaml: None,
                scroll: 0,
            });
            vec![UiCommand::FetchObject(target)]
        }
        None => Vec::new(),
    }
}

impl TablePane for FindingsPane<'_> {
    /// Index into the findings.
    type Item<'w> = usize;

    fn id(&self) -> PaneId {
        PaneId::Findings
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[]
    }

    fn empty_hint(&self) -> &'static str {
        "No findings: none of the hazards stordeck checks for shows in what the sources reported."
    }

    fn len(&self, _: &World, _: &UiState) -> usize {
        self.0.len()
    }

    fn item(&self, _: &World, _: &UiState, i: usize) -> Option<usize> {
        (i < self.0.len()).then_some(i)
    }

    fn cells(&self, _world: &World, i: usize, now: Timestamp) -> Vec<CellText> {
        let Some(f) = self.0.get(i) else {
            return Vec::new();
        };
        // The kind is in the title; the name is what to look for in the other panes.
        let object = f.subject().map_or_else(
            || CellText::new("-", Tone::Muted),
            |o| CellText::from(o.display_name()),
        );
        let cells = vec![
            CellText::new(
                format!("{} {}", mark(f.severity), f.severity.label()),
                tone(f.severity),
            ),
            CellText::new(f.id, Tone::Accent),
            CellText::new(age(f.since, now), Tone::Muted),
            match &f.silenced {
                Some(_) => format!("silenced: {}", f.title).into(),
                None => f.title.clone().into(),
            },
            object,
            f.fix.as_ref().map_or_else(
                || CellText::new("-", Tone::Muted),
                |x| CellText::from(x.label()),
            ),
        ];
        // Accepted by the user: still listed, but nothing on it may catch the eye.
        if f.silenced.is_some() {
            return cells
                .into_iter()
                .map(|c| CellText::new(c.text, Tone::Muted))
                .collect();
        }
        cells
    }

    fn object_ref(&self, i: usize) -> Option<ObjectRef> {
        destination(self.0.get(i)?).map(|(_, r)| r)
    }

    fn badges(&self) -> bool {
        false
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
        let t = &cx.ui.theme;
        let notes: Vec<Line> = [
            incomplete_note(cx.world),
            checking_note(self.0),
            refreshing_note(cx.world, &cx.ui.time_zone),
        ]
        .into_iter()
        .flatten()
        .map(|n| Line::styled(n, Tone::Info.style(t)))
        .collect();
        let selected = selected_item(self, cx.world, cx.ui).and_then(|i| self.0.get(i));
        let evidence_h = selected.map_or(0, |f| {
            let rows = wrapped_height(&evidence_lines(f, t, cx.now), area.width.saturating_sub(2));
            u16::try_from(rows)
                .unwrap_or(u16::MAX)
                .saturating_add(2)
                .min(area.height / 2)
        });
        let [note_area, table, evidence] =
            Layout::vertical([Length(notes.len() as u16), Fill(1), Length(evidence_h)]).areas(area);
        frame.render_widget(Paragraph::new(notes), note_area);
        render_table(self, frame, table, cx);
        if let Some(f) = selected {
            render_evidence(frame, evidence, f, t, cx.now);
        }
    }
}

/// Candidates are not findings, but saying nothing of them would hide that the list may
/// still grow.
fn checking_note(findings: &Findings) -> Option<String> {
    let n = findings.checking().len();
    (n > 0).then(|| {
        format!(
            " {CHECKING_MARK} {} being confirmed with fresh reads before {} listed (marked {CHECKING_MARK} in the other panes).",
            plural(n, "candidate", "candidates"),
            if n == 1 { "it is" } else { "they are" }
        )
    })
}

/// While EKS runs its insights again, the `eks-insight` rows are its previous verdicts.
fn refreshing_note(world: &World, tz: &jiff::tz::TimeZone) -> Option<String> {
    let r = world
        .insights_refresh
        .as_ref()
        .filter(|r| r.in_progress())?;
    let since = r
        .started_at
        .map_or_else(String::new, |t| format!(" since {}", clock(t, tz)));
    Some(format!(
        " EKS is running its insights again{since}; the eks-insight rows are its last verdicts until it ends."
    ))
}

/// Findings are only as complete as the sources behind them.
fn incomplete_note(world: &World) -> Option<String> {
    let (mut syncing, mut failing) = (0, 0);
    for h in world.health.values() {
        match h.state {
            HealthState::Syncing => syncing += 1,
            HealthState::Error { .. } => failing += 1,
            _ => {}
        }
    }
    let sources = |n: usize| if n == 1 { "source" } else { "sources" };
    let what = match (syncing, failing) {
        (0, 0) => return None,
        (s, 0) => format!("{s} {} still syncing", sources(s)),
        (0, f) => format!("{f} {} failing", sources(f)),
        (s, f) => format!("{s} {} still syncing, {f} failing", sources(s)),
    };
    Some(format!(
        " Findings may be incomplete: {what} (see the header)."
    ))
}
