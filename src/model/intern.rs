//! Interned strings for the values that thousands of rows repeat: namespaces, storage
//! classes, drivers, file system ids, lifecycle states, field managers, ARN prefixes, label
//! and annotation keys, and lists of them ([`SymList`]). At 20,000 rows each copy of such a
//! value was an allocation of its own; a [`Sym`] is a pointer to the one copy. Nothing
//! interned is ever freed, so only a small vocabulary belongs here: names that come and go
//! with their objects are [`Name`](super::name::Name)s.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{LazyLock, Mutex};

/// Every distinct string interned so far. Never shrinks: what is interned here is a small
/// set (a cluster has few namespaces, classes and file systems), and a table that never
/// frees lets a `Sym` be a plain `'static` reference, Copy, with no count to keep.
static TABLE: LazyLock<Mutex<HashMap<&'static str, &'static &'static str>>> =
    LazyLock::new(Default::default);

/// A string from the interner. Compares, orders and hashes as the string it holds, so it
/// can stand wherever a `String` key or field did.
///
/// Thin: a pointer to the one copy's own (fat) pointer, 8 bytes where a `&str` is 16, and
/// `Option<Sym>` is 8 too. Rows hold several, and each was 8 bytes more per row. The
/// derived comparisons look through both pointers, so they are the string's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(&'static &'static str);

impl Default for Sym {
    fn default() -> Self {
        Sym(&"")
    }
}

impl Sym {
    pub fn new(s: &str) -> Sym {
        let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = table.get(s) {
            return Sym(held);
        }
        let text: &'static str = Box::leak(s.into());
        let held: &'static &'static str = Box::leak(Box::new(text));
        table.insert(text, held);
        Sym(held)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        self.0
    }
}

/// As the string, so that debug output reads as it did with a `String`.
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(*self.0, f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Self {
        Sym::new(s)
    }
}

impl From<&String> for Sym {
    fn from(s: &String) -> Self {
        Sym::new(s)
    }
}

impl From<String> for Sym {
    fn from(s: String) -> Self {
        Sym::new(&s)
    }
}

impl From<Sym> for String {
    fn from(s: Sym) -> Self {
        s.0.to_string()
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        *self.0 == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        *self.0 == other
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == *other.0
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self == *other.0
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// Every distinct list interned so far; never shrinks, as [`TABLE`] does not.
static LISTS: LazyLock<Mutex<HashMap<&'static [Sym], &'static &'static [Sym]>>> =
    LazyLock::new(Default::default);

static NO_SYMS: &[Sym] = &[];

/// A list of interned strings, itself interned, as thin as a [`Sym`]: an object's field
/// managers, or the zones a PV may live in, come in a few combinations cluster-wide, and a
/// boxed list of them was 16 bytes and an allocation in every row.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymList(&'static &'static [Sym]);

impl Default for SymList {
    fn default() -> Self {
        SymList(&NO_SYMS)
    }
}

impl SymList {
    pub fn new(items: &[Sym]) -> SymList {
        if items.is_empty() {
            return SymList::default();
        }
        let mut lists = LISTS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = lists.get(items) {
            return SymList(held);
        }
        let list: &'static [Sym] = Box::leak(items.into());
        let held: &'static &'static [Sym] = Box::leak(Box::new(list));
        lists.insert(list, held);
        SymList(held)
    }
}

impl Deref for SymList {
    type Target = [Sym];
    fn deref(&self) -> &[Sym] {
        self.0
    }
}

impl From<Vec<Sym>> for SymList {
    fn from(v: Vec<Sym>) -> Self {
        SymList::new(&v)
    }
}

/// As the list, so that debug output reads as it did with a boxed slice.
impl fmt::Debug for SymList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_copy() {
        let a = Sym::new("team-007");
        let b = Sym::from(String::from("team-007"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, "team-007");
        assert_eq!(format!("{a:?} {a}"), "\"team-007\" team-007");
        assert!(Sym::new("a") < Sym::new("b"));
        assert_eq!(Sym::default(), "");
        assert_eq!(std::mem::size_of::<Option<Sym>>(), 8, "thin, with a niche");
    }

    #[test]
    fn equal_lists_share_one_copy() {
        let a = SymList::new(&[
            Sym::new("csi-provisioner"),
            Sym::new("kube-controller-manager"),
        ]);
        let b = SymList::from(vec![
            Sym::new("csi-provisioner"),
            Sym::new("kube-controller-manager"),
        ]);
        assert!(std::ptr::eq(a.as_ptr(), b.as_ptr()));
        assert_eq!(a.join(", "), "csi-provisioner, kube-controller-manager");
        assert!(SymList::default().is_empty());
        assert_eq!(SymList::new(&[]), SymList::default());
        assert_eq!(format!("{:?}", SymList::new(&[Sym::new("x")])), "[\"x\"]");
        assert_eq!(std::mem::size_of::<SymList>(), 8);
    }
}
