//! A PV whose required nodeAffinity sends its pod to zones other than the one its EBS
//! volume lives in: EBS volumes attach only within their zone, so the pod can never run.
//! Both facts are immutable (a volume's zone, a PV's affinity), so no grace and no fresh
//! read are needed: what EC2 said once of the zone stays true.

use super::ebs_common::{pv_evidence, volume_evidence};
use super::types::{Evidence, Finding, Severity};
use super::{Ctx, Out};
use crate::model::World;

pub const ID: &str = "az-mismatch";

pub(super) fn check(w: &World, _: &Ctx<'_>, out: &mut Out) {
    for v in w.ebs_volumes.values() {
        let Some(pv) = w.pv_for_ebs_volume(&v.id) else {
            continue;
        };
        if pv.zones.is_empty() || pv.zones.contains(&v.zone) {
            continue;
        }
        let zones: Vec<&str> = pv.zones.iter().map(|z| z.as_str()).collect();
        let bound = pv.claim.is_some() && pv.phase.is_some_and(|p| p == "Bound");
        out.push(Finding {
            id: ID,
            severity: if bound {
                Severity::Critical
            } else {
                Severity::Warning
            },
            title: format!(
                "PV {} allows only {} but its volume {} is in {}",
                pv.meta.name,
                zones.join(", "),
                v.id,
                v.zone
            ),
            evidence: vec![
                pv_evidence(pv),
                volume_evidence(w, v),
                Evidence::note(format!(
                    "an EBS volume attaches only to instances in its own zone; every node the PV's nodeAffinity allows is in {}, so its pod cannot start",
                    zones.join(", ")
                )),
            ],
            fix: None,
            since: pv.meta.created.get(),
            silenced: None,
        });
    }
}
