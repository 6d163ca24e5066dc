//! One file per pane. Each addresses its rows by position in display order, as cheap
//! references into the `World`, and formats only the rows asked for, so a frame costs
//! the visible rows; this module gives them one shared frame: title with counts, filter
//! and staleness, source errors and empty states, the table.

pub mod access_points;
pub mod addons;
pub mod chain;
mod chain_ebs;
pub mod chain_link;
mod chain_symptoms;
mod chain_volume;
pub mod detail;
pub mod drivers;
pub mod ebs_volumes;
mod filter;
pub mod findings;
mod findings_evidence;
pub mod lifecycle;
pub mod sort;
mod status;
pub mod volumes;
mod volumes_filter;

use std::rc::Rc;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::model::findings::Findings;
use crate::model::{SourceId, World};
use crate::ui::format::{clock, thousands};
use crate::ui::state::UiState;
use crate::ui::widgets::table::{CellText, Column, Tone, VirtualTable, body_height};
use crate::ui::{ObjectRef, PaneId};

pub use filter::Shown;
#[cfg(test)]
use filter::contains_folded;
pub use filter::{Stamp, digest};
pub use status::PaneStatus;

/// Everything a pane may read while rendering.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub findings: &'a Findings,
    pub ui: &'a UiState,
    pub now: Timestamp,
}

pub trait TablePane {
    /// A row in display order: a reference (or a few) into the `World`.
    type Item<'w>: Copy;

    fn id(&self) -> PaneId;
    fn columns(&self) -> &'static [Column];
    /// The sources whose health this pane reports (errors, staleness, syncing).
    fn sources(&self) -> &'static [SourceId];
    /// What to say when the sources are live and there is nothing to show.
    fn empty_hint(&self) -> &'static str;
    /// How many rows the pane lists.
    fn len(&self, world: &World, ui: &UiState) -> usize;
    /// Row `i` in display order.
    fn item<'w>(&self, world: &'w World, ui: &UiState, i: usize) -> Option<Self::Item<'w>>;
    /// Where the row showing `target` is, unfiltered. This default looks at every row:
    /// large panes answer from their tables.
    fn position(&self, world: &World, ui: &UiState, target: &ObjectRef) -> Option<usize> {
        (0..self.len(world, ui)).find(|i| {
            self.item(world, ui, *i)
                .and_then(|it| self.object_ref(it))
                .is_some_and(|r| &r == target)
        })
    }
    /// What the rows' text is made of: the filter's matches are checked again when it
    /// moves. By default the World's version, which moves with any change.
    fn stamp(&self, world: &World) -> Stamp {
        Stamp::version(world)
    }
    /// The rows matching `filter` (lower-case); panes that can follow their tables'
    /// change logs override this to re-check only what changed.
    fn matches(&self, world: &World, ui: &UiState, filter: &str) -> Rc<Shown> {
        filter::by_position(self, world, ui, filter)
    }
    /// The position of the row a key of [`Shown::Keys`] names.
    fn key_position(&self, _world: &World, _key: &str) -> Option<usize> {
        None
    }
    fn cells(&self, world: &World, item: Self::Item<'_>, now: Timestamp) -> Vec<CellText>;
    /// The text of one column of a row, for sorting; large panes make only that cell.
    fn cell_text(
        &self,
        world: &World,
        item: Self::Item<'_>,
        column: usize,
        now: Timestamp,
    ) -> String {
        self.cells(world, item, now)
            .into_iter()
            .nth(column)
            .map(|c| c.text)
            .unwrap_or_default()
    }
    /// The object a row shows, if it is one stordeck can name.
    fn object_ref(&self, item: Self::Item<'_>) -> Option<ObjectRef>;

    /// Whether rows carry a badge for the findings that name their object.
    fn badges(&self) -> bool {
        true
    }

    /// Lays out the pane; panes with gauges or a history override this.
    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
        render_table(self, frame, area, cx);
    }
}

/// Calls `$body` with `$p` bound to the pane `$id` names.
macro_rules! with_pane {
    ($id:expr, $findings:expr, $p:ident => $body:expr) => {
        match $id {
            PaneId::Drivers => {
                let $p = &drivers::Drivers;
                $body
            }
            PaneId::Addons => {
                let $p = &addons::Addons;
                $body
            }
            PaneId::Volumes => {
                let $p = &volumes::Volumes($findings);
                $body
            }
            PaneId::AccessPoints => {
                let $p = &access_points::AccessPoints($findings);
                $body
            }
            PaneId::Lifecycle => {
                let $p = &lifecycle::Lifecycle;
                $body
            }
            PaneId::Findings => {
                let $p = &findings::FindingsPane($findings);
                $body
            }
            PaneId::EbsVolumes => {
                let $p = &ebs_volumes::EbsVolumes($findings);
                $body
            }
        }
    };
}

/// The sources behind pane `id`, whose health its views report.
pub fn sources_of(id: PaneId, findings: &Findings) -> &'static [SourceId] {
    with_pane!(id, findings, p => p.sources())
}

pub fn render(id: PaneId, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
    with_pane!(id, cx.findings, p => p.render(frame, area, cx))
}

/// Rows the active pane shows after its filter.
pub fn row_count(world: &World, findings: &Findings, ui: &UiState) -> usize {
    with_pane!(ui.pane(), findings, p => {
        view(p, world, ui).map_or_else(|| p.len(world, ui), |m| m.len())
    })
}

/// The object behind the selected row of the active pane.
pub fn selected_ref(world: &World, findings: &Findings, ui: &UiState) -> Option<ObjectRef> {
    with_pane!(ui.pane(), findings, p => {
        selected_item(p, world, ui).and_then(|it| p.object_ref(it))
    })
}

/// The item drawn as selected in `p` (rows may have gone since the cursor was placed).
fn selected_item<'w, P: TablePane + ?Sized>(
    p: &P,
    world: &'w World,
    ui: &UiState,
) -> Option<P::Item<'w>> {
    let matches = view(p, world, ui);
    let len = matches
        .as_ref()
        .map_or_else(|| p.len(world, ui), |m| m.len());
    let shown = ui.nav[p.id().index()].selected.min(len.checked_sub(1)?);
    let i = resolve(p, world, matches.as_deref(), shown)?;
    p.item(world, ui, i)
}

/// Where the row showing `target` is in `pane`, unfiltered.
pub(crate) fn position_of(
    pane: PaneId,
    world: &World,
    findings: &Findings,
    ui: &UiState,
    target: &ObjectRef,
) -> Option<usize> {
    with_pane!(pane, findings, p => p.position(world, ui, target))
}

/// Row counts for the tabs, straight from the tables (no row is formatted).
pub fn counts(world: &World, findings: &Findings) -> [usize; PaneId::ALL.len()] {
    [
        world.csi_drivers.len(),
        world.addons.len(),
        world.pvs.len(),
        world.access_points.len(),
        world.file_systems.len()
            + world.mount_targets.len()
            + world.access_points.len()
            + world.ebs_volumes.len(),
        findings.len(),
        world.ebs_volumes.len(),
    ]
}

/// The pane position of the `i`-th row shown.
fn resolve<P: TablePane + ?Sized>(
    p: &P,
    world: &World,
    matches: Option<&Shown>,
    i: usize,
) -> Option<usize> {
    match matches {
        Some(m) => filter::position(m, p, world, i),
        None => Some(i),
    }
}

/// The rows matching the pane's filter, or `None` without a filter. Matches on the
/// sanitized text of the columns that do not tick with the clock.
fn filtered<P: TablePane + ?Sized>(p: &P, world: &World, ui: &UiState) -> Option<Rc<Shown>> {
    let filter = ui.nav[p.id().index()].filter.to_lowercase();
    (!filter.is_empty()).then(|| p.matches(world, ui, &filter))
}

/// The rows shown, in the order shown: the filter's matches, sorted when a sort is set;
/// `None` when neither is (row `i` is then position `i`).
fn view<P: TablePane + ?Sized>(p: &P, world: &World, ui: &UiState) -> Option<Rc<Shown>> {
    let matches = filtered(p, world, ui);
    match ui.nav[p.id().index()].sort {
        None => matches,
        Some(s) => {
            let filter = ui.nav[p.id().index()].filter.to_lowercase();
            Some(sort::sorted(p, world, ui, matches.as_deref(), &filter, s))
        }
    }
}

/// Where position `row` of `pane` is shown, now that its filter is clear.
pub(crate) fn shown_index(
    pane: PaneId,
    world: &World,
    findings: &Findings,
    ui: &UiState,
    row: usize,
) -> usize {
    with_pane!(pane, findings, p => match view(p, world, ui).as_deref() {
        Some(Shown::Positions(v)) => v.iter().position(|&i| i == row).unwrap_or(row),
        _ => row,
    })
}

/// The sort the active pane's `s` moves to next.
pub fn next_sort(
    pane: PaneId,
    findings: &Findings,
    current: Option<sort::Sort>,
) -> Option<sort::Sort> {
    with_pane!(pane, findings, p => sort::next(p.columns(), current))
}

/// The bordered frame every pane sits in, titled with its name, counts, filter and
/// source state.
pub fn pane_block<'a>(
    cx: &Ctx<'_>,
    id: PaneId,
    status: &PaneStatus,
    shown: usize,
    total: usize,
) -> Block<'a> {
    let t = &cx.ui.theme;
    let nav = &cx.ui.nav[id.index()];
    let mut title = vec![Span::styled(format!(" {} ", id.title()), t.title())];
    if nav.filter.is_empty() {
        title.push(Span::styled(
            format!("[{}] ", thousands(total)),
            Style::new().fg(t.muted),
        ));
    } else {
        title.push(Span::styled(
            format!("[{} of {}] ", thousands(shown), thousands(total)),
            Style::new().fg(t.muted),
        ));
        title.push(Span::styled(
            format!("/{} ", crate::ui::sanitize::clean(&nav.filter)),
            Style::new().fg(t.accent),
        ));
    }
    if let Some(since) = status.stale_since {
        let text = format!("stale since {} ", clock(since, &cx.ui.time_zone));
        title.push(Span::styled(text, Tone::Stale.style(t)));
    }
    if status.syncing {
        title.push(Span::styled("syncing… ", Tone::Info.style(t)));
    }
    if let Some(s) = nav.sort {
        let name =
            with_pane!(id, cx.findings, p => p.columns().get(s.column).map_or("?", |c| c.title));
        let arrow = if s.descending { "↓" } else { "↑" };
        title.push(Span::styled(
            format!("by {name} {arrow} "),
            Style::new().fg(t.accent),
        ));
        if shown > sort::LIMIT {
            title.push(Span::styled(
                format!(
                    "(paused over {} rows: / to narrow) ",
                    thousands(sort::LIMIT)
                ),
                Tone::Warn.style(t),
            ));
        }
    }
    if cx.ui.wide {
        title.push(Span::styled("wide ", Style::new().fg(t.accent)));
    }
    Block::bordered()
        .title(Line::from(title))
        .border_style(t.border())
        .style(t.base())
}

/// The standard pane body: notices, then the table or what to do about its emptiness.
pub fn render_table<P: TablePane + ?Sized>(p: &P, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
    let t = &cx.ui.theme;
    let total = p.len(cx.world, cx.ui);
    let matches = view(p, cx.world, cx.ui);
    let len = matches.as_ref().map_or(total, |m| m.len());
    let status = PaneStatus::of(cx.world, p.sources());
    let block = pane_block(cx, p.id(), &status, len, total);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let notices = status.notices(t, inner.width);
    let notice_h = (notices.len() as u16).min(inner.height / 2);
    let [notes_area, table_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(notice_h),
        ratatui::layout::Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(notices).wrap(Wrap { trim: false }),
        notes_area,
    );

    if len == 0 {
        let msg = status.empty_message(cx.ui, p.empty_hint(), total);
        if let Some(msg) = msg {
            frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: false }), table_area);
        }
        return;
    }
    let nav = &cx.ui.nav[p.id().index()];
    cx.ui.viewport.set(body_height(table_area));
    let body = Rect {
        y: table_area.y + 1,
        height: table_area.height.saturating_sub(1),
        ..table_area
    };
    cx.ui.table_body.set(body);
    cx.ui
        .table_first
        .set(crate::ui::widgets::table::window_offset(
            len,
            nav.selected,
            nav.offset,
            body_height(table_area),
        ));
    let badges = p.badges();
    let columns: Vec<Column> = if badges {
        std::iter::once(crate::ui::widgets::badge::BADGE_COLUMN)
            .chain(p.columns().iter().copied())
            .collect()
    } else {
        p.columns().to_vec()
    };
    VirtualTable {
        columns: &columns,
        len,
        selected: nav.selected,
        offset: nav.offset,
        build: |i| {
            let Some(it) = resolve(p, cx.world, matches.as_deref(), i)
                .and_then(|i| p.item(cx.world, cx.ui, i))
            else {
                return Vec::new();
            };
            let cells = p.cells(cx.world, it, cx.now);
            if !badges {
                return cells;
            }
            let badge = crate::ui::widgets::badge::badge(cx.findings, p.object_ref(it).as_ref());
            std::iter::once(badge).chain(cells).collect()
        },
        theme: t,
        wide: cx.ui.wide,
    }
    .render(table_area, frame.buffer_mut());
}

#[cfg(test)]
mod tests;
