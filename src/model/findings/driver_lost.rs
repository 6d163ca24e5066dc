//! Story 1 after the fact: the CSIDriver is gone while PVs still name its driver — what
//! deleting an add-on without `preserve` does to a driver that predated it. Without the
//! object the attach/detach controller treats EFS as needing attachment, which nothing
//! performs, and on Fargate pods cannot mount at all; the kubelet's "driver name … not
//! found" Events land on this finding as its symptoms.
//!
//! Judged by the same id as the risk before the delete (`preserve-risk`): it is the same
//! story, and a silence for one is meant for both.

use jiff::Timestamp;

use super::preserve_risk::{ID, nodes_note};
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, plural, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::{HealthState, SourceId};

/// The EKS add-ons that ship a CSIDriver, by driver: their PVs cannot be served without it.
const ADDON_DRIVERS: &[(&str, &str)] = &[
    ("efs.csi.aws.com", "aws-efs-csi-driver"),
    ("ebs.csi.aws.com", "aws-ebs-csi-driver"),
    ("fsx.csi.aws.com", "aws-fsx-csi-driver"),
    ("s3.csi.aws.com", "aws-mountpoint-s3-csi-driver"),
];

/// Since when the driver has been missing, if it is one stordeck may call lost: seen
/// deleted, or an add-on's driver absent from the first listing on. Other drivers may
/// legitimately run without a CSIDriver object.
fn missing_since(w: &World, driver: &str) -> Option<Timestamp> {
    if let Some(at) = w.observed.driver_gone.get(driver) {
        return Some(*at);
    }
    ADDON_DRIVERS
        .iter()
        .any(|(d, _)| *d == driver)
        .then_some(w.observed.drivers_first_listed?)
}

fn listed(w: &World) -> bool {
    w.csi_drivers.synced
        && matches!(
            w.health.get(&SourceId::CsiDrivers).map(|h| &h.state),
            Some(HealthState::Live)
        )
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    if !listed(w) {
        return;
    }
    let mut lost: Vec<(&str, usize, Timestamp)> = w
        .pv_drivers()
        .filter(|(d, _)| w.csi_drivers.get(*d).is_none())
        .filter_map(|(d, n)| Some((d, n, missing_since(w, d)?)))
        .collect();
    lost.sort();
    for (driver, pvs, since) in lost {
        if cx.now < since + cx.policy.graces.driver_lost {
            continue;
        }
        let seen_deleted = w.observed.driver_gone.contains_key(driver);
        let field = if seen_deleted {
            ("deleted (seen by stordeck)", ts(since))
        } else {
            ("absent since stordeck's first listing", ts(since))
        };
        let mut evidence = vec![Evidence::object(
            ObjRef::cluster(Kind::CsiDriver, driver),
            Fields::default().with(field.0, field.1),
        )];
        evidence.push(Evidence::note(format!(
            "{} name driver {driver}",
            plural(pvs, "PersistentVolume", "PersistentVolumes")
        )));
        let addon = ADDON_DRIVERS
            .iter()
            .find(|(d, _)| *d == driver)
            .map(|a| a.1);
        if let Some(name) = addon {
            evidence.push(match w.addons.get(name) {
                Some(a) => Evidence::object(
                    ObjRef::cluster(Kind::Addon, name),
                    Fields::default().with("status", a.status.clone()),
                ),
                None if w.addons.synced => Evidence::note(format!(
                    "no add-on {name} is installed: if it was deleted without preserve, it \
                     took the CSIDriver with it"
                )),
                None => Evidence::note(format!("add-on {name}: not read yet")),
            });
        }
        if let Some(note) = nodes_note(w) {
            evidence.push(Evidence::note(note));
        }
        evidence.push(Evidence::note(match addon {
            Some(name) => format!(
                "to restore it, create add-on {name} again (or apply the driver's CSIDriver \
                 manifest); delete add-ons with preserve=true to keep it"
            ),
            None => "to restore it, apply the driver's CSIDriver manifest again".into(),
        }));
        out.push(Finding {
            id: ID,
            severity: Severity::Critical,
            title: format!(
                "CSIDriver {driver} is gone while {} use it: their pods cannot mount",
                plural(pvs, "PV", "PVs")
            ),
            evidence,
            fix: None,
            since: Some(since),
            silenced: None,
        });
    }
}

/// When a missing driver's grace ends.
pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    if !listed(w) {
        return None;
    }
    w.pv_drivers()
        .filter(|(d, _)| w.csi_drivers.get(*d).is_none())
        .filter_map(|(d, _)| Some(missing_since(w, d)? + cx.policy.graces.driver_lost))
        .filter(|t| *t > cx.now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;
    use crate::model::{Change, KubeMsg};
    use jiff::SignedDuration;

    fn world() -> World {
        let mut w = World::default();
        kube(&mut w, KubeMsg::CsiDriver(Change::InitStart));
        kube(&mut w, KubeMsg::CsiDriver(Change::InitDone));
        csi_driver(&mut w, "efs.csi.aws.com", days_ago(200), &["eks"]);
        live(&mut w, SourceId::CsiDrivers);
        pv(&mut w, "pv-a", "efs.csi.aws.com", "fs-1::fsap-1", "Bound");
        pv(&mut w, "pv-b", "efs.csi.aws.com", "fs-1::fsap-2", "Bound");
        pv(&mut w, "pv-c", "example.com/nfs", "x", "Bound");
        w
    }

    fn delete_driver(w: &mut World, name: &str) {
        let d = serde_json::from_value(serde_json::json!({"metadata": {"name": name}}))
            .expect("driver");
        kube(w, KubeMsg::CsiDriver(Change::Delete(d)));
    }

    #[test]
    fn a_deleted_driver_that_pvs_still_name_is_critical_after_it_settles() {
        let mut w = world();
        assert!(run(&w, ID).iter().all(|f| !f.title.contains("is gone")));
        delete_driver(&mut w, "efs.csi.aws.com");
        let soon = run_at(&w, now() + SignedDuration::from_secs(10));
        assert!(
            soon.iter().all(|f| !f.title.contains("is gone")),
            "{soon:?}"
        );
        let later = run_at(&w, now() + SignedDuration::from_mins(2));
        let lost: Vec<_> = of(&later, ID);
        assert_eq!(lost.len(), 1, "{later:?}");
        assert_eq!(lost[0].severity, Severity::Critical);
        assert!(
            lost[0]
                .title
                .contains("efs.csi.aws.com is gone while 2 PVs")
        );
        assert!(text(lost[0]).contains("create add-on aws-efs-csi-driver again"));
    }

    #[test]
    fn a_driver_that_comes_back_or_never_had_an_object_is_not_lost() {
        let mut w = world();
        delete_driver(&mut w, "efs.csi.aws.com");
        csi_driver(&mut w, "efs.csi.aws.com", now(), &["eks"]);
        let later = run_at(&w, now() + SignedDuration::from_mins(2));
        assert!(of(&later, ID).is_empty(), "{later:?}");
        // example.com/nfs never had a CSIDriver: some drivers run without one.
        assert!(later.iter().all(|f| !f.title.contains("example.com")));
    }
}
