//! Story 3, StorageClass gid ranges running out: the EFS CSI driver gives each access
//! point a gid from the class's `gidRangeStart..=gidRangeEnd` that no access point on the
//! file system holds yet; when none is left, provisioning fails. Ranges are often small
//! (a hundred gids), so this warns earlier than the access point quota does.

use super::meta_ref;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity};
use super::{Ctx, Out};
use crate::model::World;

pub const ID: &str = "gid-range";

const WARN_PERCENT: i128 = 70;
const CRITICAL_PERCENT: i128 = 90;

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    for sc in w.storage_classes.values() {
        if sc.provisioner != "efs.csi.aws.com" {
            continue;
        }
        let (Some((start, end)), Some(fs_id)) = (sc.gid_range(), sc.parameters.get("fileSystemId"))
        else {
            continue;
        };
        if !w.access_points_listed(fs_id) {
            continue;
        }
        // From the World's gids per file system: the cost is the gids in range, not a
        // pass over every access point.
        let used = w.access_point_gids(fs_id, start..=end).count() as i128;
        // i128: the bounds come from the cluster and may be anything an i64 holds.
        let size = i128::from(end) - i128::from(start) + 1;
        if used * 100 < size * WARN_PERCENT {
            continue;
        }
        let severity = if used * 100 >= size * CRITICAL_PERCENT {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let highest = w
            .access_point_gids(fs_id, start..=end)
            .next_back()
            .map_or_else(|| "-".into(), |g| g.to_string());
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity,
            title: format!(
                "StorageClass {} has used {used} of its {size} gids ({start}-{end}) on {fs_id}",
                sc.meta.name
            ),
            evidence: vec![
                Evidence::object(
                    meta_ref(Kind::StorageClass, &sc.meta),
                    Fields::default()
                        .with("parameters.gidRangeStart", start.to_string())
                        .with("parameters.gidRangeEnd", end.to_string())
                        .with("parameters.fileSystemId", fs_id.clone()),
                ),
                Evidence::object(
                    ObjRef::cluster(Kind::FileSystem, fs_id),
                    Fields::default()
                        .with("access points with a gid in range", used.to_string())
                        .with("highest gid in use", highest),
                ),
                Evidence::note(format!(
                    "{} gids left: when none is, new volumes of this class fail to provision",
                    size - used
                )),
            ],
            fix: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::findings::testkit::*;

    const FS: &str = "fs-0a1b2c3d4e5f60718";

    /// `efs-sc` with gids 1000–1100 on FS, and access points holding `gids`.
    fn world(gids: impl Iterator<Item = u32>) -> World {
        let mut w = World::default();
        storage_class(
            &mut w,
            "efs-sc",
            json!({"provisioningMode": "efs-ap", "fileSystemId": FS,
                   "gidRangeStart": "1000", "gidRangeEnd": "1100"}),
        );
        // A class without a range on the same file system is not this rule's business.
        storage_class(&mut w, "efs-sc-b", json!({"fileSystemId": FS}));
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        let items = gids
            .enumerate()
            .map(|(i, g)| ap(&format!("fsap-{i:03}"), FS, &format!("pvc-{i}"), g))
            .collect();
        access_points(&mut w, FS, items);
        w
    }

    #[test]
    fn a_mostly_used_range_warns_and_a_nearly_full_one_is_critical() {
        // 74 of 101, as in the demo; gids outside the range do not count.
        let found = run(&world((1000..1074).chain([50_000, 50_001])), ID);
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.title.contains("used 74 of its 101 gids (1000-1100)"),
            "{}",
            f.title
        );
        assert!(text(f).contains("27 gids left"));
        let found = run(&world(1000..1092), ID);
        assert_eq!(found[0].severity, Severity::Critical);
    }

    #[test]
    fn a_range_with_room_raises_nothing() {
        assert!(run(&world(1000..1050), ID).is_empty());
    }
}
