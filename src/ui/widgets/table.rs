//! A table that builds `Row`s only for the rows on screen, so a pane of 100,000 volumes
//! costs what twenty cost. Every cell's text passes through the sanitizer here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Span, Text};
use ratatui::widgets::{Cell, HighlightSpacing, Row, StatefulWidget, Table, TableState};

use crate::ui::sanitize::sanitize;
use crate::ui::theme::Theme;

pub use super::columns::Column;

/// What a value means, which the theme turns into a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Muted,
    Accent,
    Ok,
    Warn,
    Error,
    Critical,
    Info,
    Stale,
}

impl Tone {
    pub fn style(self, t: &Theme) -> Style {
        let s = Style::new();
        match self {
            Tone::Normal => s.fg(t.fg),
            Tone::Muted => s.fg(t.muted),
            Tone::Accent => s.fg(t.accent),
            Tone::Ok => s.fg(t.ok),
            Tone::Warn => s.fg(t.warn),
            Tone::Error => s.fg(t.error),
            Tone::Critical => s.fg(t.critical).add_modifier(Modifier::BOLD),
            Tone::Info => s.fg(t.info),
            Tone::Stale => s.fg(t.stale),
        }
    }
}

/// One cell's raw text (possibly from outside; sanitized when drawn) and its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellText {
    pub text: String,
    pub tone: Tone,
}

impl CellText {
    pub fn new(text: impl Into<String>, tone: Tone) -> Self {
        CellText {
            text: text.into(),
            tone,
        }
    }
}

impl<T: Into<String>> From<T> for CellText {
    fn from(t: T) -> Self {
        CellText::new(t, Tone::Normal)
    }
}

/// The first row to show so that `selected` is on screen, moving `offset` as little as
/// possible (k9s and less behave this way).
pub fn window_offset(len: usize, selected: usize, offset: usize, height: usize) -> usize {
    if len == 0 || height == 0 {
        return 0;
    }
    let selected = selected.min(len - 1);
    let max_offset = len.saturating_sub(height);
    let offset = offset.min(max_offset);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// Body rows a table of `area` has (one line goes to the header).
pub fn body_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1))
}

pub struct VirtualTable<'a, F> {
    pub columns: &'a [Column],
    pub len: usize,
    pub selected: usize,
    pub offset: usize,
    /// Builds the cells of row `i`; called only for rows on screen.
    pub build: F,
    pub theme: &'a Theme,
    /// Every column, however narrow the terminal.
    pub wide: bool,
}

const SPACING: u16 = 1;

impl<F: FnMut(usize) -> Vec<CellText>> VirtualTable<'_, F> {
    /// Draws the window around the selection; returns how many rows it built.
    pub fn render(mut self, area: Rect, buf: &mut Buffer) -> usize {
        let height = body_height(area);
        let first = window_offset(self.len, self.selected, self.offset, height);
        let last = (first + height).min(self.len);
        let theme = self.theme;
        let cells: Vec<Vec<CellText>> = (first..last).map(|i| (self.build)(i)).collect();
        let built = cells.len();
        // One cell goes to the selection mark.
        let longest = |i: usize| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| Span::raw(sanitize(&c.text)).width())
                .max()
                .unwrap_or(0)
        };
        let (shown, widths) = super::columns::layout(
            self.columns,
            longest,
            area.width.saturating_sub(1),
            SPACING,
            self.wide,
        );
        let rows: Vec<Row<'_>> = cells
            .into_iter()
            .map(|mut row| {
                let picked = shown
                    .iter()
                    .filter_map(|&i| row.get_mut(i).map(std::mem::take))
                    .collect();
                cells_row(picked, theme)
            })
            .collect();
        let header = Row::new(shown.iter().map(|&i| Cell::from(self.columns[i].title)))
            .style(Style::new().fg(theme.muted).add_modifier(Modifier::BOLD));
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(SPACING)
            .style(theme.base())
            .row_highlight_style(theme.selected())
            // A mark as well as a colour: readable without colour and in text snapshots.
            .highlight_symbol("›")
            .highlight_spacing(HighlightSpacing::Always);
        let mut state = TableState::default()
            .with_selected((self.len > 0).then(|| self.selected.min(self.len - 1) - first));
        StatefulWidget::render(table, area, buf, &mut state);
        built
    }
}

pub fn cells_row(cells: Vec<CellText>, theme: &Theme) -> Row<'static> {
    Row::new(cells.into_iter().map(|c| {
        let text = sanitize(&c.text).into_owned();
        Cell::from(Text::from(text)).style(c.tone.style(theme))
    }))
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Constraint;

    use super::*;

    #[test]
    fn window_follows_selection_minimally() {
        assert_eq!(window_offset(100, 0, 0, 10), 0);
        assert_eq!(window_offset(100, 9, 0, 10), 0);
        assert_eq!(window_offset(100, 10, 0, 10), 1);
        assert_eq!(window_offset(100, 5, 50, 10), 5);
        assert_eq!(window_offset(100, 99, 0, 10), 90);
        assert_eq!(
            window_offset(5, 2, 40, 10),
            0,
            "offset past the end snaps back"
        );
        assert_eq!(window_offset(0, 3, 3, 10), 0);
    }

    #[test]
    fn a_huge_table_builds_only_visible_rows() {
        let theme = Theme::dark();
        let columns = [Column::new("N", Constraint::Length(12))];
        let area = Rect::new(0, 0, 40, 21);
        let mut buf = Buffer::empty(area);
        let mut calls = Vec::new();
        let built = VirtualTable {
            columns: &columns,
            len: 100_000,
            selected: 54_321,
            offset: 0,
            build: |i| {
                calls.push(i);
                vec![CellText::from(format!("row {i}"))]
            },
            theme: &theme,
            wide: false,
        }
        .render(area, &mut buf);
        assert_eq!(built, 20);
        assert_eq!(calls, (54_302..=54_321).collect::<Vec<_>>());
        let last_line: String = (0..40).map(|x| buf[(x, 20)].symbol().to_string()).collect();
        assert!(last_line.starts_with("›row 54321"), "{last_line:?}");
    }

    #[test]
    fn cells_are_sanitized() {
        let theme = Theme::dark();
        let columns = [Column::new("N", Constraint::Length(20))];
        let area = Rect::new(0, 0, 20, 2);
        let mut buf = Buffer::empty(area);
        VirtualTable {
            columns: &columns,
            len: 1,
            selected: 0,
            offset: 0,
            build: |_| vec![CellText::from("a\u{1b}[2Jb\u{1b}]0;x\u{7}c")],
            theme: &theme,
            wide: false,
        }
        .render(area, &mut buf);
        let line: String = (0..20).map(|x| buf[(x, 1)].symbol().to_string()).collect();
        assert_eq!(line.trim_end(), "›abc");
    }
}
