//! The EBS volumes pane, an EBS volume's detail, and the volumes in the Lifecycle pane,
//! rendered from a synthetic world the way the sources build it: a node Karpenter is
//! disrupting with a volume EC2 still holds for it, a healthy attachment, and an orphan
//! nobody names.

// The snapshot fixture's helpers, of which this test needs only some.
#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use stordeck::model::ebs::{EbsAttachment, EbsVolumeRec};
use stordeck::model::intern::Sym;
use stordeck::model::{AwsMsg, Change, KubeMsg, World};
use stordeck::ui::{self, Findings, ObjectKind, ObjectRef, Theme, UiState};

use fixture::{ago, aws, kube, meta, now, obj, pv};

const W: u16 = 220;
const H: u16 = 24;

const STRANDED_PV: &str = "pvc-27f0aba0-646c-4c34-9daa-4b2fdaf9f022";
const HEALTHY_PV: &str = "pvc-a3e7fd42-b2aa-4fec-9dcc-266a730f0f2e";

fn node(name: &str, instance: &str, taints: serde_json::Value) -> KubeMsg {
    KubeMsg::Node(Change::InitApply(obj(json!({
        "metadata": meta(name, None, "2025-05-01T00:00:00Z", &[], json!({})),
        "spec": {"providerID": format!("aws:///us-east-1a/{instance}"), "taints": taints},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }))))
}

fn va(name: &str, node: &str, pv: &str) -> KubeMsg {
    KubeMsg::VolumeAttachment(Change::Apply(obj(json!({
        "metadata": meta(name, None, "2025-05-20T08:00:00Z", &[], json!({})),
        "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node,
                 "source": {"persistentVolumeName": pv}},
        "status": {"attached": true},
    }))))
}

fn volume(id: &str, state: &str, on: Option<&str>) -> EbsVolumeRec {
    EbsVolumeRec {
        id: id.into(),
        size_gib: 100,
        volume_type: Sym::new("gp3"),
        iops: Some(3000),
        throughput: Some(125),
        zone: Sym::new("us-east-1a"),
        state: Sym::new(state),
        created: Some(ago(86_400 * 30)),
        attachments: on
            .map(|i| EbsAttachment {
                instance_id: i.into(),
                device: Some("/dev/xvdaa".into()),
                state: Sym::new("attached"),
                since: Some(ago(86_400 * 20)),
            })
            .into_iter()
            .collect(),
        cluster_tagged: true,
        pv_tag: None,
        claim_tag: Some((Sym::new("search"), "data-elasticsearch-0".into())),
    }
}

fn world() -> World {
    let mut w = World::default();
    let at = ago(120);
    kube(&mut w, KubeMsg::Node(Change::InitStart), at);
    let disrupted = json!([{"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}]);
    kube(&mut w, node("ip-10-0-101-23", "i-0old", disrupted), at);
    kube(&mut w, node("ip-10-0-102-45", "i-0new", json!([])), at);
    kube(&mut w, KubeMsg::Node(Change::InitDone), at);
    for (name, handle, claim) in [
        (
            STRANDED_PV,
            "vol-027f0aba0646c5c34",
            ("shop", "data-postgres-0"),
        ),
        (
            HEALTHY_PV,
            "vol-0a3e7fd42b2aa4fec",
            ("shop", "data-kafka-0"),
        ),
    ] {
        let p = pv(
            name,
            handle,
            "ebs.csi.aws.com",
            Some(claim),
            json!({"sc": "gp3"}),
        );
        kube(&mut w, KubeMsg::Pv(Change::Apply(obj(p))), at);
    }
    kube(&mut w, va("csi-aaa", "ip-10-0-101-23", STRANDED_PV), at);
    kube(&mut w, va("csi-bbb", "ip-10-0-102-45", HEALTHY_PV), at);
    let items = vec![
        volume("vol-01bf3bfc693db6ea8", "available", None),
        volume("vol-027f0aba0646c5c34", "in-use", Some("i-0old")),
        volume("vol-0a3e7fd42b2aa4fec", "in-use", Some("i-0new")),
    ];
    aws(&mut w, AwsMsg::EbsVolumes { items, started: at }, at);
    // What the pod that moved off the disrupted node was told.
    let ev = obj(json!({
        "metadata": {"name": "postgres-0.17c3a1f0", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "postgres-0"},
        "reason": "FailedAttachVolume", "type": "Warning", "count": 9,
        "message": format!("Multi-Attach error for volume \"{STRANDED_PV}\" Volume is already \
                            exclusively attached to one node and can't be attached to another"),
        "firstTimestamp": ago(360).to_string(), "lastTimestamp": ago(30).to_string()}));
    let reason = stordeck::model::symptom::Reason::FailedAttachVolume;
    let change = Change::Apply(ev);
    kube(&mut w, KubeMsg::Event { reason, change }, at);
    for s in fixture::all_sources() {
        fixture::health(&mut w, s, stordeck::model::HealthState::Live);
    }
    w
}

fn screen(w: &World, ui: &UiState) -> String {
    screen_of(w, ui, H)
}

fn screen_of(w: &World, ui: &UiState, h: u16) -> String {
    let findings = Findings::evaluate(w, now());
    let mut term = Terminal::new(TestBackend::new(W, h)).expect("test terminal");
    term.draw(|f| ui::render(f, w, &findings, ui, now()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| {
            let line: String = (0..W).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn press(ui: &mut UiState, w: &World, keys: &[KeyCode]) {
    let findings = Findings::evaluate(w, now());
    for k in keys {
        ui::handle_key(ui, KeyEvent::new(*k, KeyModifiers::NONE), w, &findings);
    }
}

fn new_ui() -> UiState {
    let mut ui = UiState::new(Theme::dark(), true);
    ui.time_zone = jiff::tz::TimeZone::UTC;
    ui
}

#[test]
fn the_ebs_pane_joins_each_volume_to_its_pv_attachment_and_node() {
    let w = world();
    let mut ui = new_ui();
    press(&mut ui, &w, &[KeyCode::Char('7')]);
    let s = screen(&w, &ui);
    assert!(
        s.contains(STRANDED_PV) && s.contains(HEALTHY_PV),
        "PV names whole:\n{s}"
    );
    assert!(s.contains("ip-10-0-101-23 disrupted"), "{s}");
    assert!(s.contains("no PV, ~$8/mo est."), "{s}");
    assert!(
        s.contains("search/data-elasticsearch-0"),
        "the claim it was made for:\n{s}"
    );
    insta::assert_snapshot!("ebs_volumes", s);
}

#[test]
fn an_ebs_volumes_detail_follows_the_chain_to_the_instance() {
    let w = world();
    let mut ui = new_ui();
    press(
        &mut ui,
        &w,
        &[KeyCode::Char('7'), KeyCode::Char('j'), KeyCode::Enter],
    );
    let s = screen(&w, &ui);
    for want in [
        "EBS volume",
        STRANDED_PV,
        "shop/data-postgres-0",
        "attached to node ip-10-0-101-23",
        "EC2 attachment",
        "tainted karpenter.sh/disrupted",
    ] {
        assert!(s.contains(want), "{want} missing:\n{s}");
    }
    insta::assert_snapshot!("ebs_volume_detail", s);
}

#[test]
fn a_volumes_detail_and_its_finding_show_what_its_pod_was_told() {
    let w = world();
    let mut ui = new_ui();
    press(
        &mut ui,
        &w,
        &[KeyCode::Char('7'), KeyCode::Char('j'), KeyCode::Enter],
    );
    let s = screen_of(&w, &ui, 48);
    assert!(s.contains("FailedAttachVolume ×9"), "{s}");
    assert!(
        s.contains("last 30s ago · pod shop/postgres-0 · Multi-Attach error"),
        "{s}"
    );
    insta::assert_snapshot!("ebs_volume_detail_events", s);
}

/// [`world`], then a later sweep in which the disrupted node's volume is detaching from
/// it and the orphan is being deleted: the transitions the Lifecycle pane lists.
fn detaching_world() -> World {
    let mut w = world();
    let mut stranded = volume("vol-027f0aba0646c5c34", "in-use", Some("i-0old"));
    stranded.attachments[0].state = Sym::new("detaching");
    let items = vec![
        volume("vol-01bf3bfc693db6ea8", "deleting", None),
        stranded,
        volume("vol-0a3e7fd42b2aa4fec", "in-use", Some("i-0new")),
    ];
    aws(
        &mut w,
        AwsMsg::EbsVolumes {
            items,
            started: ago(60),
        },
        ago(60),
    );
    w
}

fn typed(ui: &mut UiState, w: &World, s: &str) {
    let keys: Vec<KeyCode> = s.chars().map(KeyCode::Char).collect();
    press(ui, w, &keys);
}

#[test]
fn the_lifecycle_pane_lists_ebs_volumes_and_their_attachment_transitions() {
    let w = detaching_world();
    let mut ui = new_ui();
    press(&mut ui, &w, &[KeyCode::Char('5')]);
    let s = screen(&w, &ui);
    let row = |id: &str| {
        s.lines()
            .find(|l| l.contains(" EBS ") && l.contains(id))
            .unwrap_or_else(|| panic!("no EBS row for {id}:\n{s}"))
    };
    let stranded = row("vol-027f0aba0646c5c34");
    assert!(
        stranded.contains("i-0old detaching")
            && stranded.contains("us-east-1a")
            && stranded.contains("in-use"),
        "{s}"
    );
    assert!(row("vol-01bf3bfc693db6ea8").contains("deleting"), "{s}");
    assert!(
        row("vol-0a3e7fd42b2aa4fec").contains("i-0new attached"),
        "{s}"
    );
    for (kind, object, change) in [
        (
            "EBS attach",
            "vol-027f0aba0646c5c34 @ i-0old",
            "attached → detaching",
        ),
        ("EBS", "vol-01bf3bfc693db6ea8", "available → deleting"),
    ] {
        assert!(
            s.lines()
                .any(|l| l.contains(kind) && l.contains(object) && l.contains(change)),
            "no {kind} transition of {object}:\n{s}"
        );
    }
    insta::assert_snapshot!("lifecycle_ebs", s);
}

#[test]
fn enter_on_a_lifecycle_volume_opens_the_ebs_panes_detail_and_the_filter_finds_it() {
    let w = detaching_world();
    let want = ObjectRef {
        kind: ObjectKind::EbsVolume,
        namespace: None,
        name: "vol-027f0aba0646c5c34".into(),
    };
    let mut from_ebs = new_ui();
    press(
        &mut from_ebs,
        &w,
        &[KeyCode::Char('7'), KeyCode::Char('j'), KeyCode::Enter],
    );
    assert_eq!(from_ebs.detail_target(), Some(&want));

    let mut ui = new_ui();
    press(&mut ui, &w, &[KeyCode::Char('5'), KeyCode::Char('/')]);
    typed(&mut ui, &w, "detaching");
    press(&mut ui, &w, &[KeyCode::Enter]);
    let s = screen(&w, &ui);
    assert!(
        s.contains("[1 of 3]"),
        "the filter matches the attachment:\n{s}"
    );
    press(&mut ui, &w, &[KeyCode::Enter]);
    assert_eq!(ui.detail_target(), Some(&want));
    // The same detail, whichever pane opened it (the tabs say which pane is active).
    let body = |s: String| s.lines().skip(3).collect::<Vec<_>>().join("\n");
    assert_eq!(body(screen(&w, &ui)), body(screen(&w, &from_ebs)));
}

#[test]
fn the_command_prompt_completes_goes_to_a_pane_and_names_a_mistyped_command() {
    let w = world();
    let mut ui = new_ui();
    press(
        &mut ui,
        &w,
        &[KeyCode::Char(':'), KeyCode::Char('e'), KeyCode::Tab],
    );
    let s = screen(&w, &ui);
    let footer = s.lines().last().unwrap_or_default().to_string();
    assert!(footer.starts_with(" :ebs▏"), "{footer}");
    insta::assert_snapshot!("prompt_completion", footer);
    press(&mut ui, &w, &[KeyCode::Enter]);
    let s = screen(&w, &ui);
    assert!(s.contains("vol-01bf3bfc693db6ea8"), "on the EBS pane:\n{s}");
    let keys: Vec<KeyCode> = ":lifecylce\n"
        .chars()
        .map(|c| match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        })
        .collect();
    press(&mut ui, &w, &keys);
    let footer = screen(&w, &ui)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        footer.contains("unknown command :lifecylce; did you mean :lifecycle"),
        "{footer}"
    );
    insta::assert_snapshot!("prompt_unknown", footer);
}

#[test]
fn c_copies_the_selected_volume_id() {
    let w = world();
    let mut ui = new_ui();
    press(&mut ui, &w, &[KeyCode::Char('7')]);
    let findings = Findings::evaluate(&w, now());
    let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
    let cmds = ui::handle_key(&mut ui, key, &w, &findings);
    assert_eq!(
        cmds,
        vec![ui::UiCommand::Copy("vol-01bf3bfc693db6ea8".into())]
    );
    let footer = screen(&w, &ui)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(footer.contains("copied vol-01bf3bfc693db6ea8"), "{footer}");
}
