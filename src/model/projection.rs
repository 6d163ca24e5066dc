//! Compact projections of Kubernetes objects: what the panes, joins and findings read, and
//! nothing more. managedFields shrink to their manager names.

use std::borrow::Cow;
use std::collections::BTreeMap;

use compact_str::CompactString;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Toleration};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;

use super::access_modes::AccessModes;
use super::intern::{Sym, SymList};
use super::name::Name;
use super::stamp::Stamp;
use super::uid::Uid;
use super::volume_handle::{self, EfsHandle};
use super::world::NsName;

/// Annotations worth keeping: Helm's release ownership, and the rules a user silenced on
/// this object.
const KEPT_ANNOTATIONS: &[&str] = &[
    "meta.helm.sh/release-name",
    "meta.helm.sh/release-namespace",
    IGNORE_ANNOTATION,
];

/// `stordeck.io/ignore: <rule-id>[,<rule-id>…]` silences those rules for this object.
pub const IGNORE_ANNOTATION: &str = "stordeck.io/ignore";

/// Labels or kept annotations: a sorted list behind one thin pointer. Most objects carry a
/// handful, and a `BTreeMap` allocates a whole node (about 560 bytes) for even one; at
/// 20,000 objects per kind that was the largest part of a row. Most PVs and claims carry
/// none, so an empty list is a null pointer, half a boxed slice. Keys are interned (every
/// claim the binder touched carries the same few) and values are inline up to 24 bytes
/// (`yes`, a driver's name): a pair is then no allocation of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[expect(
    clippy::box_collection,
    reason = "the box is the thin pointer the row keeps"
)]
pub struct Pairs(Option<Box<Vec<(Sym, CompactString)>>>);

fn position(pairs: &[(Sym, CompactString)], key: &str) -> Result<usize, usize> {
    pairs.binary_search_by(|(k, _)| k.as_str().cmp(key))
}

impl Pairs {
    /// Never `Some` of an empty list, so that derived equality holds.
    fn from_vec(mut v: Vec<(Sym, CompactString)>) -> Self {
        v.shrink_to_fit();
        Pairs((!v.is_empty()).then(|| Box::new(v)))
    }

    fn slice(&self) -> &[(Sym, CompactString)] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let pairs = self.slice();
        position(pairs, key).ok().map(|i| pairs[i].1.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        position(self.slice(), key).is_ok()
    }

    /// Rare (a row built by hand), so a reallocation each time is fine.
    pub fn insert(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) {
        let (key, value) = (key.as_ref(), value.as_ref());
        let mut v = self.0.take().map(|b| *b).unwrap_or_default();
        match position(&v, key) {
            Ok(i) => v[i].1 = value.into(),
            Err(i) => v.insert(i, (Sym::new(key), value.into())),
        }
        *self = Pairs::from_vec(v);
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.slice().iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Pairs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Self {
        let mut v: Vec<(Sym, CompactString)> = it
            .into_iter()
            .map(|(k, v)| (Sym::new(k.as_ref()), v.as_ref().into()))
            .collect();
        // Stable, so that of equal keys the last stays last, and wins as in a map.
        v.sort_by_key(|p| p.0);
        v.reverse();
        v.dedup_by(|a, b| a.0 == b.0);
        v.reverse();
        Pairs::from_vec(v)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub name: Name,
    pub namespace: Option<Sym>,
    pub uid: Option<Uid>,
    pub created: Stamp,
    pub labels: Pairs,
    pub annotations: Pairs,
    /// managedFields managers, in order, deduplicated.
    pub managers: SymList,
}

impl Meta {
    pub fn from_k8s(m: &ObjectMeta) -> Self {
        let mut managers: Vec<Sym> = Vec::new();
        for mf in m.managed_fields.iter().flatten() {
            if let Some(name) = &mf.manager
                && !managers.iter().any(|k| k == name)
            {
                managers.push(Sym::new(name));
            }
        }
        Meta {
            name: m.name.as_deref().map(Name::new).unwrap_or_default(),
            namespace: m.namespace.as_deref().map(Sym::new),
            uid: m.uid.as_deref().map(Uid::new),
            created: Stamp::new(m.creation_timestamp.as_ref().map(|t| t.0)),
            labels: m.labels.iter().flatten().collect(),
            annotations: m
                .annotations
                .iter()
                .flatten()
                .filter(|(k, _)| KEPT_ANNOTATIONS.contains(&k.as_str()))
                .collect(),
            managers: managers.into(),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CsiDriverRow {
    pub meta: Meta,
    pub attach_required: Option<bool>,
    pub fs_group_policy: Option<String>,
}

impl CsiDriverRow {
    pub fn from_k8s(o: &CSIDriver) -> Self {
        CsiDriverRow {
            meta: Meta::from_k8s(&o.metadata),
            attach_required: o.spec.attach_required,
            fs_group_policy: o.spec.fs_group_policy.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PvRow {
    pub meta: Meta,
    /// Shared: a cluster provisions a handful of sizes, over and over (a `Name`, not a
    /// `Sym`, because a volume resizer can write a new exact size on every resize).
    pub capacity: Option<Name>,
    pub access_modes: AccessModes,
    pub reclaim_policy: Option<Sym>,
    pub phase: Option<Sym>,
    /// (namespace, name) of the bound claim.
    pub claim: Option<NsName>,
    pub storage_class: Option<Sym>,
    pub driver: Option<Sym>,
    /// `spec.csi.volumeHandle`, unless `efs` renders it back exactly, as it does for
    /// nearly every EFS PV: the text was 64 bytes more of every row. Read it with
    /// [`PvRow::volume_handle`].
    handle_text: Option<Box<str>>,
    pub efs: Option<EfsHandle>,
    /// The zones its required nodeAffinity allows (`topology.kubernetes.io/zone` or the
    /// EBS driver's `topology.ebs.csi.aws.com/zone`); empty when it says nothing of zones.
    pub zones: SymList,
}

impl PvRow {
    pub fn from_k8s(o: &PersistentVolume) -> Self {
        let spec = o.spec.as_ref();
        let csi = spec.and_then(|s| s.csi.as_ref());
        let handle = csi.map(|c| c.volume_handle.as_str());
        let efs = handle.and_then(volume_handle::parse);
        let handle_text = handle
            .filter(|h| efs.as_ref().is_none_or(|e| e.render() != *h))
            .map(Into::into);
        PvRow {
            meta: Meta::from_k8s(&o.metadata),
            capacity: spec
                .and_then(|s| s.capacity.as_ref())
                .and_then(|c| c.get("storage"))
                .map(|q| q.0.as_str().into()),
            access_modes: spec
                .and_then(|s| s.access_modes.as_deref())
                .map(AccessModes::new)
                .unwrap_or_default(),
            reclaim_policy: spec
                .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                .map(Sym::new),
            phase: o
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .map(Sym::new),
            claim: spec.and_then(|s| s.claim_ref.as_ref()).and_then(|c| {
                let ns = Sym::new(c.namespace.as_deref().unwrap_or_default());
                Some((ns, Name::new(c.name.as_deref()?)))
            }),
            storage_class: spec
                .and_then(|s| s.storage_class_name.as_deref())
                .map(Sym::new),
            driver: csi.map(|c| Sym::new(&c.driver)),
            efs,
            handle_text,
            zones: spec.map(affinity_zones).unwrap_or_default(),
        }
    }

    /// `spec.csi.volumeHandle`, as the PV gave it.
    pub fn volume_handle(&self) -> Option<Cow<'_, str>> {
        match (&self.handle_text, &self.efs) {
            (Some(t), _) => Some(Cow::Borrowed(t)),
            (None, Some(e)) => Some(Cow::Owned(e.render())),
            (None, None) => None,
        }
    }

    /// Whether the two name the same volumeHandle. A handle is always held the same way,
    /// so its parts compare as its text does, with no text to build.
    pub fn same_handle(&self, other: &PvRow) -> bool {
        self.handle_text == other.handle_text && self.efs == other.efs
    }

    /// The EBS volume id of an EBS CSI PV.
    pub fn ebs_volume_id(&self) -> Option<&str> {
        // An EBS handle never parses as EFS, so it is always kept as text.
        let h = self.handle_text.as_deref()?;
        (self
            .driver
            .is_some_and(|d| d == crate::model::ebs::EBS_DRIVER)
            && crate::model::ebs::is_volume_id(h))
        .then_some(h)
    }
}

const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "topology.ebs.csi.aws.com/zone",
];

fn affinity_zones(spec: &k8s_openapi::api::core::v1::PersistentVolumeSpec) -> SymList {
    let terms = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let mut zones: Vec<Sym> = terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .filter(|e| ZONE_KEYS.contains(&e.key.as_str()) && e.operator == "In")
        .flat_map(|e| e.values.iter().flatten())
        .map(|z| Sym::new(z))
        .collect();
    zones.sort();
    zones.dedup();
    zones.into()
}

#[derive(Debug, Clone, PartialEq)]
pub struct PvcRow {
    pub meta: Meta,
    pub storage_class: Option<Sym>,
    pub phase: Option<Sym>,
    /// Shared, as a PV's capacity.
    pub requested: Option<Name>,
    /// The PV it is bound to (`spec.volumeName`): how an Event about the claim, or about
    /// a pod mounting it, reaches the volume.
    pub volume: Option<Name>,
}

impl PvcRow {
    pub fn from_k8s(o: &PersistentVolumeClaim) -> Self {
        let spec = o.spec.as_ref();
        PvcRow {
            meta: Meta::from_k8s(&o.metadata),
            storage_class: spec
                .and_then(|s| s.storage_class_name.as_deref())
                .map(Sym::new),
            phase: o
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .map(Sym::new),
            requested: spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .map(|q| q.0.as_str().into()),
            volume: spec
                .and_then(|s| s.volume_name.as_deref())
                .filter(|v| !v.is_empty())
                .map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageClassRow {
    pub meta: Meta,
    pub provisioner: String,
    pub reclaim_policy: Option<String>,
    pub parameters: BTreeMap<String, String>,
}

impl StorageClassRow {
    pub fn from_k8s(o: &StorageClass) -> Self {
        StorageClassRow {
            meta: Meta::from_k8s(&o.metadata),
            provisioner: o.provisioner.clone(),
            reclaim_policy: o.reclaim_policy.clone(),
            parameters: o.parameters.clone().unwrap_or_default(),
        }
    }

    /// `gidRangeStart..=gidRangeEnd` of an EFS class, when both parse.
    pub fn gid_range(&self) -> Option<(i64, i64)> {
        let start = self.parameters.get("gidRangeStart")?.parse().ok()?;
        let end = self.parameters.get("gidRangeEnd")?.parse().ok()?;
        (start <= end).then_some((start, end))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeAttachmentRow {
    pub meta: Meta,
    pub attacher: String,
    pub node: String,
    pub pv: Option<String>,
    pub attached: bool,
}

impl VolumeAttachmentRow {
    pub fn from_k8s(o: &VolumeAttachment) -> Self {
        VolumeAttachmentRow {
            meta: Meta::from_k8s(&o.metadata),
            attacher: o.spec.attacher.clone(),
            node: o.spec.node_name.clone(),
            pv: o.spec.source.persistent_volume_name.clone(),
            attached: o.status.as_ref().is_some_and(|s| s.attached),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaintRow {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub meta: Meta,
    pub taints: Vec<TaintRow>,
    pub ready: Option<bool>,
    /// `spec.providerID`, `aws:///<zone>/i-…` on EC2 nodes.
    pub provider_id: Option<Box<str>>,
}

impl NodeRow {
    pub fn from_k8s(o: &Node) -> Self {
        NodeRow {
            meta: Meta::from_k8s(&o.metadata),
            taints: o
                .spec
                .as_ref()
                .and_then(|s| s.taints.as_ref())
                .into_iter()
                .flatten()
                .map(|t| TaintRow {
                    key: t.key.clone(),
                    value: t.value.clone(),
                    effect: t.effect.clone(),
                })
                .collect(),
            ready: o
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
                .map(|c| c.status == "True"),
            provider_id: o
                .spec
                .as_ref()
                .and_then(|s| s.provider_id.as_deref())
                .map(Into::into),
        }
    }

    /// The EC2 instance behind the node.
    pub fn instance(&self) -> Option<&str> {
        crate::model::ebs::provider_instance(self.provider_id.as_deref()?).map(|(_, i)| i)
    }

    /// Its zone: the well-known label, else the providerID's.
    pub fn zone(&self) -> Option<&str> {
        self.meta.label("topology.kubernetes.io/zone").or_else(|| {
            crate::model::ebs::provider_instance(self.provider_id.as_deref()?).map(|(z, _)| z)
        })
    }

    /// `eks.amazonaws.com/compute-type`, `fargate` on Fargate nodes.
    pub fn compute_type(&self) -> Option<&str> {
        self.meta.label("eks.amazonaws.com/compute-type")
    }

    pub fn is_fargate(&self) -> bool {
        self.compute_type() == Some("fargate")
    }

    pub fn has_taint(&self, key: &str) -> bool {
        self.taints.iter().any(|t| t.key == key)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TolerationRow {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl TolerationRow {
    fn from_k8s(t: &Toleration) -> Self {
        TolerationRow {
            key: t.key.clone(),
            operator: t.operator.clone(),
            value: t.value.clone(),
            effect: t.effect.clone(),
        }
    }

    /// Whether this toleration tolerates a taint with `key` and `effect`, by the
    /// scheduler's rules: `Exists` with no key tolerates every taint.
    pub fn tolerates(&self, key: &str, value: Option<&str>, effect: &str) -> bool {
        let effect_ok = self
            .effect
            .as_deref()
            .is_none_or(|e| e.is_empty() || e == effect);
        let exists = self.operator.as_deref() == Some("Exists");
        let key_ok = match self.key.as_deref() {
            None | Some("") => exists,
            Some(k) => k == key,
        };
        let value_ok = exists || self.value.as_deref().unwrap_or("") == value.unwrap_or("");
        effect_ok && key_ok && value_ok
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetRow {
    pub meta: Meta,
    /// `spec.selector.matchLabels` as a label selector, when it has only matchLabels.
    pub selector: Option<String>,
    pub desired: i32,
    pub ready: i32,
    pub tolerations: Vec<TolerationRow>,
    pub images: Vec<String>,
}

impl DaemonSetRow {
    pub fn from_k8s(o: &DaemonSet) -> Self {
        let pod = o.spec.template.spec.as_ref();
        DaemonSetRow {
            meta: Meta::from_k8s(&o.metadata),
            selector: match_labels_selector(o),
            desired: o.status.as_ref().map_or(0, |s| s.desired_number_scheduled),
            ready: o.status.as_ref().map_or(0, |s| s.number_ready),
            tolerations: pod
                .and_then(|p| p.tolerations.as_ref())
                .into_iter()
                .flatten()
                .map(TolerationRow::from_k8s)
                .collect(),
            images: pod
                .map(|p| {
                    p.containers
                        .iter()
                        .filter_map(|c| c.image.clone())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub fn tolerates(&self, key: &str, value: Option<&str>, effect: &str) -> bool {
        self.tolerations
            .iter()
            .any(|t| t.tolerates(key, value, effect))
    }
}

/// `k=v,k2=v2` from a selector of matchLabels alone; one with matchExpressions (rare for
/// DaemonSets) is not watched rather than watched too widely.
fn match_labels_selector(o: &DaemonSet) -> Option<String> {
    let sel = &o.spec.selector;
    if sel
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    let labels = sel.match_labels.as_ref().filter(|m| !m.is_empty())?;
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Some(parts.join(","))
}

/// A node agent's pod: where it runs and whether it is still there to unmount volumes.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentPodRow {
    pub name: String,
    pub namespace: String,
    pub node: Option<String>,
    /// Set once the pod is being deleted (evicted or drained).
    pub terminating: bool,
    pub phase: Option<String>,
}

impl AgentPodRow {
    pub fn from_k8s(o: &Pod) -> Self {
        AgentPodRow {
            name: o.metadata.name.clone().unwrap_or_default(),
            namespace: o.metadata.namespace.clone().unwrap_or_default(),
            node: o.spec.as_ref().and_then(|s| s.node_name.clone()),
            terminating: o.metadata.deletion_timestamp.is_some(),
            phase: o.status.as_ref().and_then(|s| s.phase.clone()),
        }
    }

    /// Whether it can still do its job on its node.
    pub fn serving(&self) -> bool {
        !self.terminating && !matches!(self.phase.as_deref(), Some("Succeeded" | "Failed"))
    }
}

/// Objects kept only for ownership evidence (ServiceAccount, ClusterRole, …).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedObjectRow {
    pub kind: &'static str,
    pub meta: Meta,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AckFileSystemRow {
    pub meta: Meta,
    /// `status.fileSystemID`.
    pub file_system_id: Option<String>,
    /// `status.lifeCycleState`.
    pub life_cycle_state: Option<String>,
    /// Status of the `ACK.ResourceSynced` condition: "True", "False", "Unknown".
    pub synced: Option<String>,
    pub synced_changed: Option<jiff::Timestamp>,
    pub synced_message: Option<String>,
}

impl AckFileSystemRow {
    pub fn from_dynamic(o: &DynamicObject) -> Self {
        let status = o.data.get("status");
        let cond = status
            .and_then(|s| s.get("conditions"))
            .and_then(|c| c.as_array())
            .and_then(|cs| cs.iter().find(|c| c["type"] == "ACK.ResourceSynced"));
        let s = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
        AckFileSystemRow {
            meta: Meta::from_k8s(&o.metadata),
            file_system_id: s(status.and_then(|st| st.get("fileSystemID"))),
            life_cycle_state: s(status.and_then(|st| st.get("lifeCycleState"))),
            synced: s(cond.and_then(|c| c.get("status"))),
            synced_changed: s(cond.and_then(|c| c.get("lastTransitionTime")))
                .and_then(|t| t.parse().ok()),
            synced_message: s(cond.and_then(|c| c.get("message"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_like_a_map() {
        let mut p: Pairs = [("b", "2"), ("a", "1"), ("b", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(p.len(), 2);
        assert_eq!(p.get("b"), Some("3"), "the last wins");
        assert!(p.contains_key("a") && !p.contains_key("c"));
        p.insert("c", "4");
        p.insert("a", "0");
        let keys: Vec<(&str, &str)> = p.iter().collect();
        assert_eq!(keys, [("a", "0"), ("b", "3"), ("c", "4")]);
    }
}
