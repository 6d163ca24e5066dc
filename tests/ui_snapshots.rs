//! Screens as text: every pane, the detail view, help and the header, rendered with
//! `TestBackend` at 120×32 from synthetic worlds with fixed times, so a snapshot changes
//! only when what the operator would see changes.

#[path = "ui_snapshots/fixture.rs"]
mod fixture;
#[path = "ui_snapshots/rich.rs"]
mod rich;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stordeck::model::findings::{Policy, Silence};
use stordeck::model::{Change, KubeMsg, World};
use stordeck::ui::{self, Findings, ObjectKind, ObjectRef, PaneId, Theme, UiCommand, UiState};

use fixture::{failing_world, now};
use rich::rich_world;

const W: u16 = 120;
const H: u16 = 32;

fn new_ui(read_only: bool) -> UiState {
    let mut ui = UiState::new(Theme::dark(), read_only);
    ui.time_zone = jiff::tz::TimeZone::UTC;
    ui
}

/// The screen as lines of text, trailing blanks trimmed.
fn screen(world: &World, ui: &UiState) -> String {
    screen_with(world, &Findings::evaluate(world, now()), ui)
}

fn screen_with(world: &World, findings: &Findings, ui: &UiState) -> String {
    let mut term = Terminal::new(TestBackend::new(W, H)).expect("test terminal");
    term.draw(|f| ui::render(f, world, findings, ui, now()))
        .expect("draw");
    let buf = term.backend().buffer();
    let text: Vec<String> = (0..H)
        .map(|y| {
            let line: String = (0..W).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect();
    let text = text.join("\n");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the screen:\n{text}"
    );
    text
}

fn keys(ui: &mut UiState, world: &World, keys: &str) -> Vec<UiCommand> {
    let findings = Findings::evaluate(world, now());
    let mut out = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        out.extend(ui::handle_key(
            ui,
            KeyEvent::new(code, KeyModifiers::NONE),
            world,
            &findings,
        ));
    }
    out
}

#[test]
fn csi_drivers_pane() {
    let w = rich_world();
    insta::assert_snapshot!("drivers", screen(&w, &new_ui(false)));
}

#[test]
fn addons_pane() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "2");
    insta::assert_snapshot!("addons", screen(&w, &ui));
}

#[test]
fn volumes_pane_marks_gone_access_points_and_stale_source() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "3");
    let s = screen(&w, &ui);
    assert!(s.contains("stale since 11:58:00"), "{s}");
    assert!(s.contains("gone fsap-0ccc"), "{s}");
    insta::assert_snapshot!("volumes", s);
}

#[test]
fn access_points_pane_with_orphan_gauge_and_sanitized_row() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "4");
    let s = screen(&w, &ui);
    assert!(s.contains("orphan"), "{s}");
    assert!(
        s.contains("/dynamic/evil"),
        "the row with escapes is shown, cleaned: {s}"
    );
    insta::assert_snapshot!("access_points", s);
}

#[test]
fn lifecycle_pane_with_drift_and_history() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "5");
    insta::assert_snapshot!("lifecycle", screen(&w, &ui));
}

#[test]
fn filter_narrows_rows() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "3/GONE");
    insta::assert_snapshot!("volumes_filter_typing", screen(&w, &ui));
    keys(&mut ui, &w, "\n");
    keys(&mut ui, &w, "4/nomatch\n");
    insta::assert_snapshot!("access_points_filter_no_match", screen(&w, &ui));
}

#[test]
fn detail_view_loads_then_shows_yaml() {
    let w = rich_world();
    let mut ui = new_ui(false);
    let cmds = keys(&mut ui, &w, "3\n");
    let target = ObjectRef {
        kind: ObjectKind::Pv,
        namespace: None,
        name: "pvc-aaa".into(),
    };
    assert_eq!(cmds, vec![UiCommand::FetchObject(target.clone())]);
    insta::assert_snapshot!("detail_volume_loading", screen(&w, &ui));
    let yaml = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pvc-aaa\n  \
                annotations:\n    note: \"\u{1b}[2Jcleared\u{1b}]0;title\u{7}\"\nspec:\n  \
                csi:\n    driver: efs.csi.aws.com\n    volumeHandle: fs-0123456789abcdef0::fsap-0aaa0000000000001\n";
    ui.set_detail_yaml(&target, Ok(yaml.into()));
    insta::assert_snapshot!("detail_volume_yaml", screen(&w, &ui));
}

#[test]
fn detail_view_of_addon_orphan_and_fetch_error() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "2jjj\n");
    insta::assert_snapshot!("detail_addon", screen(&w, &ui));
    let mut ui = new_ui(false);
    let cmds = keys(&mut ui, &w, "4jj\n");
    let [UiCommand::FetchObject(target)] = cmds.as_slice() else {
        panic!("expected one fetch, got {cmds:?}");
    };
    ui.set_detail_yaml(
        target,
        Err("forbidden: elasticfilesystem:DescribeAccessPoints".into()),
    );
    insta::assert_snapshot!("detail_orphan_access_point_error", screen(&w, &ui));
}

/// A reason longer than the screen is wide must be readable to its end: the root cause
/// comes first, and the layers that wrapped it after.
#[test]
fn detail_view_shows_a_failing_sources_whole_reason() {
    let mut w = rich_world();
    let reason = "cannot reach EFS: nothing is listening at that address: Connection refused \
                  (os error 111) (while: dispatch failure: io error: client error (Connect): \
                  tcp connect error) — check the region, AWS_ENDPOINT_URL and network; retrying \
                  with backoff after a while of nothing at all ENDMARK";
    fixture::health(
        &mut w,
        stordeck::model::SourceId::EfsAccessPoints,
        stordeck::model::HealthState::Stale {
            since: now() - jiff::SignedDuration::from_secs(90),
            reason: reason.into(),
        },
    );
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "4\n");
    let s = screen(&w, &ui);
    let flat: String = s
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("EFS (efs-accesspoints) stale: cannot reach EFS: nothing is listening"),
        "{s}"
    );
    assert!(
        flat.contains("ENDMARK"),
        "the end of the reason is cut off:\n{s}"
    );
    insta::assert_snapshot!("detail_source_reason_in_full", s);
}

#[test]
fn help_overlay() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "?");
    insta::assert_snapshot!("help", screen(&w, &ui));
}

#[test]
fn header_with_read_only_badge() {
    let w = rich_world();
    let s = screen(&w, &new_ui(true));
    let header: Vec<&str> = s.lines().take(3).collect();
    assert!(header[0].contains("READ-ONLY"), "{s}");
    insta::assert_snapshot!("header_read_only", header.join("\n"));
}

#[test]
fn failing_sources_say_what_to_do() {
    let w = failing_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "4");
    let s = screen(&w, &ui);
    assert!(s.contains("EFS unavailable: AccessDenied"), "{s}");
    insta::assert_snapshot!("access_points_error", s);
    keys(&mut ui, &w, "5");
    let s = screen(&w, &ui);
    assert!(s.contains("ACK EFS controller CRD not installed"), "{s}");
    insta::assert_snapshot!("lifecycle_ack_absent", s);
    keys(&mut ui, &w, "3");
    insta::assert_snapshot!("volumes_syncing", screen(&w, &ui));
}

#[test]
fn tiny_terminals_do_not_panic() {
    let w = rich_world();
    for (width, height) in [(1, 1), (10, 3), (40, 8), (200, 6)] {
        for setup in ["", "2", "3", "4", "5", "6", "0j", "0\n", "3\n", "?", "4/x"] {
            let mut ui = new_ui(true);
            keys(&mut ui, &w, setup);
            let findings = Findings::evaluate(&w, now());
            let mut term = Terminal::new(TestBackend::new(width, height)).expect("terminal");
            term.draw(|f| ui::render(f, &w, &findings, &ui, now()))
                .expect("draw");
        }
    }
}

#[test]
fn findings_pane_ranks_with_evidence_of_the_selected() {
    let w = rich_world();
    let mut ui = new_ui(false);
    keys(&mut ui, &w, "6");
    let s = screen(&w, &ui);
    assert!(s.contains("Evidence"), "{s}");
    insta::assert_snapshot!("findings", s);
    keys(&mut ui, &w, "/orphan\n");
    let s = screen(&w, &ui);
    assert!(s.contains("fix delete-access-point"), "{s}");
    insta::assert_snapshot!("findings_filtered_orphan", s);
}

#[test]
fn header_counts_findings_by_severity() {
    let w = rich_world();
    let s = screen(&w, &new_ui(false));
    let header: Vec<&str> = s.lines().take(3).collect();
    assert!(
        header[1].starts_with(" ✖ 1 critical  ⚠ 7 warning  ℹ 1 info  │ sources"),
        "{s}"
    );
    insta::assert_snapshot!("header_findings_counts", header.join("\n"));
}

/// Moves the Findings pane's cursor to the first finding of rule `id`.
fn select_finding(ui: &mut UiState, w: &World, id: &str) {
    let found = Findings::evaluate(w, now());
    let i = found.all().iter().position(|f| f.id == id).expect(id);
    keys(ui, w, &format!("0{}", "j".repeat(i)));
}

#[test]
fn enter_on_a_finding_selects_its_object_in_its_pane() {
    let w = rich_world();
    let mut ui = new_ui(false);
    // A filter on the target pane that hides the row is cleared by the jump.
    keys(&mut ui, &w, "4/aaa\n");
    select_finding(&mut ui, &w, "orphan-access-point");
    assert_eq!(keys(&mut ui, &w, "\n"), vec![]);
    assert_eq!(ui.pane(), PaneId::AccessPoints);
    assert_eq!((ui.selection(), ui.filter()), (2, ""));
    insta::assert_snapshot!("findings_jump_orphan", screen(&w, &ui));

    let mut ui = new_ui(false);
    select_finding(&mut ui, &w, "lifecycle-drift");
    keys(&mut ui, &w, "\n");
    assert_eq!((ui.pane(), ui.selection()), (PaneId::Lifecycle, 0));
}

#[test]
fn enter_on_a_finding_no_pane_lists_opens_the_object() {
    let mut w = World::default();
    let ds = fixture::obj(serde_json::json!({
        "metadata": fixture::meta("cilium", Some("kube-system"), "2025-05-01T10:00:00Z", &["helm"], serde_json::json!({})),
        "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "agent", "image": "quay.io/cilium/cilium:v1.17.4"}]}}},
    }));
    fixture::kube(&mut w, KubeMsg::DaemonSet(Change::Apply(ds)), now());
    let mut ui = new_ui(false);
    let cmds = keys(&mut ui, &w, "0\n");
    let target = ObjectRef {
        kind: ObjectKind::DaemonSet,
        namespace: Some("kube-system".into()),
        name: "cilium".into(),
    };
    assert_eq!(cmds, vec![UiCommand::FetchObject(target)]);
    let s = screen(&w, &ui);
    assert!(s.contains("⚠ missing-toleration"), "{s}");
    insta::assert_snapshot!("detail_daemonset_with_finding", s);
}

#[test]
fn candidates_read_as_checking_and_silenced_findings_stay_listed_dimmed() {
    let mut w = rich_world();
    // The watch saw pvc-aaa go; the driver deletes its access point next, so that one is
    // a candidate awaiting the delete, not an orphan.
    let gone = fixture::obj(serde_json::json!({"metadata": {"name": "pvc-aaa"}}));
    fixture::kube(&mut w, KubeMsg::Pv(Change::Delete(gone)), now());
    let policy = Policy {
        silences: vec![Silence {
            rule: "addon-degraded".into(),
            name: None,
            label: None,
            reason: "known upstream, OPS-7".into(),
        }],
        ..Policy::default()
    };
    let mut findings = Findings::with_policy(policy);
    findings.refresh(&w, now());
    let mut ui = new_ui(false);
    let s = screen_with(&w, &findings, &ui);
    let header = s.lines().nth(1).unwrap_or_default();
    assert!(
        header.starts_with(" ✖ 1 critical  ⚠ 6 warning  ℹ 1 info  … 1 checking  1 silenced  │"),
        "{s}"
    );
    keys(&mut ui, &w, "4");
    let s = screen_with(&w, &findings, &ui);
    assert!(s.contains("… checking"), "{s}");
    keys(&mut ui, &w, "\n");
    let s = screen_with(&w, &findings, &ui);
    assert!(s.contains("awaiting the driver's delete"), "{s}");
    insta::assert_snapshot!("detail_access_point_checking", s);
    keys(&mut ui, &w, "\u{1b}");
    insta::assert_snapshot!("access_points_checking", s);
    keys(&mut ui, &w, "6");
    let s = screen_with(&w, &findings, &ui);
    assert!(s.contains("1 candidate being confirmed"), "{s}");
    assert!(s.contains("silenced: Add-on aws-ebs-csi"), "{s}");
    // Silenced ones come last; select it to see why.
    keys(&mut ui, &w, "G");
    let s = screen_with(&w, &findings, &ui);
    assert!(
        s.contains("silenced config.toml: known upstream, OPS-7"),
        "{s}"
    );
    insta::assert_snapshot!("findings_checking_silenced", s);
}

#[test]
fn the_header_says_why_the_cluster_is_not_known() {
    use stordeck::model::{HealthState, SourceId};
    let mut w = failing_world();
    fixture::health(
        &mut w,
        SourceId::EksCluster,
        HealthState::Error {
            reason: "ResourceNotFoundException: No cluster found for name: prod-eks.".into(),
            hint: "check --cluster".into(),
        },
    );
    let s = screen(&w, &new_ui(false));
    let top = s.lines().next().unwrap_or_default();
    assert_eq!(
        top,
        " stordeck  cluster prod-eks: EKS DescribeCluster failed: ResourceNotFoundException: No cluster found for name: prod-eks."
    );
}
