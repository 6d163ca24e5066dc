//! The storage half of the detail chains: PV → claim → class → access point → file
//! system → ACK resource → node.

use jiff::Timestamp;

use super::access_points::state_tone;
use super::chain_link::{Link, link, missing};
use super::lifecycle::drift_cell;
use super::volumes::{access_point_cell, phase_tone};
use crate::model::World;
use crate::model::findings::Findings;
use crate::model::input::{AccessPointRec, FileSystemRec};
use crate::model::projection::PvRow;
use crate::ui::format::{access_modes, opt};
use crate::ui::widgets::table::Tone;

pub(super) fn pv_chain(
    world: &World,
    findings: &Findings,
    pv: &PvRow,
    now: Timestamp,
    out: &mut Vec<Link>,
) {
    let info = format!(
        "{} · {} · {} · {} · handle {}",
        opt(pv.phase.as_deref()),
        opt(pv.capacity.as_deref()),
        access_modes(pv.access_modes.iter()),
        opt(pv.reclaim_policy.as_deref()),
        opt(pv.volume_handle().as_deref())
    );
    out.push(link(
        "PersistentVolume",
        &pv.meta.name,
        info,
        phase_tone(pv.phase.as_deref()),
    ));
    match (&pv.claim, world.claim_for_pv(pv)) {
        (_, Some(c)) => out.push(link(
            "PersistentVolumeClaim",
            format!("{}/{}", opt(c.meta.namespace.as_deref()), c.meta.name),
            format!(
                "{} · requests {}",
                opt(c.phase.as_deref()),
                opt(c.requested.as_deref())
            ),
            phase_tone(c.phase.as_deref()),
        )),
        (Some((ns, n)), None) => out.push(link(
            "PersistentVolumeClaim",
            format!("{ns}/{n}"),
            "claim not found",
            Tone::Warn,
        )),
        (None, None) => out.push(missing("PersistentVolumeClaim", "unclaimed")),
    }
    match world.storage_class_for_pv(pv) {
        Some(sc) => {
            let gid = sc
                .gid_range()
                .map(|(a, b)| format!(" · gid {a}-{b}"))
                .unwrap_or_default();
            out.push(link(
                "StorageClass",
                &sc.meta.name,
                format!("{}{gid}", sc.provisioner),
                Tone::Normal,
            ));
        }
        None => out.push(missing("StorageClass", opt(pv.storage_class.as_deref()))),
    }
    let Some(h) = &pv.efs else { return };
    match world.access_point_for_pv(pv) {
        Some(ap) => out.push(ap_link(ap)),
        None if h.access_point_id.is_some() => {
            let c = access_point_cell(world, findings, pv);
            out.push(link(
                "EFS access point",
                c.text,
                "not listed by EFS",
                c.tone,
            ));
        }
        None => out.push(missing("EFS access point", "handle names no access point")),
    }
    fs_links(world, &h.file_system_id, now, out);
    if let Some(va) = world.attachment_for_pv(&pv.meta.name) {
        let tone = if va.attached {
            Tone::Normal
        } else {
            Tone::Muted
        };
        let info = if va.attached {
            "attached"
        } else {
            "not attached"
        };
        out.push(link(
            "Node",
            &va.node,
            format!("{info} via {}", va.meta.name),
            tone,
        ));
    }
}

pub(super) fn ap_link(ap: &AccessPointRec) -> Link {
    let info = format!(
        "{} · root {} · uid {} gid {} · token {}",
        ap.life_cycle_state,
        opt(ap.root_path.as_ref().map(ToString::to_string).as_deref()),
        ap.uid.map_or_else(|| "-".into(), |n| n.to_string()),
        ap.gid.map_or_else(|| "-".into(), |n| n.to_string()),
        opt(ap.client_token.as_deref())
    );
    link(
        "EFS access point",
        ap.id.as_str(),
        info,
        state_tone(&ap.life_cycle_state),
    )
}

pub(super) fn fs_link(fs: &FileSystemRec) -> Link {
    let info = format!("{} · {}", fs.life_cycle_state, opt(fs.name.as_deref()));
    link(
        "EFS file system",
        &fs.id,
        info,
        state_tone(&fs.life_cycle_state),
    )
}

pub(super) fn fs_links(world: &World, fs_id: &str, now: Timestamp, out: &mut Vec<Link>) {
    // `Table::get` wants `&K`; an owned key costs one small allocation per frame.
    match world.file_systems.get(&fs_id.to_string()) {
        Some(fs) => out.push(fs_link(fs)),
        None => out.push(link(
            "EFS file system",
            fs_id,
            "not listed by EFS",
            Tone::Muted,
        )),
    }
    ack_link(world, fs_id, now, out);
}

/// The ACK resource of a file system, and how long it has disagreed with AWS.
pub(super) fn ack_link(world: &World, fs_id: &str, now: Timestamp, out: &mut Vec<Link>) {
    let Some(ack) = world.ack_for_file_system(fs_id) else {
        out.push(missing("ACK FileSystem", "none"));
        return;
    };
    let mut info = format!(
        "state {} · ResourceSynced {}",
        opt(ack.life_cycle_state.as_deref()),
        opt(ack.synced.as_deref())
    );
    let drift = drift_cell(world, fs_id, now);
    let tone = if world.drift_since.contains_key(fs_id) {
        info.push_str(&format!(" · disagrees with AWS for {}", drift.text));
        drift.tone
    } else {
        Tone::Ok
    };
    let name = format!("{}/{}", opt(ack.meta.namespace.as_deref()), ack.meta.name);
    out.push(link("ACK FileSystem", name, info, tone));
}
