//! EFS access points per file system, each with the PV that uses it or why none does
//! (provisioning, being checked, a confirmed orphan, or "not CSI" when another consumer
//! made it), under a gauge per file system of access points against the quota.

use std::collections::BTreeMap;
use std::rc::Rc;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::volumes::access_points_synced;
use super::{Ctx, Stamp, TablePane, digest, render_table};
use crate::model::findings::{Findings, Kind, ORPHAN_ACCESS_POINT, claim_uid};
use crate::model::input::AccessPointRec;
use crate::model::{HealthState, SourceId, World};
use crate::ui::format::opt;
use crate::ui::state::UiState;
use crate::ui::state::caches::ApOrder;
use crate::ui::widgets::badge::CHECKING_MARK;
use crate::ui::widgets::gauge::render_quota;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

/// EFS's default limit of access points per file system.
pub const ACCESS_POINT_QUOTA: usize = 10_000;
/// Gauges shown at most; the fullest file systems come first.
const MAX_GAUGES: usize = 3;

/// The PV cell of an access point another consumer made.
pub const NOT_CSI: &str = "not CSI";

pub struct AccessPoints<'f>(pub &'f Findings);

const COLUMNS: &[Column] = &[
    Column::new("FILE SYSTEM", Length(21)).ident(),
    Column::new("ACCESS POINT", Length(22)).ident(),
    Column::new("NAME", Fill(1)).optional(3),
    Column::new("ROOT PATH", Fill(2)).optional(1),
    Column::new("UID", Length(6)).optional(2),
    Column::new("GID", Length(6)).optional(2),
    Column::new("STATE", Length(9)),
    Column::new("PV", Fill(2)).ident(),
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

/// The PV bound to an access point, or why none is. "orphan" only once the finding is
/// confirmed; "… checking" while a rule confirms it, or "provisioning" while its claim exists without a PV yet. "not CSI" (muted) when
/// another consumer made it, which is normal on a shared file system; "?" while the
/// PVs are not known yet.
pub fn bound_pv_cell(world: &World, findings: &Findings, ap: &AccessPointRec) -> CellText {
    if let Some(pv) = world.pv_for_access_point(ap) {
        return CellText::from(pv.meta.name.clone());
    }
    if !ap.made_by_csi_driver() {
        return CellText::new(NOT_CSI, Tone::Muted);
    }
    if !pvs_synced(world) {
        return CellText::new("?", Tone::Muted);
    }
    let claimed = ap
        .client_token
        .as_deref()
        .and_then(claim_uid)
        .and_then(|u| world.pvc_by_uid(u))
        .is_some();
    if claimed || ap.life_cycle_state == "creating" {
        return CellText::new("provisioning", Tone::Info);
    }
    if findings
        .naming(Kind::AccessPoint, None, &ap.id)
        .any(|f| f.id == ORPHAN_ACCESS_POINT)
    {
        return CellText::new("orphan", Tone::Warn);
    }
    // Why is in the detail view; the cell is too narrow to say it.
    match findings.checking_for(Kind::AccessPoint, None, &ap.id) {
        Some(_) => CellText::new(format!("{CHECKING_MARK} checking"), Tone::Info),
        None => CellText::new("-", Tone::Muted),
    }
}

fn order(world: &World, ui: &UiState) -> Rc<Vec<u32>> {
    let at = world.access_points.cursor();
    if let Some(o) = ui.ap_order.borrow().as_ref().filter(|o| o.at == at) {
        return Rc::clone(&o.ranks);
    }
    let mut by_fs: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (rank, ap) in world.access_points.values().enumerate() {
        by_fs
            .entry(&ap.file_system_id)
            .or_default()
            .push(rank as u32);
    }
    let ranks = Rc::new(by_fs.into_values().flatten().collect::<Vec<u32>>());
    *ui.ap_order.borrow_mut() = Some(ApOrder {
        at,
        ranks: Rc::clone(&ranks),
    });
    ranks
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

impl TablePane for AccessPoints<'_> {
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

    fn len(&self, world: &World, _: &UiState) -> usize {
        world.access_points.len()
    }

    fn item<'w>(&self, world: &'w World, ui: &UiState, i: usize) -> Option<&'w AccessPointRec> {
        let rank = *order(world, ui).get(i)?;
        world
            .access_points
            .get_index(rank as usize)
            .map(|(_, ap)| ap)
    }

    fn position(&self, world: &World, ui: &UiState, target: &ObjectRef) -> Option<usize> {
        if target.kind != ObjectKind::AccessPoint {
            return None;
        }
        let rank = world.access_points.rank(target.name.as_str())? as u32;
        order(world, ui).iter().position(|r| *r == rank)
    }

    /// Its rows read the access points, the PVs and claims they join to, whether the
    /// PVs are listed, and the findings that call one an orphan or check it.
    fn stamp(&self, world: &World) -> Stamp {
        let orphans = self
            .0
            .all()
            .iter()
            .filter(|f| f.id == ORPHAN_ACCESS_POINT)
            .flat_map(|f| f.objects());
        let checking = self.0.checking().iter().map(|c| &c.object);
        let facts = orphans
            .chain(checking)
            .filter(|o| o.kind == Kind::AccessPoint)
            .map(|o| o.name.as_str());
        let synced = if pvs_synced(world) { "synced" } else { "" };
        Stamp::Tables(
            vec![
                world.access_points.cursor(),
                world.pvs.cursor(),
                world.pvcs.cursor(),
            ],
            digest(facts.chain([synced])),
        )
    }

    fn cells(&self, world: &World, ap: &AccessPointRec, _now: Timestamp) -> Vec<CellText> {
        let num = |n: Option<u32>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
        vec![
            CellText::new(ap.file_system_id, Tone::Muted),
            ap.id.clone().into(),
            opt(ap.name.as_deref()).into(),
            opt(ap.root_path.as_ref().map(ToString::to_string).as_deref()).into(),
            num(ap.uid).into(),
            num(ap.gid).into(),
            CellText::new(ap.life_cycle_state, state_tone(&ap.life_cycle_state)),
            bound_pv_cell(world, self.0, ap),
        ]
    }

    fn object_ref(&self, ap: &AccessPointRec) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::AccessPoint, ap.id.as_str()))
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
    use crate::model::findings::testkit::{
        access_points, ap, confirm_all, foreign_ap, live, now, pvc,
    };

    const FS: &str = "fs-1";
    const UID: &str = "0f3c2a9e-5b1d-4c7a-9e2f-8a6b4d3c1e20";

    fn cell(w: &World, id: &str) -> (String, Tone) {
        let f = Findings::evaluate(w, now());
        let c = bound_pv_cell(w, &f, w.access_points.get(id).expect("listed"));
        (c.text, c.tone)
    }

    #[test]
    fn an_unused_access_point_reads_as_an_orphan_only_once_confirmed() {
        let mut w = World::default();
        let items = vec![
            ap("fsap-1", FS, "pvc-gone", 1000),
            foreign_ap("fsap-2", FS, Some("lambda-thumbnailer-3")),
        ];
        access_points(&mut w, FS, items);
        assert_eq!(cell(&w, "fsap-1"), ("?".into(), Tone::Muted));
        assert_eq!(cell(&w, "fsap-2"), (NOT_CSI.into(), Tone::Muted));
        live(&mut w, SourceId::Pvs);
        let (text, tone) = cell(&w, "fsap-1");
        assert_eq!(text, "… checking");
        assert_eq!(tone, Tone::Info);
        confirm_all(&mut w);
        assert_eq!(cell(&w, "fsap-1"), ("orphan".into(), Tone::Warn));
        assert_eq!(cell(&w, "fsap-2"), (NOT_CSI.into(), Tone::Muted));
    }

    #[test]
    fn an_access_point_whose_claim_exists_is_provisioning() {
        let mut w = World::default();
        access_points(
            &mut w,
            FS,
            vec![ap("fsap-1", FS, &format!("pvc-{UID}"), 1000)],
        );
        live(&mut w, SourceId::Pvs);
        pvc(&mut w, "ml", "data", UID, "Pending");
        confirm_all(&mut w);
        assert_eq!(cell(&w, "fsap-1"), ("provisioning".into(), Tone::Info));
    }
}
