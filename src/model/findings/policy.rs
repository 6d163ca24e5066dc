//! What the user decided about findings: how long a condition that is normal for a while
//! may last before it is one (the graces), which rules are off, and which findings they
//! accept (silences). Built from `[findings]` in config.toml.

use std::collections::BTreeSet;

use jiff::SignedDuration;

/// How long each condition that is normal for a while may last before it becomes a
/// finding. The defaults are documented in the README.
#[derive(Debug, Clone, PartialEq)]
pub struct Graces {
    /// A PV with reclaim policy Delete just went: the EFS CSI driver deletes its access
    /// point within seconds (before the PV, or right after it).
    pub driver_delete: SignedDuration,
    /// A disrupted node's agent is gone: detaches already under way may still finish.
    pub agent_settle: SignedDuration,
    /// A disrupted node still has volume attachments while its agents run: a drain.
    pub stranded: SignedDuration,
    /// An add-on is DEGRADED: pods rolling after an update settle within minutes.
    pub addon_degraded: SignedDuration,
    /// An access point is `creating`: EFS takes seconds.
    pub access_point_creating: SignedDuration,
    /// A Released PV with policy Delete whose access point is gone: the provisioner is
    /// deleting it.
    pub released_delete: SignedDuration,
    /// An EBS attachment is `detaching` or `busy`: EC2 detaches in seconds, a busy
    /// device (still mounted) holds it until unmounted.
    pub detach_stuck: SignedDuration,
    /// The VolumeAttachment and EC2 disagree about a volume: attaches and detaches take
    /// seconds to a minute, and EC2 is read far less often than Kubernetes is watched.
    pub attachment_drift: SignedDuration,
    /// A tagged volume is `available` with no PV: the provisioner creates the PV moments
    /// after the volume.
    pub orphaned_ebs: SignedDuration,
    /// A storage Event no finding explains: during a drain, Multi-Attach errors come and
    /// go within the stranded-volume grace, and the finding that explains an Event may
    /// take as long to be confirmed.
    pub unexplained_symptom: SignedDuration,
    /// A CSIDriver PVs name is missing: a chart may delete and re-create it to change an
    /// immutable field.
    pub driver_lost: SignedDuration,
}

impl Default for Graces {
    fn default() -> Self {
        Graces {
            driver_delete: SignedDuration::from_secs(5),
            agent_settle: SignedDuration::from_secs(30),
            stranded: SignedDuration::from_mins(5),
            addon_degraded: SignedDuration::from_mins(10),
            access_point_creating: SignedDuration::from_mins(2),
            released_delete: SignedDuration::from_mins(2),
            detach_stuck: SignedDuration::from_mins(5),
            attachment_drift: SignedDuration::from_mins(2),
            orphaned_ebs: SignedDuration::from_mins(10),
            unexplained_symptom: SignedDuration::from_mins(5),
            driver_lost: SignedDuration::from_mins(1),
        }
    }
}

/// Findings the user accepts: a rule (or `*`) for objects whose name matches a glob
/// and/or that carry a label.
#[derive(Debug, Clone)]
pub struct Silence {
    pub rule: String,
    pub name: Option<globset::GlobMatcher>,
    pub label: Option<(String, String)>,
    pub reason: String,
}

impl Silence {
    pub fn covers_rule(&self, rule: &str) -> bool {
        self.rule == "*" || self.rule == rule
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub graces: Graces,
    /// Rules that are not evaluated at all.
    pub disabled: BTreeSet<String>,
    pub silences: Vec<Silence>,
}
