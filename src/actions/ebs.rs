//! The two EBS actions of story 4 as values: each holds the exact EC2 requests it sends, in
//! the words the dialog and the audit log use. The risky form of each (`Force=true`, a
//! delete with no snapshot) is never what a planner builds: only a second, explicit
//! confirmation in the dialog turns it on.

/// The DetachVolume a dialog shows and the executor sends.
pub const DETACH: &str = "DetachVolume";
pub const CREATE_SNAPSHOT: &str = "CreateSnapshot";
pub const DELETE_VOLUME: &str = "DeleteVolume";

/// AWS's own warning about `Force` (DetachVolume API reference), shown before it is sent.
pub const FORCE_WARNING: &str = "Forced detachment of a volume can lead to data loss or a \
    corrupted file system: the instance gets no chance to flush file system caches or file \
    system metadata. Use it only as a last resort to detach a volume from a failed instance, \
    and after forcing, check the volume before using it.";

/// EC2 `DetachVolume` of a volume still held by an instance whose node is gone or disrupted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetachVolume {
    pub volume_id: String,
    pub instance_id: String,
    pub device: Option<String>,
    /// The attachment's state when the dialog opened: attached, detaching, busy, …
    pub attachment_state: String,
    pub force: bool,
    /// The node on that instance when planned; `None`: no node runs on it any more.
    pub node: Option<String>,
    /// Why detaching is allowed: what the node or instance is now.
    pub because: String,
    pub pv: Option<String>,
    pub findings: Vec<String>,
}

/// CreateSnapshot, wait for it to complete, then DeleteVolume, of a volume nobody owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteVolume {
    pub volume_id: String,
    pub size_gib: i32,
    pub volume_type: String,
    pub zone: String,
    /// What the volume was made for, from the driver's tags.
    pub made_for: Option<String>,
    /// What it costs a month at list price, as the findings estimate it (`≈ $8.00`).
    pub monthly_estimate: Option<String>,
    /// On unless the operator confirmed twice to delete without one.
    pub snapshot_first: bool,
    pub findings: Vec<String>,
}

impl DetachVolume {
    pub fn request_line(&self) -> String {
        format!(
            "POST ec2 {DETACH} VolumeId={} InstanceId={} Force={}",
            self.volume_id, self.instance_id, self.force
        )
    }
}

impl DeleteVolume {
    /// The snapshot's description names the volume it keeps, so it can be found again.
    pub fn snapshot_description(&self) -> String {
        format!("stordeck: before deleting {}", self.volume_id)
    }

    pub fn snapshot_line(&self) -> String {
        format!(
            "POST ec2 {CREATE_SNAPSHOT} VolumeId={} Description=\"{}\"",
            self.volume_id,
            self.snapshot_description()
        )
    }

    pub fn delete_line(&self) -> String {
        format!("POST ec2 {DELETE_VOLUME} VolumeId={}", self.volume_id)
    }

    /// The mutating requests in the order they are sent.
    pub fn request_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.snapshot_first {
            out.push(self.snapshot_line());
        }
        out.push(self.delete_line());
        out
    }
}
