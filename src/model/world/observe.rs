//! The World's bookkeeping of when things were observed, and the joins that need it: PV
//! changes and deletions, targeted reads, node disruptions, node-agent pods.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{PersistentVolume, Pod};
use k8s_openapi::api::storage::v1::CSIDriver;

use super::{NsName, World, cluster_key, name_key, ns_key};
use crate::model::findings::DISRUPTED_TAINT;
use crate::model::input::{AgentSelector, Change, ProbeKey, ProbeOutcome, ProbeResult};
use crate::model::observed::Changed;
use crate::model::projection::{AgentPodRow, CsiDriverRow, DaemonSetRow, PvRow, PvcRow};
use crate::model::table::Folded;
use crate::model::uid::Uid;

/// CNI DaemonSets whose pods are node agents besides the CSI node plugins.
const CNI_AGENTS: &[&str] = &["aws-node", "cilium"];

impl World {
    pub(super) fn fold_pv(&mut self, c: Change<PersistentVolume>, now: jiff::Timestamp) {
        // What a relist drops vanished in the gap: remember it as deleted.
        let gone: Vec<PvRow> = match c {
            Change::InitDone => self.pvs.relist_drops().cloned().collect(),
            _ => Vec::new(),
        };
        match self.pvs.fold(c, name_key, PvRow::from_k8s) {
            Folded::Upserted { key, old } => {
                let key = key.clone();
                let new = self.pvs.get(&key);
                // Whether a handle names an access point is what an access point is
                // judged by; with two PVs naming one, it can move on an update that
                // changes no handle.
                let aps: Vec<String> = [old.as_ref(), new]
                    .into_iter()
                    .flatten()
                    .filter_map(|pv| Some(pv.efs.as_ref()?.access_point_id.as_ref()?.to_string()))
                    .collect();
                let named = |idx: &super::Indexes, ap: &String| {
                    idx.pv_by_access_point.contains_key(ap.as_str())
                };
                let before: Vec<bool> = aps.iter().map(|ap| named(&self.idx, ap)).collect();
                if let Some(old) = &old {
                    self.idx.remove_pv(old);
                }
                if let Some(new) = new {
                    self.idx.add_pv(new);
                    self.observed.pv_upserted(old.as_ref(), new, now);
                }
                for (ap, was) in aps.into_iter().zip(before) {
                    if named(&self.idx, &ap) != was {
                        self.observed.journal.push(Changed::AccessPoint(ap));
                    }
                }
            }
            Folded::Removed(old) => {
                self.idx.remove_pv(&old);
                self.observed.pv_removed(&old, now);
            }
            Folded::Replaced => {
                self.idx.pv_by_access_point.clear();
                self.idx.pv_by_ebs_volume.clear();
                self.idx.pvs_by_driver.clear();
                for pv in self.pvs.values() {
                    self.idx.add_pv(pv);
                }
                self.observed
                    .pvs_relisted(gone.iter(), self.pvs.values(), now);
            }
            Folded::Nothing => {}
        }
    }

    pub(super) fn fold_csi_driver(&mut self, change: Change<CSIDriver>, now: jiff::Timestamp) {
        let gone = &mut self.observed.driver_gone;
        match &change {
            Change::Apply(d) | Change::InitApply(d) => {
                gone.remove(&cluster_key(d));
            }
            Change::Delete(d) => {
                gone.insert(cluster_key(d), now);
            }
            Change::InitDone => {
                for d in self.csi_drivers.relist_drops() {
                    gone.insert(d.meta.name.to_string(), now);
                }
                self.observed.drivers_first_listed.get_or_insert(now);
            }
            Change::InitStart => {}
        }
        self.csi_drivers
            .fold(change, cluster_key, CsiDriverRow::from_k8s);
    }

    pub(super) fn fold_agent_pod(
        &mut self,
        selector: AgentSelector,
        change: Change<Pod>,
        now: jiff::Timestamp,
    ) {
        let table = self.agent_pods.entry(selector).or_default();
        let mut left: Vec<String> = match &change {
            Change::Delete(p) => p
                .spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .into_iter()
                .collect(),
            Change::Apply(p) if p.metadata.deletion_timestamp.is_some() => p
                .spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .into_iter()
                .collect(),
            Change::InitDone => table
                .relist_drops()
                .filter_map(|p| p.node.clone())
                .collect(),
            _ => Vec::new(),
        };
        table.fold(change, ns_key, AgentPodRow::from_k8s);
        for node in left.drain(..) {
            self.observed.agent_gone.insert(node, now);
        }
    }

    pub(super) fn note_disruptions(&mut self, now: jiff::Timestamp) {
        let seen = &mut self.observed.disrupted_seen;
        seen.retain(|n, _| {
            self.nodes
                .get(n)
                .is_some_and(|node| node.has_taint(DISRUPTED_TAINT))
        });
        for node in self.nodes.values() {
            if node.has_taint(DISRUPTED_TAINT) {
                seen.entry(node.meta.name.to_string()).or_insert(now);
            }
        }
    }

    /// After a sweep: `creating` are the access points of the swept file system that the
    /// table now holds as creating.
    pub(super) fn note_creating(&mut self, creating: Vec<String>, now: jiff::Timestamp) {
        let seen = &mut self.observed.ap_creating_seen;
        let aps = &self.access_points;
        seen.retain(|id, _| {
            aps.get(id.as_str())
                .is_some_and(|ap| ap.life_cycle_state == "creating")
        });
        for id in creating {
            seen.entry(id).or_insert(now);
        }
    }

    /// A targeted read: it also corrects the access point table, where it is newer than
    /// the listing the table came from.
    pub(super) fn apply_probe(&mut self, p: ProbeResult, now: jiff::Timestamp) {
        if let ProbeKey::EbsVolume(id) = &p.key {
            self.probe_ebs(id, p.started, &p.outcome, now);
        }
        if let ProbeKey::AccessPoint(id) = &p.key {
            let listing = &self.observed.ap_listing;
            let newer = |fs: &str| listing.get(fs).is_none_or(|l| *l < p.started);
            match &p.outcome {
                ProbeOutcome::AccessPoint(rec)
                    if newer(&rec.file_system_id)
                        && self.access_points.get(id.as_str()) != Some(rec) =>
                {
                    let old = self.access_points.insert(id.as_str().into(), rec.clone());
                    self.idx.add_ap(rec);
                    if let Some(old) = &old {
                        self.idx.remove_ap(old);
                    }
                    self.version += 1;
                    let journal = &mut self.observed.journal;
                    journal.push(Changed::AccessPoint(id.clone()));
                    journal.push(Changed::FileSystem(rec.file_system_id.to_string()));
                    if let Some(old) = old {
                        journal.push(Changed::FileSystem(old.file_system_id.to_string()));
                    }
                }
                ProbeOutcome::NotFound | ProbeOutcome::Invalid { .. }
                    if self
                        .access_points
                        .get(id.as_str())
                        .is_some_and(|ap| newer(&ap.file_system_id)) =>
                {
                    let fs = self
                        .access_points
                        .get(id.as_str())
                        .map(|ap| ap.file_system_id.to_string());
                    if let Some(old) = self.access_points.remove(id.as_str()) {
                        self.idx.remove_ap(&old);
                    }
                    self.version += 1;
                    let journal = &mut self.observed.journal;
                    journal.push(Changed::AccessPoint(id.clone()));
                    if let Some(fs) = fs {
                        journal.push(Changed::FileSystem(fs));
                    }
                }
                _ => {}
            }
        }
        self.observed.record_probe(p);
    }

    /// The claim with this uid, if the PVC watch has it.
    pub fn pvc_by_uid(&self, uid: &str) -> Option<(&NsName, &PvcRow)> {
        let key = self.idx.pvc_by_uid.get(&Uid::new(uid))?;
        self.pvcs.get(key).map(|p| (key, p))
    }

    /// Whether a DaemonSet is a node agent that must outlive a node's volumes: a CSI node
    /// plugin, or a CNI that the plugins' traffic depends on.
    pub fn is_node_agent(ds: &DaemonSetRow) -> bool {
        ds.meta.name.contains("-csi-node") || CNI_AGENTS.contains(&ds.meta.name.as_str())
    }

    /// The pod selectors of every node-agent DaemonSet: the only pods stordeck watches.
    pub fn agent_selectors(&self) -> BTreeSet<AgentSelector> {
        self.daemonsets
            .values()
            .filter(|d| World::is_node_agent(d))
            .filter_map(|d| {
                Some(AgentSelector {
                    namespace: d.meta.namespace.unwrap_or_default().to_string(),
                    labels: d.selector.clone()?,
                })
            })
            .collect()
    }

    /// Whether a pod of `ds` still serves on `node`; `None` while its pods are not known
    /// (not watched yet, or the watch has not listed them).
    pub fn agent_on_node(&self, ds: &DaemonSetRow, node: &str) -> Option<bool> {
        let selector = AgentSelector {
            namespace: ds.meta.namespace.unwrap_or_default().to_string(),
            labels: ds.selector.clone()?,
        };
        let pods = self.agent_pods.get(&selector).filter(|t| t.synced)?;
        Some(
            pods.values()
                .any(|p| p.node.as_deref() == Some(node) && p.serving()),
        )
    }
}
