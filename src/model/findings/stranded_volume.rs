//! Story 4, volumes stranded by node disruption: Karpenter taints a node it is about to
//! remove with `karpenter.sh/disrupted:NoSchedule`; CSI node agents that do not tolerate
//! the taint are evicted first, so volumes are never unmounted and their
//! VolumeAttachments linger, holding the volumes away from the pods' next nodes.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Fix, Kind, Severity, plural};
use super::{DISRUPTED_TAINT, meta_ref};
use crate::model::World;

pub const ID: &str = "stranded-volume";

pub(super) fn check(w: &World, _now: Timestamp, out: &mut Vec<Finding>) {
    for node in w.nodes.values() {
        let Some(taint) = node.taints.iter().find(|t| t.key == DISRUPTED_TAINT) else {
            continue;
        };
        let vas = w.attachments_on_node(&node.meta.name);
        if vas.is_empty() {
            continue;
        }
        let taint_text = format!("{}:{}", taint.key, taint.effect);
        let mut evidence = vec![Evidence::object(
            meta_ref(Kind::Node, &node.meta),
            Fields::default().with("spec.taints", taint_text.clone()),
        )];
        for va in &vas {
            let pv = va.pv.as_deref().unwrap_or("-");
            evidence.push(Evidence::object(
                meta_ref(Kind::VolumeAttachment, &va.meta),
                Fields::default()
                    .with("spec.attacher", va.attacher.clone())
                    .with("spec.source.persistentVolumeName", pv)
                    .with("status.attached", va.attached.to_string()),
            ));
        }
        for pv in vas.iter().filter_map(|va| w.pvs.get(va.pv.as_ref()?)) {
            let claim = pv
                .claim
                .as_ref()
                .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
            evidence.push(Evidence::object(
                meta_ref(Kind::PersistentVolume, &pv.meta),
                Fields::default().with("spec.claimRef", claim),
            ));
        }
        // The agents that should unmount these volumes, and whether they can stay.
        let attachers: BTreeSet<&str> = vas.iter().map(|va| va.attacher.as_str()).collect();
        let mut culprit = None;
        for attacher in attachers {
            let Some(ds) = w.node_daemonset_for_driver(attacher) else {
                continue;
            };
            let name = ds.meta.name.as_str();
            if ds.tolerates(&taint.key, taint.value.as_deref(), &taint.effect) {
                evidence.push(Evidence::note(format!(
                    "{name} tolerates {taint_text}: the unmount may still be under way"
                )));
            } else {
                evidence.push(Evidence::note(format!(
                    "{name} does not tolerate {taint_text}: it was evicted before it could unmount {attacher} volumes"
                )));
                culprit.get_or_insert(ds);
            }
        }
        out.push(Finding {
            id: ID,
            severity: if culprit.is_some() {
                Severity::Critical
            } else {
                Severity::Warning
            },
            title: format!(
                "Node {} is being disrupted by Karpenter with {} still on it",
                node.meta.name,
                plural(vas.len(), "volume attachment", "volume attachments")
            ),
            evidence,
            fix: culprit.map(|ds| Fix::TolerateDisruption {
                namespace: ds.meta.namespace.clone().unwrap_or_default(),
                daemonset: ds.meta.name.clone(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
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
    fn a_disrupted_node_with_attachments_is_critical_when_its_agent_was_evicted() {
        let found = run(&world(disrupted(), json!([])), ID);
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert_eq!(f.severity, Severity::Critical);
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
        let tolerated = run(&world(disrupted(), json!([{"operator": "Exists"}])), ID);
        assert_eq!(tolerated[0].severity, Severity::Warning);
        assert_eq!(tolerated[0].fix, None);
    }

    #[test]
    fn nodes_without_the_taint_raise_nothing() {
        let other = json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]);
        assert!(run(&world(other, json!([])), ID).is_empty());
    }
}
