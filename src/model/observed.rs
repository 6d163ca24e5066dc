//! When stordeck observed what (DESIGN.md, "Truth in time"). Sources see the world at
//! different moments: a watch within milliseconds, an EFS sweep every 30 s or more. A rule
//! that joins two sources may call something missing or unused only if the other side was
//! observed after the thing it judges changed; these records are what it asks.
//!
//! Every time here is on the dashboard's clock (the `now` the World is applied with, and
//! the start times sources stamp on their answers), never an object's own timestamps,
//! which come from another machine's clock.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::input::{ProbeKey, ProbeOutcome, ProbeResult};
use super::projection::PvRow;

/// Targeted reads older than this are read again if still needed: a candidate that stays
/// a candidate is re-confirmed now and then, at the cost of one call.
const PROBE_KEEP: SignedDuration = SignedDuration::from_mins(30);
/// Deletions are remembered this long, to tell "the driver is deleting it" from "left
/// behind" for an access point whose PV just went.
const DELETED_KEEP: SignedDuration = SignedDuration::from_mins(15);

/// A PV stordeck saw deleted, with what it said about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedPv {
    pub at: Timestamp,
    pub access_point: Option<String>,
    pub reclaim_policy: Option<String>,
    pub claim: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub started: Timestamp,
    pub outcome: ProbeOutcome,
}

impl Probe {
    pub fn found(&self) -> bool {
        !matches!(
            self.outcome,
            ProbeOutcome::NotFound | ProbeOutcome::Invalid { .. }
        )
    }
}

#[derive(Debug, Default)]
pub struct Observed {
    /// File system → when its last complete access-point listing started.
    pub ap_listing: HashMap<String, Timestamp>,
    /// PV → when stordeck last saw its volumeHandle or phase change (or first saw it).
    pub pv_changed: HashMap<String, Timestamp>,
    /// PVs stordeck saw deleted, by name.
    pub pv_deleted: HashMap<String, DeletedPv>,
    /// When the PV watch first completed a full listing: a PV absent then, with no
    /// deletion seen since, has been absent all along (later relists record what
    /// vanished in their gap as deleted).
    pub pvs_first_listed: Option<Timestamp>,
    /// Targeted reads, by what they read.
    pub probes: HashMap<ProbeKey, Probe>,
    /// Node → when stordeck first saw Karpenter's disruption taint on it.
    pub disrupted_seen: HashMap<String, Timestamp>,
    /// Node → when stordeck last saw a node-agent pod on it go.
    pub agent_gone: HashMap<String, Timestamp>,
    /// Access point → when stordeck first saw it `creating`.
    pub ap_creating_seen: HashMap<String, Timestamp>,
    /// Add-on → its status and when stordeck first saw it in that status.
    pub addon_status: HashMap<String, (String, Timestamp)>,
    /// Bumped whenever an observation time moves without the data changing (a sweep that
    /// found nothing new, a targeted read): only findings still being checked care.
    pub version: u64,
}

impl Observed {
    /// The newest targeted read of `key` that started at or after `after`.
    pub fn probe_since(&self, key: &ProbeKey, after: Timestamp) -> Option<&Probe> {
        self.probes.get(key).filter(|p| p.started >= after)
    }

    pub(super) fn record_probe(&mut self, r: ProbeResult) {
        let newer = self
            .probes
            .get(&r.key)
            .is_none_or(|p| p.started <= r.started);
        if newer {
            self.probes.insert(
                r.key,
                Probe {
                    started: r.started,
                    outcome: r.outcome,
                },
            );
        }
        self.version += 1;
    }

    pub(super) fn pv_upserted(&mut self, old: Option<&PvRow>, new: &PvRow, now: Timestamp) {
        let moved =
            old.is_none_or(|o| o.volume_handle != new.volume_handle || o.phase != new.phase);
        if moved {
            self.pv_changed.insert(new.meta.name.clone(), now);
        }
        self.pv_deleted.remove(&new.meta.name);
    }

    pub(super) fn pv_removed(&mut self, old: &PvRow, now: Timestamp) {
        self.pv_changed.remove(&old.meta.name);
        self.pv_deleted.insert(
            old.meta.name.clone(),
            DeletedPv {
                at: now,
                access_point: old.efs.as_ref().and_then(|h| h.access_point_id.clone()),
                reclaim_policy: old.reclaim_policy.clone(),
                claim: old.claim.clone(),
            },
        );
    }

    /// A relist: PVs that vanished in the gap were deleted at some moment before now.
    pub(super) fn pvs_relisted<'a>(
        &mut self,
        gone: impl Iterator<Item = &'a PvRow>,
        present: impl Iterator<Item = &'a PvRow>,
        now: Timestamp,
    ) {
        for pv in gone {
            self.pv_removed(pv, now);
        }
        for pv in present {
            self.pv_changed.entry(pv.meta.name.clone()).or_insert(now);
            self.pv_deleted.remove(&pv.meta.name);
        }
        self.pvs_first_listed.get_or_insert(now);
    }

    pub(super) fn access_points_listed(&mut self, fs: &str, started: Timestamp, now: Timestamp) {
        let prev = self.ap_listing.insert(fs.to_string(), started);
        if prev != Some(started) {
            self.version += 1;
        }
        self.probes
            .retain(|_, p| now.duration_since(p.started) < PROBE_KEEP);
        self.pv_deleted
            .retain(|_, d| now.duration_since(d.at) < DELETED_KEEP);
    }

    /// The deleted PV that named this access point, by its handle or as the token's PV.
    pub fn deleted_pv_for(&self, ap_id: &str, token: Option<&str>) -> Option<(&str, &DeletedPv)> {
        if let Some((name, d)) = token.and_then(|t| self.pv_deleted.get_key_value(t)) {
            return Some((name.as_str(), d));
        }
        self.pv_deleted
            .iter()
            .find(|(_, d)| d.access_point.as_deref() == Some(ap_id))
            .map(|(n, d)| (n.as_str(), d))
    }
}
