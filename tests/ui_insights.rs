//! EKS insights on screen: the Findings pane lists the ones that do not pass, marked as
//! EKS's, with EKS's recommendation and when EKS last ran them; `I` opens the refresh's
//! dialog with its exact request (disabled when read-only); a running refresh says the
//! rows are EKS's previous verdicts.

#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use stordeck::model::insight::{InsightRec, InsightResource, InsightsRefreshRec};
use stordeck::model::{AwsMsg, World};
use stordeck::ui::{self, Findings, Theme, UiState};

use fixture::{ago, aws, draw, now, text};

fn insight(name: &str, status: &str) -> InsightRec {
    InsightRec {
        id: format!("id-{name}"),
        name: name.into(),
        category: "UPGRADE_READINESS".into(),
        status: status.into(),
        reason: Some("1 add-on is not compatible".into()),
        kubernetes_version: Some("1.34".into()),
        description: None,
        recommendation: Some("Update aws-ebs-csi-driver first.".into()),
        last_refresh: Some(ago(14 * 3_600)),
        last_transition: Some(ago(9 * 86_400)),
        resources: vec![InsightResource {
            arn: Some("arn:aws:eks:us-east-1:1:addon/demo/aws-ebs-csi-driver/x".into()),
            kubernetes_uri: None,
            status: Some(status.into()),
            reason: Some("v1.44.0 does not support 1.34".into()),
        }],
        additional_info: vec![],
    }
}

fn world() -> World {
    let mut w = World::default();
    w.target.cluster = Some("demo".into());
    aws(
        &mut w,
        AwsMsg::Insights(vec![
            insight("EKS add-on version compatibility", "ERROR"),
            insight("Kubelet version skew", "PASSING"),
        ]),
        now(),
    );
    w
}

fn ui(read_only: bool) -> UiState {
    let mut ui = UiState::new(Theme::dark(), read_only);
    ui.time_zone = jiff::tz::TimeZone::UTC;
    ui
}

fn press(ui: &mut UiState, w: &World, key: KeyCode) {
    let findings = Findings::evaluate(w, now());
    ui::handle_key(ui, KeyEvent::new(key, KeyModifiers::NONE), w, &findings);
}

#[test]
fn a_failing_insight_is_a_finding_from_eks_with_its_recommendation() {
    let w = world();
    let mut ui = ui(false);
    press(&mut ui, &w, KeyCode::Char('6'));
    let s = text(&draw(&w, &ui, 170, 40));
    assert!(
        s.contains("eks-insight") && s.contains("EKS insight ERROR: EKS add-on version"),
        "{s}"
    );
    assert!(
        !s.contains("Kubelet version skew"),
        "a passing insight is no finding:\n{s}"
    );
    assert!(
        s.contains("EKS recommends: Update aws-ebs-csi-driver first."),
        "{s}"
    );
    assert!(s.contains("from EKS, not stordeck"), "{s}");
    assert!(
        s.contains("<I> refresh EKS insights"),
        "the pane offers the refresh:\n{s}"
    );
}

#[test]
fn i_opens_the_refresh_dialog_with_its_request_and_read_only_disables_it() {
    let w = world();
    let mut writable = ui(false);
    press(&mut writable, &w, KeyCode::Char('6'));
    press(&mut writable, &w, KeyCode::Char('I'));
    let s = text(&draw(&w, &writable, 170, 44));
    assert!(s.contains("Refresh the EKS insights of demo"), "{s}");
    assert!(s.contains("POST /clusters/demo/insights-refresh"), "{s}");
    assert!(
        s.contains("GET /clusters/demo/insights-refresh  must find: no refresh IN_PROGRESS"),
        "{s}"
    );
    assert!(!s.contains("read-only"), "{s}");

    let mut read_only = ui(true);
    press(&mut read_only, &w, KeyCode::Char('6'));
    press(&mut read_only, &w, KeyCode::Char('I'));
    let s = text(&draw(&w, &read_only, 170, 44));
    assert!(s.contains("read-only: actions are disabled"), "{s}");
}

#[test]
fn while_eks_refreshes_the_pane_says_so_and_i_declines() {
    let mut w = world();
    aws(
        &mut w,
        AwsMsg::InsightsRefresh(Some(InsightsRefreshRec {
            status: "IN_PROGRESS".into(),
            message: None,
            started_at: Some(ago(20)),
            ended_at: None,
        })),
        now(),
    );
    let mut ui = ui(false);
    press(&mut ui, &w, KeyCode::Char('6'));
    let s = text(&draw(&w, &ui, 170, 40));
    assert!(
        s.contains("EKS is running its insights again since 11:59:40"),
        "{s}"
    );
    press(&mut ui, &w, KeyCode::Char('I'));
    let s = text(&draw(&w, &ui, 170, 40));
    assert!(
        s.contains("EKS is already refreshing its insights")
            && !s.contains("Refresh the EKS insights of"),
        "{s}"
    );
}
