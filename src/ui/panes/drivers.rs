//! CSI drivers: what each is, who created it (an EKS add-on, Helm, or it was already there)
//! and whether its node DaemonSet is ready — the evidence for "preserve or lose the
//! CSIDriver".

use jiff::Timestamp;
use ratatui::layout::Constraint::{Fill, Length};

use super::TablePane;
use crate::model::input::AddonRec;
use crate::model::projection::{CsiDriverRow, Meta};
use crate::model::{SourceId, World};
use crate::ui::format::{age, opt};
use crate::ui::state::UiState;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub struct Drivers;

const COLUMNS: &[Column] = &[
    Column::new("NAME", Fill(1)),
    Column::new("ATTACH", Length(6)),
    Column::new("FSGROUP", Length(13)),
    Column::timed("AGE", Length(5)),
    Column::new("CREATED BY", Length(40)),
    Column::new("MANAGERS", Fill(1)),
    Column::new("NODE DS", Length(7)),
    Column::new("PVS", Length(5)),
];

/// fsGroupPolicy, with its one long value in the RWO short form the volumes pane uses.
fn fs_group_policy(p: Option<&str>) -> &str {
    match p {
        Some("ReadWriteOnceWithFSType") => "RWOWithFSType",
        other => opt(other),
    }
}

/// The add-on whose objects include `kind`/`name`, if any.
pub fn managing_addon<'w>(world: &'w World, kind: &str, name: &str) -> Option<&'w AddonRec> {
    world.addons.values().find(|a| {
        world
            .addon_objects(&a.name)
            .iter()
            .any(|o| o.kind == kind && o.meta.name == name)
    })
}

/// Who created a CSIDriver, and how much that should worry the reader. A driver older
/// than the add-on that now claims it was there first: deleting that add-on without
/// `preserve` takes the driver with it.
pub fn created_by(world: &World, meta: &Meta) -> CellText {
    if let Some(addon) = managing_addon(world, "CSIDriver", &meta.name) {
        let older = matches!((meta.created.get(), addon.created_at), (Some(d), Some(a)) if d < a);
        return if older {
            CellText::new(format!("pre-existing; add-on {}", addon.name), Tone::Warn)
        } else {
            CellText::new(format!("add-on {}", addon.name), Tone::Info)
        };
    }
    if meta.label("app.kubernetes.io/managed-by") == Some("Helm") {
        return match meta.annotations.get("meta.helm.sh/release-name") {
            Some(release) => CellText::from(format!("Helm {release}")),
            None => CellText::from("Helm (label only)"),
        };
    }
    CellText::new("pre-existing", Tone::Muted)
}

impl TablePane for Drivers {
    type Item<'w> = &'w CsiDriverRow;

    fn id(&self) -> PaneId {
        PaneId::Drivers
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[SourceId::CsiDrivers]
    }

    fn empty_hint(&self) -> &'static str {
        "No CSIDriver objects. Install a CSI driver (e.g. the aws-efs-csi-driver add-on) to provision volumes."
    }

    fn len(&self, world: &World, _: &UiState) -> usize {
        world.csi_drivers.len()
    }

    fn item<'w>(&self, world: &'w World, _: &UiState, i: usize) -> Option<&'w CsiDriverRow> {
        world.csi_drivers.get_index(i).map(|(_, v)| v)
    }

    fn cells(&self, world: &World, d: &CsiDriverRow, now: Timestamp) -> Vec<CellText> {
        let attach = match d.attach_required {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        let ds = match world.node_daemonset_for_driver(&d.meta.name) {
            Some(ds) => {
                let tone = if ds.desired > 0 && ds.ready >= ds.desired {
                    Tone::Ok
                } else {
                    Tone::Warn
                };
                CellText::new(format!("{}/{}", ds.ready, ds.desired), tone)
            }
            None => CellText::new("-", Tone::Muted),
        };
        vec![
            d.meta.name.clone().into(),
            attach.into(),
            fs_group_policy(d.fs_group_policy.as_deref()).into(),
            age(d.meta.created.get(), now).into(),
            created_by(world, &d.meta),
            CellText::new(d.meta.managers.join(","), Tone::Muted),
            ds,
            world.pvs_for_driver(&d.meta.name).to_string().into(),
        ]
    }

    fn object_ref(&self, d: &CsiDriverRow) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::CsiDriver, &d.meta.name))
    }
}
