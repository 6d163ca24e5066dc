//! The findings engine: one rule per file, each a pure function of the `World` (and of an
//! injected `now` for rules about how long something has lasted), recognising the hazards
//! of DESIGN.md's five stories.
//!
//! [`evaluate`] runs every rule and ranks what they find; [`Findings`] holds the result
//! with per-severity counts and an index from object to the findings naming it, and
//! knows when it needs evaluating again.

mod access_point_quota;
mod gid_range;
mod lifecycle_drift;
mod missing_access_point;
mod missing_toleration;
mod orphan_access_point;
mod ownership_ambiguous;
mod preserve_risk;
mod set;
mod stranded_volume;
mod types;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

use jiff::Timestamp;

use super::World;
use super::input::{HealthState, SourceId};
use super::projection::Meta;

pub use set::Findings;
pub use types::{Evidence, Fields, Finding, Fix, Kind, ObjRef, Severity};

type Rule = fn(&World, Timestamp, &mut Vec<Finding>);

/// Every rule, in story order; findings of equal severity keep this order.
const RULES: &[(&str, Rule)] = &[
    (preserve_risk::ID, preserve_risk::check),
    (ownership_ambiguous::ID, ownership_ambiguous::check),
    (missing_access_point::ID, missing_access_point::check),
    (orphan_access_point::ID, orphan_access_point::check),
    (access_point_quota::ID, access_point_quota::check),
    (gid_range::ID, gid_range::check),
    (stranded_volume::ID, stranded_volume::check),
    (missing_toleration::ID, missing_toleration::check),
    (lifecycle_drift::ID, lifecycle_drift::check),
];

/// The ids of every rule, in story order.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|(id, _)| *id)
}

/// Runs every rule; the most severe findings first, then by rule, then as each rule
/// listed them (in key order of the tables, so the result is deterministic).
pub fn evaluate(world: &World, now: Timestamp) -> Vec<Finding> {
    let mut out = Vec::new();
    for (_, rule) in RULES {
        rule(world, now, &mut out);
    }
    let rank = |f: &Finding| RULES.iter().position(|(id, _)| *id == f.id);
    out.sort_by_key(|f| (f.severity, rank(f)));
    out
}

/// The earliest moment the findings could change with nothing but time passing.
pub(crate) fn recheck_at(world: &World, now: Timestamp) -> Option<Timestamp> {
    lifecycle_drift::recheck_at(world, now)
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
