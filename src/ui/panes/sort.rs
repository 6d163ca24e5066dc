//! A pane's rows sorted by one column (`s` picks the next column, `S` reverses), after
//! its filter. Ages sort by how long, other text in natural order. The order is kept between frames and made again only when the pane's
//! rows move (its stamp) or the filter or sort changes. Sorting reads every row's text
//! once, so a sorted pane of 100,000 rows costs a sort per change, not per frame.

use std::cmp::Ordering;
use std::rc::Rc;

use jiff::Timestamp;

use super::TablePane;
use super::filter::{Shown, position};
use crate::model::World;
use crate::ui::sanitize::sanitize;
use crate::ui::state::UiState;
pub use crate::ui::state::caches::Sort;
use crate::ui::state::caches::SortCache;

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
    let mut keyed: Vec<(String, usize)> = positions
        .into_iter()
        .map(|i| {
            let text = p
                .item(world, ui, i)
                .and_then(|it| {
                    // Ages all move with the clock, so the order they give holds.
                    p.cells(world, it, now).into_iter().nth(sort.column)
                })
                .map(|c| sanitize(&c.text).into_owned())
                .unwrap_or_default();
            (text, i)
        })
        .collect();
    // Stable: rows that compare equal keep the pane's own order, whichever direction.
    keyed.sort_by(|a, b| {
        let o = match (age_secs(&a.0), age_secs(&b.0)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => natural(&a.0, &b.0),
        };
        if sort.descending { o.reverse() } else { o }
    });
    let shown = Rc::new(Shown::Positions(
        keyed.into_iter().map(|(_, i)| i).collect(),
    ));
    *ui.sort_cache.borrow_mut() = Some(SortCache {
        pane: p.id(),
        sort,
        filter: filter.to_string(),
        stamp,
        shown: Rc::clone(&shown),
    });
    shown
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

/// Text order in which runs of digits compare as numbers ("5Gi" < "20Gi",
/// "node-9" < "node-10") and letters ignore case.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.len() - a.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let db = b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let (na, nb) = (
                    a[..da].trim_start_matches('0'),
                    b[..db].trim_start_matches('0'),
                );
                let o = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if o != Ordering::Equal {
                    return o;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                let o = x.to_lowercase().cmp(y.to_lowercase());
                if o != Ordering::Equal {
                    return o;
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_compare_as_numbers_and_case_is_ignored() {
        let mut v = vec!["20Gi", "5Gi", "node-10", "Node-9", "100Gi", "a", "B"];
        v.sort_by(|a, b| natural(a, b));
        assert_eq!(v, ["5Gi", "20Gi", "100Gi", "a", "B", "Node-9", "node-10"]);
        assert_eq!(natural("007", "7"), Ordering::Equal);
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
