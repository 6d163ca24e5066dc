//! PersistentVolumes with what they join to: claim, class, driver, the EFS access point
//! their handle names (or that it is gone) and the node they are attached to.

use jiff::Timestamp;
use ratatui::layout::Constraint::{Fill, Length};

use std::rc::Rc;

use super::{Shown, TablePane};
use crate::model::findings::{Findings, Kind, MISSING_ACCESS_POINT};
use crate::model::projection::PvRow;
use crate::model::{HealthState, SourceId, World};
use crate::ui::format::{access_modes, opt};
use crate::ui::state::UiState;
use crate::ui::widgets::badge::CHECKING_MARK;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub struct Volumes<'f>(pub &'f Findings);

const COLUMNS: &[Column] = &[
    Column::new("NAME", Fill(3)).ident(),
    Column::new("CAP", Length(6)).optional(4),
    Column::new("MODES", Length(5)).optional(6),
    Column::new("RECLAIM", Length(7)).optional(5),
    Column::new("PHASE", Length(9)),
    Column::new("CLAIM", Fill(3)).ident(),
    Column::new("CLASS", Length(9)).optional(3),
    Column::new("DRIVER", Length(15)).optional(2),
    Column::new("ACCESS POINT", Length(24)).ident().optional(1),
    Column::new("NODE", Fill(2)),
];

/// Whether EFS has answered for access points, so a missing one is known to be gone
/// rather than not yet listed.
pub fn access_points_synced(world: &World) -> bool {
    matches!(
        world
            .health
            .get(&SourceId::EfsAccessPoints)
            .map(|h| &h.state),
        Some(HealthState::Live | HealthState::Stale { .. })
    )
}

/// The access point a PV's handle names: its id; "gone" only once the finding is
/// confirmed; marked `…` while a targeted read settles it; muted while EFS has not
/// listed it since the PV appeared (a fresh PV's access point is only unconfirmed).
pub fn access_point_cell(world: &World, findings: &Findings, pv: &PvRow) -> CellText {
    let Some(id) = pv.efs.as_ref().and_then(|h| h.access_point_id.as_deref()) else {
        return CellText::new("-", Tone::Muted);
    };
    let name = &pv.meta.name;
    if world.access_point_for_pv(pv).is_some() {
        CellText::from(id)
    } else if findings
        .naming(Kind::PersistentVolume, None, name)
        .any(|f| f.id == MISSING_ACCESS_POINT)
    {
        CellText::new(format!("gone {id}"), Tone::Error)
    } else if findings
        .checking_for(Kind::PersistentVolume, None, name)
        .is_some()
    {
        CellText::new(format!("{CHECKING_MARK} {id}"), Tone::Info)
    } else {
        CellText::new(id, Tone::Muted)
    }
}

pub fn phase_tone(phase: Option<&str>) -> Tone {
    match phase {
        Some("Bound") => Tone::Ok,
        Some("Available") => Tone::Info,
        Some("Released") => Tone::Warn,
        Some("Failed") => Tone::Error,
        _ => Tone::Muted,
    }
}

impl TablePane for Volumes<'_> {
    type Item<'w> = &'w PvRow;

    fn id(&self) -> PaneId {
        PaneId::Volumes
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[SourceId::Pvs]
    }

    fn empty_hint(&self) -> &'static str {
        "No PersistentVolumes. Create a PVC with an EFS or EBS StorageClass to provision one."
    }

    fn len(&self, world: &World, _: &UiState) -> usize {
        world.pvs.len()
    }

    fn item<'w>(&self, world: &'w World, _: &UiState, i: usize) -> Option<&'w PvRow> {
        world.pvs.get_index(i).map(|(_, pv)| pv)
    }

    fn position(&self, world: &World, _: &UiState, target: &ObjectRef) -> Option<usize> {
        (target.kind == ObjectKind::Pv)
            .then(|| world.pvs.rank(target.name.as_str()))
            .flatten()
    }

    fn matches(&self, world: &World, ui: &UiState, filter: &str) -> Rc<Shown> {
        super::volumes_filter::matches(self, world, ui, filter)
    }

    fn key_position(&self, world: &World, key: &str) -> Option<usize> {
        world.pvs.rank(key)
    }

    fn cells(&self, world: &World, pv: &PvRow, _now: Timestamp) -> Vec<CellText> {
        let claim = pv
            .claim
            .as_ref()
            .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}"));
        let node = match world.attachment_for_pv(&pv.meta.name) {
            Some(va) if va.attached => CellText::from(va.node.clone()),
            Some(va) => CellText::new(format!("{} (detached)", va.node), Tone::Muted),
            None => CellText::new("-", Tone::Muted),
        };
        vec![
            pv.meta.name.clone().into(),
            opt(pv.capacity.as_deref()).into(),
            access_modes(pv.access_modes.iter()).into(),
            opt(pv.reclaim_policy.as_deref()).into(),
            CellText::new(opt(pv.phase.as_deref()), phase_tone(pv.phase.as_deref())),
            claim.into(),
            opt(pv.storage_class.as_deref()).into(),
            opt(pv.driver.as_deref()).into(),
            access_point_cell(world, self.0, pv),
            node,
        ]
    }

    fn cell_text(&self, world: &World, pv: &PvRow, column: usize, now: Timestamp) -> String {
        let text = |v: Option<&str>| opt(v).to_string();
        match column {
            0 => pv.meta.name.to_string(),
            1 => text(pv.capacity.as_deref()),
            3 => text(pv.reclaim_policy.as_deref()),
            4 => text(pv.phase.as_deref()),
            5 => pv
                .claim
                .as_ref()
                .map_or_else(|| "-".to_string(), |(ns, n)| format!("{ns}/{n}")),
            6 => text(pv.storage_class.as_deref()),
            7 => text(pv.driver.as_deref()),
            // The rest need the joins `cells` makes.
            _ => self
                .cells(world, pv, now)
                .into_iter()
                .nth(column)
                .map(|c| c.text)
                .unwrap_or_default(),
        }
    }

    fn object_ref(&self, pv: &PvRow) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::Pv, &pv.meta.name))
    }
}
