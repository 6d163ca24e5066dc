use std::cell::Cell;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::ui::{ObjectKind, Theme};

/// A pane of 100,000 numbered rows that counts how many it was asked to format.
struct Counting(Cell<usize>);

const COLS: &[Column] = &[Column::new("N", ratatui::layout::Constraint::Fill(1))];

impl TablePane for Counting {
    type Item<'w> = usize;
    fn id(&self) -> PaneId {
        PaneId::Volumes
    }
    fn columns(&self) -> &'static [Column] {
        COLS
    }
    fn sources(&self) -> &'static [SourceId] {
        &[]
    }
    fn empty_hint(&self) -> &'static str {
        ""
    }
    fn items(&self, _: &World) -> Vec<usize> {
        (0..100_000).collect()
    }
    fn cells(&self, _: &World, i: usize, _: Timestamp) -> Vec<CellText> {
        self.0.set(self.0.get() + 1);
        vec![CellText::from(format!("row {i}"))]
    }
    fn object_ref(&self, i: usize) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::Pv, i.to_string()))
    }
}

#[test]
fn a_100k_row_pane_formats_only_the_visible_rows() {
    let world = World::default();
    let mut ui = UiState::new(Theme::dark(), false);
    ui.pane = PaneId::Volumes;
    ui.nav_mut().selected = 77_777;
    let pane = Counting(Cell::new(0));
    let mut term = Terminal::new(TestBackend::new(60, 22)).expect("terminal");
    let now = Timestamp::UNIX_EPOCH;
    term.draw(|f| {
        let cx = Ctx {
            world: &world,
            findings: &Findings::default(),
            ui: &ui,
            now,
        };
        render_table(&pane, f, f.area(), &cx);
    })
    .expect("draw");
    // 22 lines: two borders and a header leave 19 rows.
    assert_eq!(pane.0.get(), 19);
    assert_eq!(ui.viewport.get(), 19);
    let screen = format!("{}", term.backend());
    // After the (empty) badge column.
    assert!(screen.contains("›  row 77777"), "{screen}");

    // A filter has to look at every row once, then never again for the same world.
    ui.nav_mut().filter = "row 7777".into();
    ui.nav_mut().selected = 0;
    pane.0.set(0);
    for _ in 0..2 {
        term.draw(|f| {
            let cx = Ctx {
                world: &world,
                findings: &Findings::default(),
                ui: &ui,
                now,
            };
            render_table(&pane, f, f.area(), &cx);
        })
        .expect("draw");
    }
    assert_eq!(
        pane.0.get(),
        100_000 + 11 + 11,
        "one scan, then 11 matches drawn twice"
    );
}

#[test]
fn folded_contains() {
    assert!(contains_folded("PVC-0aB", "c-0ab"));
    assert!(!contains_folded("pvc", "pvcc"));
    assert!(contains_folded("ÄRGER-x", "ärger"));
    assert!(contains_folded("x", ""));
}
