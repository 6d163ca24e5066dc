//! Joins each storage Event to what it is about: its pod (read once, for the claims it
//! mounts), the claims, their PVs, and through the PVs the EBS volumes; and, where the
//! kubelet says a driver is not registered, that CSIDriver. The findings attach Events to
//! the findings that explain them by these objects.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Event;

use super::{NsName, World, ns_key, ns_lookup};
use crate::model::findings::{Kind, ObjRef};
use crate::model::input::{Change, ProbeKey, ProbeOutcome};
use crate::model::name::Name;
use crate::model::symptom::{Reason, SymptomRow};

/// What one Event reaches.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Links {
    /// Every object it reaches, the Event's own subject first.
    pub objects: Vec<ObjRef>,
    /// The pod it is about, when that pod has not been read yet.
    pub pod_unread: Option<ProbeKey>,
    /// Why the pod could not be read, when the API server refused.
    pub pod_denied: Option<String>,
}

impl Links {
    fn add(&mut self, r: ObjRef) {
        if !self.objects.contains(&r) {
            self.objects.push(r);
        }
    }
}

impl World {
    pub(super) fn fold_symptom(
        &mut self,
        reason: Reason,
        change: Change<Event>,
        now: jiff::Timestamp,
    ) {
        let relisted = matches!(change, Change::InitDone);
        match &change {
            Change::InitApply(e) | Change::Apply(e) => {
                self.symptom_seen.entry((reason, ns_key(e))).or_insert(now);
            }
            Change::Delete(e) => {
                self.symptom_seen.remove(&(reason, ns_key(e)));
            }
            Change::InitStart | Change::InitDone => {}
        }
        let table = self.symptoms.entry(reason).or_default();
        table.fold(change, ns_key, |e| SymptomRow::from_k8s(e, reason));
        if relisted {
            // What the relist did not list again is gone.
            let table = &self.symptoms[&reason];
            self.symptom_seen
                .retain(|(r, k), _| *r != reason || table.get(k).is_some());
        }
    }

    /// When stordeck first saw the Event, by its own clock.
    pub fn symptom_seen(&self, s: &SymptomRow) -> Option<jiff::Timestamp> {
        let key: NsName = (s.namespace, Name::existing(&s.name)?);
        self.symptom_seen.get(&(s.reason, key)).copied()
    }

    /// Every storage Event held, in reason then namespace/name order.
    pub fn symptoms(&self) -> impl Iterator<Item = &SymptomRow> {
        self.symptoms.values().flat_map(|t| t.values())
    }

    pub fn symptom_count(&self) -> usize {
        self.symptoms.values().map(|t| t.len()).sum()
    }

    /// What the Event reaches, as far as the World knows now.
    pub fn symptom_links(&self, s: &SymptomRow) -> Links {
        let mut l = Links::default();
        let io = &s.involved;
        let ns = io.namespace.as_deref().or(Some(s.namespace.as_str()));
        let mut claims: Vec<(String, String)> = Vec::new();
        let mut pvs: BTreeSet<String> = BTreeSet::new();
        match io.kind.as_str() {
            "Pod" => {
                let ns = ns.unwrap_or_default().to_string();
                l.add(ObjRef::new(Kind::Pod, Some(&ns), &io.name));
                let key = ProbeKey::Pod {
                    namespace: ns.clone(),
                    name: io.name.clone(),
                };
                match self.observed.probes.get(&key).map(|p| &p.outcome) {
                    // A pod of the same name but another uid is not the one the Event is
                    // about: that pod is gone, and its claims are not known.
                    Some(ProbeOutcome::Pod(read))
                        if io.uid.is_none() || read.uid.is_none() || read.uid == io.uid =>
                    {
                        claims.extend(read.claims.iter().map(|c| (ns.clone(), c.clone())));
                    }
                    Some(ProbeOutcome::Denied { reason }) => l.pod_denied = Some(reason.clone()),
                    Some(_) => {}
                    None => l.pod_unread = Some(key),
                }
            }
            "PersistentVolumeClaim" => {
                claims.push((ns.unwrap_or_default().to_string(), io.name.clone()));
            }
            "PersistentVolume" => {
                pvs.insert(io.name.clone());
            }
            "Node" => l.add(ObjRef::cluster(Kind::Node, &io.name)),
            _ => {}
        }
        // The attach/detach controller names the PV; the kubelet sometimes names the
        // pod's volume instead, which is no PV and is left out.
        for v in s.quoted_volumes() {
            if self.pvs.get(v).is_some() {
                pvs.insert(v.to_string());
            }
        }
        for (cns, c) in &claims {
            l.add(ObjRef::new(Kind::PersistentVolumeClaim, Some(cns), c));
            if let Some(claim) = ns_lookup(cns, c).and_then(|k| self.pvcs.get(&k)) {
                if let Some(v) = &claim.volume {
                    pvs.insert(v.to_string());
                }
                if s.reason == Reason::ProvisioningFailed {
                    self.add_provisioning(&mut l, claim.storage_class.as_deref());
                }
            }
        }
        for name in &pvs {
            l.add(ObjRef::cluster(Kind::PersistentVolume, name));
            let Some(pv) = self.pvs.get(name.as_str()) else {
                continue;
            };
            if let Some((cns, c)) = &pv.claim {
                l.add(ObjRef::new(Kind::PersistentVolumeClaim, Some(cns), c));
            }
            if let Some(v) = pv.ebs_volume_id() {
                l.add(ObjRef::cluster(Kind::EbsVolume, v));
            }
            // A volume whose CSIDriver is gone cannot be served, whatever the message.
            if let Some(d) = pv.driver
                && self.csi_drivers.synced
                && self.csi_drivers.get(d.as_str()).is_none()
            {
                l.add(ObjRef::cluster(Kind::CsiDriver, &d));
            }
        }
        if let Some(d) = s.missing_driver() {
            l.add(ObjRef::cluster(Kind::CsiDriver, d));
        }
        l
    }

    /// A claim that cannot be provisioned reaches its StorageClass, and the EFS file
    /// system the class provisions on (full of access points, or out of gids).
    fn add_provisioning(&self, l: &mut Links, class: Option<&str>) {
        let Some(sc) = class.and_then(|c| self.storage_classes.get(c)) else {
            return;
        };
        l.add(ObjRef::cluster(Kind::StorageClass, &sc.meta.name));
        if let Some(fs) = sc.parameters.get("fileSystemId") {
            l.add(ObjRef::cluster(Kind::FileSystem, fs));
        }
    }

    /// The Events that reach a PV, for its detail view: most recent first.
    pub fn symptoms_for_pv(&self, pv: &str) -> Vec<&SymptomRow> {
        let target = ObjRef::cluster(Kind::PersistentVolume, pv);
        let mut out: Vec<&SymptomRow> = self
            .symptoms()
            .filter(|s| self.symptom_links(s).objects.contains(&target))
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.last));
        out
    }
}
