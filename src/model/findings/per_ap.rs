//! `orphan-access-point` judged incrementally, in the style of `per_pv`: each access
//! point's verdict is kept, and an evaluation re-judges only the access points whose
//! inputs the World's journal names, so its cost follows the churn, not the number of
//! access points (DESIGN.md, "Budgets").
//!
//! An access point's verdict reads its own row, whether a PV's handle names it and its
//! targeted read, all journaled under its id. The few that no handle names read more: the
//! PV and the claim their ClientToken names, a deleted PV's claim, a grace; those are
//! indexed here. Anything the journal cannot name (a relist, a new list of file systems,
//! the PV watch becoming listed or not, a clock that went backwards, another World)
//! re-judges every access point.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use super::orphan_access_point::{self as orphan, Deps};
use super::{Ctx, Out, pvs_listed};
use crate::model::World;
use crate::model::input::ProbeKey;
use crate::model::observed::{Changed, Cursor};

type Claim = (String, String);

#[derive(Debug, Default)]
pub(super) struct ApCache {
    /// Where in the World's journal, and when, the verdicts were last brought up to date.
    at: Option<(Cursor, Timestamp)>,
    /// Access point → what its verdict produced, only for those that produced something,
    /// in the order the whole rule lists them.
    parts: BTreeMap<String, Out>,
    /// Only access points whose verdict read more than their own inputs.
    judged: HashMap<String, Deps>,
    /// File system → the access points waiting for it to be listed.
    by_fs: HashMap<String, BTreeSet<String>>,
    /// ClientToken → the access points whose verdict read the PV or claim it names.
    by_token: HashMap<String, BTreeSet<String>>,
    /// Claim → the access points whose verdict read its targeted read.
    by_claim: HashMap<Claim, BTreeSet<String>>,
    /// (until, access point) for verdicts that time alone changes.
    timed: BTreeSet<(Timestamp, String)>,
}

impl ApCache {
    pub(super) fn parts(&self) -> &BTreeMap<String, Out> {
        &self.parts
    }

    /// When a waiting candidate can next be judged, as `orphan::recheck_at` says of the
    /// whole World.
    pub(super) fn recheck_at(&self) -> Option<Timestamp> {
        self.timed.first().map(|(at, _)| *at)
    }

    /// Brings every verdict up to date with `w` at `cx.now`.
    pub(super) fn update(&mut self, w: &World, cx: &Ctx<'_>) {
        let journal = &w.observed.journal;
        let dirty = match self.at {
            Some((cursor, at)) if cx.now >= at => journal.since(cursor).and_then(|changes| {
                let mut dirty = BTreeSet::new();
                for c in changes {
                    if !self.dirty(c, &mut dirty) {
                        return None;
                    }
                }
                let due = self.timed.iter().take_while(|(until, _)| *until <= cx.now);
                dirty.extend(due.map(|(_, ap)| ap.clone()));
                Some(dirty)
            }),
            _ => None,
        };
        let ready = pvs_listed(w);
        match dirty {
            Some(dirty) => {
                for id in dirty {
                    self.judge(w, cx, ready, &id);
                }
            }
            None => {
                *self = ApCache::default();
                for id in w.access_points.iter().map(|(k, _)| k) {
                    self.judge(w, cx, ready, id);
                }
            }
        }
        self.at = Some((journal.cursor(), cx.now));
    }

    /// Adds the access points whose verdict read what changed; false if that is all of
    /// them.
    fn dirty(&self, c: &Changed, into: &mut BTreeSet<String>) -> bool {
        let mut add =
            |set: Option<&BTreeSet<String>>| into.extend(set.into_iter().flatten().cloned());
        match c {
            Changed::AccessPoint(id) | Changed::Probe(ProbeKey::AccessPoint(id)) => {
                into.insert(id.clone());
            }
            Changed::FileSystem(fs) => add(self.by_fs.get(fs)),
            Changed::Pv(name) => add(self.by_token.get(name.as_str())),
            Changed::Probe(ProbeKey::Pv(name)) => add(self.by_token.get(name)),
            Changed::Claim(uid) => add(self.by_token.get(&format!("pvc-{uid}"))),
            Changed::Probe(ProbeKey::Pvc { namespace, name }) => {
                add(self.by_claim.get(&(namespace.clone(), name.clone())));
            }
            Changed::Claims => {
                for set in self.by_token.values() {
                    add(Some(set));
                }
            }
            // The EBS rules and the symptoms are judged whole; no access point reads a
            // volume or a pod.
            Changed::PvsListed | Changed::Probe(ProbeKey::EbsVolume(_) | ProbeKey::Pod { .. }) => {
                return false;
            }
        }
        true
    }

    fn forget(&mut self, id: &str) {
        self.parts.remove(id);
        let Some(d) = self.judged.remove(id) else {
            return;
        };
        fn unindex<K: std::hash::Hash + Eq>(
            map: &mut HashMap<K, BTreeSet<String>>,
            key: K,
            id: &str,
        ) {
            if let Some(set) = map.get_mut(&key) {
                set.remove(id);
                if set.is_empty() {
                    map.remove(&key);
                }
            }
        }
        if let Some(fs) = d.unlisted_fs {
            unindex(&mut self.by_fs, fs, id);
        }
        if let Some(t) = d.token {
            unindex(&mut self.by_token, t, id);
        }
        if let Some(c) = d.claim {
            unindex(&mut self.by_claim, c, id);
        }
        if let Some(until) = d.until {
            self.timed.remove(&(until, id.to_string()));
        }
    }

    fn judge(&mut self, w: &World, cx: &Ctx<'_>, ready: bool, id: &str) {
        self.forget(id);
        let Some(ap) = w.access_points.get(id) else {
            return;
        };
        let mut out = Out::default();
        let d = orphan::check_ap(w, cx, ready, ap, &mut out);
        if !(out.findings.is_empty() && out.checking.is_empty() && out.wanted.is_empty()) {
            self.parts.insert(id.to_string(), out);
        }
        if d.is_empty() {
            return;
        }
        if let Some(fs) = &d.unlisted_fs {
            let set = self.by_fs.entry(fs.clone()).or_default();
            set.insert(id.to_string());
        }
        if let Some(t) = &d.token {
            let set = self.by_token.entry(t.clone()).or_default();
            set.insert(id.to_string());
        }
        if let Some(c) = &d.claim {
            let set = self.by_claim.entry(c.clone()).or_default();
            set.insert(id.to_string());
        }
        if let Some(until) = d.until {
            self.timed.insert((until, id.to_string()));
        }
        self.judged.insert(id.to_string(), d);
    }
}
