//! Planning the EBS actions from what the World shows. A plan is refused, with the reason,
//! whenever the act could hurt a volume someone still uses; the executor's re-check asks
//! the same questions again with fresh reads right before it sends.

use super::ebs::{DeleteVolume, DetachVolume};
use super::{Action, DISRUPTED_TAINT};
use crate::model::ebs::{EbsVolumeRec, monthly_cost_usd};
use crate::model::projection::NodeRow;
use crate::model::{HealthState, SourceId, World};

fn live(world: &World, source: SourceId) -> bool {
    matches!(
        world.health.get(&source).map(|h| &h.state),
        Some(HealthState::Live)
    )
}

fn volume<'w>(world: &'w World, id: &str) -> Result<&'w EbsVolumeRec, String> {
    world
        .ebs_volumes
        .get(id)
        .ok_or_else(|| format!("EBS volume {id} is not (or no longer) known"))
}

/// Why detaching from this node's instance is safe to offer, or `None` while the instance
/// runs under a Ready node nobody is removing: there the volume may be mounted and in use.
pub fn detach_allowed(
    node: Option<&NodeRow>,
    instance: &str,
    state: Option<&str>,
) -> Option<String> {
    let Some(n) = node else {
        return Some(format!("no node runs on instance {instance} any more"));
    };
    let name = &n.meta.name;
    if n.has_taint(DISRUPTED_TAINT) {
        return Some(format!("node {name} is tainted {DISRUPTED_TAINT}"));
    }
    match n.ready {
        Some(true) => {}
        Some(false) => return Some(format!("node {name} is NotReady")),
        None => return Some(format!("node {name} reports no Ready condition")),
    }
    match state {
        Some(s) if s != "running" => Some(format!("instance {instance} is {s}")),
        _ => None,
    }
}

/// `DetachVolume` with `Force=false`; the dialog offers `Force=true` only on a second ask.
pub fn force_detach(world: &World, id: &str) -> Result<Action, String> {
    let v = volume(world, id)?;
    let att = v
        .holders()
        .next()
        .ok_or_else(|| format!("{id} is not attached to any instance: nothing to detach"))?;
    if !live(world, SourceId::Nodes) {
        return Err(
            "the node list is not live, so whether the instance's node is gone or \
                    Ready cannot be told; try again once it is"
                .into(),
        );
    }
    let instance = att.instance_id.as_str();
    let nodes = world.nodes_by_instance();
    let node = nodes.get(instance).copied();
    let state = world.instances.get(instance).map(|i| i.state.as_str());
    let because = detach_allowed(node, instance, state).ok_or_else(|| {
        format!(
            "instance {instance} is {} and its node {} is Ready and not disrupted: {id} may be \
             mounted and in use there, so stordeck does not detach it",
            state.unwrap_or("running"),
            node.map_or("-", |n| n.meta.name.as_str())
        )
    })?;
    Ok(Action::DetachVolume(DetachVolume {
        volume_id: id.to_string(),
        instance_id: instance.to_string(),
        device: att.device.as_deref().map(String::from),
        attachment_state: att.state.to_string(),
        force: false,
        node: node.map(|n| n.meta.name.to_string()),
        because,
        pv: world
            .pv_for_ebs_volume(id)
            .map(|pv| pv.meta.name.to_string()),
        findings: Vec::new(),
    }))
}

/// Only a volume the EBS CSI driver made for this cluster, `available`, that no PV names,
/// judged on a live PV list; a snapshot comes first unless the dialog is asked twice.
pub fn delete_ebs_volume(world: &World, id: &str) -> Result<Action, String> {
    let v = volume(world, id)?;
    if v.state.as_str() != "available" || !v.attachments.is_empty() {
        return Err(format!(
            "{id} is {}, not available: only a volume nothing holds can be deleted",
            v.state
        ));
    }
    if !v.cluster_tagged {
        return Err(format!(
            "{id} has no ebs.csi.aws.com/cluster tag: the EBS CSI driver did not make it, so \
             something stordeck cannot see may own it, and stordeck never deletes it"
        ));
    }
    if !live(world, SourceId::Pvs) {
        return Err(
            "the PersistentVolume list is not live, so whether a PV names this \
                    volume cannot be told; try again once it is"
                .into(),
        );
    }
    if let Some(pv) = world.pv_for_ebs_volume(id) {
        return Err(format!(
            "PV {} names {id}; only orphaned volumes can be deleted",
            pv.meta.name
        ));
    }
    if let Some(pv) = v.pv_tag.as_deref().and_then(|n| world.pvs.get(n)) {
        return Err(format!(
            "PV {} exists, and {id}'s CSIVolumeName tag names it",
            pv.meta.name
        ));
    }
    let made_for = match (&v.claim_tag, &v.pv_tag) {
        (Some((ns, claim)), Some(pv)) => Some(format!("claim {ns}/{claim}, PV {pv}")),
        (Some((ns, claim)), None) => Some(format!("claim {ns}/{claim}")),
        (None, Some(pv)) => Some(format!("PV {pv}")),
        (None, None) => None,
    };
    Ok(Action::DeleteVolume(DeleteVolume {
        volume_id: id.to_string(),
        size_gib: v.size_gib,
        volume_type: v.volume_type.to_string(),
        zone: v.zone.to_string(),
        made_for,
        monthly_estimate: monthly_cost_usd(v).map(|c| format!("≈ ${c:.2}")),
        snapshot_first: true,
        findings: Vec::new(),
    }))
}
