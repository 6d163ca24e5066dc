//! Story 3, PVs whose access point is gone: the PV's volumeHandle (`fs-x::fsap-y` or
//! `efs:fs-x::fsap-y`, with or without a path) names an access point EFS no longer lists,
//! so the next pod to mount a bound claim fails. A PV nothing is bound to only needs
//! cleaning up.

use std::collections::BTreeMap;

use super::meta_ref;
use super::per_pv::Deps;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, plural, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::{ProbeKey, ProbeOutcome};
use crate::model::projection::PvRow;

pub const ID: &str = "missing-access-point";

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    // Access points per file system, counted once and only if some PV needs it.
    let mut per_fs = ApsPerFs::default();
    for pv in w.pvs.values() {
        check_pv(w, cx, pv, &mut per_fs, out);
    }
}

/// Access points per file system, counted once an evaluation needs it.
#[derive(Default)]
pub(super) struct ApsPerFs(Option<BTreeMap<String, usize>>);

impl ApsPerFs {
    fn get(&mut self, w: &World, fs: &str) -> usize {
        let m = self.0.get_or_insert_with(|| {
            let mut m = BTreeMap::new();
            for ap in w.access_points.values() {
                *m.entry(ap.file_system_id.clone()).or_default() += 1;
            }
            m
        });
        m.get(fs).copied().unwrap_or(0)
    }
}

/// One PV's verdict; the returned `Deps` say what beyond the PV's row, its access
/// point's row and the targeted read of it the verdict was judged with.
pub(super) fn check_pv(
    w: &World,
    cx: &Ctx<'_>,
    pv: &PvRow,
    per_fs: &mut ApsPerFs,
    out: &mut Out,
) -> Deps {
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
    deps.fs = Some(h.file_system_id.clone());
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
        .with("spec.csi.volumeHandle", opt(pv.volume_handle.as_deref()))
        .with("status.phase", opt(pv.phase.as_deref()))
        .with(
            "spec.persistentVolumeReclaimPolicy",
            opt(pv.reclaim_policy.as_deref()),
        )
        .with("spec.claimRef", claim);
    let listed = per_fs.get(w, &h.file_system_id);
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
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;
    use crate::model::{ProbeOutcome, ProbeResult, SourceMsg};

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
        let mut w = world(true);
        // Unconfirmed until EFS is asked about the access point itself.
        let out = run_out(&w);
        assert!(of(&out.findings, ID).is_empty(), "{:?}", out.findings);
        assert!(
            out.wanted
                .contains(&ProbeKey::AccessPoint("fsap-09".into()))
        );
        confirm_all(&mut w);
        let found = run(&w, ID);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.subject().map_or("", |o| o.name.as_str()), f.severity))
            .collect();
        // pvc-old is Released with policy Delete: its provisioner may be deleting it.
        assert_eq!(got, [("pvc-lost", Severity::Critical)]);
        probe_ap(&mut w, "fsap-08", FS, false);
        let later = run_at(&w, now() + jiff::SignedDuration::from_mins(3));
        assert_eq!(
            of(&later, ID)
                .iter()
                .map(|f| f.severity)
                .collect::<Vec<_>>(),
            [Severity::Critical, Severity::Info]
        );
        assert!(text(&found[0]).contains("efs:fs-0a1b2c3d4e5f60718:/data:fsap-09"));
        assert_eq!(found[0].fix, None);
    }

    #[test]
    fn nothing_is_missing_before_efs_lists_the_access_points() {
        let mut w = world(false);
        confirm_all(&mut w);
        assert!(run(&w, ID).is_empty());
    }

    #[test]
    fn a_pv_newer_than_the_listing_is_checking_until_efs_answers_for_its_access_point() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        // The sweep began a minute ago; the driver made fsap-02 and its PV since.
        access_points_at(&mut w, FS, vec![ap("fsap-01", FS, "pvc-a", 1000)], ago(60));
        pv(
            &mut w,
            "pvc-new",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-02"),
            "Bound",
        );
        let out = run_out(&w);
        assert!(of(&out.findings, ID).is_empty());
        assert_eq!(out.checking.len(), 1);
        assert_eq!(out.checking[0].object.name, "pvc-new");
        // EFS has it: the PV is healthy, and the access point joins the table at once.
        probe_ap(&mut w, "fsap-02", FS, true);
        let out = run_out(&w);
        assert!(
            out.findings.is_empty() && out.checking.is_empty(),
            "{out:?}"
        );
        assert!(
            w.access_point_for_pv(w.pvs.get(&"pvc-new".to_string()).expect("pv"))
                .is_some()
        );
        // A later sweep that began before that read does not take it away again.
        access_points_at(&mut w, FS, vec![ap("fsap-01", FS, "pvc-a", 1000)], ago(30));
        assert!(run(&w, ID).is_empty());
    }

    #[test]
    fn a_read_that_started_before_the_pv_changed_proves_nothing() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(&mut w, FS, vec![]);
        let stale = ProbeResult {
            key: ProbeKey::AccessPoint("fsap-02".into()),
            started: ago(5),
            outcome: ProbeOutcome::NotFound,
        };
        w.apply(SourceMsg::Probe(stale), now());
        pv(
            &mut w,
            "pvc-new",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-02"),
            "Bound",
        );
        assert!(run(&w, ID).is_empty());
        probe_ap(&mut w, "fsap-02", FS, false);
        assert_eq!(run(&w, ID).len(), 1);
    }

    #[test]
    fn a_released_pv_being_deleted_by_its_provisioner_is_not_missing() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(&mut w, FS, vec![]);
        pv(
            &mut w,
            "pvc-going",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-03"),
            "Released",
        );
        confirm_all(&mut w);
        assert!(run(&w, ID).is_empty());
        probe_ap(&mut w, "fsap-03", FS, false);
        let later = run_at(&w, now() + jiff::SignedDuration::from_mins(3));
        assert_eq!(of(&later, ID).len(), 1, "stuck past the grace: {later:?}");
    }

    /// An id EFS refuses (too short, not hex) can name no access point: the PV is
    /// confirmed broken, not "checking" for ever while every read is refused.
    #[test]
    fn an_access_point_id_efs_refuses_is_confirmed_missing_in_its_words() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(&mut w, FS, vec![]);
        pv(
            &mut w,
            "pvc-typo",
            "efs.csi.aws.com",
            &format!("{FS}::fsap-0nothere"),
            "Bound",
        );
        let out = run_out(&w);
        assert_eq!(out.checking.len(), 1, "{out:?}");
        let reason = "1 validation error detected: Value 'fsap-0nothere' at 'accessPointId' \
                      failed to satisfy constraint";
        probe(
            &mut w,
            ProbeKey::AccessPoint("fsap-0nothere".into()),
            ProbeOutcome::Invalid {
                reason: reason.into(),
            },
        );
        let out = run_out(&w);
        assert!(out.checking.is_empty(), "{out:?}");
        let found = of(&out.findings, ID);
        assert_eq!(found.len(), 1, "{out:?}");
        assert!(
            found[0].title.contains("refuses as invalid"),
            "{}",
            found[0].title
        );
        assert!(text(found[0]).contains(reason), "{}", text(found[0]));
    }
}
