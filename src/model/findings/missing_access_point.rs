//! Story 3, PVs whose access point is gone: the PV's volumeHandle (`fs-x::fsap-y` or
//! `efs:fs-x::fsap-y`, with or without a path) names an access point EFS no longer lists,
//! so the next pod to mount a bound claim fails. A PV nothing is bound to only needs
//! cleaning up.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::meta_ref;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, plural};
use crate::model::World;

pub const ID: &str = "missing-access-point";

pub(super) fn check(w: &World, _now: Timestamp, out: &mut Vec<Finding>) {
    // Access points per file system, counted once and only if some PV needs it.
    let mut listed_per_fs: Option<BTreeMap<&str, usize>> = None;
    for pv in w.pvs.values() {
        let Some(h) = &pv.efs else {
            continue;
        };
        let Some(ap_id) = h.access_point_id.as_deref() else {
            continue;
        };
        // A file system we cannot list (another account, not answered yet) proves nothing.
        if !w.access_points_listed(&h.file_system_id) || w.access_point_for_pv(pv).is_some() {
            continue;
        }
        let bound = pv.phase.as_deref() == Some("Bound");
        let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
        let claim = pv
            .claim
            .as_ref()
            .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
        let fields = Fields::default()
            .with("spec.csi.volumeHandle", opt(pv.volume_handle.as_deref()))
            .with("status.phase", opt(pv.phase.as_deref()))
            .with(
                "spec.persistentVolumeReclaimPolicy",
                opt(pv.reclaim_policy.as_deref()),
            )
            .with("spec.claimRef", claim);
        let per_fs = listed_per_fs.get_or_insert_with(|| {
            let mut m = BTreeMap::new();
            for ap in w.access_points.values() {
                *m.entry(ap.file_system_id.as_str()).or_default() += 1;
            }
            m
        });
        let listed = per_fs.get(h.file_system_id.as_str()).copied().unwrap_or(0);
        out.push(Finding {
            id: ID,
            severity: if bound {
                Severity::Critical
            } else {
                Severity::Info
            },
            title: format!(
                "PV {} names access point {ap_id}, which EFS no longer lists",
                pv.meta.name
            ),
            evidence: vec![
                Evidence::object(meta_ref(Kind::PersistentVolume, &pv.meta), fields),
                Evidence::object(
                    ObjRef::cluster(Kind::FileSystem, &h.file_system_id),
                    Fields::default().with("AccessPoints listed", listed.to_string()),
                ),
                Evidence::note(format!(
                    "EFS lists {} on {}, none of them {ap_id}",
                    plural(listed, "access point", "access points"),
                    h.file_system_id
                )),
            ],
            fix: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;

    const FS: &str = "fs-0a1b2c3d4e5f60718";

    fn world(list_access_points: bool) -> World {
        let mut w = World::default();
        pv(
            &mut w,
            "pvc-ok",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-01"),
            "Bound",
        );
        pv(
            &mut w,
            "pvc-lost",
            "efs.csi.aws.com",
            &format!("efs:{FS}:/data:fsap-09"),
            "Bound",
        );
        pv(
            &mut w,
            "pvc-old",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-08"),
            "Released",
        );
        // Another account's file system: never listed here.
        pv(
            &mut w,
            "pvc-far",
            "efs.csi.aws.com",
            "fs-0ffff::fsap-07",
            "Bound",
        );
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        if list_access_points {
            access_points(&mut w, FS, vec![ap("fsap-01", FS, "pvc-ok", 1000)]);
        }
        w
    }

    #[test]
    fn a_pv_whose_access_point_is_gone_is_critical_while_bound_else_info() {
        let found = run(&world(true), ID);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.subject().map_or("", |o| o.name.as_str()), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("pvc-lost", Severity::Critical),
                ("pvc-old", Severity::Info)
            ]
        );
        assert!(text(&found[0]).contains("efs:fs-0a1b2c3d4e5f60718:/data:fsap-09"));
        assert_eq!(found[0].fix, None);
    }

    #[test]
    fn nothing_is_missing_before_efs_lists_the_access_points() {
        assert!(run(&world(false), ID).is_empty());
    }
}
