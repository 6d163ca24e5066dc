//! Scenarios: the world the simulator starts with, and what happens as its clock moves.

use super::SimState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ScenarioName {
    /// Every story from DESIGN.md, alive: PVs get provisioned, a node gets disrupted.
    #[default]
    Demo,
    /// The demo's shapes at size, for benchmarks.
    Scale,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScaleOptions {
    /// Persistent volumes to create (scale scenario).
    #[arg(long, default_value_t = 20_000)]
    pub pvs: usize,
    /// Access points to create across the file systems (scale scenario).
    #[arg(long, default_value_t = 20_000)]
    pub access_points: usize,
    /// Object changes per second once running (scale scenario).
    #[arg(long, default_value_t = 0.0)]
    pub churn: f64,
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

struct Empty;

impl Scenario for Empty {
    fn advance(&mut self, _st: &mut SimState, _elapsed: jiff::SignedDuration) {}
}

/// Populates `st` with the scenario's starting world and returns its timeline.
pub fn build(_name: ScenarioName, _scale: &ScaleOptions, _st: &mut SimState) -> Box<dyn Scenario> {
    Box::new(Empty)
}
