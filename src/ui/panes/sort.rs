//! A pane's rows sorted by one column (`s` picks the next column, `S` reverses), after
//! its filter. Ages sort by how long, other text in natural order. The order is kept
//! between frames and made again only when the pane's rows move (its stamp) or the
//! filter or sort changes. Sorting reads every row's text once, so it costs a sort per
//! change, never per frame; past [`LIMIT`] rows it waits for a filter to narrow them.

use std::rc::Rc;

use jiff::Timestamp;

use super::TablePane;
use super::filter::{Shown, position};
use crate::model::World;
use crate::ui::sanitize::sanitize;
use crate::ui::state::UiState;
pub use crate::ui::state::caches::Sort;
use crate::ui::state::caches::SortCache;

/// The most rows a sort orders. Past it a change would cost a sort of every row, and
/// frames must cost the rows shown; a filter narrows the rows first.
pub const LIMIT: usize = 10_000;

/// The next sort after `current`: the next column, then back to the pane's own order.
pub fn next(columns: &[crate::ui::widgets::table::Column], current: Option<Sort>) -> Option<Sort> {
    let column = current.map_or(0, |s| s.column + 1);
    (column < columns.len()).then_some(Sort {
        column,
        descending: false,
    })
}

/// `filtered` (or every row) in `sort`'s order, as pane positions.
pub fn sorted<P: TablePane + ?Sized>(
    p: &P,
    world: &World,
    ui: &UiState,
    filtered: Option<&Shown>,
    filter: &str,
    sort: Sort,
) -> Rc<Shown> {
    let stamp = p.stamp(world);
    if let Some(c) = ui.sort_cache.borrow().as_ref()
        && c.pane == p.id()
        && c.sort == sort
        && c.filter == filter
        && c.stamp == stamp
    {
        return Rc::clone(&c.shown);
    }
    let now = Timestamp::now();
    let positions: Vec<usize> = match filtered {
        Some(m) => (0..m.len())
            .filter_map(|i| position(m, p, world, i))
            .collect(),
        None => (0..p.len(world, ui)).collect(),
    };
    let shown = if positions.len() > LIMIT {
        // Sorting would read every row's text on each change: the pane's own order, and
        // the title says why.
        Rc::new(Shown::Positions(positions))
    } else {
        let mut keyed: Vec<(Key, usize)> = positions
            .into_iter()
            .map(|i| {
                // Ages all move with the clock, so the order they give holds.
                let text = p
                    .item(world, ui, i)
                    .map(|it| p.cell_text(world, it, sort.column, now))
                    .unwrap_or_default();
                let text = sanitize(&text);
                (Key::of(&text), i)
            })
            .collect();
        // Stable: rows that compare equal keep the pane's own order, either way.
        if sort.descending {
            keyed.sort_by(|a, b| b.0.cmp(&a.0));
        } else {
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Rc::new(Shown::Positions(
            keyed.into_iter().map(|(_, i)| i).collect(),
        ))
    };
    *ui.sort_cache.borrow_mut() = Some(SortCache {
        pane: p.id(),
        sort,
        filter: filter.to_string(),
        stamp,
        shown: Rc::clone(&shown),
    });
    shown
}

/// A row's sort key, made once per row so that the sort compares plain values: ages by
/// their seconds (before any text), other text folded to lower case with each run of
/// digits prefixed by its length, so that byte order is natural order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Age(u64),
    Text(String),
}

impl Key {
    fn of(text: &str) -> Key {
        if let Some(s) = age_secs(text) {
            return Key::Age(s);
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c.is_ascii_digit() {
                let run = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let digits = rest[..run].trim_start_matches('0');
                // The length first, so that a longer number sorts after a shorter one.
                out.push(char::from(
                    b'0' + u8::try_from(digits.len().min(70)).unwrap_or(70),
                ));
                out.push_str(digits);
                rest = &rest[run..];
            } else {
                out.extend(c.to_lowercase());
                rest = &rest[c.len_utf8()..];
            }
        }
        Key::Text(out)
    }
}

/// Seconds in an age as `format::duration` writes it ("45s", "30m", "4h", "12d").
fn age_secs(text: &str) -> Option<u64> {
    let unit = match text.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let n: u64 = text[..text.len() - 1].parse().ok()?;
    Some(n * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_compare_as_numbers_and_case_is_ignored() {
        let mut v = vec!["20Gi", "5Gi", "node-10", "Node-9", "100Gi", "a", "B", "-"];
        v.sort_by_key(|t| Key::of(t));
        assert_eq!(
            v,
            ["-", "5Gi", "20Gi", "100Gi", "a", "B", "Node-9", "node-10"]
        );
        assert_eq!(Key::of("007"), Key::of("7"));
        assert!(Key::of("59m") < Key::of("1h"));
    }

    #[test]
    fn next_visits_every_column_then_the_panes_own_order() {
        use crate::ui::widgets::table::Column;
        use ratatui::layout::Constraint::Length;
        let cols = [Column::new("A", Length(1)), Column::timed("AGE", Length(1))];
        let a = next(&cols, None);
        assert_eq!(a.map(|s| s.column), Some(0));
        let b = next(&cols, a);
        assert_eq!(b.map(|s| s.column), Some(1));
        assert_eq!(next(&cols, b), None);
    }

    #[test]
    fn ages_compare_by_how_long_not_by_their_text() {
        assert!(age_secs("59m") < age_secs("1h"));
        assert!(age_secs("23h") < age_secs("2d"));
        assert_eq!(age_secs("gp3"), None);
        assert_eq!(age_secs("-"), None);
    }
}
