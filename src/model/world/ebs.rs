//! The EBS side of the World: volumes and instances as EC2 last described them, joined to
//! PVs by volumeHandle and to nodes by providerID, and when each attachment was first
//! seen in its state (EC2 gives no time for `detaching`).

use std::collections::HashMap;

use compact_str::CompactString;
use jiff::Timestamp;

use super::{TransitionKind, World};
use crate::model::ebs::{EbsVolumeRec, InstanceRec};
use crate::model::input::{ProbeKey, ProbeOutcome};
use crate::model::intern::Sym;
use crate::model::projection::{NodeRow, PvRow};

/// An attachment's state as first seen: `(volume, instance)` → (state, since).
pub type AttachmentSeen = HashMap<(CompactString, CompactString), (Sym, Timestamp)>;

/// How long a VolumeAttachment change keeps its volume wanted from EC2 at once: long
/// enough for a read to get through a burst, short enough that the list stays small.
pub const VA_RECENT: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);
/// A drain of a whole node pool must not grow the list without bound.
const VA_RECENT_MAX: usize = 4096;

impl World {
    /// A PV's VolumeAttachment came, went or changed state.
    pub(super) fn note_va_change(&mut self, pv: String, now: Timestamp) {
        self.va_changed.insert(pv.clone(), now);
        let recent = &mut self.va_recent;
        while recent
            .front()
            .is_some_and(|(at, _)| *at + VA_RECENT < now || recent.len() >= VA_RECENT_MAX)
        {
            recent.pop_front();
        }
        recent.push_back((now, pv));
    }

    /// The EBS volumes of the PVs whose VolumeAttachment changed in the last minutes and
    /// that EC2 has not been read about since: what the confirm reader asks for at once,
    /// so that the EBS pane follows an attach or detach within seconds, not a sweep later.
    pub fn volumes_to_reread(&self, now: Timestamp) -> impl Iterator<Item = &str> {
        self.va_recent
            .iter()
            .filter(move |(at, _)| *at + VA_RECENT >= now)
            .filter_map(|(at, pv)| {
                let id = self.pvs.get(pv.as_str())?.ebs_volume_id()?;
                let read = self.ebs_read_at(id);
                (self.ebs_volumes.get(id).is_some() && read.is_none_or(|r| r < *at)).then_some(id)
            })
    }

    /// One sweep's volumes. A targeted read begun after the sweep knows better about its
    /// volume than the sweep does, and is kept.
    pub(super) fn sweep_ebs(
        &mut self,
        items: Vec<EbsVolumeRec>,
        started: Timestamp,
        now: Timestamp,
    ) {
        let initial = !self.ebs_volumes.synced;
        let mut rows = std::collections::BTreeMap::new();
        for v in items {
            let fresher = self
                .observed
                .probes
                .get(&ProbeKey::EbsVolume(v.id.to_string()))
                .filter(|p| p.started > started);
            match fresher.map(|p| &p.outcome) {
                Some(ProbeOutcome::EbsVolume(rec)) => {
                    rows.insert(rec.id.clone(), rec.clone());
                }
                Some(_) => {}
                None => {
                    rows.insert(v.id.clone(), v);
                }
            }
        }
        for v in rows.values() {
            self.note_volume(v, initial, now);
        }
        self.ebs_swept = Some(started);
        self.ebs_first_swept.get_or_insert(started);
        self.ebs_volumes.replace(rows);
        self.forget_attachments();
    }

    pub(super) fn probe_ebs(
        &mut self,
        id: &str,
        started: Timestamp,
        outcome: &ProbeOutcome,
        now: Timestamp,
    ) {
        if self.ebs_swept.is_some_and(|s| s > started) {
            return;
        }
        match outcome {
            ProbeOutcome::EbsVolume(rec) if self.ebs_volumes.get(id) != Some(rec) => {
                self.note_volume(rec, false, now);
                self.ebs_volumes.insert(rec.id.clone(), rec.clone());
            }
            ProbeOutcome::NotFound if self.ebs_volumes.get(id).is_some() => {
                self.ebs_volumes.remove(id);
            }
            _ => return,
        }
        self.forget_attachments();
        self.version += 1;
    }

    pub(super) fn set_instances(&mut self, items: Vec<InstanceRec>) {
        self.instances
            .replace(items.into_iter().map(|i| (i.id.clone(), i)).collect());
    }

    /// Lifecycle transitions for the volume's state and each attachment's, and when each
    /// attachment entered its state.
    fn note_volume(&mut self, v: &EbsVolumeRec, initial: bool, now: Timestamp) {
        let prev = self.ebs_volumes.get(&v.id).cloned();
        let prev_state = prev.as_ref().map(|p| p.state.to_string());
        self.note_state(
            now,
            TransitionKind::EbsVolume,
            &v.id,
            prev_state,
            &v.state,
            initial,
        );
        for a in &v.attachments {
            let key = (v.id.clone(), a.instance_id.clone());
            let was = prev
                .as_ref()
                .and_then(|p| {
                    p.attachments
                        .iter()
                        .find(|b| b.instance_id == a.instance_id)
                })
                .map(|b| b.state.to_string());
            let object = format!("{} @ {}", v.id, a.instance_id);
            self.note_state(
                now,
                TransitionKind::EbsAttachment,
                &object,
                was,
                &a.state,
                initial,
            );
            match self.attachment_seen.get(&key) {
                Some((s, _)) if *s == a.state => {}
                // Seen first in this state at start-up: EC2's attach time is the best
                // bound for `attached`; for the others stordeck knows only its own look.
                _ => {
                    let since = match (initial || prev.is_none(), a.state.as_str()) {
                        (true, "attached") => a.since.unwrap_or(now),
                        _ => now,
                    };
                    self.attachment_seen.insert(key, (a.state, since));
                }
            }
        }
        if let Some(p) = &prev {
            for gone in p
                .attachments
                .iter()
                .filter(|b| !v.attachments.iter().any(|a| a.instance_id == b.instance_id))
            {
                let object = format!("{} @ {}", v.id, gone.instance_id);
                self.note_state(
                    now,
                    TransitionKind::EbsAttachment,
                    &object,
                    Some(gone.state.to_string()),
                    "detached",
                    initial,
                );
            }
        }
    }

    fn forget_attachments(&mut self) {
        let vols = &self.ebs_volumes;
        self.attachment_seen.retain(|(v, i), _| {
            vols.get(v.as_str())
                .is_some_and(|v| v.attachments.iter().any(|a| a.instance_id == *i))
        });
    }

    /// When the attachment of `volume` to `instance` was first seen in its present state.
    pub fn attachment_since(&self, volume: &str, instance: &str) -> Option<Timestamp> {
        self.attachment_seen
            .get(&(CompactString::from(volume), CompactString::from(instance)))
            .map(|(_, t)| *t)
    }

    /// The EBS volume a PV's handle names, if EC2 described it.
    pub fn ebs_volume_for_pv(&self, pv: &PvRow) -> Option<&EbsVolumeRec> {
        self.ebs_volumes.get(pv.ebs_volume_id()?)
    }

    /// The PV whose volumeHandle is this volume.
    pub fn pv_for_ebs_volume(&self, id: &str) -> Option<&PvRow> {
        self.pvs.get(self.idx.pv_by_ebs_volume.get(id)?)
    }

    /// Every volume id an EBS PV names: what the EC2 poller reads by id, since statically
    /// provisioned volumes carry no tags to filter on.
    pub fn ebs_volume_ids(&self) -> impl ExactSizeIterator<Item = &CompactString> {
        self.idx.pv_by_ebs_volume.keys()
    }

    /// Nodes by the instance their providerID names.
    pub fn nodes_by_instance(&self) -> HashMap<&str, &NodeRow> {
        self.nodes
            .values()
            .filter_map(|n| Some((n.instance()?, n)))
            .collect()
    }

    /// When what the World holds of a volume was last read from EC2: the sweep's start, or
    /// a targeted read's if later.
    pub fn ebs_read_at(&self, id: &str) -> Option<Timestamp> {
        let probe = self
            .observed
            .probes
            .get(&ProbeKey::EbsVolume(id.to_string()))
            .map(|p| p.started);
        self.ebs_swept.max(probe)
    }

    /// The node whose providerID names the instance.
    pub fn node_on_instance(&self, instance: &str) -> Option<&NodeRow> {
        self.nodes.values().find(|n| n.instance() == Some(instance))
    }
}
