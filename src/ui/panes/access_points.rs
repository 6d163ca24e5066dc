//! EFS access points per file system, each with the PV that uses it, marked as an orphan,
//! or as "not CSI" when another consumer made it, under a gauge per file system of access
//! points against the quota.

use std::collections::BTreeMap;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::volumes::access_points_synced;
use super::{Ctx, TablePane, render_table};
use crate::model::input::AccessPointRec;
use crate::model::{HealthState, SourceId, World};
use crate::ui::format::opt;
use crate::ui::widgets::gauge::render_quota;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

/// EFS's default limit of access points per file system.
pub const ACCESS_POINT_QUOTA: usize = 10_000;
/// Gauges shown at most; the fullest file systems come first.
const MAX_GAUGES: usize = 3;

/// The PV cell of an access point another consumer made.
pub const NOT_CSI: &str = "not CSI";

pub struct AccessPoints;

const COLUMNS: &[Column] = &[
    Column::new("FILE SYSTEM", Length(21)),
    Column::new("ACCESS POINT", Length(22)),
    Column::new("NAME", Fill(1)),
    Column::new("ROOT PATH", Fill(2)),
    Column::new("UID", Length(6)),
    Column::new("GID", Length(6)),
    Column::new("STATE", Length(9)),
    Column::new("PV", Fill(2)),
];

pub fn state_tone(state: &str) -> Tone {
    match state {
        "available" => Tone::Ok,
        "creating" | "updating" => Tone::Info,
        "deleting" | "deleted" => Tone::Warn,
        "error" => Tone::Error,
        _ => Tone::Normal,
    }
}

fn pvs_synced(world: &World) -> bool {
    matches!(
        world.health.get(&SourceId::Pvs).map(|h| &h.state),
        Some(HealthState::Live | HealthState::Stale { .. })
    )
}

/// The PV bound to an access point; "not CSI" (muted) when no PV uses it and the EFS CSI
/// driver did not make it, which is normal on a shared file system; "orphan" when no PV
/// uses one the driver made; or "?" while the PVs are not known yet (calling everything
/// an orphan then would be a false alarm).
pub fn bound_pv_cell(world: &World, ap: &AccessPointRec) -> CellText {
    match world.pv_for_access_point(ap) {
        Some(pv) => CellText::from(pv.meta.name.clone()),
        None if !ap.made_by_csi_driver() => CellText::new(NOT_CSI, Tone::Muted),
        None if pvs_synced(world) => CellText::new("orphan", Tone::Warn),
        None => CellText::new("?", Tone::Muted),
    }
}

/// Access points per file system id, fullest first, file systems without any included.
pub fn usage(world: &World) -> Vec<(String, usize)> {
    let mut per_fs: BTreeMap<&str, usize> = world
        .file_systems
        .values()
        .map(|f| (f.id.as_str(), 0))
        .collect();
    for ap in world.access_points.values() {
        *per_fs.entry(ap.file_system_id.as_str()).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = per_fs
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn render_gauges(frame: &mut Frame, area: Rect, cx: &Ctx<'_>, usage: &[(String, usize)]) {
    let t = &cx.ui.theme;
    let rows = Layout::vertical(vec![Length(1); usize::from(area.height)]).split(area);
    for (row, (fs, used)) in rows.iter().zip(usage.iter().take(MAX_GAUGES)) {
        let name = cx
            .world
            .file_systems
            .get(fs)
            .and_then(|f| f.name.as_deref());
        let label = match name {
            Some(n) => format!("{fs} {n}"),
            None => fs.clone(),
        };
        let inner = Rect {
            x: row.x + 1,
            width: row.width.saturating_sub(2),
            ..*row
        };
        render_quota(
            inner,
            frame.buffer_mut(),
            &label,
            *used,
            ACCESS_POINT_QUOTA,
            t,
        );
    }
    if usage.len() > MAX_GAUGES
        && let Some(last) = rows.last()
    {
        let more = format!(
            " +{} more file systems (fullest shown)",
            usage.len() - MAX_GAUGES
        );
        frame.render_widget(
            Paragraph::new(Line::styled(more, Tone::Muted.style(t))),
            *last,
        );
    }
}

impl TablePane for AccessPoints {
    type Item<'w> = &'w AccessPointRec;

    fn id(&self) -> PaneId {
        PaneId::AccessPoints
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[SourceId::EfsFileSystems, SourceId::EfsAccessPoints]
    }

    fn empty_hint(&self) -> &'static str {
        "No EFS access points. Dynamic provisioning (StorageClass provisioningMode: efs-ap) creates one per PV."
    }

    fn items<'w>(&self, world: &'w World) -> Vec<Self::Item<'w>> {
        let mut v: Vec<&AccessPointRec> = world.access_points.values().collect();
        v.sort_by(|a, b| (&a.file_system_id, &a.id).cmp(&(&b.file_system_id, &b.id)));
        v
    }

    fn cells(&self, world: &World, ap: &AccessPointRec, _now: Timestamp) -> Vec<CellText> {
        let num = |n: Option<i64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        vec![
            CellText::new(ap.file_system_id.clone(), Tone::Muted),
            ap.id.clone().into(),
            opt(ap.name.as_deref()).into(),
            opt(ap.root_path.as_deref()).into(),
            num(ap.uid).into(),
            num(ap.gid).into(),
            CellText::new(
                ap.life_cycle_state.clone(),
                state_tone(&ap.life_cycle_state),
            ),
            bound_pv_cell(world, ap),
        ]
    }

    fn object_ref(&self, ap: &AccessPointRec) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::AccessPoint, &ap.id))
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx<'_>) {
        // Counts from an access point list EFS has not given us would read as "0 used".
        let usage = if access_points_synced(cx.world) {
            usage(cx.world)
        } else {
            Vec::new()
        };
        let lines = usage.len().min(MAX_GAUGES + 1) as u16;
        let [gauges, table] = Layout::vertical([Length(lines), Fill(1)]).areas(area);
        render_gauges(frame, gauges, cx, &usage);
        render_table(self, frame, table, cx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::input::Health;
    use crate::model::{AwsMsg, SourceMsg};

    fn ap(id: &str, token: &str, tags: &[(&str, &str)]) -> AccessPointRec {
        AccessPointRec {
            id: id.into(),
            arn: None,
            file_system_id: "fs-1".into(),
            client_token: Some(token.into()),
            name: None,
            root_path: None,
            uid: None,
            gid: None,
            life_cycle_state: "available".into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn only_the_csi_drivers_unused_access_points_read_as_orphans() {
        let now = Timestamp::UNIX_EPOCH;
        let mut w = World::default();
        let csi = ap("fsap-1", "pvc-gone", &[("efs.csi.aws.com/cluster", "true")]);
        let lambda = ap("fsap-2", "lambda-thumbnailer-3", &[]);
        let items = vec![csi.clone(), lambda.clone()];
        let msg = AwsMsg::AccessPoints {
            file_system_id: "fs-1".into(),
            items,
            started: jiff::Timestamp::UNIX_EPOCH,
        };
        w.apply(SourceMsg::Aws(msg), now);
        let cell = |w: &World, ap: &AccessPointRec| {
            let c = bound_pv_cell(w, ap);
            (c.text, c.tone)
        };
        assert_eq!(cell(&w, &csi), ("?".into(), Tone::Muted));
        assert_eq!(cell(&w, &lambda), (NOT_CSI.into(), Tone::Muted));
        let live = Health {
            source: SourceId::Pvs,
            state: HealthState::Live,
            at: now,
        };
        w.apply(SourceMsg::Health(live), now);
        assert_eq!(cell(&w, &csi), ("orphan".into(), Tone::Warn));
        assert_eq!(cell(&w, &lambda), (NOT_CSI.into(), Tone::Muted));
    }
}
