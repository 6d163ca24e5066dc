//! One EKS sweep: the cluster, its add-ons (list, then describe each), Fargate profiles and
//! node groups.

use aws_sdk_eks::Client as Eks;
use tokio::sync::mpsc::Sender;

use super::convert as conv;
use super::errors::{Failure, classify};
use super::{Outcome, fail, publish, report, send};
use crate::model::input::{AddonRec, FargateProfileRec};
use crate::model::{AwsMsg, SourceMsg};
use crate::sources::health::Tracker;

/// Add-on states that are on their way somewhere; the poller speeds up to follow them.
const MOVING: &[&str] = &["CREATING", "UPDATING", "DELETING"];

/// `hs` holds the trackers for cluster, add-ons, Fargate profiles and node groups.
pub(super) async fn sweep(
    eks: &Eks,
    cluster: &str,
    tx: &Sender<SourceMsg>,
    hs: &mut [Tracker; 4],
) -> Option<Outcome> {
    let [cluster_h, addons_h, fargate_h, groups_h] = hs;
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
            for h in [&*addons_h, &*fargate_h, &*groups_h] {
                report(tx, h.failed(f.reason.clone(), f.hint.clone()))
                    .await
                    .then_some(())?;
            }
            return fail(tx, cluster_h, f).await;
        }
    }
    let found = addons(eks, cluster).await;
    out.busy = found
        .as_ref()
        .is_ok_and(|list| list.iter().any(|a| MOVING.contains(&a.status.as_str())));
    publish(tx, addons_h, &mut out, found, AwsMsg::Addons).await?;
    publish(
        tx,
        fargate_h,
        &mut out,
        fargate_profiles(eks, cluster).await,
        AwsMsg::FargateProfiles,
    )
    .await?;
    let groups = eks
        .list_nodegroups()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    publish(
        tx,
        groups_h,
        &mut out,
        groups.map_err(|e| classify("EKS", &e)),
        AwsMsg::Nodegroups,
    )
    .await?;
    Some(out)
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
