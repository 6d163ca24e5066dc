//! Story 2, who owns the add-on's objects: EKS installs the VPC CNI with `helm template |
//! kubectl apply --server-side --field-manager eks`, leaving Helm's `managed-by` label
//! without the `meta.helm.sh/release-*` annotations Helm needs to adopt an object. Also
//! flags objects whose field managers disagree with their label (`eks` writing an object
//! labelled Helm's). One finding per add-on, listing its ambiguous objects.

use super::types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity, plural};
use super::{Ctx, Out};
use super::{managers, meta_ref};
use crate::model::World;
use crate::model::projection::Meta;

pub const ID: &str = "ownership-ambiguous";

const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
const RELEASE_NAME: &str = "meta.helm.sh/release-name";
const RELEASE_NAMESPACE: &str = "meta.helm.sh/release-namespace";

/// Labelled as Helm's but missing what `helm upgrade` checks before adopting an object.
fn helm_label_only(m: &Meta) -> bool {
    m.label(MANAGED_BY) == Some("Helm")
        && !(m.annotations.contains_key(RELEASE_NAME)
            && m.annotations.contains_key(RELEASE_NAMESPACE))
}

/// The label names an owner whose field manager never wrote the object. Without
/// managedFields there is nothing to compare.
fn managers_disagree(m: &Meta) -> bool {
    if m.managers.is_empty() {
        return false;
    }
    let wrote = |prefix: &str| m.managers.iter().any(|x| x.starts_with(prefix));
    match m.label(MANAGED_BY) {
        Some("Helm") => !wrote("helm"),
        Some("EKS" | "eks") => !wrote("eks"),
        _ => false,
    }
}

fn absent(v: Option<&str>) -> String {
    v.unwrap_or("(absent)").to_string()
}

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    for addon in w.addons.values() {
        let objects = w.addon_objects(&addon.name);
        let flagged: Vec<_> = objects
            .iter()
            .filter(|o| helm_label_only(o.meta) || managers_disagree(o.meta))
            .collect();
        if flagged.is_empty() {
            continue;
        }
        let label_only = flagged.iter().all(|o| helm_label_only(o.meta));
        let any_label_only = flagged.iter().any(|o| helm_label_only(o.meta));
        let what = plural(flagged.len(), "object", "objects");
        let title = if label_only {
            format!(
                "{what} of add-on {} labelled managed-by=Helm without Helm's release annotations",
                addon.name
            )
        } else {
            format!(
                "{what} of add-on {} with ambiguous ownership: label, Helm annotations and field managers disagree",
                addon.name
            )
        };
        let mut evidence = vec![Evidence::object(
            ObjRef::cluster(Kind::Addon, &addon.name),
            Fields::default().with("version", addon.version.as_deref().unwrap_or("-")),
        )];
        for o in &flagged {
            let Some(kind) = Kind::from_k8s(o.kind) else {
                continue;
            };
            let fields = Fields::default()
                .with(
                    format!("metadata.labels[{MANAGED_BY}]"),
                    absent(o.meta.labels.get(MANAGED_BY)),
                )
                .with(
                    format!("metadata.annotations[{RELEASE_NAME}]"),
                    absent(o.meta.annotations.get(RELEASE_NAME)),
                )
                .with(
                    format!("metadata.annotations[{RELEASE_NAMESPACE}]"),
                    absent(o.meta.annotations.get(RELEASE_NAMESPACE)),
                )
                .with("managedFields.manager", managers(o.meta));
            evidence.push(Evidence::object(meta_ref(kind, o.meta), fields));
        }
        if any_label_only {
            evidence.push(Evidence::note(
                "helm upgrade refuses to adopt objects without the release annotations; \
                 EKS applied these with helm template | kubectl apply --field-manager eks",
            ));
        }
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title,
            evidence,
            fix: any_label_only.then(|| Fix::AdoptIntoHelm {
                addon: addon.name.clone(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::model::findings::testkit::*;

    fn vpc_cni(meta_extra: Value, managers: &[&str]) -> World {
        let mut w = World::default();
        addons(&mut w, vec![addon("vpc-cni", days_ago(120))]);
        let mut extra = meta_extra;
        extra["managedFields"] = managers
            .iter()
            .map(|m| json!({"manager": m, "operation": "Apply"}))
            .collect();
        daemonset(
            &mut w,
            "aws-node",
            "amazon-k8s-cni:v1.19.5",
            json!([]),
            extra,
        );
        w
    }

    #[test]
    fn helm_label_without_annotations_is_flagged_with_adoption_fix() {
        let w = vpc_cni(
            json!({"labels": {"app.kubernetes.io/managed-by": "Helm"}}),
            &["eks"],
        );
        let found = run(&w, ID);
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert!(
            f.title.starts_with("1 object of add-on vpc-cni"),
            "{}",
            f.title
        );
        assert_eq!(f.subject().map(|o| o.kind), Some(Kind::Addon));
        let t = text(f);
        assert!(
            t.contains(r#""metadata.annotations[meta.helm.sh/release-name]":"(absent)""#),
            "{t}"
        );
        assert!(t.contains(r#""managedFields.manager":"eks""#), "{t}");
        assert_eq!(
            fix(f),
            Some(&Fix::AdoptIntoHelm {
                addon: "vpc-cni".into()
            })
        );
    }

    #[test]
    fn annotated_but_written_by_eks_disagrees_without_a_fix() {
        let w = vpc_cni(
            json!({"labels": {"app.kubernetes.io/managed-by": "Helm"},
                   "annotations": {"meta.helm.sh/release-name": "aws-vpc-cni",
                                   "meta.helm.sh/release-namespace": "kube-system"}}),
            &["eks"],
        );
        let found = run(&w, ID);
        assert_eq!(found.len(), 1);
        assert!(found[0].title.contains("field managers disagree"));
        assert_eq!(found[0].fix, None);
    }

    #[test]
    fn consistent_ownership_raises_nothing() {
        let helm = vpc_cni(
            json!({"labels": {"app.kubernetes.io/managed-by": "Helm"},
                   "annotations": {"meta.helm.sh/release-name": "aws-vpc-cni",
                                   "meta.helm.sh/release-namespace": "kube-system"}}),
            &["helm"],
        );
        assert!(run(&helm, ID).is_empty());
        let eks = vpc_cni(
            json!({"labels": {"app.kubernetes.io/managed-by": "EKS"}}),
            &["eks"],
        );
        assert!(run(&eks, ID).is_empty());
    }
}
