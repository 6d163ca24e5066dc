//! Kubernetes and EC2 disagree about where a volume is attached: the VolumeAttachment says
//! attached and EC2 says detached or attached elsewhere, or EC2 holds it attached to a
//! live node that no VolumeAttachment names. Either way the attach/detach controller acts
//! on a picture that is false. Disruptions and vanished nodes are `stranded-volume`'s.

use jiff::Timestamp;

use super::DISRUPTED_TAINT;
use super::ebs_common::{confirmed, next_due, pv_evidence, volume_evidence};
use super::types::{Evidence, Finding, Severity};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::ebs::EbsVolumeRec;
use crate::model::projection::PvRow;

pub const ID: &str = "attachment-drift";

struct Drift<'w> {
    v: &'w EbsVolumeRec,
    pv: &'w PvRow,
    what: String,
    since: Timestamp,
}

fn candidates<'w>(w: &'w World, cx: &Ctx<'_>) -> Vec<(Drift<'w>, Timestamp)> {
    if !w.nodes.synced || !w.volume_attachments.synced {
        return Vec::new();
    }
    let by_instance = w.nodes_by_instance();
    let mut found = Vec::new();
    for v in w.ebs_volumes.values() {
        let Some(pv) = w.pv_for_ebs_volume(&v.id) else {
            continue;
        };
        let va = w.attachment_for_pv(&pv.meta.name);
        // Busy or detaching still holds the volume where it was: that is detach-stuck's
        // business if it lasts, not a disagreement.
        let attached: Vec<&str> = v.holders().map(|a| a.instance_id.as_str()).collect();
        let what = match va {
            Some(va) if va.attached => {
                let Some(want) = w.nodes.get(&va.node).and_then(|n| n.instance()) else {
                    continue;
                };
                if attached.contains(&want) {
                    continue;
                }
                let aws = match attached.as_slice() {
                    [] => format!("EC2 says {} is {}", v.id, v.state),
                    others => format!("EC2 says it is held by {}", others.join(", ")),
                };
                format!(
                    "VolumeAttachment {} says attached to {} ({want}); {aws}",
                    va.meta.name, va.node
                )
            }
            Some(_) => continue,
            None => {
                let live = attached.iter().find_map(|i| {
                    by_instance
                        .get(i)
                        .filter(|n| !n.has_taint(DISRUPTED_TAINT))
                        .map(|n| (i, n))
                });
                let Some((i, n)) = live else { continue };
                format!(
                    "EC2 says {} is attached to {i} (node {}); no VolumeAttachment names PV {}",
                    v.id, n.meta.name, pv.meta.name
                )
            }
        };
        // The disagreement cannot be older than the later of the two sides' last change.
        // A change the watch did not show (before stordeck looked) counts from its first
        // look at EC2, so that only a read after that can confirm it.
        let k8s = w
            .va_changed
            .get(pv.meta.name.as_str())
            .copied()
            .or(w.ebs_first_swept);
        let aws = v
            .attachments
            .iter()
            .filter_map(|a| w.attachment_since(&v.id, &a.instance_id))
            .max();
        let Some(since) = k8s.max(aws).or(w.ebs_read_at(&v.id)) else {
            continue;
        };
        let due = since + cx.policy.graces.attachment_drift;
        found.push((Drift { v, pv, what, since }, due));
    }
    found
}

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    next_due(candidates(w, cx).into_iter().map(|(_, d)| d), cx.now)
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for (d, due) in candidates(w, cx) {
        if cx.now < due || !confirmed(w, out, ID, d.v, due) {
            continue;
        }
        out.push(Finding {
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "Kubernetes and EC2 disagree about where {} (PV {}) is attached",
                d.v.id, d.pv.meta.name
            ),
            evidence: vec![
                volume_evidence(w, d.v),
                pv_evidence(d.pv),
                Evidence::note(d.what),
            ],
            fix: None,
            since: Some(d.since),
            silenced: None,
        });
    }
}
