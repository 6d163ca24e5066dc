//! When stordeck observed what (DESIGN.md, "Truth in time"). Sources see the world at
//! different moments: a watch within milliseconds, an EFS sweep every 30 s or more. A rule
//! that joins two sources may call something missing or unused only if the other side was
//! observed after the thing it judges changed; these records are what it asks.
//!
//! Every time here is on the dashboard's clock (the `now` the World is applied with, and
//! the start times sources stamp on their answers), never an object's own timestamps,
//! which come from another machine's clock.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};

use super::input::{ProbeKey, ProbeOutcome, ProbeResult};
use super::name::Name;
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
    pub pv_changed: HashMap<Name, Timestamp>,
    /// PVs stordeck saw deleted, by name.
    pub pv_deleted: HashMap<Name, DeletedPv>,
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
    /// CSIDriver → when stordeck saw it deleted (or dropped by a relist); forgotten when
    /// it comes back.
    pub driver_gone: HashMap<String, Timestamp>,
    /// When the CSIDriver watch first completed a full listing.
    pub drivers_first_listed: Option<Timestamp>,
    /// Access point → when stordeck first saw it `creating`.
    pub ap_creating_seen: HashMap<String, Timestamp>,
    /// Add-on → its status and when stordeck first saw it in that status.
    pub addon_status: HashMap<String, (String, Timestamp)>,
    /// Bumped whenever an observation time moves without the data changing (a sweep that
    /// found nothing new, a targeted read): only findings still being checked care.
    pub version: u64,
    /// What changed, in order, for the findings to re-judge only that.
    pub journal: Journal,
}

/// One thing a per-object rule may have judged with that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A PV's row, or when it changed or was deleted, or its record as deleted expired.
    Pv(Name),
    /// An access point's row (inserted, changed or dropped), or whether a PV's handle or
    /// a deleted PV's record names it.
    AccessPoint(String),
    /// A file system's access-point listing: listed at all, when, how many, or any row of
    /// its access points.
    FileSystem(String),
    /// A targeted read appeared, was replaced or expired.
    Probe(ProbeKey),
    /// Whether a claim with this uid exists.
    Claim(String),
    /// The claims were relisted: any uid may have come or gone.
    Claims,
    /// Whether the PV watch counts as listed (`findings::pvs_listed`).
    PvsListed,
}

/// Changes since some moment, by sequence number, bounded: a reader that fell further
/// behind than it keeps (or that reads another World) starts over from the whole World.
#[derive(Debug)]
pub struct Journal {
    /// Tells Worlds apart: sequence numbers of two Worlds are not comparable.
    id: u64,
    /// Sequence number of `entries[0]`.
    base: u64,
    entries: VecDeque<Changed>,
}

/// Enough for several seconds of churn at 200 events/s between two evaluations; the
/// bound keeps a World nobody evaluates incrementally from growing.
const JOURNAL_KEEP: usize = 8192;

impl Default for Journal {
    fn default() -> Self {
        static WORLDS: AtomicU64 = AtomicU64::new(1);
        Journal {
            id: WORLDS.fetch_add(1, Ordering::Relaxed),
            base: 0,
            entries: VecDeque::new(),
        }
    }
}

/// Where a reader is in a journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    world: u64,
    seq: u64,
}

impl Journal {
    pub fn push(&mut self, c: Changed) {
        if self.entries.len() == JOURNAL_KEEP {
            self.entries.pop_front();
            self.base += 1;
        }
        self.entries.push_back(c);
    }

    /// Something changed that the entries cannot name: every reader starts over (it
    /// counts as one more entry, so that no reader's cursor is current after it).
    pub fn everything(&mut self) {
        self.base += self.entries.len() as u64 + 1;
        self.entries.clear();
    }

    pub fn cursor(&self) -> Cursor {
        Cursor {
            world: self.id,
            seq: self.base + self.entries.len() as u64,
        }
    }

    /// What changed since `from`; `None` if that cannot be told (another World, fallen
    /// behind, or everything changed).
    pub fn since(&self, from: Cursor) -> Option<impl Iterator<Item = &Changed>> {
        let skip = usize::try_from(from.seq.checked_sub(self.base)?).ok()?;
        let fresh = from.world == self.id && skip <= self.entries.len();
        fresh.then(|| self.entries.iter().skip(skip))
    }
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
            self.journal.push(Changed::Probe(r.key.clone()));
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
        self.journal.push(Changed::Pv(new.meta.name.clone()));
        let moved = old.is_none_or(|o| !o.same_handle(new) || o.phase != new.phase);
        if moved {
            self.pv_changed.insert(new.meta.name.clone(), now);
        }
        // An access point its deletion record named is no longer named by it.
        if let Some(d) = self.pv_deleted.remove(&new.meta.name)
            && let Some(ap) = d.access_point
        {
            self.journal.push(Changed::AccessPoint(ap));
        }
    }

    pub(super) fn pv_removed(&mut self, old: &PvRow, now: Timestamp) {
        self.journal.push(Changed::Pv(old.meta.name.clone()));
        // Its access point is now named by a deletion record.
        if let Some(ap) = old.efs.as_ref().and_then(|h| h.access_point_id.as_ref()) {
            self.journal.push(Changed::AccessPoint(ap.to_string()));
        }
        self.pv_changed.remove(&old.meta.name);
        self.pv_deleted.insert(
            old.meta.name.clone(),
            DeletedPv {
                at: now,
                access_point: old
                    .efs
                    .as_ref()
                    .and_then(|h| Some(h.access_point_id.as_ref()?.to_string())),
                reclaim_policy: old.reclaim_policy.map(String::from),
                claim: old
                    .claim
                    .clone()
                    .map(|(ns, name)| (ns.to_string(), name.into())),
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
        self.journal.everything();
    }

    pub(super) fn access_points_listed(&mut self, fs: &str, started: Timestamp, now: Timestamp) {
        let prev = self.ap_listing.insert(fs.to_string(), started);
        if prev != Some(started) {
            self.version += 1;
            self.journal.push(Changed::FileSystem(fs.to_string()));
        }
        let journal = &mut self.journal;
        self.probes.retain(|k, p| {
            let keep = now.duration_since(p.started) < PROBE_KEEP;
            if !keep {
                journal.push(Changed::Probe(k.clone()));
            }
            keep
        });
        self.pv_deleted.retain(|name, d| {
            let keep = now.duration_since(d.at) < DELETED_KEEP;
            if !keep {
                journal.push(Changed::Pv(name.clone()));
                if let Some(ap) = &d.access_point {
                    journal.push(Changed::AccessPoint(ap.clone()));
                }
            }
            keep
        });
    }

    /// The deleted PV that named this access point, by its handle or as the token's PV.
    pub fn deleted_pv_for(&self, ap_id: &str, token: Option<&str>) -> Option<(&str, &DeletedPv)> {
        if let Some((name, d)) = token.and_then(|t| self.pv_deleted.get_key_value(t)) {
            return Some((name.as_str(), d));
        }
        // The latest, should several have named it: never the map's order, which changes
        // as it grows and would change a verdict nothing else changed.
        self.pv_deleted
            .iter()
            .filter(|(_, d)| d.access_point.as_deref() == Some(ap_id))
            .max_by_key(|(n, d)| (d.at, *n))
            .map(|(n, d)| (n.as_str(), d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pv(n: &str) -> Changed {
        Changed::Pv(n.into())
    }

    #[test]
    fn a_reader_sees_what_changed_since_its_cursor_or_must_start_over() {
        let mut j = Journal::default();
        j.push(pv("a"));
        let at = j.cursor();
        j.push(pv("b"));
        let seen: Vec<&Changed> = j.since(at).expect("current").collect();
        assert_eq!(seen, [&pv("b")]);
        assert!(
            Journal::default().since(at).is_none(),
            "another World's cursor"
        );
        let before = j.cursor();
        j.everything();
        assert!(
            j.since(before).is_none(),
            "nothing can say what a relist changed"
        );
        assert_eq!(j.since(j.cursor()).expect("current").count(), 0);
        let behind = j.cursor();
        for _ in 0..=JOURNAL_KEEP {
            j.push(pv("c"));
        }
        assert!(
            j.since(behind).is_none(),
            "fell behind what the journal keeps"
        );
    }
}
