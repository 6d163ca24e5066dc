//! Story 3, PVs whose access point is gone: the PV's volumeHandle (`fs-x::fsap-y` or
//! `efs:fs-x::fsap-y`, with or without a path) names an access point EFS no longer lists,
//! so the next pod to mount a bound claim fails. A PV nothing is bound to only needs
//! cleaning up.

use super::meta_ref;
use super::per_pv::Deps;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, plural, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::{ProbeKey, ProbeOutcome};
use crate::model::projection::PvRow;

pub const ID: &str = "missing-access-point";

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for pv in w.pvs.values() {
        check_pv(w, cx, pv, out);
    }
}

/// One PV's verdict; the returned `Deps` say what beyond the PV's row, its access
/// point's row and the targeted read of it the verdict was judged with.
pub(super) fn check_pv(w: &World, cx: &Ctx<'_>, pv: &PvRow, out: &mut Out) -> Deps {
    let mut deps = Deps::default();
    let Some(h) = &pv.efs else {
        return deps;
    };
    let Some(ap_id) = h.access_point_id.as_deref() else {
        return deps;
    };
    if w.access_point_for_pv(pv).is_some() {
        return deps;
    }
    // Whether the file system is listed, and how many access points it has.
    deps.fs = Some(h.file_system_id.to_string());
    // A file system we cannot list (another account, not answered yet) proves nothing.
    if !w.access_points_listed(&h.file_system_id) {
        return deps;
    }
    let changed = w.observed.pv_changed.get(&pv.meta.name).copied();
    let bound = pv.phase.as_deref() == Some("Bound");
    // Released with policy Delete: the provisioner deletes the access point, then the
    // PV; the gap between the two is that deletion, not a loss.
    let deleting = pv.phase.as_deref() == Some("Released")
        && pv.reclaim_policy.as_deref() == Some("Delete")
        && changed.is_some_and(|c| cx.now.duration_since(c) < cx.policy.graces.released_delete);
    if deleting {
        // Until the grace ends; after that, time alone changes nothing here.
        deps.until = changed.and_then(|c| c.checked_add(cx.policy.graces.released_delete).ok());
        return deps;
    }
    if changed.is_none() {
        // Judged against `now` itself: true of this moment only.
        deps.until = Some(cx.now);
    }
    // Gone only if EFS, asked about this very access point after the PV last changed,
    // said so: a listing that began before the PV arrived cannot have known it.
    let key = ProbeKey::AccessPoint(ap_id.to_string());
    let after = changed.unwrap_or(cx.now);
    let Some(probe) = w.observed.probe_since(&key, after) else {
        out.check_access_point(ID, &pv.meta, ap_id);
        return deps;
    };
    if probe.found() {
        return deps;
    }
    let confirmed_at = probe.started;
    let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
    let claim = pv
        .claim
        .as_ref()
        .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
    let fields = Fields::default()
        .with("spec.csi.volumeHandle", opt(pv.volume_handle().as_deref()))
        .with("status.phase", opt(pv.phase.as_deref()))
        .with(
            "spec.persistentVolumeReclaimPolicy",
            opt(pv.reclaim_policy.as_deref()),
        )
        .with("spec.claimRef", claim);
    let listed = w.access_point_count(&h.file_system_id);
    out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity: if bound {
                Severity::Critical
            } else {
                Severity::Info
            },
            title: match probe.outcome {
                ProbeOutcome::Invalid { .. } => format!(
                    "PV {} names access point {ap_id}, an id EFS refuses as invalid",
                    pv.meta.name
                ),
                _ => format!(
                    "PV {} names access point {ap_id}, which EFS no longer has",
                    pv.meta.name
                ),
            },
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
                Evidence::note(match &probe.outcome {
                    ProbeOutcome::Invalid { reason } => format!(
                        "confirmed: DescribeAccessPoints AccessPointId={ap_id} was refused as invalid at {} (\"{reason}\"): the volumeHandle names an id no access point can have",
                        ts(confirmed_at)
                    ),
                    _ => format!(
                        "confirmed: DescribeAccessPoints AccessPointId={ap_id} answered AccessPointNotFound at {}",
                        ts(confirmed_at)
                    ),
                }),
            ],
            fix: None,
        });
    deps
}

#[cfg(test)]
#[path = "missing_access_point_tests.rs"]
mod tests;
