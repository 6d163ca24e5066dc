//! A second-precision moment in 8 bytes. Every Kubernetes object carries its
//! creationTimestamp, which the API keeps to the second; as an `Option<jiff::Timestamp>`
//! it took 24 bytes of every row.

use std::fmt;

use jiff::Timestamp;

/// A whole second since the epoch, or none.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(i64);

/// No Timestamp is this far back (jiff's range ends near year -9999), so it can mean none.
const NONE: i64 = i64::MIN;

impl Stamp {
    pub const NONE: Stamp = Stamp(NONE);

    /// `t` truncated to the whole second.
    pub fn new(t: Option<Timestamp>) -> Stamp {
        t.map_or(Stamp::NONE, |t| Stamp(t.as_second()))
    }

    pub fn get(self) -> Option<Timestamp> {
        (self.0 != NONE)
            .then(|| Timestamp::from_second(self.0).ok())
            .flatten()
    }
}

impl Default for Stamp {
    fn default() -> Self {
        Stamp::NONE
    }
}

impl From<Option<Timestamp>> for Stamp {
    fn from(t: Option<Timestamp>) -> Self {
        Stamp::new(t)
    }
}

/// As the `Option<Timestamp>` it stands for.
impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_to_the_second() {
        let t: Timestamp = "2026-12-08T01:02:03.9Z".parse().unwrap();
        let whole: Timestamp = "2026-12-08T01:02:03Z".parse().unwrap();
        assert_eq!(Stamp::new(Some(t)).get(), Some(whole));
        assert_eq!(
            Stamp::new(Some(Timestamp::UNIX_EPOCH)).get(),
            Some(Timestamp::UNIX_EPOCH)
        );
        assert!(
            Stamp::new(Some(Timestamp::MIN)).get().is_some(),
            "the earliest is not none"
        );
        assert_eq!(Stamp::default().get(), None);
        assert_eq!(std::mem::size_of::<Stamp>(), 8);
    }
}
