//! Story 4, volumes stranded by node disruption: Karpenter taints a node it is about to
//! remove with `karpenter.sh/disrupted:NoSchedule`; CSI node agents that do not tolerate
//! the taint are evicted first, so volumes are never unmounted and their
//! VolumeAttachments linger, holding the volumes away from the pods' next nodes.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Fix, Kind, Severity, plural, span, ts};
use super::{Ctx, Out};
use super::{DISRUPTED_TAINT, meta_ref};
use crate::model::World;
use crate::model::projection::{DaemonSetRow, NodeRow, TaintRow, VolumeAttachmentRow};

pub const ID: &str = "stranded-volume";

/// What stordeck knows of the agent that should unmount a driver's volumes on a node.
enum Agent<'w> {
    Serving(&'w DaemonSetRow),
    /// Watched, and no pod of it serves on the node any more.
    Gone(&'w DaemonSetRow),
    /// Its pods are not watched (no selector, forbidden, not listed yet): judged by
    /// whether it tolerates the taint.
    Unknown(&'w DaemonSetRow),
}

struct Node<'w> {
    node: &'w NodeRow,
    taint: &'w TaintRow,
    vas: Vec<&'w VolumeAttachmentRow>,
    disrupted: Timestamp,
}

fn disrupted(w: &World) -> impl Iterator<Item = Node<'_>> {
    w.nodes.values().filter_map(|node| {
        let taint = node.taints.iter().find(|t| t.key == DISRUPTED_TAINT)?;
        let vas = w.attachments_on_node(&node.meta.name);
        let disrupted = *w.observed.disrupted_seen.get(node.meta.name.as_str())?;
        (!vas.is_empty()).then_some(Node {
            node,
            taint,
            vas,
            disrupted,
        })
    })
}

fn agents<'w>(w: &'w World, n: &Node<'w>) -> Vec<(&'w str, Agent<'w>)> {
    let attachers: BTreeSet<&str> = n.vas.iter().map(|va| va.attacher.as_str()).collect();
    attachers
        .into_iter()
        .filter_map(|attacher| {
            let ds = w.node_daemonset_for_driver(attacher)?;
            let agent = match w.agent_on_node(ds, &n.node.meta.name) {
                Some(true) => Agent::Serving(ds),
                Some(false) => Agent::Gone(ds),
                None => Agent::Unknown(ds),
            };
            Some((attacher, agent))
        })
        .collect()
}

/// When the node's condition turns into a finding, and how bad it is then.
fn due(
    w: &World,
    cx: &Ctx<'_>,
    n: &Node<'_>,
    agents: &[(&str, Agent<'_>)],
) -> (Timestamp, Severity) {
    let g = &cx.policy.graces;
    let gone = agents.iter().any(|(_, a)| matches!(a, Agent::Gone(_)));
    let untolerated = agents.iter().any(|(_, a)| {
        matches!(a, Agent::Unknown(ds) if !ds.tolerates(&n.taint.key, n.taint.value.as_deref(), &n.taint.effect))
    });
    if gone {
        // The agent left after the taint came (or was already gone when stordeck looked).
        let left = w
            .observed
            .agent_gone
            .get(n.node.meta.name.as_str())
            .copied()
            .map_or(n.disrupted, |t| t.max(n.disrupted));
        (left + g.agent_settle, Severity::Critical)
    } else if untolerated {
        (n.disrupted + g.stranded, Severity::Critical)
    } else {
        (n.disrupted + g.stranded, Severity::Warning)
    }
}

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    disrupted(w)
        .map(|n| due(w, cx, &n, &agents(w, &n)).0)
        .filter(|at| *at > cx.now)
        .min()
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    for n in disrupted(w) {
        let agents = agents(w, &n);
        let (at, severity) = due(w, cx, &n, &agents);
        // Attachments on a node being drained are normal while the drain runs. With its
        // agent gone they are a candidate: detaches already under way may still finish.
        if cx.now < at {
            if agents.iter().any(|(_, a)| matches!(a, Agent::Gone(_))) {
                out.check(
                    ID,
                    meta_ref(Kind::Node, &n.node.meta),
                    "agent gone; waiting for detaches in flight".into(),
                );
            }
            continue;
        }
        let node = n.node;
        let taint = n.taint;
        let taint_text = format!("{}:{}", taint.key, taint.effect);
        let mut evidence = vec![Evidence::object(
            meta_ref(Kind::Node, &node.meta),
            Fields::default()
                .with("spec.taints", taint_text.clone())
                .with("disrupted since (seen by stordeck)", ts(n.disrupted)),
        )];
        for va in &n.vas {
            let pv = va.pv.as_deref().unwrap_or("-");
            evidence.push(Evidence::object(
                meta_ref(Kind::VolumeAttachment, &va.meta),
                Fields::default()
                    .with("spec.attacher", va.attacher.clone())
                    .with("spec.source.persistentVolumeName", pv)
                    .with("status.attached", va.attached.to_string()),
            ));
        }
        for pv in n.vas.iter().filter_map(|va| w.pvs.get(va.pv.as_deref()?)) {
            let claim = pv
                .claim
                .as_ref()
                .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
            evidence.push(Evidence::object(
                meta_ref(Kind::PersistentVolume, &pv.meta),
                Fields::default().with("spec.claimRef", claim),
            ));
        }
        let node_name = node.meta.name.as_str();
        let mut culprit = None;
        for (attacher, agent) in &agents {
            let tolerates =
                |ds: &DaemonSetRow| ds.tolerates(&taint.key, taint.value.as_deref(), &taint.effect);
            let note = match agent {
                Agent::Gone(ds) => {
                    if !tolerates(ds) {
                        culprit.get_or_insert(*ds);
                    }
                    let why = if tolerates(ds) {
                        String::new()
                    } else {
                        format!(" (it does not tolerate {taint_text})")
                    };
                    format!(
                        "no {} pod serves on {node_name} any more: nothing is left to unmount its {attacher} volumes{why}",
                        ds.meta.name,
                    )
                }
                Agent::Serving(ds) => format!(
                    "{} still runs on {node_name}, yet the attachments have outlasted the {} drain grace",
                    ds.meta.name,
                    span(cx.policy.graces.stranded.as_secs())
                ),
                Agent::Unknown(ds) if tolerates(ds) => format!(
                    "{} tolerates {taint_text}: the unmount may still be under way",
                    ds.meta.name
                ),
                Agent::Unknown(ds) => {
                    culprit.get_or_insert(*ds);
                    format!(
                        "{} does not tolerate {taint_text}: it is evicted before it can unmount {attacher} volumes (its pods are not watched, so this is inferred)",
                        ds.meta.name
                    )
                }
            };
            evidence.push(Evidence::note(note));
        }
        out.push(Finding {
            since: Some(n.disrupted),
            silenced: None,
            id: ID,
            severity,
            title: format!(
                "Node {} is being disrupted by Karpenter with {} still on it",
                node.meta.name,
                plural(n.vas.len(), "volume attachment", "volume attachments"),
            ),
            evidence,
            fix: culprit.map(|ds| Fix::TolerateDisruption {
                namespace: ds.meta.namespace.unwrap_or_default().to_string(),
                daemonset: ds.meta.name.to_string(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use serde_json::{Value, json};

    use super::*;
    use crate::model::AgentSelector;
    use crate::model::findings::testkit::*;

    const EBS: &str = "ebs.csi.aws.com";

    fn world(taints: Value, tolerations: Value) -> World {
        let mut w = World::default();
        node(&mut w, "ip-10-0-101-23", json!({}), taints);
        node(&mut w, "ip-10-0-102-45", json!({}), json!([]));
        daemonset(
            &mut w,
            "ebs-csi-node",
            "aws-ebs-csi-driver:v1.44.0",
            tolerations,
            json!({}),
        );
        pv(&mut w, "pvc-pg", EBS, "vol-01", "Bound");
        attachment(&mut w, "csi-aaa", EBS, "ip-10-0-101-23", "pvc-pg");
        attachment(&mut w, "csi-bbb", EBS, "ip-10-0-101-23", "pvc-redis");
        attachment(&mut w, "csi-ccc", EBS, "ip-10-0-102-45", "pvc-kafka");
        w
    }

    fn disrupted() -> Value {
        json!([{"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}])
    }

    #[test]
    fn unwatched_agents_are_judged_by_their_toleration_once_the_drain_grace_is_over() {
        let w = world(disrupted(), json!([]));
        assert!(run(&w, ID).is_empty(), "a drain is normal for a while");
        let found = of(&run_at(&w, now() + SignedDuration::from_mins(6)), ID)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>();
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.since, Some(now()));
        assert!(f.title.contains("ip-10-0-101-23") && f.title.contains("2 volume attachments"));
        let names: Vec<&str> = f.objects().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["ip-10-0-101-23", "csi-aaa", "csi-bbb", "pvc-pg"]);
        assert!(
            text(f).contains("ebs-csi-node does not tolerate karpenter.sh/disrupted:NoSchedule")
        );
        assert_eq!(
            fix(f),
            Some(&Fix::TolerateDisruption {
                namespace: "kube-system".into(),
                daemonset: "ebs-csi-node".into()
            })
        );
        let tolerated = world(disrupted(), json!([{"operator": "Exists"}]));
        let found = run_at(&tolerated, now() + SignedDuration::from_mins(6));
        assert_eq!(of(&found, ID)[0].severity, Severity::Warning);
        assert_eq!(of(&found, ID)[0].fix, None);
    }

    fn watched(agent_on_disrupted_node: bool) -> World {
        let mut w = world(disrupted(), json!([]));
        daemonset_with_selector(&mut w, "ebs-csi-node", "app=ebs-csi-node");
        let selector = AgentSelector {
            namespace: "kube-system".into(),
            labels: "app=ebs-csi-node".into(),
        };
        let mut pods = vec![agent_pod("ebs-csi-node-b", "ip-10-0-102-45")];
        if agent_on_disrupted_node {
            pods.push(agent_pod("ebs-csi-node-a", "ip-10-0-101-23"));
        }
        list_agent_pods(&mut w, &selector, pods);
        w
    }

    #[test]
    fn a_drain_whose_agent_still_runs_is_normal_until_the_grace_then_a_warning() {
        let w = watched(true);
        assert!(of(&run_at(&w, now() + SignedDuration::from_mins(4)), ID).is_empty());
        let late = run_at(&w, now() + SignedDuration::from_mins(6));
        let f = of(&late, ID);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(text(f[0]).contains("still runs on ip-10-0-101-23"));
    }

    #[test]
    fn attachments_that_outlive_their_agent_are_critical_after_the_settle() {
        let w = watched(false);
        assert!(
            run(&w, ID).is_empty(),
            "detaches in flight may still finish"
        );
        let f = run_at(&w, now() + SignedDuration::from_secs(31));
        let f = of(&f, ID);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(text(f[0]).contains("no ebs-csi-node pod serves on ip-10-0-101-23"));
    }

    #[test]
    fn nodes_without_the_taint_raise_nothing() {
        let other = json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]);
        let w = world(other, json!([]));
        assert!(of(&run_at(&w, now() + SignedDuration::from_hours(1)), ID).is_empty());
    }
}
