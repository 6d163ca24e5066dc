//! The model: a pure, synchronous picture of the cluster and account, and the findings
//! computed from it. No I/O, no async, no terminal.

pub mod access_modes;
pub mod arn;
pub mod describe;
pub mod ebs;
pub mod findings;
pub mod input;
pub mod insight;
pub mod intern;
pub mod name;
pub mod observed;
pub mod projection;
pub mod provenance;
pub mod stamp;
pub mod symptom;
pub mod table;
pub mod uid;
pub mod volume_handle;
pub mod world;

pub use input::{
    AgentSelector, AwsMsg, Change, Health, HealthState, KubeMsg, ProbeKey, ProbeOutcome,
    ProbeResult, SourceId, SourceMsg,
};
pub use world::World;

#[cfg(test)]
mod world_tests;
