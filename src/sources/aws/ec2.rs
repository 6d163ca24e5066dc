//! The EC2 poller: the EBS volumes behind PVs and the instances their attachments name.
//! Volumes come two ways, since statically provisioned ones carry no tags: every volume
//! the EBS CSI driver tagged, and by id every volume a PV's handle names.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::Filter;
use compact_str::CompactString;
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;

use super::ec2_convert as conv;
use super::errors::{Failure, classify};
use super::sweep::{Outcome, Service, fail_all, publish, steady_for};
use crate::clock::Clock;
use crate::model::ebs::{CLUSTER_TAG, EbsVolumeRec, InstanceRec};
use crate::model::{AwsMsg, SourceId, SourceMsg};
use crate::sources::health::Tracker;

/// A PV naming a volume the last sweep did not read wakes the poller early, but sweeps
/// begun this way are at least this far apart, however fast PVs come.
const NAMED_GAP: Duration = Duration::from_secs(10);
/// EC2 takes at most 200 values in one filter.
const FILTER_VALUES: usize = 200;
const PAGE: i32 = 500;

/// The volume ids PVs name, as the app last told them.
pub type VolumeIds = watch::Receiver<BTreeSet<CompactString>>;

pub(super) struct Ec2 {
    client: Client,
    steady: Duration,
    named: VolumeIds,
    /// The volumes the last sweep read.
    known: BTreeSet<CompactString>,
    last: Option<tokio::time::Instant>,
    /// Volumes, instances.
    hs: [Tracker; 2],
}

impl Ec2 {
    pub(super) fn new(client: Client, steady: Duration, named: VolumeIds) -> Self {
        let hs = [SourceId::Ec2Volumes, SourceId::Ec2Instances].map(Tracker::new);
        Ec2 {
            client,
            steady,
            named,
            known: BTreeSet::new(),
            last: None,
            hs,
        }
    }
}

impl Service for Ec2 {
    fn trackers(&self) -> &[Tracker] {
        &self.hs
    }

    fn pace(&self, _: &Outcome, took: Duration) -> Duration {
        steady_for(self.steady, took)
    }

    /// A statically provisioned PV's volume carries no tag: without this it would wait a
    /// whole interval to be read at all.
    async fn woken(&mut self) {
        loop {
            if self.named.changed().await.is_err() {
                return std::future::pending().await;
            }
            let unread = self
                .named
                .borrow()
                .iter()
                .any(|id| !self.known.contains(id));
            if unread {
                break;
            }
        }
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + NAMED_GAP).await;
        }
    }

    async fn sweep(&mut self, tx: &Sender<SourceMsg>, clock: &Clock) -> Option<Outcome> {
        let started = clock.now();
        self.last = Some(tokio::time::Instant::now());
        let named: Vec<CompactString> = self.named.borrow_and_update().iter().cloned().collect();
        let [vol_h, inst_h] = &mut self.hs;
        let mut out = Outcome::default();
        let volumes = match volumes(&self.client, &named).await {
            Ok(v) => v,
            // The instances to read are those the volumes name.
            Err(f) => return fail_all(tx, vol_h, &[inst_h], f).await,
        };
        let ids: BTreeSet<&str> = volumes
            .iter()
            .flat_map(|v| v.attachments.iter().map(|a| a.instance_id.as_str()))
            .collect();
        let found = instances(&self.client, &ids).await;
        self.known = volumes.iter().map(|v| v.id.clone()).collect();
        let msg = |items| AwsMsg::EbsVolumes { items, started };
        publish(tx, vol_h, &mut out, Ok(volumes), msg).await?;
        publish(tx, inst_h, &mut out, found, AwsMsg::Instances).await?;
        Some(out)
    }
}

/// The driver's volumes and the named ones, once each, in id order (so that an unchanged
/// answer compares equal to what the model holds).
async fn volumes(ec2: &Client, named: &[CompactString]) -> Result<Vec<EbsVolumeRec>, Failure> {
    let tagged = Filter::builder()
        .name(format!("tag:{CLUSTER_TAG}"))
        .values("true")
        .build();
    let mut all = describe_volumes(ec2, tagged).await?;
    let have: BTreeSet<CompactString> = all.iter().map(|v| v.id.clone()).collect();
    let missing: Vec<&CompactString> = named.iter().filter(|id| !have.contains(*id)).collect();
    // By filter, not by VolumeIds: one id that no longer exists would fail the whole call
    // with InvalidVolume.NotFound, where a filter simply leaves it out.
    for chunk in missing.chunks(FILTER_VALUES) {
        all.extend(describe_volumes(ec2, id_filter("volume-id", chunk)).await?);
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all.dedup_by(|a, b| a.id == b.id);
    Ok(all)
}

/// A filter on ids (`volume-id`, `instance-id`), which, unlike the ids parameters, leaves
/// out an id that no longer exists instead of failing the whole call.
pub(crate) fn id_filter(name: &str, ids: &[impl AsRef<str>]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(ids.iter().map(|s| s.as_ref().to_string()).collect()))
        .build()
}

async fn describe_volumes(ec2: &Client, f: Filter) -> Result<Vec<EbsVolumeRec>, Failure> {
    let pages = ec2
        .describe_volumes()
        .filters(f)
        .max_results(PAGE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| classify("EC2", &e))?;
    Ok(pages.iter().map(conv::volume).collect())
}

async fn instances(ec2: &Client, ids: &BTreeSet<&str>) -> Result<Vec<InstanceRec>, Failure> {
    let ids: Vec<&str> = ids.iter().copied().collect();
    let mut all = Vec::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let f = id_filter("instance-id", chunk);
        let reservations = ec2
            .describe_instances()
            .filters(f)
            .max_results(PAGE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| classify("EC2", &e))?;
        all.extend(
            reservations
                .iter()
                .flat_map(|r| r.instances())
                .map(conv::instance),
        );
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all)
}
