//! Story 3, access points no PV uses: dynamic provisioning makes one access point per PV,
//! and a `Retain` PV deleted by hand (or a failed provision) leaves its access point
//! behind, holding data and a slot of the file system's quota. Only the driver's own
//! access points count: on a shared file system, ones made by Lambda, SageMaker or
//! Terraform have no PV by design (see `model::provenance`).

use jiff::Timestamp;

use super::pvs_listed;
use super::types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity};
use crate::model::World;

pub const ID: &str = "orphan-access-point";

pub(super) fn check(w: &World, _now: Timestamp, out: &mut Vec<Finding>) {
    // Before both lists are complete every access point would look unused.
    if !pvs_listed(w) {
        return;
    }
    for ap in w.access_points.values() {
        // An access point being created has no PV yet; one being deleted is handled; one
        // another consumer made is not ours to call unused.
        if ap.life_cycle_state != "available"
            || !ap.made_by_csi_driver()
            || !w.access_points_listed(&ap.file_system_id)
            || w.access_point_in_use(ap)
        {
            continue;
        }
        let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
        let fields = Fields::default()
            .with("FileSystemId", ap.file_system_id.clone())
            .with("ClientToken", opt(ap.client_token.as_deref()))
            .with("RootDirectory.Path", opt(ap.root_path.as_deref()))
            .with(
                "PosixUser.Gid",
                ap.gid.map_or_else(|| "-".into(), |g| g.to_string()),
            )
            .with("LifeCycleState", ap.life_cycle_state.clone());
        let why = match ap.client_token.as_deref() {
            Some(t) => format!(
                "no PV's volumeHandle names {} and no PV is named {t}",
                ap.id
            ),
            None => format!("no PV's volumeHandle names {}", ap.id),
        };
        out.push(Finding {
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "Access point {} on {} is used by no PV",
                ap.id, ap.file_system_id
            ),
            evidence: vec![
                Evidence::object(ObjRef::cluster(Kind::AccessPoint, &ap.id), fields),
                Evidence::note(why),
            ],
            fix: Some(Fix::DeleteAccessPoint { id: ap.id.clone() }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceId;
    use crate::model::findings::testkit::*;

    const FS: &str = "fs-0a1b2c3d4e5f60718";

    fn world(pvs_live: bool) -> World {
        let mut w = World::default();
        pv(
            &mut w,
            "pvc-used",
            "efs.csi.aws.com",
            &format!("efs:{FS}::fsap-01"),
            "Bound",
        );
        // Joined by ClientToken alone: a static PV naming only the file system.
        pv(&mut w, "pvc-token", "efs.csi.aws.com", FS, "Bound");
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        let mut creating = ap("fsap-04", FS, "pvc-new", 1003);
        creating.life_cycle_state = "creating".into();
        access_points(
            &mut w,
            FS,
            vec![
                ap("fsap-01", FS, "pvc-used", 1000),
                ap("fsap-02", FS, "pvc-token", 1001),
                ap("fsap-03", FS, "pvc-gone", 1002),
                creating,
                // Made by other consumers of the file system; no PV uses them, by design.
                foreign_ap("fsap-05", FS, Some("lambda-thumbnailer-3")),
                foreign_ap("fsap-06", FS, Some("sagemaker-bert-finetune-17")),
                foreign_ap("fsap-07", FS, None),
            ],
        );
        if pvs_live {
            live(&mut w, SourceId::Pvs);
        }
        w
    }

    #[test]
    fn an_unused_access_point_is_an_orphan_with_a_delete_fix() {
        let found = run(&world(true), ID);
        let [f] = found.as_slice() else {
            panic!("one orphan expected: {found:?}");
        };
        assert_eq!(f.subject().map(|o| o.name.as_str()), Some("fsap-03"));
        assert!(text(f).contains("no PV is named pvc-gone"));
        assert_eq!(
            fix(f),
            Some(&Fix::DeleteAccessPoint {
                id: "fsap-03".into()
            })
        );
    }

    #[test]
    fn an_access_point_the_csi_driver_did_not_make_is_never_an_orphan() {
        let found = run(&world(true), ID);
        for id in ["fsap-05", "fsap-06", "fsap-07"] {
            assert!(
                found
                    .iter()
                    .all(|f| f.subject().map(|o| o.name.as_str()) != Some(id)),
                "{id} raised {found:?}"
            );
        }
        // Alone on a file system with a live PV list: nothing at all.
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(
            &mut w,
            FS,
            vec![foreign_ap("fsap-05", FS, Some("lambda-thumbnailer-3"))],
        );
        live(&mut w, SourceId::Pvs);
        assert!(run(&w, ID).is_empty());
    }

    #[test]
    fn nothing_is_an_orphan_before_the_pvs_are_listed() {
        assert!(run(&world(false), ID).is_empty());
    }
}
