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
    let ap_key = ProbeKey::AccessPoint(ap.id.to_string());
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
        ProbeKey::EbsVolume(id) => format!("{id} from EC2"),
        ProbeKey::Pod { namespace, name } => format!("pod {namespace}/{name}"),
    }
}

/// What one access point's verdict read besides its own row, whether a PV's handle
/// names it, and the targeted read of it.
#[derive(Debug, Default)]
pub(super) struct Deps {
    /// Its file system, when the verdict waited for that file system to be listed.
    pub unlisted_fs: Option<String>,
    /// Its ClientToken, when the verdict read the PV of that name (its row, its deletion,
    /// its targeted read) or the claim whose uid the token holds.
    pub token: Option<String>,
    /// The claim of the PV deleted before it, whose targeted read the verdict read.
    pub claim: Option<(String, String)>,
    /// The verdict holds while `now` is before this (a grace ends).
    pub until: Option<Timestamp>,
}

impl Deps {
    pub(super) fn is_empty(&self) -> bool {
        self.unlisted_fs.is_none()
            && self.token.is_none()
            && self.claim.is_none()
            && self.until.is_none()
    }
}

/// When a waiting candidate can next be judged.
pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    let ready = pvs_listed(w);
    let mut scratch = Out::default();
    w.access_points
        .values()
        .filter_map(|ap| check_ap(w, cx, ready, ap, &mut scratch).until)
        .min()
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    let ready = pvs_listed(w);
    for ap in w.access_points.values() {
        check_ap(w, cx, ready, ap, out);
    }
}

/// One access point's verdict. `ready`: whether the PVs are listed; before both lists are
/// complete every access point would look unused.
pub(super) fn check_ap(
    w: &World,
    cx: &Ctx<'_>,
    ready: bool,
    ap: &AccessPointRec,
    out: &mut Out,
) -> Deps {
    let mut deps = Deps::default();
    // One being created has no PV yet; one being deleted is handled; one another consumer
    // made is not ours to call unused.
    if !(ready && ap.life_cycle_state == "available" && ap.made_by_csi_driver()) {
        return deps;
    }
    if !w.access_points_listed(&ap.file_system_id) {
        deps.unlisted_fs = Some(ap.file_system_id.to_string());
        return deps;
    }
    // Nearly every access point: in use, read from the index alone.
    if w.access_point_named(&ap.id) {
        return deps;
    }
    deps.token = ap.client_token.as_deref().map(String::from);
    if w.access_point_in_use(ap) {
        return deps;
    }
    deps.claim = w
        .observed
        .deleted_pv_for(&ap.id, ap.client_token.as_deref())
        .and_then(|(_, d)| d.claim.clone());
    let subject = ObjRef::cluster(Kind::AccessPoint, &ap.id);
    let confirmed = match judge(w, cx, ap, out) {
        Verdict::Claimed => return deps,
        Verdict::Wait(why, at) => {
            out.check(ID, subject, why);
            deps.until = at;
            return deps;
        }
        Verdict::Orphan { confirmed } => confirmed,
    };
    let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
    let fields = Fields::default()
        .with("FileSystemId", ap.file_system_id)
        .with("ClientToken", opt(ap.client_token.as_deref()))
        .with(
            "RootDirectory.Path",
            opt(ap.root_path.as_ref().map(ToString::to_string).as_deref()),
        )
        .with(
            "PosixUser.Gid",
            ap.gid.map_or_else(|| "-".into(), |g| g.to_string()),
        )
        .with("LifeCycleState", ap.life_cycle_state);
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
        fix: Some(Fix::DeleteAccessPoint {
            id: ap.id.to_string(),
        }),
    });
    deps
}

#[cfg(test)]
#[path = "orphan_access_point_tests.rs"]
mod tests;
