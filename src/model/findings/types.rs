//! What a finding is, and the JSON it serializes to (`stordeck report --format json`).
//!
//! The shape is a contract with scripts and tickets; change it only additively:
//!
//! ```json
//! {
//!   "id": "preserve-risk",
//!   "severity": "critical",
//!   "title": "Deleting add-on aws-efs-csi-driver without preserve would delete …",
//!   "evidence": [
//!     {"object": {"kind": "CSIDriver", "namespace": null, "name": "efs.csi.aws.com"},
//!      "fields": {"metadata.creationTimestamp": "2026-03-02T10:00:00Z"}},
//!     "cluster has 2 Fargate profiles: fp-default, fp-apps"
//!   ],
//!   "fix": {"kind": "PreserveDelete", "addon": "aws-efs-csi-driver"},
//!   "since": "2026-03-02T10:00:00Z",
//!   "source": "stordeck",
//!   "silenced": false
//! }
//! ```
//!
//! - `since`: since when the condition has held, as far as stordeck knows (its first
//!   sight of it, or the object's own evidence when that is older); `null` if unknown.
//! - `silenced`: the user accepted this finding (config or the `stordeck.io/ignore`
//!   annotation); `silenced_reason` then says why. Silenced findings count nowhere.
//!
//! - `severity`: `"critical"`, `"warning"` or `"info"`.
//! - `evidence`: in the order that reads best; each item is either an object reference
//!   with the fields that prove the point (field path → value as text, in order), or a
//!   plain sentence.
//! - `object.kind`: the Kubernetes kind (`CSIDriver`, `PersistentVolume`,
//!   `PersistentVolumeClaim`, `Pod`, `Event`, `StorageClass`, `VolumeAttachment`, `Node`,
//!   `DaemonSet`, `ServiceAccount`, `ClusterRole`, `ClusterRoleBinding`),
//!   `FileSystem.efs.services.k8s.aws` for the ACK resource, and the CloudFormation type
//!   names for AWS objects (`AWS::EKS::Addon`, `AWS::EFS::FileSystem`,
//!   `AWS::EFS::AccessPoint`, `AWS::EC2::Volume`, `AWS::EC2::Instance`), and
//!   `AWS::EKS::Insight` for an EKS cluster insight (named by its name; its `id` is a field).
//! - `source`: `"stordeck"` for stordeck's own findings, `"eks"` for an EKS cluster insight
//!   (rule `eks-insight`), which is EKS's verdict as of its `lastRefreshTime`.
//! - An `Event` item is a symptom the finding explains: its fields are `reason`, `type`,
//!   `message`, `count`, `firstTimestamp`, `lastTimestamp` and `involvedObject`.
//!   `namespace` is `null` for cluster-scoped and AWS objects.
//! - `fix`: `null`, or `{"kind": "PreserveDelete", "addon"}`,
//!   `{"kind": "DeleteAccessPoint", "id"}`, `{"kind": "AdoptIntoHelm", "addon"}`,
//!   `{"kind": "TolerateDisruption", "namespace", "daemonset"}`.

use serde::Serialize;

/// The rule id of EKS's own insights (`findings::eks_insight`).
pub const EKS_INSIGHT: &str = "eks-insight";
use serde::ser::{SerializeMap, Serializer};

/// Most severe first, so sorting by it ranks findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Kind {
    #[serde(rename = "CSIDriver")]
    CsiDriver,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    Event,
    StorageClass,
    VolumeAttachment,
    Node,
    DaemonSet,
    ServiceAccount,
    ClusterRole,
    ClusterRoleBinding,
    #[serde(rename = "FileSystem.efs.services.k8s.aws")]
    AckFileSystem,
    #[serde(rename = "AWS::EKS::Addon")]
    Addon,
    #[serde(rename = "AWS::EFS::FileSystem")]
    FileSystem,
    #[serde(rename = "AWS::EFS::AccessPoint")]
    AccessPoint,
    #[serde(rename = "AWS::EC2::Volume")]
    EbsVolume,
    #[serde(rename = "AWS::EC2::Instance")]
    Instance,
    /// An EKS cluster insight. CloudFormation has no type for it; the name follows theirs.
    #[serde(rename = "AWS::EKS::Insight")]
    Insight,
}

impl Kind {
    /// How the kind reads in a sentence or an evidence line.
    pub fn label(self) -> &'static str {
        match self {
            Kind::CsiDriver => "CSIDriver",
            Kind::PersistentVolume => "PersistentVolume",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::Pod => "Pod",
            Kind::Event => "Event",
            Kind::StorageClass => "StorageClass",
            Kind::VolumeAttachment => "VolumeAttachment",
            Kind::Node => "Node",
            Kind::DaemonSet => "DaemonSet",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::ClusterRole => "ClusterRole",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::AckFileSystem => "ACK FileSystem",
            Kind::Addon => "add-on",
            Kind::FileSystem => "EFS file system",
            Kind::AccessPoint => "access point",
            Kind::EbsVolume => "EBS volume",
            Kind::Instance => "EC2 instance",
            Kind::Insight => "EKS insight",
        }
    }

    /// The kinds `World::addon_objects` reports, by their Kubernetes kind.
    pub fn from_k8s(kind: &str) -> Option<Kind> {
        Some(match kind {
            "CSIDriver" => Kind::CsiDriver,
            "DaemonSet" => Kind::DaemonSet,
            "ServiceAccount" => Kind::ServiceAccount,
            "ClusterRole" => Kind::ClusterRole,
            "ClusterRoleBinding" => Kind::ClusterRoleBinding,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjRef {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjRef {
    pub fn new(kind: Kind, namespace: Option<&str>, name: &str) -> Self {
        ObjRef {
            kind,
            namespace: namespace.filter(|ns| !ns.is_empty()).map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn cluster(kind: Kind, name: &str) -> Self {
        ObjRef::new(kind, None, name)
    }

    /// `ns/name` or `name`, as kubectl prints it.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Field path → value, kept in the order the rule wrote them (a JSON object on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    Object { object: ObjRef, fields: Fields },
    Note(String),
}

impl Evidence {
    pub fn object(object: ObjRef, fields: Fields) -> Self {
        Evidence::Object { object, fields }
    }

    pub fn note(text: impl Into<String>) -> Self {
        Evidence::Note(text.into())
    }
}

/// The action that fixes a finding; the actions themselves live elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum Fix {
    /// Delete the add-on with `preserve=true`, leaving its objects in the cluster.
    PreserveDelete {
        addon: String,
    },
    DeleteAccessPoint {
        id: String,
    },
    /// Annotate and label the add-on's objects so Helm can adopt them.
    AdoptIntoHelm {
        addon: String,
    },
    /// Add a `karpenter.sh/disrupted:NoSchedule` toleration to the DaemonSet.
    TolerateDisruption {
        namespace: String,
        daemonset: String,
    },
}

impl Fix {
    pub fn label(&self) -> &'static str {
        match self {
            Fix::PreserveDelete { .. } => "preserve-delete",
            Fix::DeleteAccessPoint { .. } => "delete-access-point",
            Fix::AdoptIntoHelm { .. } => "adopt-into-helm",
            Fix::TolerateDisruption { .. } => "tolerate-disruption",
        }
    }

    /// The whole action in words, for the evidence panel.
    pub fn describe(&self) -> String {
        match self {
            Fix::PreserveDelete { addon } => {
                format!("delete add-on {addon} with preserve=true (keeps its objects)")
            }
            Fix::DeleteAccessPoint { id } => format!("delete access point {id}"),
            Fix::AdoptIntoHelm { addon } => {
                format!("annotate and label the objects of add-on {addon} for Helm adoption")
            }
            Fix::TolerateDisruption {
                namespace,
                daemonset,
            } => format!(
                "add toleration karpenter.sh/disrupted:NoSchedule to DaemonSet {namespace}/{daemonset}"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable id, e.g. `preserve-risk`.
    pub id: &'static str,
    pub severity: Severity,
    /// One line.
    pub title: String,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Fix>,
    /// Since when it has held; rules set it where the evidence says, and
    /// [`super::Findings`] keeps stordeck's first sight of it otherwise.
    pub since: Option<jiff::Timestamp>,
    /// Why the user silenced it, if they did.
    pub silenced: Option<String>,
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Finding", 9)?;
        m.serialize_field("id", self.id)?;
        m.serialize_field("severity", &self.severity)?;
        m.serialize_field("title", &self.title)?;
        m.serialize_field("evidence", &self.evidence)?;
        m.serialize_field("fix", &self.fix)?;
        m.serialize_field("since", &self.since.map(ts))?;
        m.serialize_field("source", self.source())?;
        m.serialize_field("silenced", &self.silenced.is_some())?;
        if let Some(r) = &self.silenced {
            m.serialize_field("silenced_reason", r)?;
        } else {
            m.skip_field("silenced_reason")?;
        }
        m.end()
    }
}

/// A candidate a rule has not confirmed yet: shown as *checking* on its row, counted
/// nowhere, until a targeted read or a later observation settles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checking {
    pub rule: &'static str,
    pub object: ObjRef,
    /// What it is waiting for, in a few words ("reading fsap-0123 from EFS").
    pub why: String,
}

impl Finding {
    /// Who made the claim: `eks` for an EKS insight, else `stordeck`.
    pub fn source(&self) -> &'static str {
        if self.id == EKS_INSIGHT {
            "eks"
        } else {
            "stordeck"
        }
    }

    /// Every object the evidence names, in order.
    pub fn objects(&self) -> impl Iterator<Item = &ObjRef> {
        self.evidence.iter().filter_map(|e| match e {
            Evidence::Object { object, .. } => Some(object),
            Evidence::Note(_) => None,
        })
    }

    /// The object the finding is about: the first one its evidence names.
    pub fn subject(&self) -> Option<&ObjRef> {
        self.objects().next()
    }
}

/// RFC 3339 in UTC, as the API server writes timestamps.
pub fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `3h 12m`, `12m`, `45s`: how long something has lasted, for titles.
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => match (s % 3_600) / 60 {
            0 => format!("{}h", s / 3_600),
            m => format!("{}h {m}m", s / 3_600),
        },
        _ => match (s % 86_400) / 3_600 {
            0 => format!("{}d", s / 86_400),
            h => format!("{}d {h}h", s / 86_400),
        },
    }
}

/// `1 thing` / `2 things`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
