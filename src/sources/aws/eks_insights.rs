//! The EKS insights poller: ListInsights, then DescribeInsight for each one that is not
//! passing, and the state of the last refresh. EKS re-runs its insights about once a day,
//! so this polls slowly; it follows closely only while a refresh someone asked for runs.
//! A described insight is kept and asked for again only once EKS has run it again.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_eks::Client as Eks;
use aws_sdk_eks::types::{self as eks, Category, InsightsFilter};
use tokio::sync::mpsc::Sender;

use super::convert::time;
use super::errors::{Failure, classify};
use super::sweep::{Outcome, Service, publish, send};
use crate::clock::Clock;
use crate::model::insight::{InsightRec, InsightResource, InsightsRefreshRec};
use crate::model::{AwsMsg, SourceId, SourceMsg};
use crate::sources::health::Tracker;

/// Between sweeps when no refresh is running: EKS itself refreshes about daily.
pub const INSIGHTS_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// While a refresh is IN_PROGRESS.
const REFRESHING_INTERVAL: Duration = Duration::from_secs(5);
/// The categories asked for; the filter names them so none is left to a default.
const CATEGORIES: [Category; 2] = [Category::UpgradeReadiness, Category::Misconfiguration];

pub(super) struct InsightsPoller {
    client: Eks,
    cluster: String,
    steady: Duration,
    hs: [Tracker; 1],
    /// Described insights by id, kept until EKS runs them again.
    described: HashMap<String, InsightRec>,
}

impl InsightsPoller {
    pub(super) fn new(client: Eks, cluster: String, steady: Duration) -> Self {
        InsightsPoller {
            client,
            cluster,
            steady: steady.max(INSIGHTS_INTERVAL),
            hs: [Tracker::new(SourceId::EksInsights)],
            described: HashMap::new(),
        }
    }
}

impl Service for InsightsPoller {
    fn trackers(&self) -> &[Tracker] {
        &self.hs
    }

    fn pace(&self, out: &Outcome, _: Duration) -> Duration {
        if out.busy {
            REFRESHING_INTERVAL
        } else {
            self.steady
        }
    }

    async fn sweep(&mut self, tx: &Sender<SourceMsg>, _: &Clock) -> Option<Outcome> {
        let mut out = Outcome::default();
        let found = match last_refresh(&self.client, &self.cluster).await {
            Ok(refresh) => {
                if let Some(refresh) = refresh {
                    out.busy = refresh
                        .as_ref()
                        .is_some_and(InsightsRefreshRec::in_progress);
                    send(tx, AwsMsg::InsightsRefresh(refresh))
                        .await
                        .then_some(())?;
                }
                self.insights().await
            }
            // EKS is down or throttling: one failed call a sweep is enough to know.
            Err(f) => Err(f),
        };
        let [h] = &mut self.hs;
        publish(
            tx,
            h,
            &mut out,
            found.map_err(insights_hint),
            AwsMsg::Insights,
        )
        .await?;
        Some(out)
    }
}

impl InsightsPoller {
    async fn insights(&mut self) -> Result<Vec<InsightRec>, Failure> {
        let filter = InsightsFilter::builder()
            .set_categories(Some(CATEGORIES.to_vec()))
            .build();
        let summaries: Vec<eks::InsightSummary> = self
            .client
            .list_insights()
            .cluster_name(&self.cluster)
            .filter(filter)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| classify("EKS", &e))?;
        let mut out = Vec::with_capacity(summaries.len());
        for s in &summaries {
            let rec = summary(s);
            if rec.passing() {
                out.push(rec);
                continue;
            }
            match self.described.get(&rec.id) {
                Some(d) if d.status == rec.status && d.last_refresh == rec.last_refresh => {
                    out.push(d.clone());
                }
                _ => {
                    if let Some(d) = self.describe(&rec).await? {
                        out.push(d);
                    }
                }
            }
        }
        self.described
            .retain(|id, _| out.iter().any(|i| &i.id == id));
        for i in out.iter().filter(|i| !i.passing()) {
            self.described.insert(i.id.clone(), i.clone());
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// `None` when the insight went between list and describe.
    async fn describe(&self, rec: &InsightRec) -> Result<Option<InsightRec>, Failure> {
        match self
            .client
            .describe_insight()
            .cluster_name(&self.cluster)
            .id(&rec.id)
            .send()
            .await
        {
            Ok(o) => Ok(Some(o.insight().map_or_else(|| rec.clone(), insight))),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(classify("EKS", &e)),
        }
    }
}

/// `Ok(None)` if it may not be read: an identity allowed ListInsights but not this newer
/// read still gets its insights. `Ok(Some(None))` if no refresh was ever asked for.
async fn last_refresh(
    eks: &Eks,
    cluster: &str,
) -> Result<Option<Option<InsightsRefreshRec>>, Failure> {
    match eks
        .describe_insights_refresh()
        .cluster_name(cluster)
        .send()
        .await
    {
        Ok(o) => Ok(Some(o.status().map(|s| InsightsRefreshRec {
            status: s.as_str().to_string(),
            message: o.message().map(str::to_string),
            started_at: o.started_at().and_then(time),
            ended_at: o.ended_at().and_then(time),
        }))),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(Some(None))
        }
        Err(e) => {
            let f = classify("EKS", &e);
            if f.forbidden { Ok(None) } else { Err(f) }
        }
    }
}

/// Denied insights are a missing permission on an optional source: say which, and how
/// to do without it.
fn insights_hint(mut f: Failure) -> Failure {
    if f.forbidden {
        f.hint = "allow eks:ListInsights and eks:DescribeInsight, or turn EKS insights off \
                  with `[aws] insights = false` in config.toml"
            .into();
    }
    f
}

fn status(s: Option<&eks::InsightStatus>) -> (String, Option<String>) {
    (
        s.and_then(|s| s.status())
            .map_or("UNKNOWN", |v| v.as_str())
            .to_string(),
        s.and_then(|s| s.reason()).map(str::to_string),
    )
}

fn summary(s: &eks::InsightSummary) -> InsightRec {
    let (status, reason) = status(s.insight_status());
    InsightRec {
        id: s.id().unwrap_or_default().to_string(),
        name: s.name().unwrap_or_default().to_string(),
        category: s.category().map_or("", |c| c.as_str()).to_string(),
        status,
        reason,
        kubernetes_version: s.kubernetes_version().map(str::to_string),
        description: s.description().map(str::to_string),
        recommendation: None,
        last_refresh: s.last_refresh_time().and_then(time),
        last_transition: s.last_transition_time().and_then(time),
        resources: Vec::new(),
        additional_info: Vec::new(),
    }
}

fn insight(i: &eks::Insight) -> InsightRec {
    let (status_, reason) = status(i.insight_status());
    let mut info: Vec<(String, String)> = i
        .additional_info()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    info.sort();
    InsightRec {
        id: i.id().unwrap_or_default().to_string(),
        name: i.name().unwrap_or_default().to_string(),
        category: i.category().map_or("", |c| c.as_str()).to_string(),
        status: status_,
        reason,
        kubernetes_version: i.kubernetes_version().map(str::to_string),
        description: i.description().map(str::to_string),
        recommendation: i.recommendation().map(str::to_string),
        last_refresh: i.last_refresh_time().and_then(time),
        last_transition: i.last_transition_time().and_then(time),
        resources: i
            .resources()
            .iter()
            .map(|r| {
                let (s, why) = status(r.insight_status());
                InsightResource {
                    arn: r.arn().map(str::to_string),
                    kubernetes_uri: r.kubernetes_resource_uri().map(str::to_string),
                    status: Some(s),
                    reason: why,
                }
            })
            .collect(),
        additional_info: info,
    }
}
