//! Story 1, preserve or lose the CSIDriver: an add-on that adopted objects older than
//! itself deletes them with itself unless the delete uses `preserve=true`. On a cluster
//! with Fargate profiles the pre-existing `efs.csi.aws.com` CSIDriver is what Fargate pods
//! mount EFS through, so losing it is critical.

use jiff::SignedDuration;

use super::types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity, plural, ts};
use super::{Ctx, Out};
use super::{managers, meta_ref};
use crate::model::World;
use crate::model::projection::NodeRow;

pub const ID: &str = "preserve-risk";

/// EKS stamps the add-on's createdAt when it accepts the request and creates the objects
/// moments later, at second precision; only an object older by more than this predates it.
const SLACK: SignedDuration = SignedDuration::from_secs(60);

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    for addon in w.addons.values() {
        let Some(created) = addon.created_at else {
            continue;
        };
        let older: Vec<_> = w
            .addon_objects(&addon.name)
            .into_iter()
            .filter(|o| o.meta.created.get().is_some_and(|c| c + SLACK < created))
            .collect();
        if older.is_empty() {
            continue;
        }
        let driver = older.iter().find(|o| o.kind == "CSIDriver");
        let profiles: Vec<&str> = w
            .fargate_profiles
            .values()
            .map(|p| p.name.as_str())
            .collect();
        let severity = if driver.is_some() && !profiles.is_empty() {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let title = match driver {
            Some(d) => format!(
                "Deleting add-on {} without preserve would delete CSIDriver {}, which predates it",
                addon.name, d.meta.name
            ),
            None => format!(
                "Deleting add-on {} without preserve would delete {} older than the add-on",
                addon.name,
                plural(older.len(), "object", "objects")
            ),
        };
        let mut evidence = Vec::new();
        for o in &older {
            let Some(kind) = Kind::from_k8s(o.kind) else {
                continue;
            };
            let mut fields = Fields::default();
            if let Some(c) = o.meta.created.get() {
                fields = fields.with("metadata.creationTimestamp", ts(c));
            }
            fields = fields.with("managedFields.manager", managers(o.meta));
            evidence.push(Evidence::object(meta_ref(kind, o.meta), fields));
        }
        evidence.push(Evidence::object(
            ObjRef::cluster(Kind::Addon, &addon.name),
            Fields::default()
                .with("createdAt", ts(created))
                .with("version", addon.version.as_deref().unwrap_or("-")),
        ));
        if driver.is_some() && !profiles.is_empty() {
            evidence.push(Evidence::note(format!(
                "cluster has {}: {} — Fargate pods mount EFS through this CSIDriver",
                plural(profiles.len(), "Fargate profile", "Fargate profiles"),
                profiles.join(", ")
            )));
        }
        if let Some(note) = nodes_note(w) {
            evidence.push(Evidence::note(note));
        }
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity,
            title,
            evidence,
            fix: Some(Fix::PreserveDelete {
                addon: addon.name.clone(),
            }),
        });
    }
}

/// Fargate-only clusters are where the CSIDriver exists before any add-on.
pub(super) fn nodes_note(w: &World) -> Option<String> {
    let total = w.nodes.len();
    let fargate = w.nodes.values().filter(|n| NodeRow::is_fargate(n)).count();
    if w.is_fargate_only() {
        Some(format!(
            "every node is Fargate ({total} of {total} eks.amazonaws.com/compute-type=fargate) \
             and the cluster has no node groups"
        ))
    } else if fargate > 0 {
        Some(format!("{fargate} of {total} nodes are Fargate"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use jiff::Timestamp;

    use super::*;
    use crate::model::findings::testkit::*;

    fn world(driver_created: Timestamp, fargate: bool) -> World {
        let mut w = World::default();
        csi_driver(
            &mut w,
            "efs.csi.aws.com",
            driver_created,
            &["kubectl-client-side-apply", "eks"],
        );
        addons(&mut w, vec![addon("aws-efs-csi-driver", days_ago(30))]);
        if fargate {
            fargate_profiles(&mut w, &["fp-default", "fp-apps"]);
            let labels = json!({"eks.amazonaws.com/compute-type": "fargate"});
            node(&mut w, "fargate-ip-10-0-1-1", labels, json!([]));
            aws(&mut w, crate::model::AwsMsg::Nodegroups(vec![]));
        }
        w
    }

    #[test]
    fn an_older_csidriver_on_fargate_is_critical_with_evidence_and_fix() {
        let found = run(&world(days_ago(200), true), ID);
        let [f] = found.as_slice() else {
            panic!("one finding expected: {found:?}");
        };
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.title.contains("CSIDriver efs.csi.aws.com"), "{}", f.title);
        assert_eq!(
            f.subject().map(|o| (o.kind, o.name.as_str())),
            Some((Kind::CsiDriver, "efs.csi.aws.com"))
        );
        let t = text(f);
        for want in [
            "2025-11-23T12:00:00Z",
            "2026-05-12T12:00:00Z",
            "kubectl-client-side-apply, eks",
            "2 Fargate profiles: fp-apps, fp-default",
            "every node is Fargate (1 of 1",
        ] {
            assert!(t.contains(want), "{want} missing from {t}");
        }
        assert_eq!(
            fix(f),
            Some(&Fix::PreserveDelete {
                addon: "aws-efs-csi-driver".into()
            })
        );
    }

    #[test]
    fn without_fargate_it_is_a_warning() {
        let found = run(&world(days_ago(200), false), ID);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
    }

    #[test]
    fn a_csidriver_the_addon_created_itself_raises_nothing() {
        // Same moment, a few seconds "older" by clock precision, and younger.
        for created in [
            days_ago(30),
            days_ago(30) - SignedDuration::from_secs(5),
            days_ago(29),
        ] {
            assert!(run(&world(created, true), ID).is_empty(), "{created}");
        }
    }
}
