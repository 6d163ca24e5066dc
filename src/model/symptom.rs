//! Symptoms: the Kubernetes Events an operator sees first when storage fails ("Multi-Attach
//! error for volume …", "driver name efs.csi.aws.com not found in the list of registered
//! CSI drivers"), projected to what the findings join them by. Only the storage reasons
//! are watched, one field-selected stream each, so a busy cluster's other events cost
//! nothing.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

use super::intern::Sym;

/// The reasons watched, as the attach/detach controller, the kubelet and the external
/// provisioner write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    FailedAttachVolume,
    FailedMount,
    ProvisioningFailed,
    VolumeFailedDelete,
    FailedDetachVolume,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::FailedAttachVolume,
        Reason::FailedMount,
        Reason::ProvisioningFailed,
        Reason::VolumeFailedDelete,
        Reason::FailedDetachVolume,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::FailedAttachVolume => "FailedAttachVolume",
            Reason::FailedMount => "FailedMount",
            Reason::ProvisioningFailed => "ProvisioningFailed",
            Reason::VolumeFailedDelete => "VolumeFailedDelete",
            Reason::FailedDetachVolume => "FailedDetachVolume",
        }
    }
}

/// Messages are kept to this many bytes: drivers paste whole gRPC errors into them, and a
/// few hundred events must not cost megabytes.
const MESSAGE_MAX: usize = 512;

/// The object an Event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Involved {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SymptomRow {
    pub namespace: Sym,
    pub name: String,
    pub reason: Reason,
    /// `Warning`, as storage failures are; anything else is shown as it came.
    pub kind: String,
    pub message: String,
    /// How many times it happened, as the recorder counted.
    pub count: u32,
    pub first: Option<Timestamp>,
    /// When it last happened, by the recorder's clock.
    pub last: Option<Timestamp>,
    /// `attachdetach-controller`, `kubelet`, `efs.csi.aws.com_…`.
    pub component: Option<String>,
    pub involved: Involved,
}

impl SymptomRow {
    pub fn from_k8s(e: &Event, reason: Reason) -> Self {
        let m = &e.metadata;
        let series = e.series.as_ref();
        let created = m.creation_timestamp.as_ref().map(|t| t.0);
        let first = e.first_timestamp.as_ref().map(|t| t.0).or(created);
        let last = series
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
            .or(first);
        let count = series
            .and_then(|s| s.count)
            .or(e.count)
            .and_then(|c| u32::try_from(c).ok())
            .unwrap_or(1);
        let io = &e.involved_object;
        SymptomRow {
            namespace: Sym::new(m.namespace.as_deref().unwrap_or_default()),
            name: m.name.clone().unwrap_or_default(),
            reason,
            kind: e.type_.clone().unwrap_or_else(|| "Warning".into()),
            message: truncate(e.message.as_deref().unwrap_or_default()),
            count,
            first,
            last,
            component: e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .or_else(|| e.reporting_component.clone())
                .filter(|c| !c.is_empty()),
            involved: Involved {
                kind: io.kind.clone().unwrap_or_default(),
                namespace: io.namespace.clone().filter(|n| !n.is_empty()),
                name: io.name.clone().unwrap_or_default(),
                uid: io.uid.clone().filter(|u| !u.is_empty()),
            },
        }
    }

    /// The volumes the message names in quotes (`for volume "pvc-…"`): PV names for the
    /// attach/detach controller, the pod's volume name for some kubelet messages, which
    /// the join tells apart by looking the name up.
    pub fn quoted_volumes(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = self.message.as_str();
        while let Some(i) = rest.find("volume \"") {
            rest = &rest[i + "volume \"".len()..];
            let Some(end) = rest.find('"') else { break };
            let name = &rest[..end];
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
            rest = &rest[end..];
        }
        out
    }

    /// The CSI driver the kubelet could not find: "driver name X not found in the list of
    /// registered CSI drivers".
    pub fn missing_driver(&self) -> Option<&str> {
        let (_, after) = self.message.split_once("driver name ")?;
        let (name, tail) = after.split_once(' ')?;
        tail.starts_with("not found in the list of registered CSI drivers")
            .then_some(name)
    }
}

fn truncate(s: &str) -> String {
    if s.len() <= MESSAGE_MAX {
        return s.to_string();
    }
    let mut end = MESSAGE_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value, reason: Reason) -> SymptomRow {
        let e: Event = serde_json::from_value(v).unwrap();
        SymptomRow::from_k8s(&e, reason)
    }

    #[test]
    fn reads_the_recorder_fields_and_the_named_volumes() {
        let r = row(
            json!({"metadata": {"name": "postgres-0.1", "namespace": "shop"},
                   "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "postgres-0",
                                      "uid": "u1"},
                   "reason": "FailedAttachVolume", "type": "Warning", "count": 9,
                   "firstTimestamp": "2026-01-01T10:00:00Z",
                   "lastTimestamp": "2026-01-01T10:06:00Z",
                   "source": {"component": "attachdetach-controller"},
                   "message": "Multi-Attach error for volume \"pvc-1\" Volume is already \
                               exclusively attached to one node and can't be attached to another"}),
            Reason::FailedAttachVolume,
        );
        assert_eq!(r.count, 9);
        assert_eq!(r.involved.name, "postgres-0");
        assert_eq!(r.quoted_volumes(), ["pvc-1"]);
        assert_eq!(r.missing_driver(), None);
        assert_eq!(r.last.unwrap().to_string(), "2026-01-01T10:06:00Z");
        assert_eq!(r.component.as_deref(), Some("attachdetach-controller"));
    }

    #[test]
    fn series_and_missing_fields_and_the_driver_message() {
        let r = row(
            json!({"metadata": {"name": "a.1", "namespace": "apps",
                                "creationTimestamp": "2026-01-01T09:00:00Z"},
                   "involvedObject": {"kind": "Pod", "name": "a"},
                   "series": {"count": 4, "lastObservedTime": "2026-01-01T09:30:00.000000Z"},
                   "message": "MountVolume.MountDevice failed for volume \"pv-efs\" : kubernetes.io/csi: \
                               attacher.MountDevice failed to create newCsiDriverClient: driver name \
                               efs.csi.aws.com not found in the list of registered CSI drivers"}),
            Reason::FailedMount,
        );
        assert_eq!(r.count, 4);
        assert_eq!(r.kind, "Warning");
        assert_eq!(r.first.unwrap().to_string(), "2026-01-01T09:00:00Z");
        assert_eq!(r.last.unwrap().to_string(), "2026-01-01T09:30:00Z");
        assert_eq!(r.missing_driver(), Some("efs.csi.aws.com"));
        assert_eq!(r.quoted_volumes(), ["pv-efs"]);
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MESSAGE_MAX);
        let r = row(
            json!({"metadata": {"name": "x"}, "involvedObject": {}, "message": long}),
            Reason::FailedMount,
        );
        assert!(r.message.len() <= MESSAGE_MAX + "…".len());
        assert!(r.message.ends_with('…'));
        assert!(r.quoted_volumes().is_empty());
    }
}
