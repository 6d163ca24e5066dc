//! Story 4 from the AWS side: EC2 still holds a PV's volume on an instance whose node is
//! being disrupted, is gone, or is no longer the node its VolumeAttachment names. The
//! pod's next node cannot attach it until EC2 lets go. Reported under `stranded-volume`,
//! one finding per volume, beside the Kubernetes-side finding per node.

use std::collections::HashMap;

use jiff::Timestamp;

use super::DISRUPTED_TAINT;
use super::ebs_common::{confirmed, next_due, pv_evidence, volume_evidence, volume_ref};
use super::stranded_volume::ID;
use super::types::{Evidence, Finding, Severity};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::ebs::{EBS_DRIVER, EbsAttachment, EbsVolumeRec};
use crate::model::projection::{NodeRow, PvRow};

struct Stranded<'w> {
    v: &'w EbsVolumeRec,
    a: &'w EbsAttachment,
    pv: &'w PvRow,
    why: String,
    /// Since when the volume has been held where it should not be.
    since: Timestamp,
    /// Nothing is left on the node to unmount it: waiting is only for detaches already
    /// under way, so the volume is a candidate (checking) meanwhile.
    agent_gone: bool,
}

/// When a disrupted node's holding turns into a finding: soon after its EBS node agent
/// left (nothing will unmount the volume), else after a drain's grace. As the
/// Kubernetes-side rule judges the node.
fn disrupted_due(w: &World, cx: &Ctx<'_>, node: &str) -> Option<(Timestamp, Timestamp, bool)> {
    let disrupted = *w.observed.disrupted_seen.get(node)?;
    let g = &cx.policy.graces;
    let gone = w
        .node_daemonset_for_driver(EBS_DRIVER)
        .and_then(|ds| w.agent_on_node(ds, node))
        == Some(false);
    Some(if gone {
        let left = w
            .observed
            .agent_gone
            .get(node)
            .map_or(disrupted, |t| (*t).max(disrupted));
        (disrupted, left + g.agent_settle, true)
    } else {
        (disrupted, disrupted + g.stranded, false)
    })
}

fn candidates<'w>(w: &'w World, cx: &Ctx<'_>) -> Vec<(Stranded<'w>, Timestamp)> {
    // Without every node, "no node runs on the instance" means nothing.
    if !w.nodes.synced {
        return Vec::new();
    }
    let nodes: HashMap<&str, &NodeRow> = w.nodes_by_instance();
    let mut found = Vec::new();
    for v in w.ebs_volumes.values() {
        let Some(pv) = w.pv_for_ebs_volume(&v.id) else {
            continue;
        };
        let va = w.attachment_for_pv(&pv.meta.name);
        for a in v.holders() {
            let grace = cx.policy.graces.stranded;
            let held = |t: Option<Timestamp>| t.map(|t| (t, t + grace, false));
            let (why, timing) = match nodes.get(a.instance_id.as_str()) {
                // From when the node went, as the watch saw it; a node gone before
                // stordeck looked counts from its first look at EC2, so that a read from
                // before a detach finished can never stand for one after.
                None => (
                    format!("no node of this cluster runs on {} any more", a.instance_id),
                    held(
                        w.node_gone
                            .get(a.instance_id.as_str())
                            .copied()
                            .or(w.ebs_first_swept),
                    ),
                ),
                Some(n) if n.has_taint(DISRUPTED_TAINT) => (
                    format!(
                        "its node {} is tainted {DISRUPTED_TAINT} and about to go",
                        n.meta.name
                    ),
                    disrupted_due(w, cx, &n.meta.name),
                ),
                Some(n) => match va {
                    Some(va) if va.node != n.meta.name => (
                        format!(
                            "its VolumeAttachment {} names node {} now, not {}",
                            va.meta.name, va.node, n.meta.name
                        ),
                        held(
                            w.va_changed
                                .get(pv.meta.name.as_str())
                                .copied()
                                .or(w.ebs_first_swept),
                        ),
                    ),
                    _ => continue,
                },
            };
            let Some((since, due, agent_gone)) = timing else {
                continue;
            };
            let s = Stranded {
                v,
                a,
                pv,
                why,
                since,
                agent_gone,
            };
            found.push((s, due));
        }
    }
    found
}

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    next_due(candidates(w, cx).into_iter().map(|(_, d)| d), cx.now)
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for (s, due) in candidates(w, cx) {
        // A detach takes seconds; a drain, minutes.
        if cx.now < due {
            if s.agent_gone {
                let why = "agent gone; waiting for detaches in flight".to_string();
                out.check(ID, volume_ref(s.v), why);
            }
            continue;
        }
        if !confirmed(w, out, ID, s.v, due) {
            continue;
        }
        let mut evidence = vec![volume_evidence(w, s.v), pv_evidence(s.pv)];
        evidence.push(Evidence::note(format!(
            "EC2 still holds {} {} on {}: {}; a pod elsewhere cannot attach it (Multi-Attach) until EC2 lets go",
            s.v.id, s.a.state, s.a.instance_id, s.why
        )));
        if let Some(i) = w.instances.get(s.a.instance_id.as_str()) {
            evidence.push(Evidence::note(format!("instance {} is {}", i.id, i.state)));
        }
        out.push(Finding {
            id: ID,
            severity: Severity::Critical,
            // How long stays out of the title, which is made once: the FOR column and
            // `since` say it as time passes.
            title: format!(
                "EBS volume {} of PV {} is still {} to {}: {}",
                s.v.id, s.pv.meta.name, s.a.state, s.a.instance_id, s.why
            ),
            evidence,
            fix: None,
            since: Some(s.since),
            silenced: None,
        });
    }
}
