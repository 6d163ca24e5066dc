//! An EBS attachment stuck `detaching` or `busy`: EC2 detaches in seconds unless the
//! device is still in use on the instance, which holds the volume away from every other
//! node until someone unmounts it or forces the detach.

use jiff::Timestamp;

use super::ebs_common::{confirmed, next_due, pv_evidence, volume_evidence};
use super::types::{Evidence, Finding, Severity, span};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::ebs::{EbsAttachment, EbsVolumeRec};

pub const ID: &str = "detach-stuck";

fn candidates<'w>(
    w: &'w World,
    cx: &Ctx<'_>,
) -> impl Iterator<Item = (&'w EbsVolumeRec, &'w EbsAttachment, Timestamp, Timestamp)> {
    let grace = cx.policy.graces.detach_stuck;
    w.ebs_volumes.values().flat_map(move |v| {
        v.attachments
            .iter()
            .filter(|a| matches!(a.state.as_str(), "detaching" | "busy"))
            .filter_map(move |a| {
                // EC2 gives no time for `detaching`: stordeck's first sight of it is the
                // earliest it can vouch for.
                let since = w.attachment_since(&v.id, &a.instance_id)?;
                Some((v, a, since, since + grace))
            })
    })
}

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    next_due(candidates(w, cx).map(|(.., due)| due), cx.now)
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for (v, a, since, due) in candidates(w, cx).collect::<Vec<_>>() {
        if cx.now < due || !confirmed(w, out, ID, v, due) {
            continue;
        }
        let mut evidence = vec![volume_evidence(w, v)];
        if let Some(pv) = w.pv_for_ebs_volume(&v.id) {
            evidence.push(pv_evidence(pv));
        }
        let node = w
            .nodes_by_instance()
            .get(a.instance_id.as_str())
            .map_or_else(
                || "no node of this cluster".to_string(),
                |n| format!("node {}", n.meta.name),
            );
        evidence.push(Evidence::note(format!(
            "{} has been {} from {} ({node}) since stordeck first saw it so, longer than the {} grace; \
             a busy device is usually still mounted on the instance",
            v.id,
            a.state,
            a.instance_id,
            span(cx.policy.graces.detach_stuck.as_secs()),
        )));
        out.push(Finding {
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "EBS volume {} is stuck {} from {}",
                v.id, a.state, a.instance_id
            ),
            evidence,
            fix: None,
            since: Some(since),
            silenced: None,
        });
    }
}
