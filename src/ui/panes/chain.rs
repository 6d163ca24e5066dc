//! The joined chain behind an object, as the detail view shows it: a PV with its claim,
//! class, access point, file system and ACK resource; an access point with its PV; a
//! driver with who created it; an add-on with the ownership evidence of each object.
//! Computed live from the `World`, so it follows changes while the view is open.

use jiff::Timestamp;

use super::access_points::{bound_pv_cell, state_tone};
use super::addons::{has_helm_annotations, is_ambiguous, status_tone};
use super::drivers::created_by;
use super::lifecycle::drift_cell;
use super::volumes::{access_point_cell, phase_tone};
use crate::model::World;
use crate::model::input::{AccessPointRec, FileSystemRec};
use crate::model::projection::PvRow;
use crate::ui::format::{access_modes, age, arn_short, opt};
use crate::ui::widgets::table::Tone;
use crate::ui::{ObjectKind, ObjectRef};

/// One step of a chain. `name` and `info` may hold outside text; they are sanitized when
/// drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: &'static str,
    pub name: String,
    pub info: String,
    pub tone: Tone,
}

fn link(label: &'static str, name: impl Into<String>, info: impl Into<String>, tone: Tone) -> Link {
    Link {
        label,
        name: name.into(),
        info: info.into(),
        tone,
    }
}

fn missing(label: &'static str, what: &str) -> Link {
    link(label, "-", what, Tone::Muted)
}

pub fn chain(world: &World, target: &ObjectRef, now: Timestamp) -> Vec<Link> {
    let gone = || {
        vec![link(
            target.kind.label(),
            target.display_name(),
            "no longer listed",
            Tone::Error,
        )]
    };
    let mut out = Vec::new();
    match target.kind {
        ObjectKind::Pv => {
            let Some(pv) = world.pvs.get(&target.name) else {
                return gone();
            };
            pv_chain(world, pv, now, &mut out);
        }
        ObjectKind::AccessPoint => {
            let Some(ap) = world.access_points.get(&target.name) else {
                return gone();
            };
            out.push(ap_link(ap));
            let bound = bound_pv_cell(world, ap);
            match world.pv_for_access_point(ap) {
                Some(pv) => pv_chain(world, pv, now, &mut out),
                None => out.push(link(
                    "PersistentVolume",
                    bound.text,
                    "no PV uses this access point",
                    bound.tone,
                )),
            }
            if !out.iter().any(|l| l.label == "EFS file system") {
                fs_links(world, &ap.file_system_id, now, &mut out);
            }
        }
        ObjectKind::FileSystem => {
            let Some(fs) = world.file_systems.get(&target.name) else {
                return gone();
            };
            out.push(fs_link(fs));
            ack_link(world, &fs.id, now, &mut out);
            let mts = world
                .mount_targets
                .values()
                .filter(|m| m.file_system_id == fs.id)
                .count();
            out.push(link("mount targets", mts.to_string(), "", Tone::Normal));
            let aps = world.access_points_of(&fs.id).count();
            out.push(link(
                "access points",
                aps.to_string(),
                "of 10,000 allowed",
                Tone::Normal,
            ));
        }
        ObjectKind::MountTarget => {
            let Some(mt) = world.mount_targets.get(&target.name) else {
                return gone();
            };
            let info = format!(
                "{} · {} · {} · {}",
                mt.life_cycle_state,
                opt(mt.availability_zone.as_deref()),
                opt(mt.subnet_id.as_deref()),
                opt(mt.ip_address.as_deref())
            );
            out.push(link(
                "EFS mount target",
                &mt.id,
                info,
                state_tone(&mt.life_cycle_state),
            ));
            fs_links(world, &mt.file_system_id, now, &mut out);
        }
        ObjectKind::CsiDriver => {
            let Some(d) = world.csi_drivers.get(&target.name) else {
                return gone();
            };
            let info = format!(
                "attachRequired {} · fsGroupPolicy {} · age {} · managers {}",
                d.attach_required
                    .map_or("-", |b| if b { "true" } else { "false" }),
                opt(d.fs_group_policy.as_deref()),
                age(d.meta.created, now),
                opt(Some(&d.meta.managers.join(",")))
            );
            out.push(link("CSIDriver", &d.meta.name, info, Tone::Normal));
            let by = created_by(world, &d.meta);
            out.push(link("created by", by.text, "", by.tone));
            match world.node_daemonset_for_driver(&d.meta.name) {
                Some(ds) => out.push(link(
                    "node DaemonSet",
                    format!("{}/{}", opt(ds.meta.namespace.as_deref()), ds.meta.name),
                    format!("{}/{} ready", ds.ready, ds.desired),
                    if ds.ready >= ds.desired && ds.desired > 0 {
                        Tone::Ok
                    } else {
                        Tone::Warn
                    },
                )),
                None => out.push(missing(
                    "node DaemonSet",
                    "none found (Fargate-only clusters run none)",
                )),
            }
            let n = world.pvs_for_driver(&d.meta.name);
            out.push(link(
                "PersistentVolumes",
                n.to_string(),
                "use this driver",
                Tone::Normal,
            ));
        }
        ObjectKind::Addon => {
            let Some(a) = world.addons.get(&target.name) else {
                return gone();
            };
            let info = format!(
                "{} · {} · age {}",
                opt(a.version.as_deref()),
                a.status,
                age(a.created_at, now)
            );
            out.push(link("EKS add-on", &a.name, info, status_tone(&a.status)));
            for (code, msg) in &a.health_issues {
                out.push(link("health issue", code, msg, Tone::Warn));
            }
            let role = a.service_account_role_arn.as_deref();
            out.push(link(
                "SA role",
                role.map_or("-", arn_short),
                opt(role),
                Tone::Normal,
            ));
            for o in world.addon_objects(&a.name) {
                let info = format!(
                    "managed-by={} · helm annotations {} · managers {}",
                    opt(o.meta.label("app.kubernetes.io/managed-by")),
                    if has_helm_annotations(&o) {
                        "yes"
                    } else {
                        "no"
                    },
                    opt(Some(&o.meta.managers.join(",")))
                );
                let name = match &o.meta.namespace {
                    Some(ns) => format!("{ns}/{}", o.meta.name),
                    None => o.meta.name.clone(),
                };
                let tone = if is_ambiguous(&o) {
                    Tone::Warn
                } else {
                    Tone::Normal
                };
                out.push(link(o.kind, name, info, tone));
            }
        }
        ObjectKind::Pvc
        | ObjectKind::StorageClass
        | ObjectKind::DaemonSet
        | ObjectKind::Node
        | ObjectKind::AckFileSystem => {
            out.push(link(
                target.kind.label(),
                target.display_name(),
                "",
                Tone::Normal,
            ));
        }
    }
    out
}

fn pv_chain(world: &World, pv: &PvRow, now: Timestamp, out: &mut Vec<Link>) {
    let info = format!(
        "{} · {} · {} · {} · handle {}",
        opt(pv.phase.as_deref()),
        opt(pv.capacity.as_deref()),
        access_modes(&pv.access_modes),
        opt(pv.reclaim_policy.as_deref()),
        opt(pv.volume_handle.as_deref())
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
            let c = access_point_cell(world, pv);
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

fn ap_link(ap: &AccessPointRec) -> Link {
    let info = format!(
        "{} · root {} · uid {} gid {} · client token {}",
        ap.life_cycle_state,
        opt(ap.root_path.as_deref()),
        ap.uid.map_or_else(|| "-".into(), |n| n.to_string()),
        ap.gid.map_or_else(|| "-".into(), |n| n.to_string()),
        opt(ap.client_token.as_deref())
    );
    link(
        "EFS access point",
        &ap.id,
        info,
        state_tone(&ap.life_cycle_state),
    )
}

fn fs_link(fs: &FileSystemRec) -> Link {
    let info = format!("{} · {}", fs.life_cycle_state, opt(fs.name.as_deref()));
    link(
        "EFS file system",
        &fs.id,
        info,
        state_tone(&fs.life_cycle_state),
    )
}

fn fs_links(world: &World, fs_id: &str, now: Timestamp, out: &mut Vec<Link>) {
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
fn ack_link(world: &World, fs_id: &str, now: Timestamp, out: &mut Vec<Link>) {
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
