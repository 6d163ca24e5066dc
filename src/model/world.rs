//! The World: every source's latest word, folded into projections with join indexes kept
//! up to date as messages arrive. Pure and synchronous; time comes in as an argument.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use compact_str::CompactString;
use kube::ResourceExt;

use super::input::{
    AccessPointRec, AddonRec, AgentSelector, AwsMsg, Change, ClusterRec, FargateProfileRec,
    FileSystemRec, Health, HealthState, KubeMsg, MountTargetRec, ProbeKey, SourceId, SourceMsg,
    Target,
};
use super::intern::Sym;
use super::name::Name;
use super::observed::{Changed, Observed, Probe};
use super::projection::*;
use super::table::{Folded, Table};
use super::uid::Uid;

mod ebs;
mod observe;
mod symptoms;

pub use symptoms::Links;

/// (namespace, name): namespaces repeat across thousands of objects, and the name is the
/// row's own.
pub type NsName = (Sym, Name);

/// What a transition is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    FileSystem,
    MountTarget,
    AccessPoint,
    /// An ACK FileSystem's `status.lifeCycleState`.
    Ack,
    EbsVolume,
    /// One instance's attachment of an EBS volume.
    EbsAttachment,
}

impl TransitionKind {
    /// The Lifecycle pane's words for it.
    pub fn label(self) -> &'static str {
        match self {
            TransitionKind::FileSystem => "fs",
            TransitionKind::MountTarget => "mt",
            TransitionKind::AccessPoint => "ap",
            TransitionKind::Ack => "ack",
            TransitionKind::EbsVolume => "EBS",
            TransitionKind::EbsAttachment => "EBS attach",
        }
    }
}

/// A lifecycle state change seen by stordeck, for the Lifecycle pane's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub at: jiff::Timestamp,
    pub kind: TransitionKind,
    /// e.g. "fs-0123", "fsap-0456", "default/shared-fs", "vol-0a @ i-0b".
    pub object: String,
    pub from: Option<String>,
    pub to: String,
}

const MAX_TRANSITIONS: usize = 200;

/// ACK's per-object deletion policy, `retain` or `delete`: whether deleting the object
/// deletes the AWS resource. Kept on ACK FileSystems only, for `ack-duplicate`.
pub const ACK_DELETION_POLICY: &str = "services.k8s.aws/deletion-policy";

/// An ACK FileSystem's row, with its deletion policy annotation, which the generic
/// metadata projection drops.
fn ack_row(o: &kube::api::DynamicObject) -> AckFileSystemRow {
    let mut row = AckFileSystemRow::from_dynamic(o);
    if let Some(policy) = o.annotations().get(ACK_DELETION_POLICY) {
        row.meta.annotations.insert(ACK_DELETION_POLICY, policy);
    }
    row
}

#[derive(Debug, Default)]
pub struct World {
    /// Cluster, region and account as configured, before EKS confirms them.
    pub target: Target,
    pub csi_drivers: Table<String, CsiDriverRow>,
    pub pvs: Table<Name, PvRow>,
    pub pvcs: Table<NsName, PvcRow>,
    pub storage_classes: Table<String, StorageClassRow>,
    pub volume_attachments: Table<String, VolumeAttachmentRow>,
    pub nodes: Table<String, NodeRow>,
    pub daemonsets: Table<NsName, DaemonSetRow>,
    pub service_accounts: Table<NsName, OwnedObjectRow>,
    pub cluster_roles: Table<String, OwnedObjectRow>,
    pub cluster_role_bindings: Table<String, OwnedObjectRow>,
    pub ack_file_systems: Table<NsName, AckFileSystemRow>,
    /// Pods of the node-agent DaemonSets, one table per selector watched.
    pub agent_pods: BTreeMap<AgentSelector, Table<NsName, AgentPodRow>>,
    /// Storage Events, one table per watched reason (each relists on its own).
    pub symptoms: BTreeMap<super::symptom::Reason, Table<NsName, super::symptom::SymptomRow>>,
    /// When stordeck first saw each of them, by its own clock.
    symptom_seen: HashMap<(super::symptom::Reason, NsName), jiff::Timestamp>,

    pub cluster: Option<ClusterRec>,
    pub addons: Table<String, AddonRec>,
    pub fargate_profiles: Table<String, FargateProfileRec>,
    pub nodegroups: Option<Vec<String>>,
    /// EKS's own insights, by id.
    pub insights: Table<String, super::insight::InsightRec>,
    pub insights_refresh: Option<super::insight::InsightsRefreshRec>,
    pub file_systems: Table<String, FileSystemRec>,
    pub access_points: Table<CompactString, AccessPointRec>,
    pub mount_targets: Table<String, MountTargetRec>,
    pub ebs_volumes: Table<CompactString, super::ebs::EbsVolumeRec>,
    pub instances: Table<CompactString, super::ebs::InstanceRec>,
    /// When the last sweep of EBS volumes began: targeted reads begun before it are older.
    ebs_swept: Option<jiff::Timestamp>,
    attachment_seen: ebs::AttachmentSeen,
    /// When each PV's VolumeAttachment last changed (came, went, or changed state), as
    /// the watch told it: EC2 must be read after this before it is judged against it.
    pub va_changed: HashMap<String, jiff::Timestamp>,
    /// The same changes of the last few minutes, oldest first: the volumes EC2 should be
    /// asked about at once, found without walking every PV.
    pub va_recent: VecDeque<(jiff::Timestamp, String)>,
    /// When the node on each instance was seen to go (deleted, or dropped by a relist).
    pub node_gone: HashMap<CompactString, jiff::Timestamp>,
    /// When the first sweep of EBS volumes began: stordeck's first look at EC2.
    pub ebs_first_swept: Option<jiff::Timestamp>,

    pub health: BTreeMap<SourceId, Health>,
    pub transitions: VecDeque<Transition>,
    /// When stordeck first saw each file system's ACK resource disagree with AWS.
    pub drift_since: HashMap<String, jiff::Timestamp>,

    /// When each source last observed what (DESIGN.md, "Truth in time").
    pub observed: Observed,
    idx: Indexes,
    /// Bumped on every change that could alter what is shown.
    pub version: u64,
}

/// Join indexes, maintained incrementally as rows come and go.
#[derive(Debug, Default)]
struct Indexes {
    pv_by_access_point: HashMap<CompactString, Name>,
    /// EBS volume id → the PV whose handle names it.
    pv_by_ebs_volume: HashMap<CompactString, Name>,
    /// How many PVs each driver has: all that a reader asks of them.
    pvs_by_driver: HashMap<Sym, usize>,
    attachments_by_node: HashMap<String, BTreeSet<String>>,
    attachment_by_pv: HashMap<String, String>,
    /// A claim by its uid: the EFS CSI driver's ClientToken is `pvc-<claim uid>`.
    pvc_by_uid: HashMap<Uid, NsName>,
    /// File systems whose access points EFS has listed at least once: until then a PV's
    /// access point is not known to be gone, nor an access point known to be unused.
    access_points_listed: BTreeSet<String>,
    /// What the rules over a file system's access points count, kept as rows come and go
    /// so that no evaluation walks every access point to count them.
    aps_by_fs: BTreeMap<Sym, ApsOfFs>,
}

/// The access points the table holds for one file system, counted.
#[derive(Debug, Default)]
struct ApsOfFs {
    count: usize,
    /// gid → how many of them hold it.
    gids: BTreeMap<i64, u32>,
}

impl Indexes {
    fn add_ap(&mut self, ap: &AccessPointRec) {
        let of = self.aps_by_fs.entry(ap.file_system_id).or_default();
        of.count += 1;
        if let Some(g) = ap.gid {
            *of.gids.entry(i64::from(g)).or_default() += 1;
        }
    }

    fn remove_ap(&mut self, ap: &AccessPointRec) {
        let Some(of) = self.aps_by_fs.get_mut(&ap.file_system_id) else {
            return;
        };
        of.count = of.count.saturating_sub(1);
        if let Some(g) = ap.gid.map(i64::from)
            && let Some(n) = of.gids.get_mut(&g)
        {
            *n -= 1;
            if *n == 0 {
                of.gids.remove(&g);
            }
        }
        if of.count == 0 {
            self.aps_by_fs.remove(&ap.file_system_id);
        }
    }

    fn rebuild_aps<'a>(&mut self, aps: impl Iterator<Item = &'a AccessPointRec>) {
        self.aps_by_fs.clear();
        for ap in aps {
            self.add_ap(ap);
        }
    }

    fn add_pv(&mut self, pv: &PvRow) {
        if let Some(ap) = pv.efs.as_ref().and_then(|h| h.access_point_id.clone()) {
            self.pv_by_access_point.insert(ap, pv.meta.name.clone());
        }
        if let Some(d) = pv.driver {
            *self.pvs_by_driver.entry(d).or_default() += 1;
        }
        if let Some(v) = pv.ebs_volume_id() {
            self.pv_by_ebs_volume.insert(v.into(), pv.meta.name.clone());
        }
    }

    fn remove_pv(&mut self, pv: &PvRow) {
        if let Some(ap) = pv.efs.as_ref().and_then(|h| h.access_point_id.as_ref())
            && self.pv_by_access_point.get(ap) == Some(&pv.meta.name)
        {
            self.pv_by_access_point.remove(ap);
        }
        if let Some(v) = pv.ebs_volume_id()
            && self.pv_by_ebs_volume.get(v) == Some(&pv.meta.name)
        {
            self.pv_by_ebs_volume.remove(v);
        }
        // Every row in the table was added once, so the count cannot go below zero.
        if let Some(d) = &pv.driver
            && let Some(n) = self.pvs_by_driver.get_mut(d)
        {
            *n -= 1;
            if *n == 0 {
                self.pvs_by_driver.remove(d);
            }
        }
    }

    fn add_va(&mut self, va: &VolumeAttachmentRow) {
        self.attachments_by_node
            .entry(va.node.clone())
            .or_default()
            .insert(va.meta.name.to_string());
        if let Some(pv) = &va.pv {
            self.attachment_by_pv
                .insert(pv.clone(), va.meta.name.to_string());
        }
    }

    fn remove_va(&mut self, va: &VolumeAttachmentRow) {
        if let Some(set) = self.attachments_by_node.get_mut(&va.node) {
            set.remove(va.meta.name.as_str());
        }
        if let Some(pv) = &va.pv
            && self
                .attachment_by_pv
                .get(pv)
                .is_some_and(|n| *n == va.meta.name)
        {
            self.attachment_by_pv.remove(pv);
        }
    }
}

/// Whether a targeted read of the access point started after a listing that started at
/// `started`: it knows better about the access point than the listing does.
fn newer_read(probes: &HashMap<ProbeKey, Probe>, id: &str, started: jiff::Timestamp) -> bool {
    !probes.is_empty()
        && probes
            .get(&ProbeKey::AccessPoint(id.to_string()))
            .is_some_and(|p| p.started > started)
}

fn cluster_key<T: ResourceExt>(o: &T) -> String {
    o.name_any()
}

/// A cluster-scoped key shared with the row's own name.
fn name_key<T: ResourceExt>(o: &T) -> Name {
    Name::new(o.meta().name.as_deref().unwrap_or_default())
}

fn ns_key<T: ResourceExt>(o: &T) -> NsName {
    let ns = o.meta().namespace.as_deref().unwrap_or_default();
    (Sym::new(ns), name_key(o))
}

/// The key to look a namespaced row up by; `None` when no row can have it, since nothing
/// holds that name (and so a lookup pools nothing).
pub fn ns_lookup(namespace: &str, name: &str) -> Option<NsName> {
    Some((Sym::new(namespace), Name::existing(name)?))
}

impl World {
    pub fn apply(&mut self, msg: SourceMsg, now: jiff::Timestamp) {
        match msg {
            SourceMsg::Kube(k) => {
                self.version += 1;
                self.apply_kube(*k, now);
            }
            // Pollers re-send the same answer every sweep: an unchanged one changes
            // nothing, so it must not cost a findings evaluation or a redraw.
            SourceMsg::Aws(a) => {
                if !self.holds(&a) {
                    self.version += 1;
                    self.apply_aws(a, now);
                } else if let AwsMsg::AccessPoints {
                    file_system_id,
                    started,
                    ..
                } = &a
                {
                    // Nothing new, but a newer observation: what was waiting for one may
                    // now be judged.
                    self.observed
                        .access_points_listed(file_system_id, *started, now);
                } else if let AwsMsg::EbsVolumes { started, .. } = &a {
                    // Unchanged, but read again: claims that wait for a read this late
                    // may now be judged.
                    self.ebs_swept = Some(*started);
                    self.version += 1;
                }
            }
            SourceMsg::Probe(p) => self.apply_probe(p, now),
            SourceMsg::Health(h) => {
                if self
                    .health
                    .get(&h.source)
                    .is_none_or(|old| old.state != h.state)
                {
                    self.version += 1;
                }
                let listed = super::findings::pvs_listed(self);
                self.health.insert(h.source, h);
                if super::findings::pvs_listed(self) != listed {
                    self.observed.journal.push(Changed::PvsListed);
                }
            }
        }
    }

    /// Whether the World already holds exactly this answer.
    fn holds(&self, msg: &AwsMsg) -> bool {
        fn same<'a, T: PartialEq + 'a>(
            held: impl ExactSizeIterator<Item = &'a T>,
            new: &[T],
        ) -> bool {
            held.len() == new.len() && held.zip(new).all(|(a, b)| a == b)
        }
        match msg {
            AwsMsg::FileSystems(items) => {
                self.file_systems.synced && same(self.file_systems.values(), items)
            }
            AwsMsg::AccessPoints {
                file_system_id,
                items,
                ..
            } => {
                self.idx.access_points_listed.contains(file_system_id)
                    && self.access_point_count(file_system_id) == items.len()
                    && items
                        .iter()
                        .all(|ap| self.access_points.get(&ap.id) == Some(ap))
            }
            AwsMsg::MountTargets {
                file_system_id,
                items,
            } => {
                items
                    .iter()
                    .all(|mt| self.mount_targets.get(&mt.id) == Some(mt))
                    && self
                        .mount_targets
                        .values()
                        .filter(|m| &m.file_system_id == file_system_id)
                        .count()
                        == items.len()
                    && !items.is_empty()
            }
            AwsMsg::Cluster(c) => self.cluster.as_ref() == Some(c),
            AwsMsg::Addons(items) => self.addons.synced && same(self.addons.values(), items),
            AwsMsg::FargateProfiles(items) => {
                self.fargate_profiles.synced && same(self.fargate_profiles.values(), items)
            }
            AwsMsg::Nodegroups(items) => self.nodegroups.as_ref() == Some(items),
            AwsMsg::EbsVolumes { items, .. } => {
                self.ebs_volumes.synced && same(self.ebs_volumes.values(), items)
            }
            AwsMsg::Instances(items) => {
                self.instances.synced && same(self.instances.values(), items)
            }
            AwsMsg::Insights(items) => self.insights.synced && same(self.insights.values(), items),
            AwsMsg::InsightsRefresh(r) => &self.insights_refresh == r,
        }
    }

    fn apply_kube(&mut self, msg: KubeMsg, now: jiff::Timestamp) {
        match msg {
            KubeMsg::CsiDriver(c) => self.fold_csi_driver(c, now),
            KubeMsg::Pv(c) => self.fold_pv(c, now),
            KubeMsg::Pvc(c) => match self.pvcs.fold(c, ns_key, PvcRow::from_k8s) {
                Folded::Upserted { key, old } => {
                    let key = key.clone();
                    let was = old.and_then(|o| o.meta.uid);
                    let is = self.pvcs.get(&key).and_then(|p| p.meta.uid.clone());
                    if let Some(uid) = &was {
                        self.idx.pvc_by_uid.remove(uid);
                    }
                    if let Some(uid) = &is {
                        self.idx.pvc_by_uid.insert(uid.clone(), key);
                    }
                    // A claim's status changes often and its uid never: only a new uid
                    // (or one gone) changes what a rule can find by uid.
                    if was != is {
                        for uid in [was, is].into_iter().flatten() {
                            self.observed.journal.push(Changed::Claim(uid.to_string()));
                        }
                    }
                }
                Folded::Removed(old) => {
                    if let Some(uid) = old.meta.uid {
                        self.idx.pvc_by_uid.remove(&uid);
                        self.observed.journal.push(Changed::Claim(uid.to_string()));
                    }
                }
                Folded::Replaced => {
                    self.idx.pvc_by_uid = self
                        .pvcs
                        .iter()
                        .filter_map(|(k, p)| Some((p.meta.uid.clone()?, k.clone())))
                        .collect();
                    self.observed.journal.push(Changed::Claims);
                }
                Folded::Nothing => {}
            },
            KubeMsg::StorageClass(c) => {
                self.storage_classes
                    .fold(c, cluster_key, StorageClassRow::from_k8s);
            }
            KubeMsg::VolumeAttachment(c) => {
                match self
                    .volume_attachments
                    .fold(c, cluster_key, VolumeAttachmentRow::from_k8s)
                {
                    Folded::Upserted { key, old } => {
                        let key = key.clone();
                        if let Some(old) = old {
                            self.idx.remove_va(&old);
                        }
                        if let Some(new) = self.volume_attachments.get(&key) {
                            self.idx.add_va(new);
                            if let Some(pv) = new.pv.clone() {
                                self.note_va_change(pv, now);
                            }
                        }
                    }
                    Folded::Removed(old) => {
                        self.idx.remove_va(&old);
                        if let Some(pv) = old.pv {
                            self.note_va_change(pv, now);
                        }
                    }
                    Folded::Replaced => {
                        self.idx.attachments_by_node.clear();
                        self.idx.attachment_by_pv.clear();
                        for va in self.volume_attachments.values() {
                            self.idx.add_va(va);
                        }
                    }
                    Folded::Nothing => {}
                }
            }
            KubeMsg::Node(c) => {
                let gone: Vec<String> = match &c {
                    Change::InitDone => self
                        .nodes
                        .relist_drops()
                        .filter_map(|n| n.instance().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                if let Folded::Removed(old) = self.nodes.fold(c, cluster_key, NodeRow::from_k8s)
                    && let Some(i) = old.instance()
                {
                    self.node_gone.insert(i.into(), now);
                }
                for i in gone {
                    self.node_gone.insert(i.into(), now);
                }
                self.note_disruptions(now);
            }
            KubeMsg::AgentPod { selector, change } => self.fold_agent_pod(selector, change, now),
            KubeMsg::Event { reason, change } => self.fold_symptom(reason, change, now),
            KubeMsg::DaemonSet(c) => {
                self.daemonsets.fold(c, ns_key, DaemonSetRow::from_k8s);
            }
            KubeMsg::ServiceAccount(c) => {
                self.service_accounts.fold(c, ns_key, |o| OwnedObjectRow {
                    kind: "ServiceAccount",
                    meta: Meta::from_k8s(&o.metadata),
                });
            }
            KubeMsg::ClusterRole(c) => {
                self.cluster_roles.fold(c, cluster_key, |o| OwnedObjectRow {
                    kind: "ClusterRole",
                    meta: Meta::from_k8s(&o.metadata),
                });
            }
            KubeMsg::ClusterRoleBinding(c) => {
                self.cluster_role_bindings
                    .fold(c, cluster_key, |o| OwnedObjectRow {
                        kind: "ClusterRoleBinding",
                        meta: Meta::from_k8s(&o.metadata),
                    });
            }
            KubeMsg::AckFileSystem(c) => {
                let before: BTreeMap<NsName, Option<String>> = self
                    .ack_file_systems
                    .iter()
                    .map(|(k, v)| (k.clone(), v.life_cycle_state.clone()))
                    .collect();
                self.ack_file_systems.fold(c, ns_key, ack_row);
                let after: Vec<(NsName, Option<String>)> = self
                    .ack_file_systems
                    .iter()
                    .map(|(k, v)| (k.clone(), v.life_cycle_state.clone()))
                    .collect();
                for ((ns, name), state) in after {
                    let prev = before.get(&(ns, name.clone())).cloned().flatten();
                    if let Some(state) = state
                        && prev.as_deref() != Some(state.as_str())
                    {
                        let object = format!("{ns}/{name}");
                        self.push_transition(now, TransitionKind::Ack, object, prev, state);
                    }
                }
                self.update_drift(now);
            }
        }
    }

    fn apply_aws(&mut self, msg: AwsMsg, now: jiff::Timestamp) {
        match msg {
            AwsMsg::FileSystems(items) => {
                let initial = !self.file_systems.synced;
                for fs in &items {
                    let prev = self
                        .file_systems
                        .get(&fs.id)
                        .map(|p| p.life_cycle_state.clone());
                    self.note_state(
                        now,
                        TransitionKind::FileSystem,
                        &fs.id,
                        prev,
                        &fs.life_cycle_state,
                        initial,
                    );
                }
                self.file_systems
                    .replace(items.into_iter().map(|f| (f.id.clone(), f)).collect());
                // Access points and mount targets of a file system that is gone go with it.
                let live: BTreeSet<String> =
                    self.file_systems.iter().map(|(k, _)| k.clone()).collect();
                self.access_points
                    .retain(|_, ap| live.contains(ap.file_system_id.as_str()));
                self.idx.rebuild_aps(self.access_points.values());
                self.mount_targets
                    .retain(|_, mt| live.contains(&mt.file_system_id));
                self.idx.access_points_listed.retain(|id| live.contains(id));
                self.observed.journal.everything();
                self.update_drift(now);
            }
            AwsMsg::AccessPoints {
                file_system_id,
                items,
                started,
            } => self.sweep_access_points(file_system_id, &items, started, now),
            AwsMsg::MountTargets {
                file_system_id,
                items,
            } => {
                let initial = !self
                    .mount_targets
                    .values()
                    .any(|mt| mt.file_system_id == file_system_id);
                for mt in &items {
                    let prev = self
                        .mount_targets
                        .get(&mt.id)
                        .map(|p| p.life_cycle_state.clone());
                    self.note_state(
                        now,
                        TransitionKind::MountTarget,
                        &mt.id,
                        prev,
                        &mt.life_cycle_state,
                        initial,
                    );
                }
                self.mount_targets
                    .retain(|_, mt| mt.file_system_id != file_system_id);
                for mt in items {
                    self.mount_targets.insert(mt.id.clone(), mt);
                }
            }
            AwsMsg::Cluster(c) => self.cluster = Some(c),
            AwsMsg::Addons(items) => {
                let status = &mut self.observed.addon_status;
                status.retain(|name, _| items.iter().any(|a| &a.name == name));
                for a in &items {
                    match status.get(&a.name) {
                        Some((s, _)) if *s == a.status => {}
                        _ => {
                            status.insert(a.name.clone(), (a.status.clone(), now));
                        }
                    }
                }
                self.addons
                    .replace(items.into_iter().map(|a| (a.name.clone(), a)).collect())
            }
            AwsMsg::FargateProfiles(items) => self
                .fargate_profiles
                .replace(items.into_iter().map(|p| (p.name.clone(), p)).collect()),
            AwsMsg::Nodegroups(items) => self.nodegroups = Some(items),
            AwsMsg::EbsVolumes { items, started } => self.sweep_ebs(items, started, now),
            AwsMsg::Instances(items) => self.set_instances(items),
            AwsMsg::Insights(items) => self
                .insights
                .replace(items.into_iter().map(|i| (i.id.clone(), i)).collect()),
            AwsMsg::InsightsRefresh(r) => self.insights_refresh = r,
        }
    }

    /// One file system's listing of access points, folded in place: only the rows that
    /// differ are written and journaled, so a sweep costs its own items and one pass over
    /// the table, never a copy of it.
    fn sweep_access_points(
        &mut self,
        fs: String,
        items: &[AccessPointRec],
        started: jiff::Timestamp,
        now: jiff::Timestamp,
    ) {
        let initial = !self.idx.access_points_listed.contains(&fs);
        let creating =
            |ap: &AccessPointRec| ap.file_system_id == fs && ap.life_cycle_state == "creating";
        let mut listed: HashSet<&str> = HashSet::with_capacity(items.len());
        let mut changed: Vec<String> = Vec::new();
        let mut creating_ids: Vec<String> = Vec::new();
        // The file systems whose access points moved: their counts, or any row.
        let mut moved: BTreeSet<String> = BTreeSet::from([fs.clone()]);
        for ap in items {
            // One lookup per item: at 10,000 items in a table of 100,000 they are what a
            // sweep costs.
            let held = self.access_points.get(&ap.id);
            let same = held == Some(ap);
            let prev = match held {
                Some(p) if p.life_cycle_state == ap.life_cycle_state => None,
                held => Some(held.map(|p| p.life_cycle_state.to_string())),
            };
            if let Some(prev) = prev {
                self.note_state(
                    now,
                    TransitionKind::AccessPoint,
                    &ap.id,
                    prev,
                    &ap.life_cycle_state,
                    initial,
                );
            }
            if newer_read(&self.observed.probes, &ap.id, started) {
                continue;
            }
            listed.insert(ap.id.as_str());
            if creating(ap) {
                creating_ids.push(ap.id.to_string());
            }
            if same {
                continue;
            }
            changed.push(ap.id.to_string());
            moved.insert(ap.file_system_id.to_string());
            self.idx.add_ap(ap);
            if let Some(old) = self.access_points.insert(ap.id.clone(), ap.clone()) {
                self.idx.remove_ap(&old);
                moved.insert(old.file_system_id.to_string());
            }
        }
        // What the listing no longer has goes, unless a newer read says it is still there.
        let probes = &self.observed.probes;
        let newer = |id: &str| newer_read(probes, id, started);
        let idx = &mut self.idx;
        self.access_points.retain(|id, ap| {
            if ap.file_system_id != fs || listed.contains(id.as_str()) {
                return true;
            }
            if newer(id) {
                if creating(ap) {
                    creating_ids.push(id.to_string());
                }
                return true;
            }
            changed.push(id.to_string());
            idx.remove_ap(ap);
            false
        });
        let journal = &mut self.observed.journal;
        for id in changed {
            journal.push(Changed::AccessPoint(id));
        }
        for f in moved {
            journal.push(Changed::FileSystem(f));
        }
        self.note_creating(creating_ids, now);
        self.observed.access_points_listed(&fs, started, now);
        self.idx.access_points_listed.insert(fs);
    }

    /// Records a state change. Objects seen for the first time in a kind's first listing
    /// are not transitions (they were there all along); ones appearing later are.
    fn note_state(
        &mut self,
        now: jiff::Timestamp,
        kind: TransitionKind,
        object: &str,
        prev: Option<String>,
        state: &str,
        initial: bool,
    ) {
        if prev.is_none() && initial {
            return;
        }
        if prev.as_deref() != Some(state) {
            self.push_transition(now, kind, object.to_string(), prev, state.to_string());
        }
    }

    fn push_transition(
        &mut self,
        at: jiff::Timestamp,
        kind: TransitionKind,
        object: String,
        from: Option<String>,
        to: String,
    ) {
        if self.transitions.len() == MAX_TRANSITIONS {
            self.transitions.pop_front();
        }
        self.transitions.push_back(Transition {
            at,
            kind,
            object,
            from,
            to,
        });
    }

    fn update_drift(&mut self, now: jiff::Timestamp) {
        let mut disagreeing = BTreeSet::new();
        for ack in self.ack_file_systems.values() {
            let Some(fs_id) = &ack.file_system_id else {
                continue;
            };
            let Some(fs) = self.file_systems.get(fs_id) else {
                continue;
            };
            let state_differs =
                ack.life_cycle_state.as_deref() != Some(fs.life_cycle_state.as_str());
            let unsynced = ack.synced.as_deref() != Some("True");
            if state_differs || unsynced {
                disagreeing.insert(fs_id.clone());
            }
        }
        self.drift_since.retain(|id, _| disagreeing.contains(id));
        for id in disagreeing {
            self.drift_since.entry(id).or_insert(now);
        }
    }

    // ---- joins ----

    /// The PV using an access point: by the PV's volumeHandle, else by the access point's
    /// ClientToken, which the EFS CSI driver sets to the PV name.
    pub fn pv_for_access_point(&self, ap: &AccessPointRec) -> Option<&PvRow> {
        if let Some(pv) = self
            .idx
            .pv_by_access_point
            .get(&ap.id)
            .and_then(|n| self.pvs.get(n))
        {
            return Some(pv);
        }
        let pv = self.pvs.get(ap.client_token.as_deref()?)?;
        let names_other = pv
            .efs
            .as_ref()
            .and_then(|h| h.access_point_id.as_ref())
            .is_some_and(|id| id != ap.id);
        (!names_other).then_some(pv)
    }

    /// Whether some PV uses the access point: `pv_for_access_point(ap).is_some()`, with
    /// the common case (a PV's handle names it) answered from the index alone.
    pub fn access_point_in_use(&self, ap: &AccessPointRec) -> bool {
        self.idx.pv_by_access_point.contains_key(&ap.id) || self.pv_for_access_point(ap).is_some()
    }

    /// Whether some PV's volumeHandle names the access point (the index alone).
    pub fn access_point_named(&self, id: &str) -> bool {
        self.idx.pv_by_access_point.contains_key(id)
    }

    pub fn access_point_for_pv(&self, pv: &PvRow) -> Option<&AccessPointRec> {
        let id = pv.efs.as_ref()?.access_point_id.as_ref()?;
        self.access_points.get(id)
    }

    /// Every driver PVs name, with how many name it.
    pub fn pv_drivers(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        self.idx.pvs_by_driver.iter().map(|(d, n)| (d.as_str(), *n))
    }

    pub fn pvs_for_driver(&self, driver: &str) -> usize {
        self.idx.pvs_by_driver.get(driver).copied().unwrap_or(0)
    }

    pub fn claim_for_pv(&self, pv: &PvRow) -> Option<&PvcRow> {
        self.pvcs.get(pv.claim.as_ref()?)
    }

    pub fn storage_class_for_pv(&self, pv: &PvRow) -> Option<&StorageClassRow> {
        self.storage_classes.get(pv.storage_class.as_deref()?)
    }

    pub fn attachment_for_pv(&self, pv: &str) -> Option<&VolumeAttachmentRow> {
        self.volume_attachments
            .get(self.idx.attachment_by_pv.get(pv)?)
    }

    pub fn attachments_on_node(&self, node: &str) -> Vec<&VolumeAttachmentRow> {
        self.idx
            .attachments_by_node
            .get(node)
            .into_iter()
            .flatten()
            .filter_map(|n| self.volume_attachments.get(n))
            .collect()
    }

    /// The first of [`Self::acks_for_file_system`].
    pub fn ack_for_file_system(&self, fs_id: &str) -> Option<&AckFileSystemRow> {
        self.acks_for_file_system(fs_id).next()
    }

    /// Every ACK FileSystem whose status names `fs_id`, in namespace/name order. More
    /// than one means each believes it owns the file system (`ack-duplicate`).
    pub fn acks_for_file_system(&self, fs_id: &str) -> impl Iterator<Item = &AckFileSystemRow> {
        self.ack_file_systems
            .values()
            .filter(move |a| a.file_system_id.as_deref() == Some(fs_id))
    }

    /// Whether EFS has answered with the access points of `fs_id` at least once.
    pub fn access_points_listed(&self, fs_id: &str) -> bool {
        self.idx.access_points_listed.contains(fs_id)
    }

    /// How many access points the table holds for `fs_id`: `access_points_of(..).count()`
    /// without walking the table.
    pub fn access_point_count(&self, fs_id: &str) -> usize {
        self.idx.aps_by_fs.get(fs_id).map_or(0, |of| of.count)
    }

    /// The distinct gids `fs_id`'s access points hold within `range`, ascending.
    pub fn access_point_gids(
        &self,
        fs_id: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> impl DoubleEndedIterator<Item = i64> + '_ {
        // `BTreeMap::range` panics on an inverted range; it holds no gid anyway.
        let ordered = range.start() <= range.end();
        self.idx
            .aps_by_fs
            .get(fs_id)
            .filter(|_| ordered)
            .into_iter()
            .flat_map(move |of| of.gids.range(range.clone()).map(|(g, _)| *g))
    }

    /// Every file system with access points in the table, by id, with how many.
    pub fn access_point_counts(&self) -> impl Iterator<Item = (&str, usize)> {
        self.idx
            .aps_by_fs
            .iter()
            .map(|(fs, of)| (fs.as_str(), of.count))
    }

    pub fn access_points_of(&self, fs_id: &str) -> impl Iterator<Item = &AccessPointRec> {
        self.access_points
            .values()
            .filter(move |ap| ap.file_system_id == fs_id)
    }

    /// The node DaemonSet of a CSI driver: the one whose name starts with the driver's
    /// short name (`ebs-csi-node` for `ebs.csi.aws.com`).
    pub fn node_daemonset_for_driver(&self, driver: &str) -> Option<&DaemonSetRow> {
        let short = driver.split('.').next()?;
        let prefix = format!("{short}-csi-node");
        self.daemonsets
            .values()
            .find(|d| d.meta.name.starts_with(&prefix))
    }

    /// Kubernetes objects an add-on manages, by the names EKS gives them.
    pub fn addon_objects(&self, addon: &str) -> Vec<AddonObject<'_>> {
        let Some(m) = addon_match(addon) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for d in self
            .csi_drivers
            .values()
            .filter(|d| m.csi_driver == Some(d.meta.name.as_str()))
        {
            out.push(AddonObject {
                kind: "CSIDriver",
                meta: &d.meta,
            });
        }
        for d in self.daemonsets.values().filter(|d| m.matches(&d.meta.name)) {
            out.push(AddonObject {
                kind: "DaemonSet",
                meta: &d.meta,
            });
        }
        let owned = self.service_accounts.values();
        for o in owned
            .chain(self.cluster_roles.values())
            .chain(self.cluster_role_bindings.values())
        {
            if m.matches(&o.meta.name) {
                out.push(AddonObject {
                    kind: o.kind,
                    meta: &o.meta,
                });
            }
        }
        out
    }

    pub fn is_fargate_only(&self) -> bool {
        let nodes_fargate = !self.nodes.is_empty() && self.nodes.values().all(NodeRow::is_fargate);
        let no_groups = self.nodegroups.as_ref().is_some_and(Vec::is_empty);
        nodes_fargate && no_groups
    }

    /// True once every source has answered at least once (live, stale, error or absent).
    pub fn first_sync_done(&self, expected: &[SourceId]) -> bool {
        expected.iter().all(|s| {
            self.health
                .get(s)
                .is_some_and(|h| !matches!(h.state, HealthState::Syncing))
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct AddonObject<'a> {
    pub kind: &'static str,
    pub meta: &'a Meta,
}

struct AddonMatch {
    csi_driver: Option<&'static str>,
    exact: &'static [&'static str],
    prefix: Option<&'static str>,
}

impl AddonMatch {
    fn matches(&self, name: &str) -> bool {
        self.exact.contains(&name) || self.prefix.is_some_and(|p| name.starts_with(p))
    }
}

/// How EKS names the objects of the add-ons whose ownership matters to storage.
fn addon_match(addon: &str) -> Option<AddonMatch> {
    Some(match addon {
        "vpc-cni" => AddonMatch {
            csi_driver: None,
            exact: &["aws-node"],
            prefix: None,
        },
        "aws-ebs-csi-driver" => AddonMatch {
            csi_driver: Some("ebs.csi.aws.com"),
            exact: &[],
            prefix: Some("ebs-csi-"),
        },
        "aws-efs-csi-driver" => AddonMatch {
            csi_driver: Some("efs.csi.aws.com"),
            exact: &[],
            prefix: Some("efs-csi-"),
        },
        "aws-mountpoint-s3-csi-driver" => AddonMatch {
            csi_driver: Some("s3.csi.aws.com"),
            exact: &[],
            prefix: Some("s3-csi-"),
        },
        _ => return None,
    })
}
