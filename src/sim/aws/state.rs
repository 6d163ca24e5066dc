//! The records the simulated account keeps. Plain data: the endpoints render them into
//! the wire shapes, the scenarios and the control API fill them in.

use std::collections::BTreeMap;

use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct FileSystem {
    pub id: String,
    pub creation_token: String,
    pub name: Option<String>,
    pub created: Timestamp,
    /// creating | available | updating | deleting | deleted | error
    pub life_cycle_state: String,
    pub size_bytes: i64,
    pub performance_mode: String,
    pub throughput_mode: String,
    pub encrypted: bool,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessPoint {
    pub id: String,
    pub file_system_id: String,
    /// The EFS CSI driver sets this to the name of the PV it provisions for.
    pub client_token: String,
    pub name: Option<String>,
    pub uid: i64,
    pub gid: i64,
    pub root_path: String,
    /// Octal, as in `CreationInfo.Permissions`.
    pub permissions: String,
    pub life_cycle_state: String,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MountTarget {
    pub id: String,
    pub file_system_id: String,
    pub subnet_id: String,
    pub availability_zone_name: String,
    pub availability_zone_id: String,
    pub ip_address: String,
    pub network_interface_id: String,
    pub vpc_id: String,
    pub life_cycle_state: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    pub created_at: Timestamp,
    pub version: String,
    pub endpoint: String,
    pub role_arn: String,
    pub status: String,
    pub platform_version: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub addons: BTreeMap<String, Addon>,
    pub fargate_profiles: BTreeMap<String, FargateProfile>,
    pub nodegroups: Vec<String>,
    /// Cluster insights by id; empty unless a scenario gives some.
    pub insights: BTreeMap<String, Insight>,
    /// The last StartInsightsRefresh, if any was asked for.
    pub insights_refresh: Option<InsightsRefresh>,
}

/// An EKS cluster insight, as DescribeInsight returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    pub id: String,
    pub name: String,
    /// UPGRADE_READINESS | MISCONFIGURATION
    pub category: String,
    /// PASSING | WARNING | ERROR | UNKNOWN
    pub status: String,
    pub reason: String,
    pub kubernetes_version: String,
    pub description: String,
    pub recommendation: String,
    pub last_refresh: Timestamp,
    pub last_transition: Timestamp,
    pub resources: Vec<InsightResource>,
    pub additional_info: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InsightResource {
    /// An ARN (an add-on's) or a Kubernetes resource URI; exactly one is set.
    pub arn: Option<String>,
    pub kubernetes_uri: Option<String>,
    pub status: String,
    pub reason: String,
}

/// A refresh EKS accepted: IN_PROGRESS until `ended`, then COMPLETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightsRefresh {
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
}

pub const INSIGHT_STATUSES: &[&str] = &["PASSING", "WARNING", "ERROR", "UNKNOWN"];

/// A Kubernetes object an add-on manages; deleting the add-on without `preserve` deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedObject {
    /// Resource plural as the store knows it (`csidrivers`, `daemonsets`, …).
    pub resource: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl ManagedObject {
    pub fn new(resource: &str, namespace: &str, name: &str) -> Self {
        ManagedObject {
            resource: resource.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonIssue {
    pub code: String,
    pub message: String,
    pub resource_ids: Vec<String>,
}

/// A DeleteAddon that EKS has accepted but not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingDelete {
    pub requested: Timestamp,
    pub preserve: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Addon {
    pub name: String,
    pub version: String,
    /// CREATING | ACTIVE | CREATE_FAILED | UPDATING | DELETING | DELETE_FAILED | DEGRADED |
    /// UPDATE_FAILED
    pub status: String,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    pub service_account_role_arn: Option<String>,
    pub configuration_values: Option<String>,
    pub owner: String,
    pub publisher: String,
    pub health_issues: Vec<AddonIssue>,
    pub managed: Vec<ManagedObject>,
    pub deleting: Option<PendingDelete>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FargateSelector {
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FargateProfile {
    pub name: String,
    pub arn: String,
    pub created_at: Timestamp,
    pub pod_execution_role_arn: String,
    pub subnets: Vec<String>,
    pub selectors: Vec<FargateSelector>,
    pub status: String,
}

pub const ADDON_STATUSES: &[&str] = &[
    "CREATING",
    "ACTIVE",
    "CREATE_FAILED",
    "UPDATING",
    "DELETING",
    "DELETE_FAILED",
    "DEGRADED",
    "UPDATE_FAILED",
];

pub const FS_STATES: &[&str] = &[
    "creating",
    "available",
    "updating",
    "deleting",
    "deleted",
    "error",
];

/// Deterministic ids that look like AWS's (`fsap-0` + 16 hex digits), so runs and
/// snapshots repeat.
pub fn hex_id(prefix: &str, seq: u64) -> String {
    format!("{prefix}-{:017x}", splitmix64(seq))
}

pub fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable UUID-shaped string from a seed (PV names, ARN suffixes).
pub fn uuid_like(seed: u64) -> String {
    let a = splitmix64(seed);
    let b = splitmix64(a ^ 0x5d1c);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// FNV-1a, for seeds derived from names.
pub fn name_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
