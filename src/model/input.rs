//! What sources tell the model. Kubernetes objects arrive whole (the model projects them
//! and drops the rest); AWS answers arrive as plain records converted from the SDK types,
//! so the model never depends on an SDK.

use compact_str::CompactString;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{
    Event, Node, PersistentVolume, PersistentVolumeClaim, Pod, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use kube::api::DynamicObject;

use super::arn::Arn;
use super::intern::Sym;
use super::name::{Name, NamedPath};

/// One step of a watch, mirroring `kube_runtime::watcher::Event`: a (re)list is bracketed
/// by `InitStart` … `InitDone`, and objects not re-listed in between are gone.
#[derive(Debug, Clone)]
pub enum Change<T> {
    InitStart,
    InitApply(T),
    InitDone,
    Apply(T),
    Delete(T),
}

#[derive(Debug, Clone)]
pub enum KubeMsg {
    CsiDriver(Change<CSIDriver>),
    Pv(Change<PersistentVolume>),
    Pvc(Change<PersistentVolumeClaim>),
    StorageClass(Change<StorageClass>),
    VolumeAttachment(Change<VolumeAttachment>),
    Node(Change<Node>),
    DaemonSet(Change<DaemonSet>),
    ServiceAccount(Change<ServiceAccount>),
    ClusterRole(Change<ClusterRole>),
    ClusterRoleBinding(Change<ClusterRoleBinding>),
    /// ACK `filesystems.efs.services.k8s.aws/v1alpha1`.
    AckFileSystem(Change<DynamicObject>),
    /// Pods of one node-agent DaemonSet (CSI node plugin or CNI), watched through that
    /// DaemonSet's selector only.
    AgentPod {
        selector: AgentSelector,
        change: Change<Pod>,
    },
    /// Events of one storage reason, watched through a `reason=` field selector.
    Event {
        reason: super::symptom::Reason,
        change: Change<Event>,
    },
}

/// A node-agent DaemonSet's pod selector: its namespace and `spec.selector.matchLabels`
/// as a label selector (`app=ebs-csi-node,app.kubernetes.io/name=…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentSelector {
    pub namespace: String,
    pub labels: String,
}

/// What a targeted read reads: one object, fetched right now instead of waiting for the
/// next sweep, to confirm a candidate finding before it alarms anyone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProbeKey {
    /// EFS DescribeAccessPoints by AccessPointId.
    AccessPoint(String),
    /// GET of a PersistentVolume by name.
    Pv(String),
    /// GET of a PersistentVolumeClaim.
    Pvc { namespace: String, name: String },
    /// EC2 DescribeVolumes by VolumeId.
    EbsVolume(String),
    /// GET of the pod an Event is about, for the claims it mounts.
    Pod { namespace: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    /// The object does not exist.
    NotFound,
    /// The service refused the id itself (EFS `ValidationException`): no object by that
    /// name can exist. Its words, for the evidence.
    Invalid { reason: String },
    /// A Kubernetes object exists; its uid, to tell a recreated one from the original.
    Found { uid: Option<String> },
    /// The access point exists, as EFS describes it now.
    AccessPoint(AccessPointRec),
    /// The EBS volume exists, as EC2 describes it now.
    EbsVolume(super::ebs::EbsVolumeRec),
    /// The pod exists; what the symptom join needs of it.
    Pod(PodRead),
    /// The API server refused the read (403): asking again will not help, and the
    /// finding says why it could not look.
    Denied { reason: String },
}

/// What a pod read tells the symptom join: which pod (a recreated one has a new uid),
/// where it is scheduled, and the claims it mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRead {
    pub uid: Option<String>,
    pub node: Option<String>,
    pub claims: Vec<String>,
}

/// The answer to one targeted read, stamped with when the read started: it proves what
/// was true at that moment, not when the answer arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub key: ProbeKey,
    pub started: jiff::Timestamp,
    pub outcome: ProbeOutcome,
}

/// What stordeck is connected to, known before any source answers (for the header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub context: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileSystemRec {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub life_cycle_state: String,
    pub creation_time: Option<jiff::Timestamp>,
    pub size_bytes: Option<i64>,
    pub number_of_mount_targets: i32,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccessPointRec {
    pub id: CompactString,
    pub arn: Option<Arn>,
    pub file_system_id: Sym,
    /// The EFS CSI driver sets this to the PV name it provisions for: a [`Name`], so
    /// that it shares the PV's copy.
    pub client_token: Option<Name>,
    pub name: Option<Name>,
    pub root_path: Option<NamedPath>,
    /// POSIX ids, which EFS keeps in 0..=4294967295.
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub life_cycle_state: Sym,
    /// Keys repeat on every access point a driver makes; values are mostly short.
    pub tags: Vec<(Sym, CompactString)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MountTargetRec {
    pub id: String,
    pub file_system_id: String,
    pub subnet_id: Option<String>,
    pub availability_zone: Option<String>,
    pub ip_address: Option<String>,
    pub life_cycle_state: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterRec {
    pub name: String,
    pub arn: Option<String>,
    pub version: Option<String>,
    pub status: String,
    pub created_at: Option<jiff::Timestamp>,
    pub platform_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AddonRec {
    pub name: String,
    pub version: Option<String>,
    pub status: String,
    pub created_at: Option<jiff::Timestamp>,
    pub modified_at: Option<jiff::Timestamp>,
    pub service_account_role_arn: Option<String>,
    /// (code, message) pairs from `health.issues`.
    pub health_issues: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FargateProfileRec {
    pub name: String,
    pub status: String,
    pub created_at: Option<jiff::Timestamp>,
    /// Namespaces its selectors match.
    pub namespaces: Vec<String>,
}

/// A complete AWS answer: each replaces what the model held for that scope.
#[derive(Debug, Clone)]
pub enum AwsMsg {
    FileSystems(Vec<FileSystemRec>),
    AccessPoints {
        file_system_id: String,
        items: Vec<AccessPointRec>,
        /// When the listing's first page was asked for: whatever existed from then until
        /// the last page is in it, so only changes after this can be missing from it.
        started: jiff::Timestamp,
    },
    MountTargets {
        file_system_id: String,
        items: Vec<MountTargetRec>,
    },
    Cluster(ClusterRec),
    Addons(Vec<AddonRec>),
    FargateProfiles(Vec<FargateProfileRec>),
    Nodegroups(Vec<String>),
    /// Every EBS volume the driver tagged for a cluster, and those PVs name by id.
    EbsVolumes {
        items: Vec<super::ebs::EbsVolumeRec>,
        /// When the sweep's first call was made (see `AccessPoints::started`).
        started: jiff::Timestamp,
    },
    /// The instances the volumes' attachments name.
    Instances(Vec<super::ebs::InstanceRec>),
    /// Every insight EKS holds for the cluster, the non-passing ones described.
    Insights(Vec<super::insight::InsightRec>),
    /// The last insights refresh anyone asked for; `None` when none ever was.
    InsightsRefresh(Option<super::insight::InsightsRefreshRec>),
}

/// Which source a health report is about; one per watched kind and per AWS poller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceId {
    CsiDrivers,
    Pvs,
    Pvcs,
    StorageClasses,
    VolumeAttachments,
    Nodes,
    DaemonSets,
    ServiceAccounts,
    ClusterRoles,
    ClusterRoleBindings,
    AckFileSystems,
    EfsFileSystems,
    EfsAccessPoints,
    EfsMountTargets,
    EksCluster,
    EksAddons,
    EksFargateProfiles,
    EksNodegroups,
    EksInsights,
    AgentPods,
    Ec2Volumes,
    Ec2Instances,
    Events,
}

impl SourceId {
    pub const ALL: [SourceId; 23] = [
        SourceId::CsiDrivers,
        SourceId::Pvs,
        SourceId::Pvcs,
        SourceId::StorageClasses,
        SourceId::VolumeAttachments,
        SourceId::Nodes,
        SourceId::DaemonSets,
        SourceId::ServiceAccounts,
        SourceId::ClusterRoles,
        SourceId::ClusterRoleBindings,
        SourceId::AckFileSystems,
        SourceId::EfsFileSystems,
        SourceId::EfsAccessPoints,
        SourceId::EfsMountTargets,
        SourceId::EksCluster,
        SourceId::EksAddons,
        SourceId::EksFargateProfiles,
        SourceId::EksNodegroups,
        SourceId::EksInsights,
        SourceId::AgentPods,
        SourceId::Ec2Volumes,
        SourceId::Ec2Instances,
        SourceId::Events,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SourceId::CsiDrivers => "csidrivers",
            SourceId::Pvs => "pvs",
            SourceId::Pvcs => "pvcs",
            SourceId::StorageClasses => "storageclasses",
            SourceId::VolumeAttachments => "volumeattachments",
            SourceId::Nodes => "nodes",
            SourceId::DaemonSets => "daemonsets",
            SourceId::ServiceAccounts => "serviceaccounts",
            SourceId::ClusterRoles => "clusterroles",
            SourceId::ClusterRoleBindings => "clusterrolebindings",
            SourceId::AckFileSystems => "ack-filesystems",
            SourceId::EfsFileSystems => "efs-filesystems",
            SourceId::EfsAccessPoints => "efs-accesspoints",
            SourceId::EfsMountTargets => "efs-mounttargets",
            SourceId::EksCluster => "eks-cluster",
            SourceId::EksAddons => "eks-addons",
            SourceId::EksFargateProfiles => "eks-fargate",
            SourceId::EksNodegroups => "eks-nodegroups",
            SourceId::EksInsights => "eks-insights",
            SourceId::AgentPods => "agent-pods",
            SourceId::Ec2Volumes => "ec2-volumes",
            SourceId::Ec2Instances => "ec2-instances",
            SourceId::Events => "events",
        }
    }

    /// The Kubernetes resource behind the source, as RBAC and `kubectl auth can-i` name
    /// it, and whether it is namespaced (watched across all namespaces).
    pub fn resource(self) -> Option<(&'static str, bool)> {
        Some(match self {
            SourceId::CsiDrivers => ("csidrivers.storage.k8s.io", false),
            SourceId::Pvs => ("persistentvolumes", false),
            SourceId::Pvcs => ("persistentvolumeclaims", true),
            SourceId::StorageClasses => ("storageclasses.storage.k8s.io", false),
            SourceId::VolumeAttachments => ("volumeattachments.storage.k8s.io", false),
            SourceId::Nodes => ("nodes", false),
            SourceId::DaemonSets => ("daemonsets.apps", true),
            SourceId::ServiceAccounts => ("serviceaccounts", true),
            SourceId::ClusterRoles => ("clusterroles.rbac.authorization.k8s.io", false),
            SourceId::ClusterRoleBindings => {
                ("clusterrolebindings.rbac.authorization.k8s.io", false)
            }
            SourceId::AckFileSystems => ("filesystems.efs.services.k8s.aws", true),
            // Watched in the driver's own namespace, not across all of them.
            SourceId::AgentPods => ("pods", false),
            SourceId::Events => ("events", true),
            _ => return None,
        })
    }

    pub fn is_aws(self) -> bool {
        matches!(
            self,
            SourceId::EfsFileSystems
                | SourceId::EfsAccessPoints
                | SourceId::EfsMountTargets
                | SourceId::EksCluster
                | SourceId::EksAddons
                | SourceId::EksFargateProfiles
                | SourceId::EksNodegroups
                | SourceId::EksInsights
                | SourceId::Ec2Volumes
                | SourceId::Ec2Instances
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum HealthState {
    /// First list or poll still under way.
    Syncing,
    Live,
    /// Was live; the last attempt failed and data is as of `since`.
    Stale {
        since: jiff::Timestamp,
        reason: String,
    },
    /// Never synced, or cannot: the reason and what to do about it.
    Error {
        reason: String,
        hint: String,
    },
    /// Not applicable here (e.g. the ACK CRD is not installed); not an error.
    Absent {
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Health {
    pub source: SourceId,
    pub state: HealthState,
    pub at: jiff::Timestamp,
    /// When a failing source will try again on its own (it backs off); `None` while it
    /// is live or syncing, and for sources that do not say.
    pub retry_at: Option<jiff::Timestamp>,
}

/// A World in which forbidden serviceaccounts failed at `at` and try again 35 s later:
/// what every view of a next try is tested with.
#[cfg(test)]
pub(crate) fn retrying_world(at: jiff::Timestamp) -> super::World {
    let mut w = super::World::default();
    let h = Health {
        source: SourceId::ServiceAccounts,
        state: HealthState::Error {
            reason: "forbidden to list/watch serviceaccounts".into(),
            hint: "grant it".into(),
        },
        at,
        retry_at: Some(at + jiff::SignedDuration::from_secs(35)),
    };
    w.apply(SourceMsg::Health(h), at);
    w
}

/// Everything a source can send.
#[derive(Debug, Clone)]
pub enum SourceMsg {
    /// Boxed: whole Kubernetes objects are large, and channels size slots by the largest.
    Kube(Box<KubeMsg>),
    Aws(AwsMsg),
    Health(Health),
    Probe(ProbeResult),
}

impl From<KubeMsg> for SourceMsg {
    fn from(m: KubeMsg) -> Self {
        SourceMsg::Kube(Box::new(m))
    }
}

impl From<AwsMsg> for SourceMsg {
    fn from(m: AwsMsg) -> Self {
        SourceMsg::Aws(m)
    }
}
