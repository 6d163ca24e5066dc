//! EKS cluster insights: ListInsights (a POST whose JSON body carries the filter and the
//! paging), DescribeInsight, StartInsightsRefresh and DescribeInsightsRefresh. A refresh
//! runs for [`REFRESH_SECONDS`] of scenario time, then every insight has been run again.

use std::collections::HashMap;

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::errors::{AwsError, AwsResult, Service, ok};
use super::paging::{page, page_size, resume_key};
use super::state::{Cluster, INSIGHT_STATUSES, Insight, InsightResource, InsightsRefresh};
use super::{AwsState, epoch};

const SVC: Service = Service::Eks;
/// How long a refresh stays IN_PROGRESS.
pub const REFRESH_SECONDS: i64 = 8;
const CATEGORIES: &[&str] = &[
    "UPGRADE_READINESS",
    "MISCONFIGURATION",
    "ROLLBACK_READINESS",
];

fn not_found(message: String) -> AwsError {
    AwsError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
}

fn strings(v: &Value, key: &str) -> Result<Option<Vec<String>>, AwsError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    AwsError::bad_request(SVC, format!("filter.{key} must hold strings"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(AwsError::bad_request(
            SVC,
            format!("filter.{key} must be a list"),
        )),
    }
}

fn check_all(given: &Option<Vec<String>>, allowed: &[&str], what: &str) -> Result<(), AwsError> {
    for g in given.iter().flatten() {
        if !allowed.contains(&g.as_str()) {
            return Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                format!("{what} {g} is not one of {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

pub fn list(cl: &Cluster, body: &[u8]) -> AwsResult {
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| AwsError::bad_request(SVC, format!("the body is not JSON: {e}")))?
    };
    // The paging members travel in the body; read them as the query-based helpers do.
    let mut q = HashMap::new();
    if let Some(n) = body.get("maxResults") {
        q.insert("maxResults".to_string(), n.to_string());
    }
    if let Some(t) = body.get("nextToken").and_then(Value::as_str) {
        q.insert("nextToken".to_string(), t.to_string());
    }
    let limit = page_size(SVC, &q, "maxResults", 100, 100)?;
    let after = resume_key(SVC, &q, "nextToken")?;
    let filter = body.get("filter").cloned().unwrap_or_else(|| json!({}));
    let categories = strings(&filter, "categories")?;
    let statuses = strings(&filter, "statuses")?;
    let versions = strings(&filter, "kubernetesVersions")?;
    check_all(&categories, CATEGORIES, "category")?;
    check_all(&statuses, INSIGHT_STATUSES, "status")?;
    let admits = |list: &Option<Vec<String>>, v: &str| {
        list.as_ref().is_none_or(|l| l.iter().any(|x| x == v))
    };
    let p = page(&cl.insights, after.as_deref(), limit, |i: &Insight| {
        admits(&categories, &i.category)
            && admits(&statuses, &i.status)
            && admits(&versions, &i.kubernetes_version)
    });
    let items: Vec<Value> = p.items.iter().map(|(_, i)| summary_json(i)).collect();
    let mut out = json!({"insights": items});
    if let Some(n) = p.next {
        out["nextToken"] = json!(n);
    }
    ok(&out)
}

pub fn describe(cl: &Cluster, id: &str) -> AwsResult {
    let i = cl.insights.get(id).ok_or_else(|| {
        not_found(format!("No insight found for id: {id}.")).with("clusterName", &cl.name)
    })?;
    let mut v = summary_json(i);
    v["recommendation"] = json!(i.recommendation);
    v["additionalInfo"] = json!(i.additional_info);
    v["resources"] = i
        .resources
        .iter()
        .map(|r| {
            let mut o = json!({"insightStatus": {"status": r.status, "reason": r.reason}});
            if let Some(a) = &r.arn {
                o["arn"] = json!(a);
            }
            if let Some(u) = &r.kubernetes_uri {
                o["kubernetesResourceUri"] = json!(u);
            }
            o
        })
        .collect();
    v["categorySpecificSummary"] = json!({});
    ok(&json!({"insight": v}))
}

/// A refresh already running is answered with its state, not started twice.
pub fn start_refresh(cl: &mut Cluster, now: Timestamp) -> AwsResult {
    let running = cl.insights_refresh.is_some_and(|r| r.ended.is_none());
    if !running {
        cl.insights_refresh = Some(InsightsRefresh {
            started: now,
            ended: None,
        });
    }
    ok(&json!({
        "status": "IN_PROGRESS",
        "message": if running { "An insights refresh is already in progress." } else { "Insights refresh started." },
    }))
}

pub fn describe_refresh(cl: &Cluster) -> AwsResult {
    let r = cl.insights_refresh.ok_or_else(|| {
        not_found("No insights refresh has been requested for this cluster.".into())
            .with("clusterName", &cl.name)
    })?;
    let mut v = json!({"startedAt": epoch(r.started)});
    match r.ended {
        Some(end) => {
            v["status"] = json!("COMPLETED");
            v["endedAt"] = json!(epoch(end));
            v["message"] = json!("Insights refresh completed.");
        }
        None => {
            v["status"] = json!("IN_PROGRESS");
            v["message"] = json!("Insights refresh in progress.");
        }
    }
    ok(&v)
}

fn summary_json(i: &Insight) -> Value {
    json!({
        "id": i.id,
        "name": i.name,
        "category": i.category,
        "kubernetesVersion": i.kubernetes_version,
        "lastRefreshTime": epoch(i.last_refresh),
        "lastTransitionTime": epoch(i.last_transition),
        "description": i.description,
        "insightStatus": {"status": i.status, "reason": i.reason},
    })
}

/// Ends the refreshes that have run their course: every insight was just run again.
pub fn tick(aws: &mut AwsState, now: Timestamp) {
    let due = SignedDuration::from_secs(REFRESH_SECONDS);
    for cl in aws.clusters.values_mut() {
        let Some(r) = cl.insights_refresh.as_mut() else {
            continue;
        };
        if r.ended.is_none() && now.duration_since(r.started) >= due {
            r.ended = Some(now);
            for i in cl.insights.values_mut() {
                i.last_refresh = now;
            }
        }
    }
}

/// `POST /_sim/aws/insights/{cluster}/{id}/status?state=`: what EKS would find if the
/// cluster changed, as of the next refresh's end — here, at once.
pub fn set_status(
    aws: &mut AwsState,
    cluster: &str,
    id: &str,
    state: &str,
    now: Timestamp,
) -> Result<Value, (StatusCode, String)> {
    if !INSIGHT_STATUSES.contains(&state) {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "state {state:?} is not one of {}",
                INSIGHT_STATUSES.join(", ")
            ),
        ));
    }
    let i = aws
        .clusters
        .get_mut(cluster)
        .and_then(|c| c.insights.get_mut(id))
        .ok_or((
            StatusCode::NOT_FOUND,
            format!("no insight {id} on {cluster}"),
        ))?;
    if i.status != state {
        i.status = state.to_string();
        i.last_transition = now;
        for r in &mut i.resources {
            r.status = state.to_string();
        }
    }
    i.last_refresh = now;
    Ok(json!({"id": id, "status": state}))
}

/// The demo's insights for a cluster on `version` (`1.33`): its EBS add-on is not ready
/// for the next version, a deprecated API is still called, a check EKS could not make,
/// and three that pass. EKS last ran them 14 hours ago.
pub fn demo(aws: &AwsState, cluster: &str, version: &str, now: Timestamp) -> Vec<Insight> {
    let next = next_version(version);
    let checked = now - SignedDuration::from_hours(14);
    let since = now - SignedDuration::from_hours(9 * 24);
    let id = |name: &str| super::state::uuid_like(super::state::name_seed(name));
    let insight = |name: &str, category: &str, status: &str, reason: &str| Insight {
        id: id(name),
        name: name.into(),
        category: category.into(),
        status: status.into(),
        reason: reason.into(),
        kubernetes_version: next.clone(),
        description: String::new(),
        recommendation: String::new(),
        last_refresh: checked,
        last_transition: since,
        resources: Vec::new(),
        additional_info: Default::default(),
    };
    let mut addons = insight(
        "EKS add-on version compatibility",
        "UPGRADE_READINESS",
        "ERROR",
        &format!("1 add-on is not compatible with Kubernetes {next}"),
    );
    addons.description =
        format!("Checks that the installed EKS add-ons are compatible with Kubernetes {next}.");
    addons.recommendation = format!(
        "Update aws-ebs-csi-driver to a version that supports Kubernetes {next} before \
         upgrading the cluster."
    );
    addons.resources = vec![InsightResource {
        arn: Some(aws.addon_arn(cluster, "aws-ebs-csi-driver")),
        kubernetes_uri: None,
        status: "ERROR".into(),
        reason: format!("v1.44.0-eksbuild.1 does not support Kubernetes {next}"),
    }];
    addons.additional_info.insert(
        "EKS add-ons".into(),
        "https://docs.aws.amazon.com/eks/latest/userguide/managing-add-ons.html".into(),
    );
    let mut apis = insight(
        &format!("Deprecated APIs removed in Kubernetes v{next}"),
        "UPGRADE_READINESS",
        "WARNING",
        "Deprecated API usage detected within the last 30 days",
    );
    apis.description = format!("Checks for use of APIs that Kubernetes {next} removes.");
    apis.recommendation = "Move clients to storage.k8s.io/v1 before upgrading the cluster.".into();
    apis.resources = vec![InsightResource {
        arn: None,
        kubernetes_uri: Some("/apis/storage.k8s.io/v1beta1/csistoragecapacities".into()),
        status: "WARNING".into(),
        reason: "12 requests in the last 30 days, last from user agent csi-provisioner".into(),
    }];
    let mut hybrid = insight(
        "Hybrid nodes pod network routing",
        "MISCONFIGURATION",
        "UNKNOWN",
        "EKS could not run this check: no hybrid nodes are registered",
    );
    hybrid.description = "Checks that remote pod networks are routable.".into();
    hybrid.recommendation = "None needed unless the cluster uses EKS Hybrid Nodes.".into();
    let mut all = vec![
        addons,
        apis,
        hybrid,
        insight(
            "Kubelet version skew",
            "UPGRADE_READINESS",
            "PASSING",
            "No issues found.",
        ),
        insight(
            "kube-proxy version skew",
            "UPGRADE_READINESS",
            "PASSING",
            "No issues found.",
        ),
        insight(
            "Cluster health issues",
            "UPGRADE_READINESS",
            "PASSING",
            "No issues found.",
        ),
    ];
    for i in &mut all {
        if i.description.is_empty() {
            i.description = format!("Checks for {}.", i.name.to_lowercase());
        }
    }
    all
}

/// `1.33` → `1.34`.
fn next_version(v: &str) -> String {
    match v
        .split_once('.')
        .and_then(|(a, b)| Some((a, b.parse::<u32>().ok()?)))
    {
        Some((major, minor)) => format!("{major}.{}", minor + 1),
        None => v.to_string(),
    }
}
