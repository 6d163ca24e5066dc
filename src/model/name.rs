//! Object names, held once however many tables, indexes and findings name the object. A
//! PV's name (`pvc-` and a uid, 40 bytes) stood in its table's key, its row, its
//! observations, the join indexes, the findings' indexes, its claim's row and its access
//! point's client token: nine copies of 72 bytes each. A [`Name`] is one pointer to one
//! shared, counted copy.
//!
//! Unlike a [`Sym`](super::intern::Sym), names come and go with their objects, so the pool
//! that makes equal names share their copy also lets go of the ones nothing else holds.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{LazyLock, Mutex};

use arcstr::ArcStr;

/// Names a purge keeps the pool from shrinking below: purging a small pool saves nothing.
const POOL_FLOOR: usize = 1024;

struct Pool {
    names: HashSet<ArcStr>,
    /// The pool is purged when it reaches this size, then set to twice what survived: a
    /// purge walks the pool, so this keeps its cost a constant share of the names made.
    purge_at: usize,
}

impl Pool {
    fn purge(&mut self) {
        // Only the pool holds a name whose count is one, and a new holder can only get it
        // from the pool, under the pool's lock: dropping it here races with no one.
        self.names.retain(|n| ArcStr::strong_count(n) != Some(1));
        self.names.shrink_to_fit();
        self.purge_at = POOL_FLOOR.max(2 * self.names.len());
    }
}

/// Lets go at once of every name nothing else holds, as the pool otherwise does only as it
/// grows: for a reading of memory that would count them as still held.
pub fn purge() {
    POOL.lock().unwrap_or_else(|e| e.into_inner()).purge();
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        names: HashSet::new(),
        purge_at: POOL_FLOOR,
    })
});

/// A shared, immutable name. Compares, orders and hashes as the string it holds, so it
/// stands wherever a `String` key or field did, and a map keyed by it is read with a
/// `&str`. Eight bytes, and `Option<Name>` too.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(ArcStr);

impl Default for Name {
    fn default() -> Self {
        Name(ArcStr::new())
    }
}

impl Name {
    /// The pool's copy of `s`, made if there is none.
    pub fn new(s: &str) -> Name {
        if s.is_empty() {
            return Name::default();
        }
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = pool.names.get(s) {
            return Name(held.clone());
        }
        if pool.names.len() >= pool.purge_at {
            pool.purge();
        }
        let name = ArcStr::from(s);
        pool.names.insert(name.clone());
        Name(name)
    }

    /// The pool's copy of `s`, if any: for a lookup, which cannot match a name nothing
    /// holds, and so need not pool one.
    pub fn existing(s: &str) -> Option<Name> {
        if s.is_empty() {
            return Some(Name::default());
        }
        let pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        pool.names.get(s).cloned().map(Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// As the string, so that debug output reads as it did with a `String`.
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name::new(s)
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Self {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name::new(&s)
    }
}

impl From<&Name> for String {
    fn from(s: &Name) -> Self {
        s.as_str().to_string()
    }
}

impl From<Name> for String {
    fn from(s: Name) -> Self {
        s.as_str().to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A path held as its directory and its last segment, each a [`Name`]: by default the EFS
/// CSI driver roots each access point at `<base path>/<PV name>`, so the directory repeats
/// on every access point and the leaf is the PV's own name. A `subPathPattern` can give
/// every access point a directory of its own, which is why the directory is not a `Sym`:
/// the pool lets it go with its last access point. Reads back exactly as given.
#[derive(Clone, PartialEq, Eq)]
pub struct NamedPath {
    /// Up to and including the last `/`, or empty when there is none.
    dir: Name,
    leaf: Name,
}

impl NamedPath {
    pub fn new(s: &str) -> NamedPath {
        let cut = s.rfind('/').map_or(0, |i| i + 1);
        NamedPath {
            dir: Name::new(&s[..cut]),
            leaf: Name::new(&s[cut..]),
        }
    }
}

impl From<&str> for NamedPath {
    fn from(s: &str) -> Self {
        NamedPath::new(s)
    }
}

impl From<String> for NamedPath {
    fn from(s: String) -> Self {
        NamedPath::new(&s)
    }
}

impl fmt::Display for NamedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir)?;
        f.write_str(&self.leaf)
    }
}

/// As the string, so that debug output reads as it did with a `String`.
impl fmt::Debug for NamedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl serde::Serialize for NamedPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_names_share_one_copy() {
        let a = Name::new("pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2b");
        let b = Name::from(String::from("pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2b"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, "pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2b");
        assert_eq!(format!("{:?}", Name::new("x")), "\"x\"");
        assert!(Name::new("a") < Name::new("b"));
        assert_eq!(Name::default(), "");
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8, "thin, with a niche");
        let set: HashSet<Name> = [a.clone()].into();
        assert!(set.contains(a.as_str()), "read with a &str");
        let found = Name::existing("pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2b").expect("pooled");
        assert!(std::ptr::eq(found.as_str(), a.as_str()));
        assert_eq!(Name::existing("never-made-by-anyone"), None);
    }

    #[test]
    fn names_nothing_holds_are_let_go() {
        let kept = Name::new("kept-across-purges");
        for i in 0..3 * POOL_FLOOR {
            drop(Name::new(&format!("passing-{i}")));
        }
        // Other tests hold names of their own meanwhile, so when the pool's own purges ran
        // is theirs to say; a purge now must leave only names someone holds.
        purge();
        assert_eq!(
            ArcStr::strong_count(&kept.0),
            Some(2),
            "held here and by the pool"
        );
        let again = Name::new("kept-across-purges");
        assert!(std::ptr::eq(kept.as_str(), again.as_str()));
        let pool = POOL.lock().unwrap();
        assert!(
            !pool.names.iter().any(|n| n.starts_with("passing-")),
            "a dropped name is still pooled"
        );
    }

    #[test]
    fn a_path_reads_back_whole_and_shares_its_leaf() {
        for p in [
            "/dynamic_provisioning/pvc-1",
            "/",
            "",
            "no-slash",
            "/a/b/",
            "//x",
        ] {
            assert_eq!(NamedPath::new(p).to_string(), p);
        }
        let pv = Name::new("pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2c");
        let path = NamedPath::new("/dynamic_provisioning/pvc-0b0c2d7e-3f41-4e5b-9a6f-7c8d9e0f1a2c");
        assert!(std::ptr::eq(path.leaf.as_str(), pv.as_str()));
    }
}
