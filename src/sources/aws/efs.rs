//! The EFS poller: file systems, then each one's access points and mount targets.

use std::time::Duration;

use aws_sdk_efs::Client;
use tokio::sync::mpsc::Sender;

use super::convert as conv;
use super::errors::{Failure, classify};
use super::sweep::{Outcome, Service, fail_all, publish, send, steady_for};
use crate::clock::Clock;
use crate::model::input::MountTargetRec;
use crate::model::{AwsMsg, SourceId, SourceMsg};
use crate::sources::health::Tracker;

pub(super) struct Efs {
    client: Client,
    steady: Duration,
    /// File systems, access points, mount targets.
    hs: [Tracker; 3],
}

impl Efs {
    pub(super) fn new(client: Client, steady: Duration) -> Self {
        let hs = [
            SourceId::EfsFileSystems,
            SourceId::EfsAccessPoints,
            SourceId::EfsMountTargets,
        ]
        .map(Tracker::new);
        Efs { client, steady, hs }
    }
}

impl Service for Efs {
    fn trackers(&self) -> &[Tracker] {
        &self.hs
    }

    fn pace(&self, _: &Outcome, took: Duration) -> Duration {
        steady_for(self.steady, took)
    }

    async fn sweep(&mut self, tx: &Sender<SourceMsg>, clock: &Clock) -> Option<Outcome> {
        let efs = &self.client;
        let [fs_h, ap_h, mt_h] = &mut self.hs;
        let mut out = Outcome::default();
        let systems = match efs
            .describe_file_systems()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
        {
            Ok(list) => list.iter().map(conv::file_system).collect::<Vec<_>>(),
            // Without file system ids nothing below can be listed: all three share it.
            Err(e) => return fail_all(tx, fs_h, &[ap_h, mt_h], classify("EFS", &e)).await,
        };
        let ids: Vec<String> = systems.iter().map(|f| f.id.clone()).collect();
        publish(tx, fs_h, &mut out, Ok(systems), AwsMsg::FileSystems).await?;
        // Per file system, but one health word per kind: a later success must not hide an
        // earlier failure.
        let (mut ap_fail, mut mt_fail) = (None, None);
        for id in &ids {
            let started = clock.now();
            let aps = efs
                .describe_access_points()
                .file_system_id(id)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await;
            match aps {
                Ok(list) => {
                    let items = list.iter().map(conv::access_point).collect();
                    let msg = AwsMsg::AccessPoints {
                        file_system_id: id.clone(),
                        items,
                        started,
                    };
                    send(tx, msg).await.then_some(())?;
                }
                Err(e) => ap_fail = Some(classify("EFS", &e)),
            }
            match mount_targets(efs, id).await {
                Ok(items) => {
                    let msg = AwsMsg::MountTargets {
                        file_system_id: id.clone(),
                        items,
                    };
                    send(tx, msg).await.then_some(())?
                }
                Err(f) => mt_fail = Some(f),
            }
            // Throttled: the rest of the sweep would only be throttled too, and each call
            // makes it worse. What was not re-read is marked stale below.
            let throttled = [&ap_fail, &mt_fail]
                .into_iter()
                .flatten()
                .find(|f| f.throttled)
                .cloned();
            if let Some(f) = throttled {
                ap_fail.get_or_insert_with(|| f.clone());
                mt_fail.get_or_insert(f);
                break;
            }
        }
        publish(tx, ap_h, &mut out, ap_fail.map_or(Ok(()), Err), |()| None).await?;
        publish(tx, mt_h, &mut out, mt_fail.map_or(Ok(()), Err), |()| None).await?;
        Some(out)
    }
}

/// DescribeMountTargets has markers but no SDK paginator.
async fn mount_targets(efs: &Client, fs: &str) -> Result<Vec<MountTargetRec>, Failure> {
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = efs
            .describe_mount_targets()
            .file_system_id(fs)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| classify("EFS", &e))?;
        items.extend(page.mount_targets().iter().map(conv::mount_target));
        match page.next_marker() {
            Some(m) if !m.is_empty() && Some(m) != marker.as_deref() => {
                marker = Some(m.to_string())
            }
            _ => return Ok(items),
        }
    }
}
