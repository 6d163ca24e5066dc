//! AWS pollers, one per service over the shared loop in `sweep`: one paged sweep per
//! interval, at once on demand (`r`, or after an action), slower when throttled.

pub(crate) mod convert;
mod efs;
mod eks;
mod errors;
mod sweep;

use std::time::Duration;

use aws_sdk_efs::Client as Efs;
use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

pub use self::sweep::STEADY_INTERVAL;
pub use super::refresh::Refresh;
use crate::clock::Clock;
use crate::model::SourceMsg;

#[derive(Clone)]
pub struct AwsSources {
    pub efs: Efs,
    pub eks: Eks,
    /// Without a cluster name the EKS panes cannot be filled; EFS still can.
    pub cluster: Option<String>,
    /// The time between sweeps when nothing is happening.
    pub steady: Duration,
}

pub fn spawn_pollers(
    src: AwsSources,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
    clock: Clock,
) -> Vec<JoinHandle<()>> {
    let efs = efs::Efs::new(src.efs, src.steady);
    let efs = tokio::spawn(sweep::run(efs, tx.clone(), refresh.clone(), clock));
    let eks = match src.cluster {
        Some(cluster) => {
            let eks = eks::EksPoller::new(src.eks, cluster, src.steady);
            tokio::spawn(sweep::run(eks, tx.clone(), refresh.clone(), clock))
        }
        None => tokio::spawn(eks::no_cluster(tx.clone())),
    };
    vec![efs, eks]
}
