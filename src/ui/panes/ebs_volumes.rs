//! EBS volumes as EC2 describes them, each joined across both worlds: the PV and claim
//! whose handle names it, its AWS attachment, the Kubernetes VolumeAttachment for its PV,
//! and the node (and state) on the instance EC2 has it attached to — story 4 read
//! side by side, so a volume EC2 holds for a node that is going shows as such.

use jiff::Timestamp;
use ratatui::layout::Constraint::{Fill, Length};

use super::TablePane;
use crate::model::ebs::{EbsAttachment, EbsVolumeRec, monthly_cost_usd};
use crate::model::findings::{DISRUPTED_TAINT, Findings};
use crate::model::{SourceId, World};
use crate::ui::format::age;
use crate::ui::state::UiState;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub struct EbsVolumes<'f>(pub &'f Findings);

const COLUMNS: &[Column] = &[
    Column::new("VOLUME", Length(21)).ident(),
    // PV names are the one identifier people copy: a whole `pvc-<uuid>` fits.
    Column::new("PV", Length(40)).ident(),
    Column::new("CLAIM", Fill(1)).ident(),
    Column::new("SIZE TYPE IOPS/MiBs", Length(20)).optional(3),
    Column::new("AZ", Length(10)).optional(2),
    Column::new("STATE", Length(9)),
    Column::new("AWS ATTACHMENT", Length(32)),
    Column::new("K8S", Length(9)).optional(1),
    Column::new("NODE", Fill(1)),
];

/// The attachment that matters most: one still holding the volume, else the first.
pub(super) fn main_attachment(v: &EbsVolumeRec) -> Option<&EbsAttachment> {
    v.holders().next().or(v.attachments.first())
}

/// A volume's or an attachment's state, toned the same wherever EBS shows.
pub(super) fn state_tone(state: &str) -> Tone {
    match state {
        "in-use" | "attached" => Tone::Ok,
        "available" => Tone::Info,
        "detaching" | "attaching" | "busy" | "creating" | "deleting" => Tone::Warn,
        "error" => Tone::Error,
        _ => Tone::Normal,
    }
}

/// The node on the attachment's instance, and how it stands.
fn node_cell(world: &World, a: Option<&EbsAttachment>) -> CellText {
    let Some(a) = a else {
        return CellText::new("-", Tone::Muted);
    };
    let node = world.node_on_instance(&a.instance_id);
    match node {
        None => {
            let state = world
                .instances
                .get(a.instance_id.as_str())
                .map_or("no node", |i| i.state.as_str());
            CellText::new(format!("gone ({state})"), Tone::Error)
        }
        Some(n) if n.has_taint(DISRUPTED_TAINT) => {
            CellText::new(format!("{} disrupted", n.meta.name), Tone::Critical)
        }
        Some(n) if n.ready == Some(false) => {
            CellText::new(format!("{} NotReady", n.meta.name), Tone::Warn)
        }
        Some(n) => CellText::new(n.meta.name.clone(), Tone::Normal),
    }
}

/// The object a volume's row opens, from whichever pane lists it: one detail, one set of
/// badges and findings.
pub(super) fn volume_ref(v: &EbsVolumeRec) -> ObjectRef {
    ObjectRef::cluster(ObjectKind::EbsVolume, v.id.as_str())
}

impl TablePane for EbsVolumes<'_> {
    type Item<'w> = &'w EbsVolumeRec;

    fn id(&self) -> PaneId {
        PaneId::EbsVolumes
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[SourceId::Ec2Volumes, SourceId::Ec2Instances]
    }

    fn empty_hint(&self) -> &'static str {
        "No EBS volumes: none carries the EBS CSI driver's tag and no PV names one."
    }

    fn len(&self, world: &World, _: &UiState) -> usize {
        world.ebs_volumes.len()
    }

    fn item<'w>(&self, world: &'w World, _: &UiState, i: usize) -> Option<&'w EbsVolumeRec> {
        world.ebs_volumes.get_index(i).map(|(_, v)| v)
    }

    fn position(&self, world: &World, _: &UiState, target: &ObjectRef) -> Option<usize> {
        (target.kind == ObjectKind::EbsVolume)
            .then(|| world.ebs_volumes.rank(target.name.as_str()))
            .flatten()
    }

    fn cells(&self, world: &World, v: &EbsVolumeRec, now: Timestamp) -> Vec<CellText> {
        let pv = world.pv_for_ebs_volume(&v.id);
        let (who, claim) = match pv {
            Some(pv) => (
                CellText::from(pv.meta.name.clone()),
                match &pv.claim {
                    Some((ns, c)) => CellText::from(format!("{ns}/{c}")),
                    None => CellText::new("unbound", Tone::Muted),
                },
            ),
            None => {
                let cost = monthly_cost_usd(v)
                    .filter(|_| v.state == "available")
                    .map(|usd| format!(", ~${usd:.0}/mo est."))
                    .unwrap_or_default();
                let made_for = match &v.claim_tag {
                    // The claim it was made for, which is gone or bound elsewhere.
                    Some((ns, c)) => CellText::new(format!("{ns}/{c}"), Tone::Muted),
                    None => CellText::new("-", Tone::Muted),
                };
                (CellText::new(format!("no PV{cost}"), Tone::Warn), made_for)
            }
        };
        let perf = match (v.iops, v.throughput) {
            (Some(i), Some(t)) => format!(" {i}/{t}"),
            (Some(i), None) => format!(" {i}"),
            _ => String::new(),
        };
        let a = main_attachment(v);
        let aws = match a {
            Some(a) => CellText::new(
                format!(
                    "{} {} {}",
                    a.instance_id,
                    a.state,
                    age(world.attachment_since(&v.id, &a.instance_id), now)
                ),
                state_tone(&a.state),
            ),
            None => CellText::new("-", Tone::Muted),
        };
        // Where the VolumeAttachment is, said in full only where it parts from EC2.
        let aws_node = a.and_then(|a| world.node_on_instance(&a.instance_id));
        let k8s = match pv.and_then(|p| world.attachment_for_pv(&p.meta.name)) {
            Some(va) if aws_node.is_some_and(|n| n.meta.name == va.node) => {
                let word = if va.attached { "attached" } else { "attaching" };
                CellText::new(word, Tone::Normal)
            }
            Some(va) => CellText::new(format!("on {}", va.node), Tone::Warn),
            None => CellText::new("none", Tone::Muted),
        };
        vec![
            v.id.to_string().into(),
            who,
            claim,
            format!("{} GiB {}{perf}", v.size_gib, v.volume_type).into(),
            v.zone.to_string().into(),
            CellText::new(v.state.to_string(), state_tone(&v.state)),
            aws,
            k8s,
            node_cell(world, a),
        ]
    }

    fn object_ref(&self, v: &EbsVolumeRec) -> Option<ObjectRef> {
        Some(volume_ref(v))
    }
}
