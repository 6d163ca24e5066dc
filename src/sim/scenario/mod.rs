//! Scenarios: the world the simulator starts with, and what happens as its clock moves.

mod addons;
pub mod agents;
mod base;
mod churn;
mod demo;
pub mod drain;
pub mod ebs;
#[cfg(test)]
mod ebs_tests;
mod events;
pub mod lifecycle;
mod ml_datasets;
mod objects;
mod scale;
pub mod stranded_ebs;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod timeline_tests;
pub mod volumes;

use serde_json::Value;

use super::SimState;

pub use base::{ACCOUNT, CLUSTER, DISRUPTED_TAINT, FS_A, FS_B, FS_C, REGION};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ScenarioName {
    /// Every story from DESIGN.md, alive: PVs get provisioned, a node gets disrupted.
    #[default]
    Demo,
    /// The demo's shapes at size, for benchmarks.
    Scale,
    /// A small world and healthy activity only (provisions, deletions, drains), for
    /// ground-truth tests; faults come from `POST /_sim/faults/plant`.
    Churn,
}

/// Sizes and rates of the `scale` and `churn` scenarios.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    /// Persistent volumes to create.
    pub pvs: usize,
    /// Access points to create across the file systems.
    pub access_points: usize,
    /// `scale`: object changes per second; `churn`: provisions per second.
    pub churn: f64,
}

impl ScaleOptions {
    /// What `--scenario NAME` uses when no size or rate is given.
    pub fn defaults_for(name: ScenarioName) -> ScaleOptions {
        match name {
            ScenarioName::Churn => ScaleOptions {
                pvs: 200,
                access_points: 200,
                churn: 0.5,
            },
            ScenarioName::Demo | ScenarioName::Scale => ScaleOptions::default(),
        }
    }
}

impl Default for ScaleOptions {
    fn default() -> Self {
        ScaleOptions {
            pvs: 20_000,
            access_points: 20_000,
            churn: 0.0,
        }
    }
}

pub trait Scenario: Send {
    /// Does whatever has fallen due by `elapsed` scenario time since the start.
    fn advance(&mut self, st: &mut SimState, elapsed: jiff::SignedDuration);
}

/// Populates `st` with the scenario's starting world and returns its timeline.
pub fn build(name: ScenarioName, scale: &ScaleOptions, st: &mut SimState) -> Box<dyn Scenario> {
    match name {
        ScenarioName::Demo => Box::new(demo::Demo::build(st)),
        ScenarioName::Scale => Box::new(scale::Scale::build(st, scale)),
        ScenarioName::Churn => Box::new(churn::Churn::build(st, scale)),
    }
}

/// Writes one object the scenario built. The objects are ours, so a rejection is a bug
/// in this module; unit tests deserialize every one of them.
fn put(st: &mut SimState, obj: Value) {
    let now = st.now();
    let stored = st.store.upsert(obj, now);
    debug_assert!(stored.is_ok(), "scenario object rejected: {stored:?}");
}

/// Applies `edit` to a stored object and writes it back, if it exists.
fn modify(st: &mut SimState, resource: &str, ns: &str, name: &str, edit: impl FnOnce(&mut Value)) {
    if let Some(cur) = st.store.get(resource, ns, name) {
        let mut obj = (*cur).clone();
        edit(&mut obj);
        put(st, obj);
    }
}

fn days_ago(now: jiff::Timestamp, days: i64) -> jiff::Timestamp {
    now - jiff::SignedDuration::from_hours(24 * days)
}
