//! Sorting a pane by any column (`s` next column, `S` reverse), remembered per pane, with
//! the filter applied first and Enter on a finding still landing on its object's row.

#[allow(dead_code)]
#[path = "ui_snapshots/fixture.rs"]
mod fixture;
#[path = "ui_snapshots/rich.rs"]
mod rich;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use stordeck::model::World;
use stordeck::ui::{self, Findings, ObjectRef, Theme, UiState};

use fixture::{draw, now, text};
use rich::rich_world;

fn screen(world: &World, ui: &UiState) -> String {
    text(&draw(world, ui, 140, 24))
}

fn keys(ui: &mut UiState, world: &World, keys: &str) {
    let findings = Findings::evaluate(world, now());
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        ui::handle_key(
            ui,
            KeyEvent::new(code, KeyModifiers::NONE),
            world,
            &findings,
        );
    }
}

/// The first column of each table row, in order.
fn names(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains(" NAME "))
        .skip(1)
        .filter_map(|l| l.strip_prefix('│'))
        .map(|l| l.trim_start_matches(['›', ' ', 'ℹ', '⚠', '✖']))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("pvc-") || n.starts_with("static"))
        .map(str::to_string)
        .collect()
}

fn selected(w: &World, ui: &UiState) -> Option<ObjectRef> {
    ui::panes::selected_ref(w, &Findings::evaluate(w, now()), ui)
}

#[test]
fn s_cycles_columns_capital_s_reverses_and_each_pane_keeps_its_own() {
    let w = rich_world();
    let mut ui = UiState::new(Theme::dark(), false);
    keys(&mut ui, &w, "3");
    let own = names(&screen(&w, &ui));
    assert_eq!(
        own,
        ["pvc-aaa", "pvc-bbb", "pvc-ccc", "pvc-ddd", "static-efs"]
    );

    keys(&mut ui, &w, "S");
    let s = screen(&w, &ui);
    assert!(s.contains("by NAME ↓"), "{s}");
    assert_eq!(
        names(&s),
        ["static-efs", "pvc-ddd", "pvc-ccc", "pvc-bbb", "pvc-aaa"]
    );

    // NAME → CAP, ascending: 5Gi before 20Gi, as numbers.
    keys(&mut ui, &w, "s");
    let s = screen(&w, &ui);
    assert!(s.contains("by CAP ↑"), "{s}");
    assert_eq!(names(&s).last().map(String::as_str), Some("pvc-ddd"), "{s}");

    // Another pane has its own order; coming back finds this one's sort.
    keys(&mut ui, &w, "4");
    assert!(!screen(&w, &ui).contains("by CAP"));
    keys(&mut ui, &w, "3");
    assert!(screen(&w, &ui).contains("by CAP ↑"));

    // The filter first, then the sort.
    keys(&mut ui, &w, "/pvc-\n");
    let s = screen(&w, &ui);
    assert!(!names(&s).contains(&"static-efs".to_string()), "{s}");
    insta::assert_snapshot!("volumes_sorted_by_cap", s);
}

#[test]
fn cycling_past_the_last_column_is_the_panes_own_order_again() {
    let w = rich_world();
    let mut ui = UiState::new(Theme::dark(), false);
    keys(&mut ui, &w, "3");
    let own = names(&screen(&w, &ui));
    // Ten columns, none of them timed.
    keys(&mut ui, &w, &"s".repeat(10));
    assert!(screen(&w, &ui).contains("by NODE ↑"));
    keys(&mut ui, &w, "s");
    let s = screen(&w, &ui);
    let title = s
        .lines()
        .find(|l| l.contains("┌ Volumes"))
        .unwrap_or_default();
    assert!(!title.contains(" by "), "{s}");
    assert_eq!(names(&s), own);
}

#[test]
fn enter_on_a_finding_selects_its_object_in_a_sorted_pane() {
    let w = rich_world();
    let mut ui = UiState::new(Theme::dark(), false);
    keys(&mut ui, &w, "3S");
    // The missing-access-point finding is about pvc-ccc.
    keys(&mut ui, &w, "6G");
    let f = selected(&w, &ui);
    keys(&mut ui, &w, "\n");
    let got = selected(&w, &ui).map(|r| r.name);
    assert_eq!(got.as_deref(), Some("pvc-ccc"), "from {f:?}");
}
