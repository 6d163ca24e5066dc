//! Ground truth: the faults a scenario planted (at its start, on its timeline, or through
//! `POST /_sim/faults/plant`), and what it did that was healthy. `GET /_sim/truth` serves
//! it, so a test can hold every finding the dashboard shows against what was really broken.
//!
//! ```json
//! {"now": "2026-01-01T00:10:00Z",
//!  "faults": [{"id": 1, "rule": "orphan-access-point",
//!              "subject": {"kind": "AWS::EFS::AccessPoint", "namespace": null, "name": "fsap-…"},
//!              "planted_at": "…", "fixed_at": null, "how": "PV deleted by hand, access point left"}],
//!  "healthy": {"provisioned": 0, "deleted": 0, "drains_completed": 0}}
//! ```
//!
//! `subject.kind` uses the strings of the findings JSON (`PersistentVolume`, `Node`,
//! `AWS::EFS::AccessPoint`, …), and the subject is what the finding's first evidence
//! object names.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub const PV: &str = "PersistentVolume";
pub const PVC: &str = "PersistentVolumeClaim";
pub const NODE: &str = "Node";
pub const DAEMON_SET: &str = "DaemonSet";
pub const CSI_DRIVER: &str = "CSIDriver";
pub const STORAGE_CLASS: &str = "StorageClass";
pub const ACK_FILE_SYSTEM: &str = "FileSystem.efs.services.k8s.aws";
pub const ADDON: &str = "AWS::EKS::Addon";
pub const FILE_SYSTEM: &str = "AWS::EFS::FileSystem";
pub const ACCESS_POINT: &str = "AWS::EFS::AccessPoint";
pub const EC2_VOLUME: &str = "AWS::EC2::Volume";
pub const INSIGHT: &str = "AWS::EKS::Insight";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectId {
    pub kind: String,
    /// `None` for cluster-scoped and AWS objects.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectId {
    pub fn cluster(kind: &str, name: &str) -> Self {
        ObjectId {
            kind: kind.into(),
            namespace: None,
            name: name.into(),
        }
    }

    pub fn namespaced(kind: &str, namespace: &str, name: &str) -> Self {
        ObjectId {
            kind: kind.into(),
            namespace: Some(namespace.into()),
            name: name.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub id: u64,
    /// The finding rule that must name it (`missing-access-point`, …).
    pub rule: String,
    pub subject: ObjectId,
    pub planted_at: Timestamp,
    pub fixed_at: Option<Timestamp>,
    pub how: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Healthy {
    /// Volumes provisioned to the end (PVC Bound) in scenario time.
    pub provisioned: u64,
    /// Volumes deleted to the end (PV and access point gone).
    pub deleted: u64,
    pub drains_completed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub now: Timestamp,
    pub faults: Vec<Fault>,
    pub healthy: Healthy,
}

/// What the simulator keeps while it runs. Besides the record, two sets keep healthy
/// activity and planted faults apart: neither ever picks an object the other holds.
#[derive(Debug, Default)]
pub struct TruthLog {
    pub faults: Vec<Fault>,
    pub healthy: Healthy,
    /// Objects that belong to a planted fault (its subject and its accomplices).
    pub faulted: HashSet<ObjectId>,
    /// Objects healthy activity is working on or will work on.
    pub busy: HashSet<ObjectId>,
}

impl TruthLog {
    /// Records a fault; `involved` are the other objects it holds (a PV's claim, …).
    pub fn plant(
        &mut self,
        rule: &str,
        subject: ObjectId,
        involved: impl IntoIterator<Item = ObjectId>,
        at: Timestamp,
        how: &str,
    ) -> Fault {
        let fault = Fault {
            id: self.faults.len() as u64 + 1,
            rule: rule.into(),
            subject: subject.clone(),
            planted_at: at,
            fixed_at: None,
            how: how.into(),
        };
        self.faulted.insert(subject);
        self.faulted.extend(involved);
        self.faults.push(fault.clone());
        fault
    }

    /// Free for healthy activity or for a new fault to take.
    pub fn is_free(&self, id: &ObjectId) -> bool {
        !self.faulted.contains(id) && !self.busy.contains(id)
    }

    pub fn snapshot(&self, now: Timestamp) -> Truth {
        Truth {
            now,
            faults: self.faults.clone(),
            healthy: self.healthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_fault_takes_its_objects_out_of_reach_and_reads_back() {
        let mut log = TruthLog::default();
        let pv = ObjectId::cluster(PV, "pvc-1");
        let claim = ObjectId::namespaced(PVC, "shop", "data");
        assert!(log.is_free(&pv));
        let f = log.plant(
            "missing-access-point",
            pv.clone(),
            [claim.clone()],
            Timestamp::UNIX_EPOCH,
            "x",
        );
        assert_eq!(f.id, 1);
        assert!(!log.is_free(&pv) && !log.is_free(&claim));
        let json = serde_json::to_value(log.snapshot(Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(
            json["faults"][0]["subject"]["namespace"],
            serde_json::Value::Null
        );
        assert_eq!(json["faults"][0]["planted_at"], "1970-01-01T00:00:00Z");
        let back: Truth = serde_json::from_value(json).unwrap();
        assert_eq!(back.faults[0].subject, pv);
    }
}
