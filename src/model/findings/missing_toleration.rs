//! Story 4, node agents that leave before their volumes do: a CSI node or CNI DaemonSet
//! that does not tolerate `karpenter.sh/disrupted:NoSchedule` is evicted from a node
//! Karpenter is draining before the volumes on it are unmounted.

use super::types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity};
use super::{Ctx, Out};
use super::{DISRUPTED_TAINT, meta_ref};
use crate::model::World;
use crate::model::projection::{DaemonSetRow, TolerationRow};

pub const ID: &str = "missing-toleration";

/// DaemonSets of CNI plugins, by the names their charts and EKS give them.
const CNI_NAMES: &[&str] = &[
    "aws-node",
    "cilium",
    "calico-node",
    "kube-flannel-ds",
    "antrea-agent",
    "weave-net",
];
/// Image fragments that give a node agent away when its name does not.
const CSI_IMAGES: &[&str] = &["csi-node-driver-registrar"];
const CNI_IMAGES: &[&str] = &["amazon-k8s-cni", "cilium/cilium:", "calico/node:"];

/// "CSI node" or "CNI" when the DaemonSet is one of the agents volumes depend on
/// (`ebs-csi-node`, `ebs-csi-node-windows`, `aws-node`, `cilium`, …).
fn role(ds: &DaemonSetRow) -> Option<&'static str> {
    let name = ds.meta.name.as_str();
    let image_has = |marks: &[&str]| {
        ds.images
            .iter()
            .any(|i| marks.iter().any(|m| i.contains(m)))
    };
    if name.contains("-csi-node") || image_has(CSI_IMAGES) {
        Some("CSI node")
    } else if CNI_NAMES.contains(&name) || image_has(CNI_IMAGES) {
        Some("CNI")
    } else {
        None
    }
}

fn describe(t: &TolerationRow) -> String {
    let mut s = t.key.clone().unwrap_or_else(|| "*".into());
    match t.operator.as_deref() {
        Some("Exists") => s.push_str(" Exists"),
        _ => s.push_str(&format!("={}", t.value.as_deref().unwrap_or(""))),
    }
    if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty()) {
        s.push_str(&format!(":{e}"));
    }
    s
}

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    let tainted: Vec<&str> = w
        .nodes
        .values()
        .filter(|n| n.has_taint(DISRUPTED_TAINT))
        .map(|n| n.meta.name.as_str())
        .collect();
    for ds in w.daemonsets.values() {
        let Some(role) = role(ds) else {
            continue;
        };
        if ds.tolerates(DISRUPTED_TAINT, None, "NoSchedule") {
            continue;
        }
        let ns = ds.meta.namespace.unwrap_or_default().to_string();
        let tolerations = if ds.tolerations.is_empty() {
            "(none)".to_string()
        } else {
            ds.tolerations
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut evidence = vec![Evidence::object(
            meta_ref(Kind::DaemonSet, &ds.meta),
            Fields::default()
                .with("spec.template.spec.tolerations", tolerations)
                .with(
                    "spec.template.spec.containers[*].image",
                    ds.images.join(", "),
                ),
        )];
        // What the agent serves, where stordeck shows it: its CSIDriver or its add-on.
        for d in w.csi_drivers.values() {
            if w.node_daemonset_for_driver(&d.meta.name)
                .is_some_and(|x| std::ptr::eq(x, ds))
            {
                evidence.push(Evidence::object(
                    meta_ref(Kind::CsiDriver, &d.meta),
                    Fields::default(),
                ));
            }
        }
        for a in w.addons.values() {
            let manages = w
                .addon_objects(&a.name)
                .iter()
                .any(|o| std::ptr::eq(o.meta, &ds.meta));
            if manages {
                evidence.push(Evidence::object(
                    ObjRef::cluster(Kind::Addon, &a.name),
                    Fields::default(),
                ));
            }
        }
        evidence.push(Evidence::note(
            "Karpenter taints nodes it is about to remove with karpenter.sh/disrupted:NoSchedule; \
             agents that do not tolerate it are evicted before volumes are unmounted",
        ));
        if !tainted.is_empty() {
            evidence.push(Evidence::note(format!(
                "tainted now: {}",
                tainted.join(", ")
            )));
        }
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "{role} DaemonSet {ns}/{} does not tolerate {DISRUPTED_TAINT}:NoSchedule",
                ds.meta.name
            ),
            evidence,
            fix: Some(Fix::TolerateDisruption {
                namespace: ns,
                daemonset: ds.meta.name.to_string(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::findings::testkit::*;

    fn world() -> World {
        let mut w = World::default();
        let critical = json!([{"key": "CriticalAddonsOnly", "operator": "Exists"},
                              {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                               "effect": "NoExecute"}]);
        csi_driver(&mut w, "ebs.csi.aws.com", days_ago(90), &["eks"]);
        daemonset(
            &mut w,
            "ebs-csi-node",
            "ecr/eks/aws-ebs-csi-driver:v1.44.0",
            critical.clone(),
            json!({}),
        );
        daemonset(
            &mut w,
            "cilium",
            "quay.io/cilium/cilium:v1.17.4",
            critical,
            json!({}),
        );
        // Tolerates everything: `Exists` without a key.
        daemonset(
            &mut w,
            "efs-csi-node",
            "aws-efs-csi-driver:v2.1.9",
            json!([{"operator": "Exists"}]),
            json!({}),
        );
        // Tolerates the taint by key.
        daemonset(
            &mut w,
            "aws-node",
            "amazon-k8s-cni:v1.19.5",
            json!([{"key": "karpenter.sh/disrupted", "operator": "Exists", "effect": "NoSchedule"}]),
            json!({}),
        );
        // Not a node agent volumes depend on.
        daemonset(
            &mut w,
            "fluent-bit",
            "fluent/fluent-bit:3.0",
            json!([]),
            json!({}),
        );
        w
    }

    #[test]
    fn csi_and_cni_agents_without_the_toleration_are_flagged() {
        let found = run(&world(), ID);
        let titles: Vec<&str> = found.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "CNI DaemonSet kube-system/cilium does not tolerate karpenter.sh/disrupted:NoSchedule",
                "CSI node DaemonSet kube-system/ebs-csi-node does not tolerate karpenter.sh/disrupted:NoSchedule",
            ]
        );
        let ebs = found[1].objects().map(|o| o.kind).collect::<Vec<_>>();
        assert_eq!(ebs, [Kind::DaemonSet, Kind::CsiDriver]);
        assert!(
            text(&found[1]).contains(
                "CriticalAddonsOnly Exists, node.kubernetes.io/not-ready Exists:NoExecute"
            )
        );
        assert_eq!(
            fix(&found[0]),
            Some(&Fix::TolerateDisruption {
                namespace: "kube-system".into(),
                daemonset: "cilium".into()
            })
        );
    }

    #[test]
    fn tolerating_agents_and_other_daemonsets_raise_nothing() {
        let found = run(&world(), ID);
        assert!(found.iter().all(|f| {
            let t = &f.title;
            !t.contains("efs-csi-node") && !t.contains("aws-node") && !t.contains("fluent-bit")
        }));
    }
}
