//! EKS cluster insights end to end: the simulator's ListInsights, DescribeInsight,
//! StartInsightsRefresh and DescribeInsightsRefresh through the real aws-sdk-eks; the
//! insights source turning non-passing ones into findings marked as EKS's; and the
//! refresh as an action, which a read-only client cannot send.

mod common;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_eks::config::{Credentials, Region};
use aws_sdk_eks::types::{Category, InsightStatusValue, InsightsFilter};
use serde_json::Value;
use stordeck::actions::{Action, AuditLog, Executor, plan};
use stordeck::headless::Headless;
use stordeck::model::findings::{Finding, Severity};
use stordeck::sim::SimHandle;
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sources::connect;

async fn eks(sim: &SimHandle) -> aws_sdk_eks::Client {
    let cfg = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sim.url())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("x", "x", None, None, "test"))
        .load()
        .await;
    aws_sdk_eks::Client::new(&cfg)
}

fn insights(found: &[Finding]) -> Vec<(String, Severity)> {
    found
        .iter()
        .filter(|f| f.id == "eks-insight")
        .map(|f| (f.subject().map_or("", |o| &o.name).to_string(), f.severity))
        .collect()
}

#[tokio::test]
async fn the_sdk_pages_filters_and_describes_the_demo_insights() {
    let sim = common::start_sim().await;
    let eks = eks(&sim).await;
    let pages: Vec<_> = eks
        .list_insights()
        .cluster_name(CLUSTER)
        .max_results(2)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 3, "six insights, two a page");
    let all: Vec<_> = pages
        .into_iter()
        .flat_map(|p| p.expect("page").insights().to_vec())
        .collect();
    assert_eq!(all.len(), 6);
    let status = |s: &aws_sdk_eks::types::InsightSummary| {
        s.insight_status()
            .and_then(|x| x.status())
            .cloned()
            .expect("status")
    };
    let failing = eks
        .list_insights()
        .cluster_name(CLUSTER)
        .filter(
            InsightsFilter::builder()
                .categories(Category::UpgradeReadiness)
                .statuses(InsightStatusValue::Error)
                .statuses(InsightStatusValue::Warning)
                .build(),
        )
        .send()
        .await
        .expect("filtered list");
    let names: Vec<&str> = failing.insights().iter().filter_map(|i| i.name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        failing
            .insights()
            .iter()
            .all(|i| status(i) != InsightStatusValue::Passing)
    );
    let compat = failing
        .insights()
        .iter()
        .find(|i| i.name() == Some("EKS add-on version compatibility"))
        .expect("the add-on insight");
    let full = eks
        .describe_insight()
        .cluster_name(CLUSTER)
        .id(compat.id().expect("id"))
        .send()
        .await
        .expect("describe");
    let full = full.insight().expect("insight");
    assert!(
        full.recommendation()
            .unwrap_or_default()
            .contains("aws-ebs-csi-driver")
    );
    let arn = full.resources()[0].arn().expect("resource arn");
    assert!(arn.contains(":addon/demo/aws-ebs-csi-driver/"), "{arn}");
    let missing = eks
        .describe_insight()
        .cluster_name(CLUSTER)
        .id("no-such-insight")
        .send()
        .await
        .expect_err("unknown id");
    assert!(
        missing
            .into_service_error()
            .is_resource_not_found_exception()
    );
    let bad = eks
        .list_insights()
        .cluster_name(CLUSTER)
        .max_results(500)
        .send()
        .await
        .expect_err("maxResults over 100");
    assert!(
        bad.into_service_error().is_invalid_parameter_exception(),
        "maxResults is 1 to 100, as in EKS"
    );
}

#[tokio::test]
async fn a_refresh_runs_then_every_insight_was_run_again() {
    let sim = common::start_sim().await;
    let eks = eks(&sim).await;
    let never = eks
        .describe_insights_refresh()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect_err("no refresh asked for yet");
    assert!(never.into_service_error().is_resource_not_found_exception());
    let started = eks
        .start_insights_refresh()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("start");
    assert_eq!(started.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
    let running = eks
        .describe_insights_refresh()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("describe refresh");
    assert_eq!(running.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
    common::Control::new(&sim)
        .post("/advance?seconds=10", None)
        .await;
    let done = eks
        .describe_insights_refresh()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("describe refresh");
    assert_eq!(done.status().map(|s| s.as_str()), Some("COMPLETED"));
    let ended = done.ended_at().expect("endedAt").secs();
    let list = eks
        .list_insights()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("list");
    for i in list.insights() {
        assert_eq!(
            i.last_refresh_time().map(|t| t.secs()),
            Some(ended),
            "{i:?}"
        );
    }
}

/// Requests the simulator saw to the insights refresh and to ListInsights.
async fn insight_posts(sim: &SimHandle) -> (usize, usize) {
    let reqs = common::Control::new(sim).requests().await;
    let posts = |path: &str| {
        reqs.iter()
            .filter(|r: &&Value| r["method"] == "POST" && r["path"].as_str() == Some(path))
            .count()
    };
    (
        posts(&format!("/clusters/{CLUSTER}/insights-refresh")),
        posts(&format!("/clusters/{CLUSTER}/insights")),
    )
}

#[tokio::test]
async fn read_only_lists_insights_and_shows_them_but_cannot_start_a_refresh() {
    let sim = common::start_sim().await;
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(h.first_sync(Duration::from_secs(30)).await);
    h.until_findings(Duration::from_secs(30), |_, f| {
        !insights(f.all()).is_empty()
    })
    .await;
    let mut found = insights(h.findings.all());
    found.sort();
    assert_eq!(
        found,
        [
            (
                "Deprecated APIs removed in Kubernetes v1.34".to_string(),
                Severity::Info
            ),
            (
                "EKS add-on version compatibility".to_string(),
                Severity::Warning
            ),
            (
                "Hybrid nodes pod network routing".to_string(),
                Severity::Info
            ),
        ],
        "the three that do not pass, none critical"
    );
    assert!(
        h.findings
            .all()
            .iter()
            .filter(|f| f.id == "eks-insight")
            .all(|f| f.source() == "eks")
    );
    let truth = common::Control::new(&sim).get("/truth").await;
    let planted: Vec<&str> = truth["faults"]
        .as_array()
        .expect("faults")
        .iter()
        .filter(|f| f["rule"] == "eks-insight")
        .filter_map(|f| f["subject"]["name"].as_str())
        .collect();
    assert_eq!(
        planted.len(),
        3,
        "ground truth holds the same three: {planted:?}"
    );
    for (name, _) in &found {
        assert!(
            planted.contains(&name.as_str()),
            "{name} is not in the truth"
        );
    }

    assert!(Executor::new(&conn, AuditLog::new("/dev/null".into(), "t", CLUSTER)).is_none());
    // Below the missing executor: the read-only SDK client itself refuses the POST.
    let refused = conn
        .aws
        .eks
        .start_insights_refresh()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect_err("read-only");
    assert!(format!("{refused:?}").contains("read-only"), "{refused:?}");
    let (refreshes, lists) = insight_posts(&sim).await;
    assert_eq!(refreshes, 0, "no StartInsightsRefresh reached EKS");
    assert!(lists >= 1, "ListInsights, a POST, was let through");
}

#[tokio::test]
async fn the_refresh_action_follows_eks_until_a_fixed_insight_clears() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, false)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(h.first_sync(Duration::from_secs(30)).await);
    let has = |f: &[Finding], name: &str| insights(f).iter().any(|(n, _)| n == name);
    const COMPAT: &str = "EKS add-on version compatibility";
    h.until_findings(Duration::from_secs(30), |_, f| has(f.all(), COMPAT))
        .await;
    let Action::RefreshInsights(r) = plan::refresh_insights(&h.world).expect("planned") else {
        panic!("not a refresh");
    };
    assert_eq!(r.held, (6, 3));

    // What EKS finds when it runs the check again: the add-on was upgraded.
    let id = h
        .world
        .insights
        .values()
        .find(|i| i.name == COMPAT)
        .map(|i| i.id.clone())
        .expect("insight id");
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = AuditLog::new(dir.path().join("audit.log"), "tester", CLUSTER);
    let exec = Executor::new(&conn, audit).expect("writable");
    let out = exec.run(Action::RefreshInsights(r.clone())).await;
    assert!(
        out.result.as_ref().is_ok_and(|m| m.contains("IN_PROGRESS")),
        "{:?}",
        out.result
    );
    let again = exec.run(Action::RefreshInsights(r)).await;
    assert!(
        again
            .result
            .as_ref()
            .is_err_and(|e| e.starts_with("refused: ")),
        "a second refresh while one runs is refused by the re-check: {:?}",
        again.result
    );
    h.refresh.now();
    assert!(
        h.until(Duration::from_secs(15), |w| w
            .insights_refresh
            .as_ref()
            .is_some_and(|r| r.in_progress()))
            .await,
        "the source sees the refresh running"
    );
    ctl.post(
        &format!("/aws/insights/{CLUSTER}/{id}/status?state=PASSING"),
        None,
    )
    .await;
    ctl.post("/advance?seconds=10", None).await;
    h.until_findings(Duration::from_secs(30), |_, f| !has(f.all(), COMPAT))
        .await;
    assert!(
        !has(h.findings.all(), COMPAT),
        "cleared once EKS says it passes"
    );
    assert!(
        has(h.findings.all(), "Hybrid nodes pod network routing"),
        "the others stay"
    );
    let log = std::fs::read_to_string(dir.path().join("audit.log")).expect("audit log");
    assert!(log.contains("refresh-insights"), "{log}");
    assert_eq!(
        insight_posts(&sim).await.0,
        1,
        "one StartInsightsRefresh was sent"
    );
}

#[tokio::test]
async fn an_identity_denied_insights_is_told_what_to_grant_or_how_to_turn_them_off() {
    use stordeck::model::{HealthState, SourceId};
    let sim = common::start_sim().await;
    common::Control::new(&sim)
        .post("/faults/forbid?resource=eks", None)
        .await;
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    let denied = |w: &stordeck::model::World| {
        matches!(
            w.health.get(&SourceId::EksInsights).map(|h| &h.state),
            Some(HealthState::Error { .. })
        )
    };
    assert!(h.until(Duration::from_secs(30), denied).await);
    let Some(HealthState::Error { reason, hint }) = h
        .world
        .health
        .get(&SourceId::EksInsights)
        .map(|h| h.state.clone())
    else {
        unreachable!("checked just above");
    };
    assert!(reason.contains("denied access"), "{reason}");
    assert!(
        hint.contains("eks:ListInsights") && hint.contains("[aws] insights = false"),
        "{hint}"
    );
}

#[tokio::test]
async fn turned_off_in_config_the_source_is_absent_and_eks_is_not_asked() {
    use stordeck::model::{HealthState, SourceId};
    let sim = common::start_sim().await;
    let mut conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    conn.aws.insights = false;
    let mut h = Headless::start(&conn);
    assert!(h.first_sync(Duration::from_secs(30)).await);
    assert!(
        matches!(
            h.world.health.get(&SourceId::EksInsights).map(|h| &h.state),
            Some(HealthState::Absent { reason }) if reason.contains("[aws] insights = false")
        ),
        "{:?}",
        h.world.health.get(&SourceId::EksInsights)
    );
    let asked = common::Control::new(&sim)
        .requests()
        .await
        .iter()
        .any(|r| r["path"].as_str().is_some_and(|p| p.contains("/insights")));
    assert!(!asked, "no insights call was made");
}
