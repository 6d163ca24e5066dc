//! The detail chain of an EBS volume: volume ↔ PV ↔ claim ↔ VolumeAttachment ↔ node ↔
//! instance, each link with its state, so that where EC2 and Kubernetes part ways shows
//! on the link where they do.

use jiff::Timestamp;

use super::chain_link::{Link, link, missing};
use crate::model::World;
use crate::model::ebs::{EbsVolumeRec, monthly_cost_usd};
use crate::model::findings::DISRUPTED_TAINT;
use crate::ui::format::age;
use crate::ui::widgets::table::Tone;

pub(super) fn ebs_chain(world: &World, v: &EbsVolumeRec, now: Timestamp, out: &mut Vec<Link>) {
    let perf = match (v.iops, v.throughput) {
        (Some(i), Some(t)) => format!(" · {i} IOPS · {t} MiB/s"),
        (Some(i), None) => format!(" · {i} IOPS"),
        _ => String::new(),
    };
    let read = world
        .ebs_read_at(&v.id)
        .map(|t| format!(" · read from EC2 {} ago", age(Some(t), now)))
        .unwrap_or_default();
    out.push(link(
        "EBS volume",
        v.id.as_str(),
        format!(
            "{} · {} GiB {}{perf} · {}{read}",
            v.state, v.size_gib, v.volume_type, v.zone
        ),
        if v.state == "error" {
            Tone::Error
        } else {
            Tone::Normal
        },
    ));
    let pv = world.pv_for_ebs_volume(&v.id);
    match pv {
        Some(pv) => {
            let zones = if pv.zones.is_empty() {
                String::new()
            } else {
                let z: Vec<&str> = pv.zones.iter().map(|z| z.as_str()).collect();
                format!(" · nodeAffinity {}", z.join(", "))
            };
            let phase = pv.phase.map_or("-", |p| p.as_str());
            out.push(link(
                "PersistentVolume",
                &pv.meta.name,
                format!("{phase}{zones}"),
                Tone::Normal,
            ));
            match &pv.claim {
                Some((ns, c)) => out.push(link("claim", format!("{ns}/{c}"), "", Tone::Normal)),
                None => out.push(missing("claim", "unbound")),
            }
        }
        None => {
            let cost = monthly_cost_usd(v)
                .map(|usd| format!("; about ${usd:.2} a month at us-east-1 list price (estimate)"))
                .unwrap_or_default();
            let made_for = v
                .pv_tag
                .as_deref()
                .map(|p| format!("made for PV {p}, "))
                .unwrap_or_default();
            out.push(link(
                "PersistentVolume",
                "-",
                format!("{made_for}no PV names this volume{cost}"),
                Tone::Warn,
            ));
        }
    }
    match pv.and_then(|p| world.attachment_for_pv(&p.meta.name)) {
        Some(va) => {
            let state = if va.attached {
                "attached"
            } else {
                "not attached yet"
            };
            out.push(link(
                "VolumeAttachment",
                &va.meta.name,
                format!("{state} to node {}", va.node),
                Tone::Normal,
            ));
        }
        None => out.push(missing("VolumeAttachment", "none names its PV")),
    }
    if v.attachments.is_empty() {
        out.push(missing("EC2 attachment", "attached to no instance"));
    }
    for a in &v.attachments {
        let since = world
            .attachment_since(&v.id, &a.instance_id)
            .map(|t| format!(" for {}", age(Some(t), now)))
            .unwrap_or_default();
        let tone = match a.state.as_str() {
            "attached" => Tone::Ok,
            _ => Tone::Warn,
        };
        out.push(link(
            "EC2 attachment",
            a.instance_id.as_str(),
            format!("{} {}{since}", a.device.as_deref().unwrap_or("-"), a.state),
            tone,
        ));
        let node = world.node_on_instance(&a.instance_id);
        match node {
            Some(n) => {
                let (state, tone) = if n.has_taint(DISRUPTED_TAINT) {
                    ("tainted karpenter.sh/disrupted", Tone::Critical)
                } else if n.ready == Some(false) {
                    ("NotReady", Tone::Warn)
                } else {
                    ("Ready", Tone::Ok)
                };
                out.push(link("node", &n.meta.name, state, tone));
            }
            None => out.push(link(
                "node",
                "-",
                "no node of this cluster runs on it",
                Tone::Error,
            )),
        }
        if let Some(i) = world.instances.get(a.instance_id.as_str()) {
            let zone = i.zone.map(|z| format!(" · {z}")).unwrap_or_default();
            let tone = if i.state == "running" {
                Tone::Ok
            } else {
                Tone::Warn
            };
            out.push(link(
                "EC2 instance",
                i.id.as_str(),
                format!("{}{zone}", i.state),
                tone,
            ));
        }
    }
}
