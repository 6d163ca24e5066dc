//! EFS CSI volume handles: `fs-x`, `fs-x:/path`, `fs-x::fsap-y`, `fs-x:/path:fsap-y`, and
//! the newer `efs:`-prefixed forms the driver writes for cross-account mounts.

use compact_str::CompactString;

use super::intern::Sym;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfsHandle {
    pub file_system_id: Sym,
    pub subpath: Option<Box<str>>,
    pub access_point_id: Option<CompactString>,
}

impl EfsHandle {
    /// The handle in the driver's own form, which `parse` reads back as `self`.
    pub fn render(&self) -> String {
        let fs = self.file_system_id.as_str();
        match (self.subpath.as_deref(), self.access_point_id.as_deref()) {
            (None, None) => fs.to_string(),
            (Some(p), None) => format!("{fs}:{p}"),
            (None, Some(ap)) => format!("{fs}::{ap}"),
            (Some(p), Some(ap)) => format!("{fs}:{p}:{ap}"),
        }
    }
}

/// Parses an EFS CSI volumeHandle; `None` for anything that is not one.
pub fn parse(handle: &str) -> Option<EfsHandle> {
    let h = handle.trim();
    let h = h.strip_prefix("efs:").unwrap_or(h);
    let mut parts = h.splitn(3, ':');
    let fs = parts.next()?.trim();
    if !fs.starts_with("fs-") || fs.len() < 4 {
        return None;
    }
    let path = parts.next().map(str::trim).filter(|p| !p.is_empty());
    let ap = parts.next().map(str::trim).filter(|a| !a.is_empty());
    if ap.is_some_and(|a| !a.starts_with("fsap-")) {
        return None;
    }
    Some(EfsHandle {
        file_system_id: Sym::new(fs),
        subpath: path.map(Into::into),
        access_point_id: ap.map(Into::into),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_with_and_without_path() {
        let want = |path: Option<&str>| EfsHandle {
            file_system_id: "fs-0a1b".into(),
            subpath: path.map(Into::into),
            access_point_id: Some("fsap-0c2d".into()),
        };
        assert_eq!(parse("fs-0a1b::fsap-0c2d"), Some(want(None)));
        assert_eq!(parse("efs:fs-0a1b::fsap-0c2d"), Some(want(None)));
        assert_eq!(parse("fs-0a1b:/data:fsap-0c2d"), Some(want(Some("/data"))));
        assert_eq!(
            parse("efs:fs-0a1b:/data:fsap-0c2d"),
            Some(want(Some("/data")))
        );
        assert_eq!(parse("fs-0a1b").map(|h| h.access_point_id), Some(None));
        assert_eq!(parse("vol-0123"), None);
        assert_eq!(parse("fs-0a1b::ap-1"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn renders_back_what_it_parsed() {
        for h in [
            "fs-0a1b",
            "fs-0a1b:/data",
            "fs-0a1b::fsap-0c2d",
            "fs-0a1b:/data:fsap-0c2d",
        ] {
            assert_eq!(parse(h).map(|e| e.render()).as_deref(), Some(h));
        }
        // Other spellings of the same handle render in the driver's form.
        assert_eq!(
            parse("efs:fs-0a1b::fsap-0c2d")
                .map(|e| e.render())
                .as_deref(),
            Some("fs-0a1b::fsap-0c2d")
        );
    }
}
