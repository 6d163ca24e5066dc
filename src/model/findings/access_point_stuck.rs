//! An access point EFS keeps at `creating`: the PV waiting for it never binds, and the
//! claim's pods stay Pending. EFS creates one in seconds, so only one that stays
//! `creating` past the grace is a finding; since when is stordeck's first sight of it so.

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, span, ts};
use super::{Ctx, Out};
use crate::model::World;

pub const ID: &str = "access-point-stuck";

pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    let grace = cx.policy.graces.access_point_creating;
    w.observed
        .ap_creating_seen
        .values()
        .map(|t| *t + grace)
        .filter(|at| *at > cx.now)
        .min()
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    let grace = cx.policy.graces.access_point_creating;
    let mut stuck: Vec<(&String, &Timestamp)> = w
        .observed
        .ap_creating_seen
        .iter()
        .filter(|(_, since)| cx.now.duration_since(**since) >= grace)
        .collect();
    stuck.sort();
    for (id, since) in stuck {
        let Some(ap) = w.access_points.get(id.as_str()) else {
            continue;
        };
        let lasted = span(cx.now.duration_since(*since).as_secs());
        out.push(Finding {
            since: Some(*since),
            silenced: None,
            id: ID,
            severity: Severity::Warning,
            title: format!(
                "Access point {id} on {} has been creating for {lasted}",
                ap.file_system_id
            ),
            evidence: vec![
                Evidence::object(
                    ObjRef::cluster(Kind::AccessPoint, id),
                    Fields::default()
                        .with("LifeCycleState", ap.life_cycle_state)
                        .with("ClientToken", ap.client_token.as_deref().unwrap_or("-")),
                ),
                Evidence::note(format!(
                    "creating since {} (seen by stordeck); EFS normally takes seconds, the grace is {}",
                    ts(*since),
                    span(grace.as_secs())
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

    const FS: &str = "fs-0a1b2c3d4e5f60718";

    #[test]
    fn creating_past_the_grace_is_a_finding_and_not_before() {
        let mut w = World::default();
        file_systems(&mut w, vec![fs(FS, "available", &[])]);
        let mut creating = ap("fsap-01", FS, "pvc-x", 1000);
        creating.life_cycle_state = "creating".into();
        access_points(&mut w, FS, vec![creating]);
        assert!(run(&w, ID).is_empty(), "just seen creating");
        let later = run_at(&w, now() + jiff::SignedDuration::from_mins(3));
        let f = of(&later, ID);
        assert_eq!(f.len(), 1, "{later:?}");
        assert_eq!(f[0].since, Some(now()));
    }
}
