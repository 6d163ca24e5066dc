//! Which cluster the screen is about, and what fits on it: the context in its colour,
//! `--write` and the cluster every dialog names; a switch that leaves nothing of the old
//! cluster behind; the high-contrast theme's colours; identifiers kept whole on a
//! narrow terminal, and wide mode.

#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;
#[path = "ui_snapshots/rich.rs"]
mod rich;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use serde_json::json;
use stordeck::model::{Change, KubeMsg, World};
use stordeck::ui::{self, Findings, Theme, UiState};

use fixture::{ago, draw, kube, now, obj, pv, text};
use rich::rich_world;

const LONG_PV: &str = "pvc-4f6c1e0a-8d2b-4c3e-9f1a-2b3c4d5e6f70";

fn new_ui() -> UiState {
    let mut ui = UiState::new(Theme::dark(), false);
    ui.time_zone = jiff::tz::TimeZone::UTC;
    ui
}

/// Line `y` as runs of one style: `[fg/bg]text`, so a snapshot shows the colours.
fn styled_line(buf: &Buffer, y: u16) -> String {
    let mut out = String::new();
    let mut last = None;
    for x in 0..buf.area.width {
        let c = &buf[(x, y)];
        let style = (c.fg, c.bg);
        if last != Some(style) {
            out.push_str(&format!("[{:?}/{:?}]", c.fg, c.bg));
            last = Some(style);
        }
        out.push_str(c.symbol());
    }
    out.trim_end().to_string()
}

fn press(ui: &mut UiState, world: &World, keys: &[KeyCode]) {
    let findings = Findings::evaluate(world, now());
    for k in keys {
        ui::handle_key(ui, KeyEvent::new(*k, KeyModifiers::NONE), world, &findings);
    }
}

#[test]
fn the_header_names_the_context_in_its_colour_and_says_when_write_was_forced() {
    let w = rich_world();
    let mut ui = new_ui();
    ui.context = Some("prod".into());
    ui.context_color = Some(Color::Red);
    ui.write_override = true;
    let buf = draw(&w, &ui, 160, 10);
    let top = styled_line(&buf, 0);
    assert!(
        top.contains("/Red] prod "),
        "a badge in the context's colour: {top}"
    );
    assert!(top.contains("WRITABLE (--write)"), "{top}");
    // Cluster and account in the context's colour too.
    assert!(
        top.contains("[Red/Rgb(38, 38, 38)]prod-eks")
            && top.contains("[Red/Rgb(38, 38, 38)]123456789012"),
        "{top}"
    );
}

#[test]
fn every_dialog_names_the_cluster_it_acts_on() {
    let mut w = rich_world();
    w.target.cluster = Some("prod-eks".into());
    w.target.region = Some("eu-west-1".into());
    let mut ui = new_ui();
    ui.context = Some("prod".into());
    press(&mut ui, &w, &[KeyCode::Char('2')]);
    let findings = Findings::evaluate(&w, now());
    let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
    ui::handle_key(&mut ui, ctrl_d, &w, &findings);
    let s = text(&draw(&w, &ui, 160, 48));
    assert!(
        s.contains("On cluster prod-eks · account 123456789012 · eu-west-1 · context prod"),
        "{s}"
    );
}

#[test]
fn after_a_switch_nothing_of_the_old_cluster_is_shown() {
    let old = rich_world();
    let mut ui = new_ui();
    press(&mut ui, &old, &[KeyCode::Char('3'), KeyCode::Char('G')]);
    assert!(text(&draw(&old, &ui, 160, 30)).contains("pvc-bbb"));

    // What `app::run` does between the two sessions.
    ui.forget_cluster();
    ui.context = Some("staging".into());
    let mut new = World::default();
    let before = text(&draw(&new, &ui, 160, 30));
    assert!(
        !before.contains("pvc-"),
        "an empty world shows no PV:\n{before}"
    );
    kube(
        &mut new,
        KubeMsg::Pv(Change::Apply(obj(pv(
            "pvc-staging",
            "fs-0123456789abcdef0",
            "efs.csi.aws.com",
            None,
            json!({}),
        )))),
        ago(60),
    );
    let after = text(&draw(&new, &ui, 160, 30));
    assert!(after.contains("pvc-staging"), "{after}");
    assert!(
        !after.contains("prod-eks") && !after.contains("pvc-aaa"),
        "{after}"
    );
    insta::assert_snapshot!("switched_volumes", after);
}

#[test]
fn high_contrast_theme_colours() {
    let w = rich_world();
    let mut ui = new_ui();
    ui.theme = Theme::load("high-contrast", None).expect("built in");
    press(&mut ui, &w, &[KeyCode::Char('0')]);
    let buf = draw(&w, &ui, 120, 12);
    let lines: Vec<String> = (0..6).map(|y| styled_line(&buf, y)).collect();
    insta::assert_snapshot!("high_contrast", lines.join("\n"));
}

#[test]
fn identifiers_stay_whole_on_a_narrow_terminal_and_w_shows_every_column() {
    let mut w = rich_world();
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(obj(pv(
            LONG_PV,
            "fs-0123456789abcdef0",
            "efs.csi.aws.com",
            Some(("shop", "orders-data-orders-db-0")),
            json!({}),
        )))),
        ago(60),
    );
    let mut ui = new_ui();
    press(&mut ui, &w, &[KeyCode::Char('3')]);
    let narrow = text(&draw(&w, &ui, 100, 16));
    assert!(narrow.contains(LONG_PV), "the PV name whole:\n{narrow}");
    assert!(narrow.contains("shop/orders-data-orders-db-0"), "{narrow}");
    assert!(
        !narrow.contains("RECLAIM"),
        "secondary columns go first:\n{narrow}"
    );
    insta::assert_snapshot!("volumes_narrow", narrow);

    press(&mut ui, &w, &[KeyCode::Char('w')]);
    let wide = text(&draw(&w, &ui, 100, 16));
    assert!(
        wide.contains("RECLAIM") && wide.contains("MODES") && wide.contains("wide"),
        "{wide}"
    );
}
