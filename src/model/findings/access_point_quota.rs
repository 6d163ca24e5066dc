//! Story 3, file systems near the access point quota: EFS allows 10,000 access points per
//! file system by default, and dynamic provisioning spends one per PV, so a busy
//! StorageClass stops provisioning when its file system fills up.

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity};
use super::{Ctx, Out};
use crate::model::World;

pub const ID: &str = "access-point-quota";

/// EFS's default limit of access points per file system.
pub const QUOTA: usize = 10_000;
const WARN_PERCENT: usize = 80;
const CRITICAL_PERCENT: usize = 95;

/// Judges every file system from the World's counts: the cost follows the number of file
/// systems, not of access points, so it needs no incremental form.
pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    for (fs_id, n) in w.access_point_counts() {
        if !w.access_points_listed(fs_id) || n * 100 < QUOTA * WARN_PERCENT {
            continue;
        }
        let severity = if n * 100 >= QUOTA * CRITICAL_PERCENT {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let name = w
            .file_systems
            .get(&fs_id.to_string())
            .and_then(|f| f.name.clone());
        let label = match &name {
            Some(n) => format!("{fs_id} ({n})"),
            None => fs_id.to_string(),
        };
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity,
            title: format!(
                "File system {label} has {n} of {QUOTA} access points ({}%)",
                n * 100 / QUOTA
            ),
            evidence: vec![
                Evidence::object(
                    ObjRef::cluster(Kind::FileSystem, fs_id),
                    Fields::default()
                        .with("AccessPoints", n.to_string())
                        .with("quota", QUOTA.to_string()),
                ),
                Evidence::note(
                    "EFS refuses CreateAccessPoint past the quota: new EFS volumes on this \
                     file system fail to provision",
                ),
            ],
            fix: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;

    fn world(n: usize) -> World {
        let mut w = World::default();
        file_systems(&mut w, vec![fs("fs-01", "available", &[])]);
        let items = (0..n)
            .map(|i| ap(&format!("fsap-{i:05}"), "fs-01", &format!("pvc-{i}"), 0))
            .collect();
        access_points(&mut w, "fs-01", items);
        w
    }

    #[test]
    fn near_the_quota_warns_then_goes_critical() {
        let found = run(&world(8_000), ID);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].title.contains("8000 of 10000 access points (80%)"),
            "{}",
            found[0].title
        );
        assert_eq!(run(&world(9_500), ID)[0].severity, Severity::Critical);
    }

    #[test]
    fn below_the_threshold_raises_nothing() {
        assert!(run(&world(7_999), ID).is_empty());
    }
}
