//! Story 3, access points no PV uses: dynamic provisioning makes one access point per PV,
//! and a `Retain` PV deleted by hand (or a failed provision) leaves its access point
//! behind, holding data and a slot of the file system's quota. Only the driver's own
//! access points count: on a shared file system, ones made by Lambda, SageMaker or
//! Terraform have no PV by design (see `model::provenance`).

use jiff::Timestamp;

use super::pvs_listed;
use super::types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::{AccessPointRec, ProbeKey, ProbeOutcome};

pub const ID: &str = "orphan-access-point";

/// Why an unused access point is not (yet) an orphan, or what confirms that it is.
enum Verdict {
    /// Its claim exists: provisioning is in flight, or the PV is on its way.
    Claimed,
    /// Not judged yet; the reason, and the moment after which it can be.
    Wait(String, Option<Timestamp>),
    Orphan {
        confirmed: Timestamp,
    },
}

/// `pvc-<uid>` → the claim uid the external-provisioner named the PV after.
pub(crate) fn claim_uid(token: &str) -> Option<&str> {
    token.strip_prefix("pvc-").filter(|u| u.len() == 36)
}

fn judge(w: &World, cx: &Ctx<'_>, ap: &AccessPointRec, out: &mut Out) -> Verdict {
    let token = ap.client_token.as_deref();
    if token
        .and_then(claim_uid)
        .and_then(|u| w.pvc_by_uid(u))
        .is_some()
    {
        return Verdict::Claimed;
    }
    // The PV side is watched and so current; what matters is whether EFS saw the access
    // point after the PV went, and after the driver had its chance to delete it.
    let deleted = w.observed.deleted_pv_for(&ap.id, token);
    let after = match deleted {
        Some((_, d)) if d.reclaim_policy.as_deref() == Some("Delete") => {
            d.at + cx.policy.graces.driver_delete
        }
        Some((_, d)) => d.at,
        None => w.observed.pvs_first_listed.unwrap_or(Timestamp::MIN),
    };
    if cx.now < after {
        return Verdict::Wait("awaiting the driver's delete".into(), Some(after));
    }
    let ap_key = ProbeKey::AccessPoint(ap.id.clone());
    let ap_probe = w.observed.probe_since(&ap_key, after);
    let mut reads = Vec::new();
    if ap_probe.is_none() {
        reads.push(ap_key);
    }
    // A fresh read of the PV it was made for, and of the claim when the PV named one.
    let pv_key = token
        .filter(|t| claim_uid(t).is_some())
        .map(|t| ProbeKey::Pv(t.to_string()));
    let claim_key = deleted
        .and_then(|(_, d)| d.claim.clone())
        .map(|(namespace, name)| ProbeKey::Pvc { namespace, name });
    for key in pv_key.iter().chain(claim_key.iter()) {
        match w.observed.probe_since(key, after) {
            None => reads.push(key.clone()),
            Some(p) if p.found() => match (&p.outcome, key, token.and_then(claim_uid)) {
                // A claim of the same name but another uid is a new claim, not this one's.
                (ProbeOutcome::Found { uid: Some(u) }, ProbeKey::Pvc { .. }, Some(want))
                    if u != want => {}
                _ => return Verdict::Wait("its PV or claim still exists".into(), None),
            },
            Some(_) => {}
        }
    }
    if !reads.is_empty() {
        let what = reads.iter().map(probe_label).collect::<Vec<_>>().join(", ");
        for r in reads {
            out.want(r);
        }
        return Verdict::Wait(format!("reading {what}"), None);
    }
    match ap_probe {
        Some(p) if p.found() => Verdict::Orphan {
            confirmed: p.started,
        },
        _ => Verdict::Wait("gone from EFS".into(), None),
    }
}

fn probe_label(k: &ProbeKey) -> String {
    match k {
        ProbeKey::AccessPoint(id) => format!("{id} from EFS"),
        ProbeKey::Pv(n) => format!("PV {n}"),
        ProbeKey::Pvc { namespace, name } => format!("PVC {namespace}/{name}"),
    }
}

fn candidates(w: &World) -> impl Iterator<Item = &AccessPointRec> {
    // Before both lists are complete every access point would look unused.
    let ready = pvs_listed(w);
    w.access_points.values().filter(move |ap| {
        // One being created has no PV yet; one being deleted is handled; one another
        // consumer made is not ours to call unused.
        ready
            && ap.life_cycle_state == "available"
            && ap.made_by_csi_driver()
            && w.access_points_listed(&ap.file_system_id)
            && !w.access_point_in_use(ap)
    })
}

/// When a waiting candidate can next be judged.
pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    let mut scratch = Out::default();
    candidates(w)
        .filter_map(|ap| match judge(w, cx, ap, &mut scratch) {
            Verdict::Wait(_, at) => at,
            _ => None,
        })
        .min()
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for ap in candidates(w) {
        let subject = ObjRef::cluster(Kind::AccessPoint, &ap.id);
        let confirmed = match judge(w, cx, ap, out) {
            Verdict::Claimed => continue,
            Verdict::Wait(why, _) => {
                out.check(ID, subject, why);
                continue;
            }
            Verdict::Orphan { confirmed } => confirmed,
        };
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
        let mut evidence = vec![Evidence::object(subject, fields), Evidence::note(why)];
        if let Some((pv, d)) = w
            .observed
            .deleted_pv_for(&ap.id, ap.client_token.as_deref())
        {
            evidence.push(Evidence::note(format!(
                "PV {pv} (reclaim policy {}) was deleted at {}; the access point outlived it",
                d.reclaim_policy.as_deref().unwrap_or("-"),
                ts(d.at)
            )));
        }
        evidence.push(Evidence::note(format!(
            "confirmed: EFS still has {} at {}, and no PV or claim uses it",
            ap.id,
            ts(confirmed)
        )));
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "Access point {} on {} is used by no PV",
                ap.id, ap.file_system_id
            ),
            evidence,
            fix: Some(Fix::DeleteAccessPoint { id: ap.id.clone() }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;
    use crate::model::{ProbeKey, ProbeOutcome, SourceId};

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
        let mut w = world(true);
        let out = run_out(&w);
        assert!(of(&out.findings, ID).is_empty(), "confirmed first");
        assert!(out.checking.iter().any(|c| c.object.name == "fsap-03"));
        confirm_all(&mut w);
        let found = run(&w, ID);
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
        let mut w = world(true);
        confirm_all(&mut w);
        let found = run(&w, ID);
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
        confirm_all(&mut w);
        assert!(run(&w, ID).is_empty());
    }

    #[test]
    fn nothing_is_an_orphan_before_the_pvs_are_listed() {
        let mut w = world(false);
        confirm_all(&mut w);
        assert!(run(&w, ID).is_empty());
    }

    const TOKEN: &str = "pvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b";
    const UID: &str = "3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b";

    #[test]
    fn an_access_point_whose_claim_is_pending_is_being_provisioned_not_orphaned() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)]);
        live(&mut w, SourceId::Pvs);
        pvc(&mut w, "shop", "data-0", UID, "Pending");
        confirm_all(&mut w);
        let out = run_out(&w);
        assert!(
            of(&out.findings, ID).is_empty() && out.checking.is_empty(),
            "{out:?}"
        );
    }

    #[test]
    fn an_access_point_whose_pv_just_went_awaits_the_drivers_delete() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points_at(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)], ago(20));
        pv(
            &mut w,
            TOKEN,
            "efs.csi.aws.com",
            &format!("{FS}::fsap-09"),
            "Released",
        );
        live(&mut w, SourceId::Pvs);
        delete_pv(&mut w, TOKEN);
        let out = run_out(&w);
        assert!(of(&out.findings, ID).is_empty());
        assert!(
            out.checking
                .iter()
                .any(|c| c.why.contains("driver's delete")),
            "{out:?}"
        );
        assert!(
            out.wanted.is_empty(),
            "nothing is read during the driver's grace"
        );
        // The driver deleted it: EFS says so, and nothing is ever raised.
        let later = now() + jiff::SignedDuration::from_secs(6);
        let mut gone = w;
        probe_at(
            &mut gone,
            ProbeKey::AccessPoint("fsap-09".into()),
            ProbeOutcome::NotFound,
            later,
        );
        assert!(of(&run_at(&gone, later), ID).is_empty());
    }

    #[test]
    fn an_access_point_left_by_a_retained_pv_deleted_by_hand_is_an_orphan_once_read() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        access_points(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)]);
        pv_with(
            &mut w,
            TOKEN,
            &format!("{FS}::fsap-09"),
            "Released",
            "Retain",
        );
        live(&mut w, SourceId::Pvs);
        delete_pv(&mut w, TOKEN);
        let wanted = run_out(&w).wanted;
        assert!(wanted.contains(&ProbeKey::AccessPoint("fsap-09".into())));
        assert!(wanted.contains(&ProbeKey::Pv(TOKEN.into())));
        confirm_all(&mut w);
        let found = run(&w, ID);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(text(&found[0]).contains("reclaim policy Retain"));
    }
}
