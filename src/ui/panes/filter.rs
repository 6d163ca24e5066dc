//! A pane's filter: which of its rows match, kept between frames. A pane says what its
//! rows' text is made of (its stamp); matches are re-checked only when that moves, and
//! typing one more character re-checks only the previous matches. Panes whose tables
//! log what changed (Volumes) re-check only the rows that changed.

use std::rc::Rc;

use jiff::Timestamp;

use super::TablePane;
use crate::model::World;
use crate::ui::sanitize::sanitize;
use crate::ui::state::UiState;
pub(crate) use crate::ui::state::caches::FilterCache;
pub use crate::ui::state::caches::{Shown, Stamp, digest};

/// The pane position of the `i`-th row `shown` shows.
pub fn position<P: TablePane + ?Sized>(
    shown: &Shown,
    p: &P,
    world: &World,
    i: usize,
) -> Option<usize> {
    match shown {
        Shown::Positions(v) => v.get(i).copied(),
        Shown::Keys(k) => p.key_position(world, k.get_index(i)?.0),
    }
}

/// Whether row `item` matches `filter` (lower-case): the sanitized text of a column that
/// does not tick with the clock contains it, ignoring case.
pub fn row_matches<P: TablePane + ?Sized>(
    p: &P,
    world: &World,
    item: P::Item<'_>,
    filter: &str,
) -> bool {
    p.cells(world, item, Timestamp::UNIX_EPOCH)
        .iter()
        .zip(p.columns())
        .any(|(c, col)| !col.timed && contains_folded(&sanitize(&c.text), filter))
}

/// The rows of `p` matching `filter` (already lower-case), re-checked only when the
/// pane's stamp moved, and only the last matches when the filter grew.
pub fn by_position<P: TablePane + ?Sized>(
    p: &P,
    world: &World,
    ui: &UiState,
    filter: &str,
) -> Rc<Shown> {
    let stamp = p.stamp(world);
    let prev = ui.filter_cache.borrow_mut().take();
    let candidates = match prev {
        Some(c) if c.pane == p.id() && c.stamp == stamp && c.filter == filter => {
            let shown = Rc::clone(&c.shown);
            *ui.filter_cache.borrow_mut() = Some(c);
            return shown;
        }
        // Typing one more character can only narrow the rows.
        Some(c) if c.pane == p.id() && c.stamp == stamp && filter.starts_with(&c.filter) => {
            match &*c.shown {
                Shown::Positions(v) => Some(v.clone()),
                Shown::Keys(_) => None,
            }
        }
        _ => None,
    };
    let is_match = |i: usize| {
        p.item(world, ui, i)
            .is_some_and(|it| row_matches(p, world, it, filter))
    };
    let matches: Vec<usize> = match candidates {
        Some(prev) => prev.into_iter().filter(|i| is_match(*i)).collect(),
        None => (0..p.len(world, ui)).filter(|i| is_match(*i)).collect(),
    };
    let shown = Rc::new(Shown::Positions(matches));
    *ui.filter_cache.borrow_mut() = Some(FilterCache {
        pane: p.id(),
        filter: filter.to_string(),
        stamp,
        shown: Rc::clone(&shown),
        extra: Box::new(()),
    });
    shown
}

/// Whether `hay` contains `needle` (already lower-case), ignoring case; allocation-free
/// for ASCII, which nearly every name is.
pub fn contains_folded(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        hay.to_lowercase().contains(needle)
    }
}
