//! AWS pollers, one per service over the shared loop in `sweep`: one paged sweep per
//! interval, at once on demand (`r`, or after an action), slower when throttled.

pub(crate) mod convert;
pub(crate) mod ec2;
pub(crate) mod ec2_convert;
mod efs;
mod eks;
mod eks_insights;
mod errors;
mod sweep;

use std::time::Duration;

use aws_sdk_efs::Client as Efs;
use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

pub use self::ec2::VolumeIds;
pub use self::eks_insights::INSIGHTS_INTERVAL;
pub use self::sweep::STEADY_INTERVAL;
pub use super::refresh::Refresh;
use crate::clock::Clock;
use crate::model::SourceMsg;

#[derive(Clone)]
pub struct AwsSources {
    pub efs: Efs,
    pub eks: Eks,
    pub ec2: aws_sdk_ec2::Client,
    /// Without a cluster name the EKS panes cannot be filled; EFS still can.
    pub cluster: Option<String>,
    /// The time between sweeps when nothing is happening.
    pub steady: Duration,
    /// Whether EKS's cluster insights are read (`[aws] insights`, on by default).
    pub insights: bool,
}

pub fn spawn_pollers(
    src: AwsSources,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
    clock: Clock,
    volume_ids: VolumeIds,
) -> Vec<JoinHandle<()>> {
    let efs = efs::Efs::new(src.efs, src.steady);
    let efs = tokio::spawn(sweep::run(efs, tx.clone(), refresh.clone(), clock));
    let mut tasks = vec![efs];
    match (src.cluster, src.insights) {
        (Some(cluster), insights) => {
            if insights {
                let poller =
                    eks_insights::InsightsPoller::new(src.eks.clone(), cluster.clone(), src.steady);
                tasks.push(tokio::spawn(sweep::run(
                    poller,
                    tx.clone(),
                    refresh.clone(),
                    clock,
                )));
            } else {
                tasks.push(tokio::spawn(eks::insights_off(tx.clone())));
            }
            let eks = eks::EksPoller::new(src.eks, cluster, src.steady);
            tasks.push(tokio::spawn(sweep::run(
                eks,
                tx.clone(),
                refresh.clone(),
                clock,
            )));
        }
        (None, _) => tasks.push(tokio::spawn(eks::no_cluster(tx.clone()))),
    }
    let ec2 = ec2::Ec2::new(src.ec2, src.steady, volume_ids);
    tasks.push(tokio::spawn(sweep::run(
        ec2,
        tx.clone(),
        refresh.clone(),
        clock,
    )));
    tasks
}
