//! A keyed table that folds watch `Change`s, holding a relist aside until it completes so
//! that a reconnect never blanks a pane.

use std::collections::BTreeMap;

use super::input::Change;

#[derive(Debug, Clone)]
pub struct Table<K: Ord, V> {
    rows: BTreeMap<K, V>,
    relist: Option<BTreeMap<K, V>>,
    /// Set once the first full list has arrived.
    pub synced: bool,
}

impl<K: Ord, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            relist: None,
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
                self.rows = self.relist.take().unwrap_or_default().into_iter().collect();
                self.synced = true;
                Folded::Replaced
            }
            Change::Apply(o) => {
                let k = key(&o);
                let old = self.rows.insert(k.clone(), project(&o));
                let (stored, _) = self.rows.get_key_value(&k).expect("just inserted");
                Folded::Upserted { key: stored, old }
            }
            Change::Delete(o) => match self.rows.remove(&key(&o)) {
                Some(v) => Folded::Removed(v),
                None => Folded::Nothing,
            },
        }
    }

    /// Rows a relist in progress has not re-listed: the ones it will drop when done.
    pub fn relist_drops(&self) -> impl Iterator<Item = &V> {
        let pending = self.relist.as_ref();
        self.rows
            .iter()
            .filter(move |(k, _)| pending.is_some_and(|p| !p.contains_key(*k)))
            .map(|(_, v)| v)
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.rows.get(k)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.rows.iter()
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.rows.values()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Replaces the whole table (AWS answers are complete snapshots).
    pub fn replace(&mut self, rows: BTreeMap<K, V>) {
        self.rows = rows;
        self.synced = true;
    }

    /// Removes every row for which `keep` is false.
    pub fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        self.rows.retain(keep);
    }

    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.rows.insert(k, v)
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
}
