//! A keyed table that folds watch `Change`s, holding a relist aside until it completes so
//! that a reconnect never blanks a pane. Rows can be addressed by position (a pane shows
//! row `i` without walking the rows before it), and the table logs which keys changed, so
//! that views derived from it can follow it without looking at every row again.

use std::borrow::Borrow;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};

use super::input::Change;

#[derive(Debug, Clone)]
pub struct Table<K: Ord, V> {
    rows: Counted<K, V>,
    relist: Option<BTreeMap<K, V>>,
    log: Log<K>,
    /// Set once the first full list has arrived.
    pub synced: bool,
}

impl<K: Ord, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            rows: Counted::default(),
            relist: None,
            log: Log::default(),
            synced: false,
        }
    }
}

/// What a fold did, so the caller can keep its indexes in step.
pub enum Folded<'a, K, V> {
    Nothing,
    Upserted {
        key: &'a K,
        old: Option<V>,
    },
    Removed(V),
    /// A relist replaced everything: indexes must be rebuilt.
    Replaced,
}

impl<K: Ord + Clone, V> Table<K, V> {
    pub fn fold<T>(
        &mut self,
        change: Change<T>,
        key: impl Fn(&T) -> K,
        project: impl Fn(&T) -> V,
    ) -> Folded<'_, K, V> {
        match change {
            Change::InitStart => {
                self.relist = Some(BTreeMap::new());
                Folded::Nothing
            }
            Change::InitApply(o) => {
                let pending = self.relist.get_or_insert_with(BTreeMap::new);
                pending.insert(key(&o), project(&o));
                Folded::Nothing
            }
            Change::InitDone => {
                // Rebuilt in bulk: inserting in key order, as lists arrive, leaves every
                // B-tree node about half full, which nearly doubled a table's memory.
                let rows = self.relist.take().unwrap_or_default().into_iter().collect();
                self.rows = Counted::new(rows);
                self.log.everything();
                self.synced = true;
                Folded::Replaced
            }
            Change::Apply(o) => {
                let k = key(&o);
                self.log.push(k.clone(), self.rows.len());
                let old = self.rows.insert(k.clone(), project(&o));
                let (stored, _) = self.rows.map.get_key_value(&k).expect("just inserted");
                Folded::Upserted { key: stored, old }
            }
            Change::Delete(o) => {
                let k = key(&o);
                match self.rows.remove(&k) {
                    Some(v) => {
                        self.log.push(k, self.rows.len());
                        Folded::Removed(v)
                    }
                    None => Folded::Nothing,
                }
            }
        }
    }

    /// Rows a relist in progress has not re-listed: the ones it will drop when done.
    pub fn relist_drops(&self) -> impl Iterator<Item = &V> {
        let pending = self.relist.as_ref();
        self.rows
            .map
            .iter()
            .filter(move |(k, _)| pending.is_some_and(|p| !p.contains_key(*k)))
            .map(|(_, v)| v)
    }

    /// Replaces the whole table (AWS answers are complete snapshots).
    pub fn replace(&mut self, rows: BTreeMap<K, V>) {
        self.rows = Counted::new(rows);
        self.log.everything();
        self.synced = true;
    }

    /// Removes every row for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let mut gone = Vec::new();
        self.rows.retain(|k, v| {
            let kept = keep(k, v);
            if !kept {
                gone.push(k.clone());
            }
            kept
        });
        for k in gone {
            self.log.push(k, self.rows.len());
        }
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.log.push(k.clone(), self.rows.len());
        self.rows.insert(k, v)
    }

    /// Removes one row without looking at the others (`retain` visits every row).
    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let (key, old) = self.rows.remove_entry(k)?;
        self.log.push(key, self.rows.len());
        Some(old)
    }

    /// Where the table's change log is now.
    pub fn cursor(&self) -> Cursor {
        self.log.cursor()
    }

    /// The keys inserted, changed or removed since `from`, oldest first, a key once per
    /// change; `None` if the log cannot say (another table, a relist or replacement, or
    /// more changes than it keeps).
    pub fn changed_since(&self, from: Cursor) -> Option<impl Iterator<Item = &K>> {
        self.log.since(from)
    }
}

impl<K: Ord, V> Table<K, V> {
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.rows.map.get(k)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.rows.map.iter()
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.rows.map.values()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// The row at position `i` in key order.
    pub fn get_index(&self, i: usize) -> Option<(&K, &V)> {
        self.rows.get_index(i)
    }

    /// The position of `k` in key order, if it is a row.
    pub fn rank<Q: Ord + ?Sized>(&self, k: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        self.rows.rank(k)
    }

    /// The rows from position `i` on, in key order.
    pub fn iter_from(&self, i: usize) -> impl Iterator<Item = (&K, &V)> {
        self.rows.iter_from(i)
    }
}

/// Keys per segment of the position index: a lookup walks at most twice this many
/// B-tree entries, and the index keeps one key in this many.
const SEGMENT: usize = 128;

/// A B-tree map addressable by position: the keys are cut into segments of about
/// [`SEGMENT`] rows, bounded by copies of a few keys and counted, so that position `i`
/// is a walk over the counts and then at most one segment. Order-statistic crates keep
/// nodes half full or move whole rows on insert; this keeps the std B-tree, which the
/// tables build in bulk, and costs one key per segment.
#[derive(Debug, Clone)]
pub struct Counted<K, V> {
    map: BTreeMap<K, V>,
    /// Lower bounds of the segments after the first, ascending; a fence need not be a
    /// key that is present.
    fences: Vec<K>,
    /// Rows per segment, one more than there are fences.
    counts: Vec<usize>,
}

impl<K: Ord, V> Default for Counted<K, V> {
    fn default() -> Self {
        Counted {
            map: BTreeMap::new(),
            fences: Vec::new(),
            counts: vec![0],
        }
    }
}

impl<K: Ord, V> Counted<K, V> {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }

    pub fn contains_key(&self, k: &K) -> bool {
        self.map.contains_key(k)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.map.iter()
    }

    fn segment_of<Q: Ord + ?Sized>(&self, k: &Q) -> usize
    where
        K: Borrow<Q>,
    {
        self.fences.partition_point(|f| f.borrow() <= k)
    }

    fn lower(&self, s: usize) -> Bound<&K> {
        match s.checked_sub(1) {
            Some(f) => Bound::Included(&self.fences[f]),
            None => Bound::Unbounded,
        }
    }

    /// The segment holding position `i`, and the position its first row has.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        let mut start = 0;
        for (s, n) in self.counts.iter().enumerate() {
            if i < start + n {
                return Some((s, start));
            }
            start += n;
        }
        None
    }

    pub fn get_index(&self, i: usize) -> Option<(&K, &V)> {
        self.iter_from(i).next()
    }

    pub fn iter_from(&self, i: usize) -> impl Iterator<Item = (&K, &V)> {
        let (s, start) = self.locate(i).unwrap_or((self.counts.len(), 0));
        let rows = (s < self.counts.len()).then(|| {
            self.map
                .range((self.lower(s), Bound::Unbounded))
                .skip(i - start)
        });
        rows.into_iter().flatten()
    }

    pub fn rank<Q: Ord + ?Sized>(&self, k: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
    {
        if !self.map.contains_key(k) {
            return None;
        }
        let s = self.segment_of(k);
        let before: usize = self.counts[..s].iter().sum();
        let lower = match self.lower(s) {
            Bound::Included(f) => Bound::Included(f.borrow()),
            _ => Bound::Unbounded,
        };
        Some(before + self.map.range::<Q, _>((lower, Bound::Excluded(k))).count())
    }
}

impl<K: Ord + Clone, V> Counted<K, V> {
    pub fn new(map: BTreeMap<K, V>) -> Self {
        let mut c = Counted {
            map,
            fences: Vec::new(),
            counts: Vec::new(),
        };
        c.recount();
        c
    }

    fn recount(&mut self) {
        self.fences = self.map.keys().step_by(SEGMENT).skip(1).cloned().collect();
        let n = self.map.len();
        self.counts = (0..=self.fences.len())
            .map(|s| SEGMENT.min(n - s * SEGMENT))
            .collect();
        if self.counts.is_empty() {
            self.counts.push(0);
        }
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        let s = self.segment_of(&k);
        let old = self.map.insert(k, v);
        if old.is_none() {
            self.counts[s] += 1;
            if self.counts[s] > 2 * SEGMENT {
                self.split(s);
            }
        }
        old
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        self.remove_entry(k).map(|(_, v)| v)
    }

    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let s = self.segment_of(k);
        let old = self.map.remove_entry(k)?;
        self.counts[s] -= 1;
        if self.counts[s] < SEGMENT / 4 && !self.fences.is_empty() {
            // Into the neighbour before it, or after it for the first segment.
            let (a, b) = if s > 0 { (s - 1, s) } else { (0, 1) };
            self.fences.remove(a);
            self.counts[a] += self.counts.remove(b);
            if self.counts[a] > 2 * SEGMENT {
                self.split(a);
            }
        }
        Some(old)
    }

    fn split(&mut self, s: usize) {
        let half = self.counts[s] / 2;
        let mid = self
            .map
            .range((self.lower(s), Bound::Unbounded))
            .nth(half)
            .map(|(k, _)| k.clone());
        if let Some(mid) = mid {
            self.fences.insert(s, mid);
            let rest = self.counts[s] - half;
            self.counts[s] = half;
            self.counts.insert(s + 1, rest);
        }
    }

    pub fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        let before = self.map.len();
        self.map.retain(keep);
        if self.map.len() != before {
            self.recount();
        }
    }
}

impl<K: Ord + Clone, V> FromIterator<(K, V)> for Counted<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Counted::new(iter.into_iter().collect())
    }
}

/// Where a reader is in a table's change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    table: u64,
    seq: u64,
}

/// The keys that changed, in order, bounded; tells tables apart so that a cursor from
/// another table (another World's, a clone's) is never read as current.
#[derive(Debug)]
struct Log<K> {
    table: u64,
    /// Sequence number of `keys[0]`.
    base: u64,
    keys: VecDeque<K>,
}

/// At least this many changes are kept; a larger table keeps up to a quarter of its
/// size, so that a sweep re-listing one file system's access points fits. A reader that
/// falls further behind rebuilds, which then costs little more than reading the log.
const LOG_KEEP: usize = 1024;

fn table_id() -> u64 {
    static TABLES: AtomicU64 = AtomicU64::new(1);
    TABLES.fetch_add(1, Ordering::Relaxed)
}

impl<K> Default for Log<K> {
    fn default() -> Self {
        Log {
            table: table_id(),
            base: 0,
            keys: VecDeque::new(),
        }
    }
}

/// A clone starts a log of its own: the two tables change apart from then on.
impl<K> Clone for Log<K> {
    fn clone(&self) -> Self {
        Log::default()
    }
}

impl<K> Log<K> {
    fn push(&mut self, k: K, rows: usize) {
        let keep = LOG_KEEP.max(rows / 4);
        while self.keys.len() >= keep {
            self.keys.pop_front();
            self.base += 1;
        }
        self.keys.push_back(k);
    }

    /// Counts as one more change, so that no cursor taken before it is current.
    fn everything(&mut self) {
        self.base += self.keys.len() as u64 + 1;
        self.keys.clear();
        self.keys.shrink_to_fit();
    }

    fn cursor(&self) -> Cursor {
        Cursor {
            table: self.table,
            seq: self.base + self.keys.len() as u64,
        }
    }

    fn since(&self, from: Cursor) -> Option<impl Iterator<Item = &K>> {
        let skip = usize::try_from(from.seq.checked_sub(self.base)?).ok()?;
        let fresh = from.table == self.table && skip <= self.keys.len();
        fresh.then(|| self.keys.iter().skip(skip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(t: &mut Table<String, usize>, c: Change<&str>) {
        t.fold(c, |s| s.to_string(), |s| s.len());
    }

    #[test]
    fn relist_replaces_only_when_done() {
        let mut t = Table::default();
        fold(&mut t, Change::Apply("old"));
        fold(&mut t, Change::InitStart);
        fold(&mut t, Change::InitApply("fresh"));
        assert!(
            t.get(&"old".to_string()).is_some(),
            "old rows stay visible during a relist"
        );
        fold(&mut t, Change::InitDone);
        assert!(t.get(&"old".to_string()).is_none());
        assert_eq!(t.get(&"fresh".to_string()), Some(&5));
        fold(&mut t, Change::Delete("fresh"));
        assert!(t.is_empty());
        assert!(t.synced);
    }

    /// Positions and ranks agree with the sorted keys after random inserts and removals
    /// that split and merge segments, and after bulk builds and retains.
    #[test]
    fn positions_follow_random_inserts_and_removals() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut c: Counted<u32, u32> = (0..1000).map(|k| (k * 3, k)).collect();
        let mut reference: BTreeMap<u32, u32> = (0..1000).map(|k| (k * 3, k)).collect();
        for round in 0..20_000 {
            let k = rng.u32(0..4000);
            if rng.bool() {
                assert_eq!(c.insert(k, round), reference.insert(k, round));
            } else {
                assert_eq!(c.remove(&k), reference.remove(&k));
            }
            if round % 5000 == 4999 {
                c.retain(|k, _| k % 7 != 0);
                reference.retain(|k, _| k % 7 != 0);
            }
            if round % 997 == 0 {
                let keys: Vec<u32> = reference.keys().copied().collect();
                assert_eq!(c.len(), keys.len());
                for (i, k) in keys.iter().enumerate() {
                    assert_eq!(c.get_index(i).map(|(k, _)| *k), Some(*k), "position {i}");
                    assert_eq!(c.rank(k), Some(i), "rank of {k}");
                }
                assert_eq!(c.get_index(keys.len()), None);
                assert_eq!(c.rank(&4001), None);
                let tail: Vec<u32> = c.iter_from(keys.len() / 2).map(|(k, _)| *k).collect();
                assert_eq!(tail, keys[keys.len() / 2..]);
            }
        }
        let mut empty: Counted<u32, ()> = Counted::default();
        assert_eq!(empty.get_index(0), None);
        empty.insert(1, ());
        assert_eq!(empty.rank(&1), Some(0));
        assert_eq!(empty.remove(&1), Some(()));
        assert!(empty.is_empty());
    }

    #[test]
    fn the_log_names_what_changed_or_says_it_cannot() {
        let mut t = Table::default();
        fold(&mut t, Change::Apply("a"));
        let at = t.cursor();
        assert_eq!(t.changed_since(at).expect("current").count(), 0);
        fold(&mut t, Change::Apply("b"));
        fold(&mut t, Change::Delete("a"));
        fold(&mut t, Change::Delete("never-there"));
        t.insert("c".into(), 1);
        t.insert("d".into(), 2);
        t.retain(|k, _| k != "b");
        assert_eq!(t.remove("d"), Some(2));
        assert_eq!(t.remove("d"), None, "a second remove changes nothing");
        let seen: Vec<&String> = t.changed_since(at).expect("current").collect();
        assert_eq!(seen, ["b", "a", "c", "d", "b", "d"]);
        assert_eq!(t.rank(&"c".to_string()), Some(0));

        let other: Table<String, usize> = t.clone();
        assert!(
            other.changed_since(at).is_none(),
            "a clone's log is its own"
        );
        let before = t.cursor();
        t.replace(BTreeMap::new());
        assert!(
            t.changed_since(before).is_none(),
            "a replacement names nothing"
        );
        let before = t.cursor();
        fold(&mut t, Change::InitStart);
        fold(&mut t, Change::InitApply("x"));
        assert!(
            t.changed_since(before)
                .expect("nothing yet")
                .next()
                .is_none()
        );
        fold(&mut t, Change::InitDone);
        assert!(t.changed_since(before).is_none(), "a relist names nothing");
        let behind = t.cursor();
        for _ in 0..=LOG_KEEP {
            t.insert("y".into(), 0);
        }
        assert!(
            t.changed_since(behind).is_none(),
            "fell behind what it keeps"
        );
    }
}
