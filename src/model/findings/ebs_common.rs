//! What the EBS rules share: confirming against an EC2 read made late enough, and how a
//! volume and its attachments read as evidence.

use jiff::Timestamp;

use super::types::{Evidence, Fields, Kind, ObjRef, ts};
use super::{Out, meta_ref};
use crate::model::ProbeKey;
use crate::model::World;
use crate::model::ebs::{EbsAttachment, EbsVolumeRec};
use crate::model::projection::PvRow;

/// Whether what the World holds of the volume was read from EC2 at or after `due`. EC2 is
/// swept every 30 s or more while the watches are live within milliseconds: a claim about
/// the volume must rest on a read made after the moment it is about, so until one is in,
/// the candidate is checking and the volume is read at once.
pub(super) fn confirmed(
    w: &World,
    out: &mut Out,
    rule: &'static str,
    v: &EbsVolumeRec,
    due: Timestamp,
) -> bool {
    if w.ebs_read_at(&v.id).is_some_and(|r| r >= due) {
        return true;
    }
    out.check(rule, volume_ref(v), format!("reading {} from EC2", v.id));
    out.want(ProbeKey::EbsVolume(v.id.to_string()));
    false
}

pub(super) fn volume_ref(v: &EbsVolumeRec) -> ObjRef {
    ObjRef::new(Kind::EbsVolume, None, &v.id)
}

pub(super) fn volume_evidence(w: &World, v: &EbsVolumeRec) -> Evidence {
    let mut f = Fields::default()
        .with("State", v.state.as_str())
        .with("AvailabilityZone", v.zone.as_str())
        .with("Size", format!("{} GiB {}", v.size_gib, v.volume_type));
    for a in &v.attachments {
        f = f.with("Attachment", attachment_text(w, v, a));
    }
    if let Some(r) = w.ebs_read_at(&v.id) {
        f = f.with("read from EC2 at", ts(r));
    }
    Evidence::object(volume_ref(v), f)
}

/// `i-… /dev/xvdaa attached (since …)`.
pub(super) fn attachment_text(w: &World, v: &EbsVolumeRec, a: &EbsAttachment) -> String {
    let device = a.device.as_deref().unwrap_or("-");
    let since = w
        .attachment_since(&v.id, &a.instance_id)
        .map(|t| format!(" (seen so since {})", ts(t)))
        .unwrap_or_default();
    format!("{} {device} {}{since}", a.instance_id, a.state)
}

pub(super) fn pv_evidence(pv: &PvRow) -> Evidence {
    let claim = pv
        .claim
        .as_ref()
        .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
    Evidence::object(
        meta_ref(Kind::PersistentVolume, &pv.meta),
        Fields::default()
            .with(
                "spec.csi.volumeHandle",
                pv.volume_handle().as_deref().unwrap_or("-"),
            )
            .with("spec.claimRef", claim),
    )
}

/// The moment a candidate turns into a finding, for `recheck_at`.
pub(super) fn next_due(dues: impl Iterator<Item = Timestamp>, now: Timestamp) -> Option<Timestamp> {
    dues.filter(|d| *d > now).min()
}
