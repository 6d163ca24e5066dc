//! The rules that judge every PV on its own (`missing-access-point`, `released-volume`),
//! judged incrementally: each PV's verdict is kept, and an evaluation re-judges only the
//! PVs whose inputs the World's journal says changed, so its cost follows the churn, not
//! the number of PVs (DESIGN.md, "Budgets").
//!
//! A PV's verdict reads its own row and `pv_changed` entry, the row of the access point it
//! names and the targeted read of that access point; some verdicts also read a file
//! system's listing (listed at all, when, how many access points) or hold only until a
//! grace ends. Each is indexed here, so a change to any of them re-judges exactly the PVs
//! that read it. Anything the journal cannot name (a relist, a new list of file systems,
//! a clock that went backwards, another World) re-judges every PV.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use compact_str::CompactString;
use jiff::Timestamp;

use super::missing_access_point as missing;
use super::released_volume as released;
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::ProbeKey;
use crate::model::name::Name;
use crate::model::observed::{Changed, Cursor};

/// What one PV's verdict read besides its row, its access point's row and the targeted
/// read of that access point.
#[derive(Debug, Default)]
pub(super) struct Deps {
    /// The file system whose listing the verdict read.
    pub fs: Option<String>,
    /// The verdict holds while `now` is before this (a grace ends); `None`: until an
    /// input changes.
    pub until: Option<Timestamp>,
}

/// The rules judged here, in the order `RULES` lists them.
const IDS: [&str; 2] = [missing::ID, released::ID];

#[derive(Debug, Default)]
struct Judged {
    fs: Vec<String>,
    until: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub(super) struct PvCache {
    /// Where in the World's journal, and when, the verdicts were last brought up to date.
    at: Option<(Cursor, Timestamp)>,
    /// Per rule of `IDS`: PV → what its verdict produced, only for PVs that produced
    /// something, in PV order as the whole rule lists them.
    parts: [BTreeMap<String, Out>; 2],
    /// Access point id → the PVs naming it (nearly always one: a Vec, not a tree), and
    /// possibly PVs that named it once: those are dropped when the access point next
    /// changes, which keeps nothing per PV to undo the entry with.
    by_ap: HashMap<CompactString, Vec<Name>>,
    /// File system → the PVs whose verdict read its listing (few keys, many PVs each).
    by_fs: HashMap<String, BTreeSet<Name>>,
    /// (until, PV) for verdicts that time alone changes.
    timed: BTreeSet<(Timestamp, Name)>,
    /// Only PVs whose verdict read a listing or a grace: the rest cost no entry.
    judged: HashMap<Name, Judged>,
}

impl PvCache {
    /// What the rule `id` produced, PV by PV, if it is one judged here.
    pub(super) fn parts(&self, id: &str) -> Option<&BTreeMap<String, Out>> {
        IDS.iter().position(|i| *i == id).map(|i| &self.parts[i])
    }

    /// Brings every verdict up to date with `w` at `cx.now`.
    pub(super) fn update(&mut self, w: &World, cx: &Ctx<'_>) {
        let journal = &w.observed.journal;
        let dirty = match self.at {
            Some((cursor, at)) if cx.now >= at => journal.since(cursor).map(|changes| {
                let mut dirty = BTreeSet::new();
                for c in changes {
                    self.dirty(w, c, &mut dirty);
                }
                let due = self.timed.iter().take_while(|(until, _)| *until <= cx.now);
                dirty.extend(due.map(|(_, pv)| pv.clone()));
                dirty
            }),
            _ => None,
        };
        match dirty {
            Some(dirty) => {
                for name in dirty {
                    self.judge(w, cx, &name);
                }
            }
            None => {
                *self = PvCache::default();
                for name in w.pvs.iter().map(|(k, _)| k) {
                    self.judge(w, cx, name);
                }
            }
        }
        self.at = Some((journal.cursor(), cx.now));
    }

    /// The PVs whose verdict read what changed.
    fn dirty(&mut self, w: &World, c: &Changed, into: &mut BTreeSet<Name>) {
        match c {
            Changed::Pv(name) => {
                into.insert(name.clone());
            }
            Changed::AccessPoint(id) | Changed::Probe(ProbeKey::AccessPoint(id)) => {
                if let Some(names) = self.by_ap.get_mut(id.as_str()) {
                    names.retain(|n| names_ap(w, n, id));
                    into.extend(names.iter().cloned());
                    if names.is_empty() {
                        self.by_ap.remove(id.as_str());
                    }
                }
            }
            Changed::FileSystem(fs) => {
                into.extend(self.by_fs.get(fs).into_iter().flatten().cloned());
            }
            // No per-PV verdict reads a PV's, a claim's or a pod's targeted read, a claim,
            // or whether the PV watch has listed.
            Changed::Probe(
                ProbeKey::Pv(_)
                | ProbeKey::Pvc { .. }
                | ProbeKey::EbsVolume(_)
                | ProbeKey::Pod { .. },
            )
            | Changed::Claim(_)
            | Changed::Claims
            | Changed::PvsListed => {}
        }
    }

    fn forget(&mut self, name: &Name) {
        for part in &mut self.parts {
            part.remove(name.as_str());
        }
        let Some(j) = self.judged.remove(name) else {
            return;
        };
        for fs in j.fs {
            if let Some(set) = self.by_fs.get_mut(&fs) {
                set.remove(name);
                if set.is_empty() {
                    self.by_fs.remove(&fs);
                }
            }
        }
        if let Some(until) = j.until {
            self.timed.remove(&(until, name.clone()));
        }
    }

    fn judge(&mut self, w: &World, cx: &Ctx<'_>, name: &Name) {
        self.forget(name);
        let Some(pv) = w.pvs.get(name.as_str()) else {
            return;
        };
        let mut j = Judged::default();
        for (i, id) in IDS.iter().enumerate() {
            if cx.policy.disabled.contains(*id) {
                continue;
            }
            let mut out = Out::default();
            let deps = match i {
                0 => missing::check_pv(w, cx, pv, &mut out),
                _ => released::check_pv(w, cx, pv, &mut out),
            };
            if let Some(fs) = deps.fs
                && !j.fs.contains(&fs)
            {
                j.fs.push(fs);
            }
            j.until = j.until.into_iter().chain(deps.until).min();
            if !(out.findings.is_empty() && out.checking.is_empty() && out.wanted.is_empty()) {
                self.parts[i].insert(name.to_string(), out);
            }
        }
        if let Some(ap) = pv.efs.as_ref().and_then(|h| h.access_point_id.as_ref()) {
            let names = self.by_ap.entry(ap.clone()).or_default();
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        for fs in &j.fs {
            let set = self.by_fs.entry(fs.clone()).or_default();
            set.insert(name.clone());
        }
        if let Some(until) = j.until {
            self.timed.insert((until, name.clone()));
        }
        if !(j.fs.is_empty() && j.until.is_none()) {
            self.judged.insert(name.clone(), j);
        }
    }
}

/// Whether the PV, as the World has it now, names the access point.
fn names_ap(w: &World, name: &str, ap: &str) -> bool {
    w.pvs
        .get(name)
        .and_then(|pv| pv.efs.as_ref()?.access_point_id.as_deref())
        == Some(ap)
}
