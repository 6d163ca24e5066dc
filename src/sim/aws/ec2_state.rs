//! The simulated account's EC2 records — EBS volumes with their attachments, instances and
//! snapshots — and the clock-driven transitions AWS makes on its own: a detach finishing,
//! a snapshot completing, a deleted volume disappearing.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

/// How long a detach takes once asked for, in scenario time.
pub const DETACH_SECONDS: i64 = 2;
/// How long an attach takes.
pub const ATTACH_SECONDS: i64 = 1;
/// From `pending` to `completed`.
pub const SNAPSHOT_SECONDS: i64 = 4;
/// From `deleting` to gone.
pub const DELETE_SECONDS: i64 = 2;
/// From `creating` to `available`.
pub const CREATE_SECONDS: i64 = 2;

pub const VOLUME_TYPES: &[&str] = &["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"];
pub const VOLUME_STATES: &[&str] = &[
    "creating",
    "available",
    "in-use",
    "deleting",
    "deleted",
    "error",
];
pub const ATTACHMENT_STATES: &[&str] = &["attaching", "attached", "detaching", "detached", "busy"];
pub const INSTANCE_STATES: &[&str] = &[
    "pending",
    "running",
    "shutting-down",
    "terminated",
    "stopping",
    "stopped",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub instance_id: String,
    pub device: String,
    /// attaching | attached | detaching | detached | busy
    pub state: String,
    pub attach_time: Timestamp,
    /// When `state` last changed; the clock finishes transitions from here.
    pub since: Timestamp,
    /// The detach never finishes on its own (the OS still holds the device) until forced.
    pub stuck: bool,
    pub delete_on_termination: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub id: String,
    pub size_gib: i32,
    pub volume_type: String,
    pub iops: Option<i32>,
    pub throughput: Option<i32>,
    pub availability_zone: String,
    /// creating | available | in-use | deleting | deleted | error
    pub state: String,
    pub state_since: Timestamp,
    pub create_time: Timestamp,
    pub encrypted: bool,
    pub snapshot_id: Option<String>,
    pub tags: Vec<(String, String)>,
    pub attachments: Vec<Attachment>,
}

impl Volume {
    /// An available volume with the defaults of its type (gp3: 3000 IOPS, 125 MiB/s).
    pub fn new(id: &str, size_gib: i32, volume_type: &str, zone: &str, created: Timestamp) -> Self {
        let (iops, throughput) = match volume_type {
            "gp3" => (Some(3000), Some(125)),
            "gp2" => (Some((size_gib * 3).clamp(100, 16_000)), None),
            "io1" | "io2" => (Some(1000), None),
            _ => (None, None),
        };
        Volume {
            id: id.into(),
            size_gib,
            volume_type: volume_type.into(),
            iops,
            throughput,
            availability_zone: zone.into(),
            state: "available".into(),
            state_since: created,
            create_time: created,
            encrypted: true,
            snapshot_id: None,
            tags: Vec::new(),
            attachments: Vec::new(),
        }
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn attachment_to(&self, instance_id: &str) -> Option<&Attachment> {
        self.attachments
            .iter()
            .find(|a| a.instance_id == instance_id)
    }

    /// `in-use` while any attachment remains, `available` after the last one goes.
    fn settle(&mut self, now: Timestamp) {
        let want = if self.attachments.is_empty() {
            "available"
        } else {
            "in-use"
        };
        if matches!(self.state.as_str(), "available" | "in-use") && self.state != want {
            self.state = want.into();
            self.state_since = now;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub availability_zone: String,
    /// pending | running | shutting-down | terminated | stopping | stopped
    pub state: String,
    pub private_dns_name: String,
    pub private_ip: String,
    pub instance_type: String,
    pub launch_time: Timestamp,
}

impl Instance {
    /// The EC2 state code that goes with each state name.
    pub fn state_code(&self) -> i32 {
        match self.state.as_str() {
            "pending" => 0,
            "running" => 16,
            "shutting-down" => 32,
            "terminated" => 48,
            "stopping" => 64,
            _ => 80,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub id: String,
    pub volume_id: String,
    pub volume_size: i32,
    /// pending | completed | error
    pub state: String,
    pub start_time: Timestamp,
    pub description: String,
    pub tags: Vec<(String, String)>,
}

impl Snapshot {
    /// `"100%"` once completed; otherwise how far the clock has carried it.
    pub fn progress(&self, now: Timestamp) -> String {
        if self.state == "completed" {
            return "100%".into();
        }
        let done = now.duration_since(self.start_time).as_secs_f64();
        let pct = (done / SNAPSHOT_SECONDS as f64 * 100.0).clamp(0.0, 99.0);
        format!("{}%", pct as u32)
    }
}

#[derive(Debug, Default)]
pub struct Ec2State {
    /// By volume id; paging walks this order.
    pub volumes: BTreeMap<String, Volume>,
    pub instances: BTreeMap<String, Instance>,
    pub snapshots: BTreeMap<String, Snapshot>,
}

impl Ec2State {
    /// Attaches `volume` to `instance` at `device`, starting now in `attaching`.
    pub fn attach(&mut self, volume: &str, instance: &str, device: &str, now: Timestamp) {
        if let Some(v) = self.volumes.get_mut(volume) {
            v.attachments.retain(|a| a.instance_id != instance);
            v.attachments.push(Attachment {
                instance_id: instance.into(),
                device: device.into(),
                state: "attaching".into(),
                attach_time: now,
                since: now,
                stuck: false,
                delete_on_termination: false,
            });
            v.settle(now);
        }
    }

    /// Starts a detach, as DetachVolume does; `force` gets past a stuck one.
    pub fn begin_detach(&mut self, volume: &str, instance: &str, force: bool, now: Timestamp) {
        let Some(v) = self.volumes.get_mut(volume) else {
            return;
        };
        for a in v
            .attachments
            .iter_mut()
            .filter(|a| a.instance_id == instance)
        {
            let hung = a.state == "detaching" || a.state == "busy";
            if force {
                a.stuck = false;
            }
            // Forcing restarts the clock on a detach that had hung.
            if !hung || force {
                a.state = "detaching".into();
                a.since = now;
            }
        }
    }

    /// Finishes what is due at `now`.
    pub fn tick(&mut self, now: Timestamp) {
        let due = |since: Timestamp, secs: i64| {
            now.duration_since(since) >= SignedDuration::from_secs(secs)
        };
        for v in self.volumes.values_mut() {
            for a in &mut v.attachments {
                if a.state == "attaching" && due(a.since, ATTACH_SECONDS) {
                    a.state = "attached".into();
                    a.since = now;
                }
            }
            v.attachments
                .retain(|a| !(a.state == "detaching" && !a.stuck && due(a.since, DETACH_SECONDS)));
            if v.state == "creating" && due(v.state_since, CREATE_SECONDS) {
                v.state = "available".into();
                v.state_since = now;
            }
            v.settle(now);
        }
        self.volumes
            .retain(|_, v| !(v.state == "deleting" && due(v.state_since, DELETE_SECONDS)));
        for s in self.snapshots.values_mut() {
            if s.state == "pending" && due(s.start_time, SNAPSHOT_SECONDS) {
                s.state = "completed".into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detach_completes_unless_stuck_and_forcing_frees_it() {
        let t0 = Timestamp::UNIX_EPOCH;
        let mut ec2 = Ec2State::default();
        ec2.volumes.insert(
            "vol-1".into(),
            Volume::new("vol-1", 10, "gp3", "us-east-1a", t0),
        );
        ec2.attach("vol-1", "i-1", "/dev/xvdaa", t0);
        ec2.tick(t0 + SignedDuration::from_secs(1));
        assert_eq!(ec2.volumes["vol-1"].attachments[0].state, "attached");
        assert_eq!(ec2.volumes["vol-1"].state, "in-use");
        ec2.volumes.get_mut("vol-1").unwrap().attachments[0].stuck = true;
        let t1 = t0 + SignedDuration::from_secs(10);
        ec2.begin_detach("vol-1", "i-1", false, t1);
        ec2.tick(t1 + SignedDuration::from_secs(60));
        assert_eq!(ec2.volumes["vol-1"].attachments[0].state, "detaching");
        let t2 = t1 + SignedDuration::from_secs(61);
        ec2.begin_detach("vol-1", "i-1", true, t2);
        ec2.tick(t2 + SignedDuration::from_secs(DETACH_SECONDS));
        assert!(ec2.volumes["vol-1"].attachments.is_empty());
        assert_eq!(ec2.volumes["vol-1"].state, "available");
    }
}
