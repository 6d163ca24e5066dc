//! Story 3, how most orphans are born: a `Retain` PV whose claim was deleted stays
//! `Released`, and its access point keeps the data and a slot of the file system's quota
//! until someone decides. Nothing is broken yet; someone has to choose between reusing
//! the data and deleting it.

use jiff::Timestamp;

use super::meta_ref;
use super::per_pv::Deps;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::ProbeKey;
use crate::model::projection::PvRow;

pub const ID: &str = "released-volume";

/// A `Retain` PV released by its claim, and the access point it names.
fn released(pv: &PvRow) -> Option<&str> {
    let retained =
        pv.phase.as_deref() == Some("Released") && pv.reclaim_policy.as_deref() == Some("Retain");
    let ap = pv.efs.as_ref()?.access_point_id.as_deref()?;
    retained.then_some(ap)
}

pub(super) fn recheck_at(_w: &World, _cx: &Ctx<'_>) -> Option<Timestamp> {
    None
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for pv in w.pvs.values() {
        check_pv(w, cx, pv, out);
    }
}

/// One PV's verdict; the returned `Deps` say what beyond the PV's row, its access
/// point's row and the targeted read of it the verdict was judged with.
pub(super) fn check_pv(w: &World, cx: &Ctx<'_>, pv: &PvRow, out: &mut Out) -> Deps {
    let mut deps = Deps::default();
    let Some(ap_id) = released(pv) else {
        return deps;
    };
    let Some(ap) = w.access_points.get(ap_id) else {
        // Gone: missing-access-point speaks for it.
        return deps;
    };
    // The access point must have been seen after the PV was released, not only in a
    // listing from before.
    let changed = w.observed.pv_changed.get(&pv.meta.name).copied();
    if changed.is_none() {
        // Judged against `now` itself: true of this moment only.
        deps.until = Some(cx.now);
    }
    let after = changed.unwrap_or(cx.now);
    deps.fs = Some(ap.file_system_id.to_string());
    let listed_after = w
        .observed
        .ap_listing
        .get(ap.file_system_id.as_str())
        .is_some_and(|l| *l >= after);
    let key = ProbeKey::AccessPoint(ap_id.to_string());
    let probed = w.observed.probe_since(&key, after);
    if !listed_after && probed.is_none() {
        out.check_access_point(ID, &pv.meta, ap_id);
        return deps;
    }
    if probed.is_some_and(|p| !p.found()) {
        return deps;
    }
    let claim = pv
        .claim
        .as_ref()
        .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
    let root = ap
        .root_path
        .as_ref()
        .map_or("/".to_string(), ToString::to_string);
    out.push(Finding {
            since: changed,
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "PV {} was released by claim {claim} and is retained: access point {ap_id} still holds its data",
                pv.meta.name
            ),
            evidence: vec![
                Evidence::object(
                    meta_ref(Kind::PersistentVolume, &pv.meta),
                    Fields::default()
                        .with("status.phase", "Released")
                        .with("spec.persistentVolumeReclaimPolicy", "Retain")
                        .with("spec.claimRef", claim.clone())
                        .with("spec.csi.volumeHandle", pv.volume_handle().as_deref().unwrap_or("-")),
                ),
                Evidence::object(
                    ObjRef::cluster(Kind::AccessPoint, ap_id),
                    Fields::default()
                        .with("FileSystemId", ap.file_system_id)
                        .with("RootDirectory.Path", root)
                        .with("LifeCycleState", ap.life_cycle_state),
                ),
                Evidence::note(format!(
                    "released since {} (seen by stordeck); to reuse the data, bind a new claim to {}; \
                     to free the slot, delete the PV and then the access point",
                    changed.map_or_else(|| "-".into(), ts),
                    pv.meta.name
                )),
            ],
            fix: None,
        });
    deps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;

    const FS: &str = "fs-0a1b2c3d4e5f60718";

    #[test]
    fn a_released_retained_pv_whose_access_point_exists_is_a_warning_naming_its_claim() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        pv_with(
            &mut w,
            "pvc-kept",
            &format!("{FS}::fsap-01"),
            "Released",
            "Retain",
        );
        pv_with(
            &mut w,
            "pvc-del",
            &format!("{FS}::fsap-02"),
            "Released",
            "Delete",
        );
        pv_with(
            &mut w,
            "pvc-bound",
            &format!("{FS}::fsap-03"),
            "Bound",
            "Retain",
        );
        access_points(
            &mut w,
            FS,
            vec![
                ap("fsap-01", FS, "pvc-kept", 1000),
                ap("fsap-02", FS, "pvc-del", 1001),
                ap("fsap-03", FS, "pvc-bound", 1002),
            ],
        );
        let found = run(&w, ID);
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.subject().map(|o| o.name.as_str()), Some("pvc-kept"));
        assert!(f.title.contains("claim shop/claim-pvc-kept"), "{}", f.title);
    }

    #[test]
    fn an_access_point_listed_only_before_the_release_is_checked_first() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points_at(
            &mut w,
            FS,
            vec![ap("fsap-01", FS, "pvc-kept", 1000)],
            ago(60),
        );
        pv_with(
            &mut w,
            "pvc-kept",
            &format!("{FS}::fsap-01"),
            "Released",
            "Retain",
        );
        let out = run_out(&w);
        assert!(of(&out.findings, ID).is_empty());
        assert!(out.checking.iter().any(|c| c.rule == ID));
        assert!(
            out.wanted
                .contains(&ProbeKey::AccessPoint("fsap-01".into()))
        );
        probe_ap(&mut w, "fsap-01", FS, true);
        assert_eq!(run(&w, ID).len(), 1);
    }
}
