//! What panes keep between frames so that a frame costs the rows shown: a filter's
//! matches and display orders that differ from their tables' key order. Plain data:
//! the panes that fill these know how; the state only holds them.

use std::any::Any;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::rc::Rc;

use crate::model::World;
use crate::model::name::Name;
use crate::model::table::{Counted, Cursor};
use crate::ui::PaneId;

/// Which rows of a pane its filter shows, in display order.
#[derive(Debug, Clone)]
pub enum Shown {
    /// Positions in the pane's rows, ascending.
    Positions(Vec<usize>),
    /// Keys of the rows, a row's position being what the pane's `key_position` says.
    Keys(Counted<Name, ()>),
}

impl Shown {
    pub fn len(&self) -> usize {
        match self {
            Shown::Positions(v) => v.len(),
            Shown::Keys(k) => k.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a pane's rows' text was computed from, so a cache knows when to look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    /// Anything in the World may have changed it (small panes). The World's address
    /// tells two worlds of the same version apart (tests build many).
    Version(usize, u64),
    /// The tables the rows read, and a digest of whatever else they read.
    Tables(Vec<Cursor>, u64),
}

impl Stamp {
    pub fn version(world: &World) -> Stamp {
        Stamp::Version(std::ptr::from_ref(world) as usize, world.version)
    }
}

/// A digest of what `facts` yields, for stamps.
pub fn digest<T: Hash>(facts: impl Iterator<Item = T>) -> u64 {
    let mut h = DefaultHasher::new();
    for f in facts {
        f.hash(&mut h);
    }
    h.finish()
}

/// The active pane's matches, remembered between frames.
pub(crate) struct FilterCache {
    pub pane: PaneId,
    pub filter: String,
    pub stamp: Stamp,
    pub shown: Rc<Shown>,
    /// What a pane that updates its matches incrementally keeps to do so.
    pub extra: Box<dyn Any>,
}

/// Access points in display order, by file system and then id, as positions in the
/// table (which is in id order); rebuilt only when the table changed.
pub(crate) struct ApOrder {
    pub at: Cursor,
    pub ranks: Rc<Vec<u32>>,
}

/// A Lifecycle row, by its position in the table it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Fs(u32),
    Ack(u32),
    Mt(u32),
    Ap(u32),
    Ebs(u32),
}

/// The Lifecycle rows in display order, rebuilt only when one of the tables they come
/// from changed.
pub(crate) struct LifeOrder {
    pub at: [Cursor; 5],
    pub slots: Rc<Vec<Slot>>,
}

/// How a pane's rows are sorted (`s` picks the column, `S` reverses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// Into the pane's own columns (the badge column is not one).
    pub column: usize,
    pub descending: bool,
}

/// The active pane's rows in sorted order, remembered between frames.
pub(crate) struct SortCache {
    pub pane: PaneId,
    pub sort: Sort,
    pub filter: String,
    pub stamp: Stamp,
    pub shown: Rc<Shown>,
}
