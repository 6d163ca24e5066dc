//! The findings engine: one rule per file, each a pure function of the `World` (and of an
//! injected `now` for rules about how long something has lasted), recognising the hazards
//! of DESIGN.md's five stories.
//!
//! [`evaluate`] runs every rule and ranks what they find; [`Findings`] holds the result
//! with per-severity counts and an index from object to the findings naming it, and
//! knows when it needs evaluating again.

mod access_point_quota;
mod access_point_stuck;
mod ack_duplicate;
mod addon_degraded;
mod attachment_drift;
mod az_mismatch;
mod detach_stuck;
mod driver_lost;
mod ebs_common;
mod eks_insight;
mod gid_range;
mod lifecycle_drift;
mod missing_access_point;
mod missing_toleration;
mod orphan_access_point;
mod orphaned_ebs;
mod ownership_ambiguous;
mod per_ap;
mod per_pv;
mod policy;
mod preserve_risk;
mod released_volume;
mod set;
mod silence;
mod stranded_ebs;
mod stranded_volume;
mod symptoms;
mod types;

#[cfg(test)]
mod ebs_tests;
#[cfg(test)]
mod incremental_tests;
#[cfg(test)]
mod symptoms_tests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::World;
use super::input::{HealthState, ProbeKey, SourceId};
use super::projection::Meta;

pub use ack_duplicate::retains as ack_retains;
pub use missing_access_point::ID as MISSING_ACCESS_POINT;
pub use orphan_access_point::ID as ORPHAN_ACCESS_POINT;
pub(crate) use orphan_access_point::claim_uid;
pub use policy::{Graces, Policy, Silence};
pub use set::Findings;
pub use symptoms::ID as UNEXPLAINED_SYMPTOM;
pub use types::{
    Checking, Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity, plural, span, ts,
};

/// What a rule is judged with: the time, and the user's graces and silences.
pub struct Ctx<'a> {
    pub now: Timestamp,
    pub policy: &'a Policy,
}

/// What the rules produce: findings; candidates still being confirmed, which are not
/// findings yet; and the targeted reads that would confirm or clear them.
#[derive(Debug, Default)]
pub struct Out {
    pub findings: Vec<Finding>,
    pub checking: Vec<Checking>,
    pub wanted: BTreeSet<ProbeKey>,
}

impl Out {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub(crate) fn check(&mut self, rule: &'static str, object: ObjRef, why: String) {
        self.checking.push(Checking { rule, object, why });
    }

    pub(crate) fn want(&mut self, key: ProbeKey) {
        self.wanted.insert(key);
    }

    /// A PV is checking until EFS answers for the access point it names.
    pub(crate) fn check_access_point(&mut self, rule: &'static str, pv: &Meta, ap_id: &str) {
        self.check(
            rule,
            meta_ref(Kind::PersistentVolume, pv),
            format!("reading {ap_id} from EFS"),
        );
        self.want(ProbeKey::AccessPoint(ap_id.to_string()));
    }
}

type Rule = fn(&World, &Ctx<'_>, &mut Out);

/// Every rule, in story order; findings of equal severity keep this order.
const RULES: &[(&str, Rule)] = &[
    (preserve_risk::ID, preserve_risk::check),
    (preserve_risk::ID, driver_lost::check),
    (ownership_ambiguous::ID, ownership_ambiguous::check),
    (missing_access_point::ID, missing_access_point::check),
    (orphan_access_point::ID, orphan_access_point::check),
    (access_point_quota::ID, access_point_quota::check),
    (gid_range::ID, gid_range::check),
    (stranded_volume::ID, stranded_volume::check),
    (stranded_volume::ID, stranded_ebs::check),
    (detach_stuck::ID, detach_stuck::check),
    (attachment_drift::ID, attachment_drift::check),
    (az_mismatch::ID, az_mismatch::check),
    (orphaned_ebs::ID, orphaned_ebs::check),
    (missing_toleration::ID, missing_toleration::check),
    (lifecycle_drift::ID, lifecycle_drift::check),
    (ack_duplicate::ID, ack_duplicate::check),
    (released_volume::ID, released_volume::check),
    (access_point_stuck::ID, access_point_stuck::check),
    (addon_degraded::ID, addon_degraded::check),
    (eks_insight::ID, eks_insight::check),
];

/// The ids of every rule, in story order, then the symptoms no rule explains.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    // preserve-risk and stranded-volume are each judged by two functions.
    RULES
        .iter()
        .enumerate()
        .filter(|(i, (id, _))| !RULES[..*i].iter().any(|(o, _)| o == id))
        .map(|(_, (id, _))| *id)
        .chain([symptoms::ID])
}

/// Runs every rule with the default policy and returns the findings alone (tests, and
/// callers that need no confirmation).
pub fn evaluate(world: &World, now: Timestamp) -> Vec<Finding> {
    let policy = Policy::default();
    evaluate_with(
        world,
        &Ctx {
            now,
            policy: &policy,
        },
    )
    .findings
}

/// Runs every rule the policy leaves on; the most severe findings first, then by rule,
/// then as each rule listed them (in key order of the tables, so the result is
/// deterministic); silenced ones after all the others, in the same order.
pub fn evaluate_with(world: &World, cx: &Ctx<'_>) -> Out {
    assemble(world, cx, None)
}

/// The verdicts of the rules judged incrementally, kept between evaluations: the rules
/// whose cost would otherwise grow with the number of PVs or access points.
#[derive(Debug, Default)]
pub(super) struct Kept {
    per_pv: per_pv::PvCache,
    per_ap: per_ap::ApCache,
}

impl Kept {
    /// Brings every kept verdict up to date with `w` at `cx.now`.
    pub(super) fn update(&mut self, w: &World, cx: &Ctx<'_>) {
        self.per_pv.update(w, cx);
        self.per_ap.update(w, cx);
    }

    /// What the rule `id` produced, object by object, if it is one judged incrementally.
    fn parts(&self, id: &str) -> Option<&BTreeMap<String, Out>> {
        if id == orphan_access_point::ID {
            Some(self.per_ap.parts())
        } else {
            self.per_pv.parts(id)
        }
    }
}

/// Like [`evaluate_with`], taking the verdicts of the rules judged incrementally from
/// `kept` (brought up to date with `world` at `cx.now`) instead of judging them whole.
fn assemble(world: &World, cx: &Ctx<'_>, kept: Option<&Kept>) -> Out {
    let mut out = Out::default();
    for (id, rule) in RULES {
        if cx.policy.disabled.contains(*id) {
            continue;
        }
        match kept.and_then(|c| c.parts(id)) {
            Some(parts) => {
                for part in parts.values() {
                    out.findings.extend(part.findings.iter().cloned());
                    out.checking.extend(part.checking.iter().cloned());
                    out.wanted.extend(part.wanted.iter().cloned());
                }
            }
            None => rule(world, cx, &mut out),
        }
    }
    // After every rule: Events are evidence on the findings that explain them.
    symptoms::attach(world, cx, &mut out);
    // Not a finding: a volume whose VolumeAttachment just changed is read from EC2 at
    // once. Wanted, not checking: no report waits for it.
    for id in world.volumes_to_reread(cx.now) {
        out.want(ProbeKey::EbsVolume(id.to_string()));
    }
    for f in &mut out.findings {
        f.silenced = silence::reason(world, cx.policy, f);
    }
    let rank = |f: &Finding| {
        RULES
            .iter()
            .position(|(id, _)| *id == f.id)
            .unwrap_or(RULES.len())
    };
    out.findings
        .sort_by_key(|f| (f.silenced.is_some(), f.severity, rank(f)));
    out
}

/// The earliest moment the findings could change with nothing but time passing; from
/// `kept` where it holds the verdicts.
pub(super) fn recheck_at(world: &World, cx: &Ctx<'_>, kept: Option<&Kept>) -> Option<Timestamp> {
    let orphan = match kept {
        Some(k) => k.per_ap.recheck_at(),
        None => orphan_access_point::recheck_at(world, cx),
    };
    [
        lifecycle_drift::recheck_at(world, cx.now),
        stranded_volume::recheck_at(world, cx),
        stranded_ebs::recheck_at(world, cx),
        detach_stuck::recheck_at(world, cx),
        attachment_drift::recheck_at(world, cx),
        orphaned_ebs::recheck_at(world, cx),
        orphan,
        released_volume::recheck_at(world, cx),
        access_point_stuck::recheck_at(world, cx),
        addon_degraded::recheck_at(world, cx),
        symptoms::recheck_at(world, cx),
        driver_lost::recheck_at(world, cx),
    ]
    .into_iter()
    .flatten()
    .min()
}

/// Whether the PV watch has listed everything once; before that, "no PV uses it" means
/// nothing. Stale counts: it was complete, and is what the panes show.
pub(crate) fn pvs_listed(w: &World) -> bool {
    w.pvs.synced
        || matches!(
            w.health.get(&SourceId::Pvs).map(|h| &h.state),
            Some(HealthState::Live | HealthState::Stale { .. })
        )
}

pub(crate) fn meta_ref(kind: Kind, meta: &Meta) -> ObjRef {
    ObjRef::new(kind, meta.namespace.as_deref(), &meta.name)
}

/// `eks, kubectl-client-side-apply`, or `(none)` without managedFields.
pub(crate) fn managers(meta: &Meta) -> String {
    if meta.managers.is_empty() {
        "(none)".into()
    } else {
        meta.managers.join(", ")
    }
}

/// Karpenter's taint on a node it is about to remove (story 4).
pub(crate) const DISRUPTED_TAINT: &str = "karpenter.sh/disrupted";
