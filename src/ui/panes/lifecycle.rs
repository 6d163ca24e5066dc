//! Every file system, mount target and access point with its AWS lifecycle state; for
//! file systems, what the ACK controller believes and how long the two have disagreed;
//! then the cluster's EBS volumes with their state and the attachment that holds them;
//! below, the state changes stordeck has seen, volume and attachment ones included. A
//! file system more than one ACK object claims gets a row per claimant, so none hides
//! behind the other.

use std::collections::BTreeMap;
use std::rc::Rc;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::access_points::state_tone;
use super::ebs_volumes::{main_attachment, state_tone as ebs_tone, volume_ref};
use super::{Ctx, Stamp, TablePane, render_table};
use crate::model::ebs::EbsVolumeRec;
use crate::model::findings::ack_retains;
use crate::model::input::{AccessPointRec, FileSystemRec, MountTargetRec};
use crate::model::projection::AckFileSystemRow;
use crate::model::table::Cursor;
use crate::model::world::{TransitionKind, ns_lookup};
use crate::model::{SourceId, World};
use crate::ui::format::{clock, duration, opt};
use crate::ui::sanitize::clean;
use crate::ui::state::UiState;
use crate::ui::state::caches::{LifeOrder, Slot};
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub struct Lifecycle;

#[derive(Clone, Copy)]
pub enum LifeRow<'w> {
    Fs(&'w FileSystemRec),
    /// One of several ACK FileSystems claiming the same file system.
    Ack(&'w AckFileSystemRow),
    Mt(&'w MountTargetRec),
    Ap(&'w AccessPointRec),
    Ebs(&'w EbsVolumeRec),
}

/// The width of the column a child's file system, or a volume's attachment, goes in.
const PARENT_WIDTH: usize = 21;

const COLUMNS: &[Column] = &[
    Column::new("KIND", Length(4)),
    Column::new("ID", Length(24)).ident(),
    Column::new("FS / ATTACHMENT", Length(PARENT_WIDTH as u16)),
    Column::new("NAME / AZ", Fill(1)),
    Column::new("AWS STATE", Length(10)),
    Column::new("ACK RESOURCE", Fill(1)).optional(1),
    Column::new("ACK STATE", Length(10)),
    Column::new("SYNCED", Length(7)),
    Column::timed("DRIFT", Length(6)),
];

fn cursors(world: &World) -> [Cursor; 5] {
    [
        world.file_systems.cursor(),
        world.mount_targets.cursor(),
        world.access_points.cursor(),
        world.ack_file_systems.cursor(),
        world.ebs_volumes.cursor(),
    ]
}

fn order(world: &World, ui: &UiState) -> Rc<Vec<Slot>> {
    let at = cursors(world);
    if let Some(o) = ui.life_order.borrow().as_ref().filter(|o| o.at == at) {
        return Rc::clone(&o.slots);
    }
    let slots = Rc::new(slots(world));
    *ui.life_order.borrow_mut() = Some(LifeOrder {
        at,
        slots: Rc::clone(&slots),
    });
    slots
}

/// Each file system followed by its ACK claimants when there are several, its mount
/// targets, then its access points; then the EBS volumes, by id.
fn slots(world: &World) -> Vec<Slot> {
    let rank = |r: usize| r as u32;
    let mut claims: BTreeMap<&str, Vec<Slot>> = BTreeMap::new();
    for (r, ack) in world.ack_file_systems.values().enumerate() {
        if let Some(id) = ack.file_system_id.as_deref() {
            claims.entry(id).or_default().push(Slot::Ack(rank(r)));
        }
    }
    let mut children: BTreeMap<&str, (Vec<Slot>, Vec<Slot>)> = BTreeMap::new();
    for (r, mt) in world.mount_targets.values().enumerate() {
        let fs = children.entry(&mt.file_system_id).or_default();
        fs.0.push(Slot::Mt(rank(r)));
    }
    for (r, ap) in world.access_points.values().enumerate() {
        let fs = children.entry(&ap.file_system_id).or_default();
        fs.1.push(Slot::Ap(rank(r)));
    }
    let mut out = Vec::with_capacity(
        world.file_systems.len()
            + world.mount_targets.len()
            + world.access_points.len()
            + world.ebs_volumes.len(),
    );
    for (r, fs) in world.file_systems.values().enumerate() {
        out.push(Slot::Fs(rank(r)));
        if let Some(acks) = claims.remove(fs.id.as_str()).filter(|a| a.len() > 1) {
            out.extend(acks);
        }
        if let Some((mts, aps)) = children.remove(fs.id.as_str()) {
            out.extend(mts);
            out.extend(aps);
        }
    }
    // Children of a file system AWS no longer lists: shown rather than hidden.
    for (mts, aps) in children.into_values() {
        out.extend(mts);
        out.extend(aps);
    }
    // The table is keyed by volume id, so its order is the id order.
    out.extend((0..world.ebs_volumes.len()).map(|r| Slot::Ebs(rank(r))));
    out
}

/// Transitions shown at most, newest first.
const HISTORY: usize = 6;

/// How long a file system's ACK resource has disagreed with AWS, coloured by how long:
/// a stuck `creating` lasting hours is the known controller bug.
pub fn drift_cell(world: &World, fs_id: &str, now: Timestamp) -> CellText {
    match world.drift_since.get(fs_id) {
        Some(since) => {
            let secs = now.duration_since(*since).as_secs();
            let tone = if secs >= 3_600 {
                Tone::Critical
            } else {
                Tone::Warn
            };
            CellText::new(duration(secs), tone)
        }
        None => CellText::new("-", Tone::Muted),
    }
}

fn synced_tone(s: Option<&str>) -> Tone {
    match s {
        Some("True") => Tone::Ok,
        Some("False") => Tone::Error,
        Some(_) => Tone::Warn,
        None => Tone::Muted,
    }
}

impl TablePane for Lifecycle {
    type Item<'w> = LifeRow<'w>;

    fn id(&self) -> PaneId {
        PaneId::Lifecycle
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[
            SourceId::EfsFileSystems,
            SourceId::EfsMountTargets,
            SourceId::EfsAccessPoints,
            SourceId::AckFileSystems,
            SourceId::Ec2Volumes,
        ]
    }

    fn empty_hint(&self) -> &'static str {
        "No EFS file systems in this account and region, and no EBS volumes of this cluster."
    }

    fn len(&self, world: &World, ui: &UiState) -> usize {
        order(world, ui).len()
    }

    fn item<'w>(&self, world: &'w World, ui: &UiState, i: usize) -> Option<LifeRow<'w>> {
        let slot = *order(world, ui).get(i)?;
        let at = |r: u32| r as usize;
        Some(match slot {
            Slot::Fs(r) => LifeRow::Fs(world.file_systems.get_index(at(r))?.1),
            Slot::Ack(r) => LifeRow::Ack(world.ack_file_systems.get_index(at(r))?.1),
            Slot::Mt(r) => LifeRow::Mt(world.mount_targets.get_index(at(r))?.1),
            Slot::Ap(r) => LifeRow::Ap(world.access_points.get_index(at(r))?.1),
            Slot::Ebs(r) => LifeRow::Ebs(world.ebs_volumes.get_index(at(r))?.1),
        })
    }

    fn position(&self, world: &World, ui: &UiState, target: &ObjectRef) -> Option<usize> {
        let name = target.name.as_str();
        let slot = match target.kind {
            ObjectKind::FileSystem => Slot::Fs(world.file_systems.rank(name)? as u32),
            ObjectKind::MountTarget => Slot::Mt(world.mount_targets.rank(name)? as u32),
            ObjectKind::AccessPoint => Slot::Ap(world.access_points.rank(name)? as u32),
            ObjectKind::AckFileSystem => {
                let key = ns_lookup(
                    target.namespace.as_deref().unwrap_or_default(),
                    &target.name,
                )?;
                Slot::Ack(world.ack_file_systems.rank(&key)? as u32)
            }
            ObjectKind::EbsVolume => Slot::Ebs(world.ebs_volumes.rank(name)? as u32),
            _ => return None,
        };
        order(world, ui).iter().position(|s| *s == slot)
    }

    /// Its rows read these five tables and nothing else (DRIFT ticks, so no filter
    /// reads it; a volume's row reads only its own record).
    fn stamp(&self, world: &World) -> Stamp {
        Stamp::Tables(cursors(world).to_vec(), 0)
    }

    fn cells(&self, world: &World, row: LifeRow<'_>, now: Timestamp) -> Vec<CellText> {
        let state = |s: &str| CellText::new(s, state_tone(s));
        let none = || CellText::new("", Tone::Muted);
        match row {
            LifeRow::Fs(fs) => {
                let claimants = world.acks_for_file_system(&fs.id).count();
                if claimants > 1 {
                    return claimed_fs_cells(world, fs, claimants, now);
                }
                let ack = world.ack_for_file_system(&fs.id);
                let ack_state = ack.and_then(|a| a.life_cycle_state.as_deref());
                let differs = ack.is_some() && ack_state != Some(fs.life_cycle_state.as_str());
                vec![
                    CellText::new("fs", Tone::Accent),
                    fs.id.clone().into(),
                    none(),
                    opt(fs.name.as_deref()).into(),
                    state(&fs.life_cycle_state),
                    ack.map_or_else(
                        || CellText::new("none", Tone::Muted),
                        |a| format!("{}/{}", opt(a.meta.namespace.as_deref()), a.meta.name).into(),
                    ),
                    CellText::new(
                        opt(ack_state),
                        if differs {
                            Tone::Warn
                        } else {
                            state_tone(opt(ack_state))
                        },
                    ),
                    CellText::new(
                        opt(ack.and_then(|a| a.synced.as_deref())),
                        synced_tone(ack.and_then(|a| a.synced.as_deref())),
                    ),
                    drift_cell(world, &fs.id, now),
                ]
            }
            LifeRow::Ack(ack) => claimant_cells(ack),
            LifeRow::Mt(mt) => vec![
                CellText::new("mt", Tone::Muted),
                format!(" {}", mt.id).into(),
                CellText::new(mt.file_system_id.clone(), Tone::Muted),
                opt(mt.availability_zone.as_deref()).into(),
                state(&mt.life_cycle_state),
                none(),
                none(),
                none(),
                none(),
            ],
            LifeRow::Ap(ap) => vec![
                CellText::new("ap", Tone::Muted),
                format!(" {}", ap.id).into(),
                CellText::new(ap.file_system_id, Tone::Muted),
                opt(ap.name.as_deref()).into(),
                state(&ap.life_cycle_state),
                none(),
                none(),
                none(),
                none(),
            ],
            LifeRow::Ebs(v) => vec![
                CellText::new("EBS", Tone::Accent),
                v.id.to_string().into(),
                attachment_cell(v),
                v.zone.to_string().into(),
                CellText::new(v.state.to_string(), ebs_tone(&v.state)),
                none(),
                none(),
                none(),
                none(),
            ],
        }
    }

    fn object_ref(&self, row: LifeRow<'_>) -> Option<ObjectRef> {
        Some(match row {
            LifeRow::Fs(fs) => ObjectRef::cluster(ObjectKind::FileSystem, &fs.id),
            LifeRow::Ack(ack) => ObjectRef {
                kind: ObjectKind::AckFileSystem,
                namespace: ack.meta.namespace.map(String::from),
                name: ack.meta.name.to_string(),
            },
            LifeRow::Mt(mt) => ObjectRef::cluster(ObjectKind::MountTarget, &mt.id),
            LifeRow::Ap(ap) => ObjectRef::cluster(ObjectKind::AccessPoint, ap.id.as_str()),
            LifeRow::Ebs(v) => volume_ref(v),
        })
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
        let shown = cx.world.transitions.len().min(HISTORY);
        let height = shown.max(1) as u16 + 2;
        let [table, history] = Layout::vertical([Fill(1), Length(height)]).areas(area);
        render_table(self, frame, table, cx);
        render_history(frame, history, cx, shown);
    }
}

/// The attachment that holds the volume (else its first), as `instance state`, with how
/// many more hold it (multi-attach). The state is what matters in a transition, so the
/// instance id gives way to it when the column is too narrow for both.
pub(super) fn attachment_cell(v: &EbsVolumeRec) -> CellText {
    let Some(a) = main_attachment(v) else {
        return CellText::new("-", Tone::Muted);
    };
    let more = match v.holders().count() {
        n if n > 1 => format!(" +{}", n - 1),
        _ => String::new(),
    };
    let tail = format!(" {}{more}", a.state);
    let room = PARENT_WIDTH.saturating_sub(tail.chars().count());
    let instance = if a.instance_id.chars().count() <= room {
        a.instance_id.to_string()
    } else {
        let keep: String = a.instance_id.chars().take(room.saturating_sub(1)).collect();
        format!("{keep}…")
    };
    CellText::new(format!("{instance}{tail}"), ebs_tone(&a.state))
}

/// A file system several ACK objects claim: how many, in the ACK column; their states are
/// on their own rows below.
fn claimed_fs_cells(world: &World, fs: &FileSystemRec, n: usize, now: Timestamp) -> Vec<CellText> {
    vec![
        CellText::new("fs", Tone::Accent),
        fs.id.clone().into(),
        CellText::new("", Tone::Muted),
        opt(fs.name.as_deref()).into(),
        CellText::new(
            fs.life_cycle_state.clone(),
            state_tone(&fs.life_cycle_state),
        ),
        CellText::new(format!("{n} claim it"), Tone::Critical),
        CellText::new("", Tone::Muted),
        CellText::new("", Tone::Muted),
        drift_cell(world, &fs.id, now),
    ]
}

/// One claimant: its name where a child's id goes, and what deleting it does to the file
/// system (ACK deletes unless the object says retain; see `ack-duplicate`).
fn claimant_cells(ack: &AckFileSystemRow) -> Vec<CellText> {
    let state = ack.life_cycle_state.as_deref();
    vec![
        CellText::new("ack", Tone::Muted),
        format!(" {}/{}", opt(ack.meta.namespace.as_deref()), ack.meta.name).into(),
        CellText::new(opt(ack.file_system_id.as_deref()), Tone::Muted),
        CellText::new("", Tone::Muted),
        CellText::new("", Tone::Muted),
        if ack_retains(ack) {
            CellText::new("retains fs", Tone::Ok)
        } else {
            CellText::new("deletes fs", Tone::Critical)
        },
        CellText::new(opt(state), state_tone(opt(state))),
        CellText::new(
            opt(ack.synced.as_deref()),
            synced_tone(ack.synced.as_deref()),
        ),
        CellText::new("", Tone::Muted),
    ]
}

fn render_history(frame: &mut Frame, area: Rect, cx: &Ctx<'_>, shown: usize) {
    let t = &cx.ui.theme;
    let muted = Style::new().fg(t.muted);
    let mut lines: Vec<Line<'_>> = cx
        .world
        .transitions
        .iter()
        .rev()
        .take(shown)
        .map(|tr| {
            let (kind, object) = (tr.kind.label(), tr.object.as_str());
            let tone = if matches!(
                tr.kind,
                TransitionKind::EbsVolume | TransitionKind::EbsAttachment
            ) {
                ebs_tone(&tr.to)
            } else {
                state_tone(&tr.to)
            };
            Line::from(vec![
                Span::styled(format!(" {}  ", clock(tr.at, &cx.ui.time_zone)), muted),
                Span::styled(format!("{kind:<10} "), muted),
                // Padded as before, and never run into the state when longer (an attachment).
                Span::styled(format!("{:<27} ", clean(object)), Style::new().fg(t.fg)),
                Span::styled(clean(opt(tr.from.as_deref())), muted),
                Span::styled(" → ", muted),
                Span::styled(clean(&tr.to), tone.style(t)),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(
            " No lifecycle changes seen since stordeck started.",
            muted,
        ));
    }
    let block = Block::bordered()
        .title(Line::styled(" Recent transitions ", t.title()))
        .border_style(t.border());
    frame.render_widget(Paragraph::new(lines).block(block).style(t.base()), area);
}
