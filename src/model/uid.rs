//! Kubernetes object uids. The API server makes them UUIDs, 36 characters as text: held
//! as their 16 bytes, a uid costs no allocation, where a `String` cost 60 bytes a row.

use std::fmt;

use uuid::Uuid;

/// A uid. Anything that is not a UUID in the API server's own form (lowercase, hyphens
/// in place) is kept as it came, so that every uid reads back exactly as it was given.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Uid(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Uuid(Uuid),
    Text(Box<str>),
}

/// A UUID only in the exact form that reads back as given: `Uuid` also takes upper case,
/// braces and no hyphens, which would print differently.
fn parse(s: &str) -> Option<Uuid> {
    let u = Uuid::try_parse(s).ok()?;
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    (u.hyphenated().encode_lower(&mut buf) == s).then_some(u)
}

impl Uid {
    pub fn new(s: &str) -> Uid {
        Uid(match parse(s) {
            Some(u) => Repr::Uuid(u),
            None => Repr::Text(s.into()),
        })
    }
}

impl From<&str> for Uid {
    fn from(s: &str) -> Self {
        Uid::new(s)
    }
}

impl From<&String> for Uid {
    fn from(s: &String) -> Self {
        Uid::new(s)
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Text(s) => f.write_str(s),
            Repr::Uuid(u) => fmt::Display::fmt(&u.hyphenated(), f),
        }
    }
}

/// As the string, so that debug output reads as it did with a `String`.
impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq<str> for Uid {
    fn eq(&self, other: &str) -> bool {
        match (&self.0, parse(other)) {
            (Repr::Uuid(a), Some(b)) => *a == b,
            (Repr::Text(a), None) => **a == *other,
            _ => false,
        }
    }
}

impl PartialEq<String> for Uid {
    fn eq(&self, other: &String) -> bool {
        *self == *other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_as_given() {
        for s in [
            "0f3c2a9e-5b1d-4c7a-9e2f-8a6b4d3c1e20",
            "0F3C2A9E-5B1D-4C7A-9E2F-8A6B4D3C1E20",
            "0f3c2a9e5b1d4c7a9e2f8a6b4d3c1e20",
            "0f3c2a9e-5b1d-4c7a-9e2f-8a6b4d3c1e2g",
            "uid-1",
            "",
        ] {
            let u = Uid::new(s);
            assert_eq!(u.to_string(), s);
            assert_eq!(u, *s);
            assert_eq!(format!("{u:?}"), format!("{s:?}"));
        }
        assert!(matches!(
            Uid::new("0f3c2a9e-5b1d-4c7a-9e2f-8a6b4d3c1e20").0,
            Repr::Uuid(_)
        ));
        assert_ne!(Uid::new("uid-1"), Uid::new("uid-2"));
        assert_ne!(Uid::new("uid-1"), *"0f3c2a9e-5b1d-4c7a-9e2f-8a6b4d3c1e20");
    }
}
