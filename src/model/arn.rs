//! ARNs of objects that come by the thousand. Every access point's ARN is the same
//! `arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/` and then its id: the common
//! part is interned, and the id (22 bytes) fits inline.

use std::fmt;

use compact_str::CompactString;

use super::intern::Sym;

#[derive(Clone, PartialEq, Eq)]
pub struct Arn {
    /// Up to and including the last `/`, or empty when there is none.
    head: Sym,
    tail: CompactString,
}

impl Arn {
    pub fn new(s: &str) -> Arn {
        let cut = s.rfind('/').map_or(0, |i| i + 1);
        Arn {
            head: Sym::new(&s[..cut]),
            tail: s[cut..].into(),
        }
    }
}

impl From<&str> for Arn {
    fn from(s: &str) -> Self {
        Arn::new(s)
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.head)?;
        f.write_str(&self.tail)
    }
}

/// As the string, so that debug output reads as it did with a `String`.
impl fmt::Debug for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl serde::Serialize for Arn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_whole() {
        for s in [
            "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0",
            "arn:aws:iam::1:role",
            "",
        ] {
            let a = Arn::new(s);
            assert_eq!(a.to_string(), s);
            assert_eq!(format!("{a:?}"), format!("{s:?}"));
            assert_eq!(serde_json::to_value(&a).ok(), Some(serde_json::json!(s)));
        }
        assert_eq!(Arn::new("a/b"), Arn::new("a/b"));
        assert_ne!(Arn::new("a/b"), Arn::new("a/c"));
    }
}
