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
    fn len(&self, _: &World, _: &UiState) -> usize {
        100_000
    }
    fn item(&self, _: &World, _: &UiState, i: usize) -> Option<usize> {
        (i < 100_000).then_some(i)
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

/// The Volumes filter follows the tables' change logs; after every kind of change it
/// must show exactly what matching every row afresh shows.
#[test]
fn volumes_filter_kept_incrementally_equals_a_fresh_match() {
    use crate::model::findings::testkit::{attachment, delete_pv, pv};
    use volumes::Volumes;

    let findings = Findings::default();
    let p = Volumes(&findings);
    let keys = |shown: &Shown| -> Vec<String> {
        match shown {
            Shown::Keys(k) => k.iter().map(|(k, _)| k.to_string()).collect(),
            Shown::Positions(v) => v.iter().map(|i| format!("#{i}")).collect(),
        }
    };
    let fresh = |world: &World, filter: &str| {
        keys(&p.matches(world, &UiState::new(Theme::dark(), false), filter))
    };

    let mut world = World::default();
    for i in 0..40 {
        let ap = if i % 4 == 0 { "fsap-hot" } else { "fsap-" };
        pv(
            &mut world,
            &format!("pv-{i:02}"),
            "efs.csi.aws.com",
            &format!("fs-a::{ap}{i}"),
            "Bound",
        );
    }
    let ui = UiState::new(Theme::dark(), false);
    let check = |world: &World, filter: &str, what: &str| {
        assert_eq!(
            keys(&p.matches(world, &ui, filter)),
            fresh(world, filter),
            "{what}"
        );
    };
    check(&world, "fsap-", "first scan");
    check(&world, "fsap-hot", "the filter grew");
    assert_eq!(keys(&p.matches(&world, &ui, "fsap-hot")).len(), 10);

    pv(
        &mut world,
        "pv-new",
        "efs.csi.aws.com",
        "fs-a::fsap-hotnew",
        "Bound",
    );
    check(&world, "fsap-hot", "a matching PV added");
    pv(
        &mut world,
        "pv-00",
        "efs.csi.aws.com",
        "fs-a::fsap-0",
        "Bound",
    );
    check(&world, "fsap-hot", "a PV changed so it no longer matches");
    delete_pv(&mut world, "pv-04");
    check(&world, "fsap-hot", "a matching PV deleted");

    // NODE comes from the VolumeAttachment, a table of its own.
    check(&world, "node-x", "a filter on a column another table feeds");
    attachment(&mut world, "csi-1", "efs.csi.aws.com", "node-x", "pv-01");
    check(&world, "node-x", "an attachment added");
    assert_eq!(keys(&p.matches(&world, &ui, "node-x")), ["pv-01"]);
}

fn ebs_volume(attachments: &[(&str, &str)]) -> crate::model::ebs::EbsVolumeRec {
    use crate::model::intern::Sym;
    crate::model::ebs::EbsVolumeRec {
        id: "vol-0123456789abcdef0".into(),
        size_gib: 10,
        volume_type: Sym::new("gp3"),
        iops: None,
        throughput: None,
        zone: Sym::new("us-east-1a"),
        state: Sym::new("in-use"),
        created: None,
        attachments: attachments
            .iter()
            .map(|(i, s)| crate::model::ebs::EbsAttachment {
                instance_id: (*i).into(),
                device: None,
                state: Sym::new(s),
                since: None,
            })
            .collect(),
        cluster_tagged: true,
        pv_tag: None,
        claim_tag: None,
    }
}

#[test]
fn a_lifecycle_volume_keeps_its_attachment_state_whole_and_shortens_the_instance() {
    let cell = |a: &[(&str, &str)]| lifecycle::attachment_cell(&ebs_volume(a));
    assert_eq!(cell(&[]).text, "-");
    assert_eq!(cell(&[("i-0abc", "attached")]).text, "i-0abc attached");
    let long = cell(&[("i-0123456789abcdef0", "detaching")]);
    assert_eq!(long.text, "i-01234567… detaching");
    assert_eq!(long.text.chars().count(), 21, "the column's width");
    assert_eq!(long.tone, Tone::Warn);
    // A detached attachment gives way to the one that holds the volume; others are counted.
    let multi = cell(&[
        ("i-0old", "detached"),
        ("i-0123456789abcdef0", "attached"),
        ("i-0other", "attaching"),
    ]);
    assert_eq!(multi.text, "i-012345… attached +1");
    assert_eq!(multi.text.chars().count(), 21);
}
