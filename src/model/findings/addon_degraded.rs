//! An EKS add-on that stays DEGRADED, or ended in a failed state. DEGRADED is normal for a
//! few minutes while an update rolls its pods, so only one that lasts past the grace is a
//! finding; CREATE_FAILED and UPDATE_FAILED do not heal by themselves and show at once.

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, span, ts};
use super::{Ctx, Out};
use crate::model::World;

pub const ID: &str = "addon-degraded";

const FAILED: &[&str] = &["CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"];

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    let grace = cx.policy.graces.addon_degraded;
    w.observed
        .addon_status
        .values()
        .filter(|(s, _)| s == "DEGRADED")
        .map(|(_, t)| *t + grace)
        .filter(|at| *at > cx.now)
        .min()
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    let grace = cx.policy.graces.addon_degraded;
    for addon in w.addons.values() {
        let Some((status, since)) = w.observed.addon_status.get(&addon.name) else {
            continue;
        };
        let failed = FAILED.contains(&status.as_str());
        let lasted = cx.now.duration_since(*since);
        if !(failed || (status == "DEGRADED" && lasted >= grace)) {
            continue;
        }
        let mut fields = Fields::default()
            .with("status", status.clone())
            .with("version", addon.version.as_deref().unwrap_or("-"));
        for (code, message) in &addon.health_issues {
            fields = fields.with(format!("health.issues[{code}]"), message.clone());
        }
        out.push(Finding {
            since: Some(*since),
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "Add-on {} has been {status} for {}",
                addon.name,
                span(lasted.as_secs())
            ),
            evidence: vec![
                Evidence::object(ObjRef::cluster(Kind::Addon, &addon.name), fields),
                Evidence::note(format!(
                    "{status} since {} (seen by stordeck){}",
                    ts(*since),
                    if failed {
                        String::new()
                    } else {
                        format!(
                            "; DEGRADED is expected for up to {} after a change",
                            span(grace.as_secs())
                        )
                    }
                )),
            ],
            fix: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::testkit::*;

    #[test]
    fn degraded_past_the_grace_and_failed_at_once() {
        let mut w = World::default();
        let mut degraded = addon("aws-efs-csi-driver", days_ago(10));
        degraded.status = "DEGRADED".into();
        let mut failed = addon("vpc-cni", days_ago(10));
        failed.status = "UPDATE_FAILED".into();
        addons(
            &mut w,
            vec![degraded, failed, addon("coredns", days_ago(10))],
        );
        let names = |found: &[Finding]| -> Vec<String> {
            of(found, ID)
                .iter()
                .filter_map(|f| f.subject().map(|o| o.name.clone()))
                .collect()
        };
        assert_eq!(names(&run_at(&w, now())), ["vpc-cni"]);
        let later = run_at(&w, now() + jiff::SignedDuration::from_mins(11));
        assert_eq!(names(&later), ["aws-efs-csi-driver", "vpc-cni"]);
    }
}
