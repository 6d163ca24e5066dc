//! EKS StartInsightsRefresh: ask EKS to run its cluster insights again now rather than at
//! its next daily run. It changes no resource, but it is a request that makes EKS do work
//! on the account's behalf, so it is an action: confirmed, audited, and absent when
//! stordeck is read-only.

use super::errors;
use super::reads::Read;
use crate::model::World;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshInsights {
    pub cluster: String,
    /// How many insights EKS holds now, and how many are not passing.
    pub held: (usize, usize),
    pub findings: Vec<String>,
}

/// The path both the start and the read of a refresh go to.
pub fn refresh_path(cluster: &str) -> String {
    format!("/clusters/{cluster}/insights-refresh")
}

pub fn plan(world: &World, cluster: String) -> Result<RefreshInsights, String> {
    if world
        .insights_refresh
        .as_ref()
        .is_some_and(|r| r.in_progress())
    {
        return Err("EKS is already refreshing its insights; the pane follows it".into());
    }
    let held = world.insights.len();
    let failing = world.insights.values().filter(|i| !i.passing()).count();
    Ok(RefreshInsights {
        cluster,
        held: (held, failing),
        findings: Vec::new(),
    })
}

impl RefreshInsights {
    pub fn request_line(&self) -> String {
        format!("POST {}", refresh_path(&self.cluster))
    }

    pub fn lines(&self) -> Vec<String> {
        let (held, failing) = self.held;
        vec![
            format!("EKS StartInsightsRefresh  cluster {}", self.cluster),
            format!("  {}", self.request_line()),
            String::new(),
            format!(
                "What changes: nothing in the cluster. EKS runs all {held} insights again now \
                 ({failing} not passing) instead of at its next daily run; stordeck follows the \
                 refresh and reads them again when it ends."
            ),
        ]
    }

    pub fn reads(&self) -> Vec<Read> {
        vec![Read {
            via: "GET",
            request: refresh_path(&self.cluster),
            expects: "no refresh IN_PROGRESS".into(),
        }]
    }
}

/// Refuses while a refresh already runs: a second ask would only be told so.
pub async fn recheck(eks: &aws_sdk_eks::Client, r: &RefreshInsights) -> Result<(), String> {
    match eks
        .describe_insights_refresh()
        .cluster_name(&r.cluster)
        .send()
        .await
    {
        Ok(o) if o.status().is_some_and(|s| s.as_str() == "IN_PROGRESS") => {
            Err("EKS is already refreshing the insights".into())
        }
        Ok(_) => Ok(()),
        // No refresh was ever asked for.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(errors::aws("EKS", "DescribeInsightsRefresh", &e)),
    }
}

pub async fn run(eks: &aws_sdk_eks::Client, r: &RefreshInsights) -> Result<String, String> {
    let out = eks
        .start_insights_refresh()
        .cluster_name(&r.cluster)
        .send()
        .await
        .map_err(|e| errors::aws("EKS", "StartInsightsRefresh", &e))?;
    let status = out.status().map_or("accepted", |s| s.as_str());
    Ok(format!(
        "EKS is refreshing the insights of {}: {status}",
        r.cluster
    ))
}
