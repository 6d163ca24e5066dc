//! The EKS poller: the cluster, its add-ons (list, then describe each), Fargate profiles
//! and node groups; faster while an add-on is changing, so the pane can follow it.

use std::time::Duration;

use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;

use super::convert as conv;
use super::errors::{Failure, classify};
use super::sweep::{Outcome, Service, fail_all, publish, report, send};
use crate::clock::Clock;
use crate::model::input::{AddonRec, FargateProfileRec};
use crate::model::{AwsMsg, SourceId, SourceMsg};
use crate::sources::health::Tracker;

/// Add-on states that are on their way somewhere; the poller speeds up to follow them.
const MOVING: &[&str] = &["CREATING", "UPDATING", "DELETING"];
/// While an add-on is CREATING/UPDATING/DELETING.
const BUSY_INTERVAL: Duration = Duration::from_secs(2);

pub(super) struct EksPoller {
    client: Eks,
    cluster: String,
    steady: Duration,
    /// Cluster, add-ons, Fargate profiles, node groups.
    hs: [Tracker; 4],
}

fn trackers() -> [Tracker; 4] {
    [
        SourceId::EksCluster,
        SourceId::EksAddons,
        SourceId::EksFargateProfiles,
        SourceId::EksNodegroups,
    ]
    .map(Tracker::new)
}

impl EksPoller {
    pub(super) fn new(client: Eks, cluster: String, steady: Duration) -> Self {
        let hs = trackers();
        EksPoller {
            client,
            cluster,
            steady,
            hs,
        }
    }
}

/// Without a cluster name no EKS source can be read; each says how to give one.
pub(super) async fn no_cluster(tx: Sender<SourceMsg>) {
    let insights = Tracker::new(SourceId::EksInsights);
    for h in trackers().iter().chain([&insights]) {
        let msg = h.failed(
            "EKS cluster name unknown".into(),
            "pass --cluster NAME (it is inferred from an EKS kubeconfig context)".into(),
        );
        if !report(&tx, msg).await {
            return;
        }
    }
}

/// Turned off in config: not an error, and not a gap in any report.
pub(super) async fn insights_off(tx: Sender<SourceMsg>) {
    let h = Tracker::new(SourceId::EksInsights);
    report(
        &tx,
        h.absent("turned off by `[aws] insights = false`".into()),
    )
    .await;
}

impl Service for EksPoller {
    fn trackers(&self) -> &[Tracker] {
        &self.hs
    }

    fn pace(&self, out: &Outcome, _: Duration) -> Duration {
        if out.busy { BUSY_INTERVAL } else { self.steady }
    }

    async fn sweep(&mut self, tx: &Sender<SourceMsg>, _: &Clock) -> Option<Outcome> {
        let (eks, cluster) = (&self.client, self.cluster.as_str());
        let [cluster_h, addons_h, fargate_h, groups_h] = &mut self.hs;
        let mut out = Outcome::default();
        match eks.describe_cluster().name(cluster).send().await {
            Ok(o) => {
                if let Some(c) = o.cluster() {
                    send(tx, AwsMsg::Cluster(conv::cluster(c)))
                        .await
                        .then_some(())?;
                }
                report(tx, cluster_h.live()).await.then_some(())?;
            }
            // Nothing else about the cluster can work if this does not: all four share it.
            Err(e) => {
                let f = classify("EKS", &e);
                return fail_all(tx, cluster_h, &[addons_h, fargate_h, groups_h], f).await;
            }
        }
        let found = addons(eks, cluster).await;
        out.busy = found
            .as_ref()
            .is_ok_and(|list| list.iter().any(|a| MOVING.contains(&a.status.as_str())));
        publish(tx, addons_h, &mut out, found, AwsMsg::Addons).await?;
        let profiles = fargate_profiles(eks, cluster).await;
        publish(tx, fargate_h, &mut out, profiles, AwsMsg::FargateProfiles).await?;
        let groups = eks
            .list_nodegroups()
            .cluster_name(cluster)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| classify("EKS", &e));
        publish(tx, groups_h, &mut out, groups, AwsMsg::Nodegroups).await?;
        Some(out)
    }
}

async fn addons(eks: &Eks, cluster: &str) -> Result<Vec<AddonRec>, Failure> {
    let names = eks
        .list_addons()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let names = names.map_err(|e| classify("EKS", &e))?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        match eks
            .describe_addon()
            .cluster_name(cluster)
            .addon_name(&name)
            .send()
            .await
        {
            Ok(o) => out.extend(o.addon().map(conv::addon)),
            // Gone between list and describe: it finished deleting.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(classify("EKS", &e)),
        }
    }
    Ok(out)
}

async fn fargate_profiles(eks: &Eks, cluster: &str) -> Result<Vec<FargateProfileRec>, Failure> {
    let names = eks
        .list_fargate_profiles()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let names = names.map_err(|e| classify("EKS", &e))?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let o = eks
            .describe_fargate_profile()
            .cluster_name(cluster)
            .fargate_profile_name(&name)
            .send()
            .await
            .map_err(|e| classify("EKS", &e))?;
        out.extend(o.fargate_profile().map(conv::fargate_profile));
    }
    Ok(out)
}
