//! The joined chain behind an object, as the detail view shows it: a PV with its claim,
//! class, access point, file system and ACK resource; an access point with its PV; a
//! driver with who created it; an add-on with the ownership evidence of each object.
//! Computed live from the `World`, so it follows changes while the view is open.

use jiff::Timestamp;

use super::access_points::{bound_pv_cell, state_tone};
use super::addons::{has_helm_annotations, is_ambiguous, status_tone};
use super::chain_link::{Link, link, missing};
use super::chain_volume::{ack_link, ap_link, fs_link, fs_links, pv_chain};
use super::drivers::created_by;
use crate::model::World;
use crate::model::findings::Findings;
use crate::ui::format::{age, arn_short, opt};
use crate::ui::widgets::table::Tone;
use crate::ui::{ObjectKind, ObjectRef};

pub fn chain(world: &World, findings: &Findings, target: &ObjectRef, now: Timestamp) -> Vec<Link> {
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
            let Some(pv) = world.pvs.get(target.name.as_str()) else {
                return gone();
            };
            pv_chain(world, findings, pv, now, &mut out);
        }
        ObjectKind::AccessPoint => {
            let Some(ap) = world.access_points.get(target.name.as_str()) else {
                return gone();
            };
            out.push(ap_link(ap));
            let bound = bound_pv_cell(world, findings, ap);
            let why = if ap.made_by_csi_driver() {
                "no PV uses this access point"
            } else {
                "not made by the EFS CSI driver: another consumer of the file system may use it"
            };
            match world.pv_for_access_point(ap) {
                Some(pv) => pv_chain(world, findings, pv, now, &mut out),
                None => out.push(link("PersistentVolume", bound.text, why, bound.tone)),
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
        ObjectKind::EbsVolume => {
            let Some(v) = world.ebs_volumes.get(target.name.as_str()) else {
                return gone();
            };
            super::chain_ebs::ebs_chain(world, v, now, &mut out);
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
                age(d.meta.created.get(), now),
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
                    None => o.meta.name.to_string(),
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
    if let Some(pv) = volume_of(world, target) {
        super::chain_symptoms::symptom_links(world, &pv, now, &mut out);
    }
    out
}

/// The PV whose Events belong under the target's chain.
fn volume_of(world: &World, target: &ObjectRef) -> Option<String> {
    match target.kind {
        ObjectKind::Pv => Some(target.name.clone()),
        ObjectKind::AccessPoint => {
            let ap = world.access_points.get(target.name.as_str())?;
            Some(world.pv_for_access_point(ap)?.meta.name.to_string())
        }
        ObjectKind::EbsVolume => Some(world.pv_for_ebs_volume(&target.name)?.meta.name.to_string()),
        _ => None,
    }
}
