//! A volume the EBS CSI driver made (it carries the driver's cluster tag) that is
//! `available` and that no PV names: nobody uses it and it is still billed, typically
//! after a Retain PV was deleted by hand.

use jiff::Timestamp;

use super::ebs_common::{confirmed, next_due, volume_evidence};
use super::types::{Evidence, Finding, Severity};
use super::{Ctx, Out, pvs_listed};
use crate::model::World;
use crate::model::ebs::{EbsVolumeRec, monthly_cost_usd};

pub const ID: &str = "orphaned-ebs-volume";

fn candidates<'w>(
    w: &'w World,
    cx: &Ctx<'_>,
) -> impl Iterator<Item = (&'w EbsVolumeRec, Timestamp, Timestamp)> {
    let listed = pvs_listed(w);
    let grace = cx.policy.graces.orphaned_ebs;
    w.ebs_volumes
        .values()
        .filter(move |v| {
            listed
                && v.cluster_tagged
                && v.state == "available"
                && w.pv_for_ebs_volume(&v.id).is_none()
        })
        .filter_map(move |v| {
            // The provisioner creates the PV moments after the volume; a PV deleted while
            // stordeck watched must be outlived by the EC2 read that shows the volume.
            let deleted = v
                .pv_tag
                .as_deref()
                .and_then(|pv| w.observed.pv_deleted.get(pv))
                .map(|d| d.at);
            let created = v.created?;
            let since = deleted.map_or(created, |d| d.max(created));
            Some((v, since, (created + grace).max(since)))
        })
}

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    next_due(candidates(w, cx).map(|(.., d)| d), cx.now)
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for (v, since, due) in candidates(w, cx).collect::<Vec<_>>() {
        if cx.now < due || !confirmed(w, out, ID, v, due) {
            continue;
        }
        let cost = monthly_cost_usd(v).map_or_else(
            || format!("no list price known for {} volumes", v.volume_type),
            |usd| {
                format!(
                    "about ${usd:.2} a month at us-east-1 list price (an estimate; other regions differ by up to about 20%)"
                )
            },
        );
        let made_for = match (&v.claim_tag, &v.pv_tag) {
            (Some((ns, c)), Some(pv)) => format!("made for claim {ns}/{c} (PV {pv})"),
            (None, Some(pv)) => format!("made for PV {pv}"),
            _ => "made by the EBS CSI driver".to_string(),
        };
        let evidence = vec![
            volume_evidence(w, v),
            Evidence::note(format!(
                "{} is {made_for}, and no PV in this cluster names it; {cost}",
                v.id
            )),
            Evidence::note(
                "the driver's tag ebs.csi.aws.com/cluster=true does not say which cluster: \
                 if other clusters share this account and region, check CSIVolumeName before deleting",
            ),
        ];
        let age = v
            .created
            .map(|c| format!(", created {}", c.strftime("%Y-%m-%d")))
            .unwrap_or_default();
        out.push(Finding {
            id: ID,
            severity: Severity::Info,
            title: format!(
                "EBS volume {} ({} GiB {}) is available and no PV names it{age}",
                v.id, v.size_gib, v.volume_type
            ),
            evidence,
            fix: None,
            since: Some(since),
            silenced: None,
        });
    }
}
