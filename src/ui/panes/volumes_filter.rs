//! The Volumes filter, kept incrementally: when the World changes, only the PVs whose
//! row text can have changed are checked again, so a filtered frame under churn costs
//! the changes and the visible rows, not 100,000 PVs.
//!
//! A PV row reads its own row, the VolumeAttachment naming it (NODE), whether its access
//! point is listed, and what the findings say of it (ACCESS POINT reads "gone" or "…").
//! The tables' change logs name the PVs and attachments that changed; an attachment's
//! PV is remembered here, because a deleted one no longer says which PV it named; the
//! findings that decorate a row are few and compared whole.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::filter::{FilterCache, Shown, row_matches};
use super::volumes::Volumes;
use crate::model::World;
use crate::model::findings::{Findings, Kind, MISSING_ACCESS_POINT};
use crate::model::name::Name;
use crate::model::table::{Counted, Cursor};
use crate::ui::PaneId;
use crate::ui::state::UiState;

/// PV → (a missing-access-point finding names it, a rule is checking it).
type Facts = BTreeMap<String, (bool, bool)>;

/// What the matches were last brought up to date with.
struct Seen {
    pvs: Cursor,
    attachments: Cursor,
    access_points: Cursor,
    /// VolumeAttachment → the PV it named.
    attachment_pv: HashMap<String, String>,
    facts: Facts,
}

fn facts(findings: &Findings) -> Facts {
    let mut out = Facts::new();
    let missing = findings
        .all()
        .iter()
        .filter(|f| f.id == MISSING_ACCESS_POINT);
    for o in missing.flat_map(|f| f.objects()) {
        if o.kind == Kind::PersistentVolume {
            out.entry(o.display_name()).or_default().0 = true;
        }
    }
    for c in findings.checking() {
        if c.object.kind == Kind::PersistentVolume {
            out.entry(c.object.display_name()).or_default().1 = true;
        }
    }
    out
}

impl Seen {
    fn now(world: &World, facts: Facts) -> Seen {
        Seen {
            pvs: world.pvs.cursor(),
            attachments: world.volume_attachments.cursor(),
            access_points: world.access_points.cursor(),
            attachment_pv: world
                .volume_attachments
                .iter()
                .filter_map(|(k, va)| Some((k.clone(), va.pv.clone()?)))
                .collect(),
            facts,
        }
    }

    /// The PVs whose row text may differ since, and brings `self` up to date; `None`
    /// if a log cannot say.
    fn dirty(&mut self, world: &World, facts: Facts) -> Option<BTreeSet<String>> {
        let mut dirty: BTreeSet<String> = world
            .pvs
            .changed_since(self.pvs)?
            .map(|k| k.to_string())
            .collect();
        let vas = &world.volume_attachments;
        for name in vas.changed_since(self.attachments)? {
            dirty.extend(self.attachment_pv.remove(name));
            if let Some(pv) = vas.get(name).and_then(|va| va.pv.clone()) {
                dirty.insert(pv.clone());
                self.attachment_pv.insert(name.clone(), pv);
            }
        }
        // A listed access point reads as its id whatever the findings say.
        let listed = world
            .access_points
            .changed_since(self.access_points)?
            .next()
            .is_some();
        for (pv, f) in &facts {
            if listed || self.facts.get(pv) != Some(f) {
                dirty.insert(pv.clone());
            }
        }
        dirty.extend(
            self.facts
                .keys()
                .filter(|pv| !facts.contains_key(*pv))
                .cloned(),
        );
        self.pvs = world.pvs.cursor();
        self.attachments = vas.cursor();
        self.access_points = world.access_points.cursor();
        self.facts = facts;
        Some(dirty)
    }
}

/// The PVs matching `filter` (lower-case), by name.
pub(super) fn matches(p: &Volumes<'_>, world: &World, ui: &UiState, filter: &str) -> Rc<Shown> {
    let facts = facts(p.0);
    let prev = ui.filter_cache.borrow_mut().take();
    if let Some(c) = prev.filter(|c| c.pane == PaneId::Volumes && filter.starts_with(&c.filter))
        && let Ok(mut seen) = c.extra.downcast::<Seen>()
        && let Some(dirty) = seen.dirty(world, facts.clone())
    {
        let grew = c.filter != filter;
        if dirty.is_empty() && !grew {
            let shown = Rc::clone(&c.shown);
            store(ui, filter, c.shown, seen);
            return shown;
        }
        let mut shown = Rc::try_unwrap(c.shown).unwrap_or_else(|rc| (*rc).clone());
        if let Shown::Keys(keys) = &mut shown {
            let is_match = |k: &str| {
                world
                    .pvs
                    .get(k)
                    .is_some_and(|pv| row_matches(p, world, pv, filter))
            };
            if grew {
                keys.retain(|k, _| is_match(k));
            }
            for k in dirty {
                if is_match(&k) {
                    keys.insert(Name::new(&k), ());
                } else {
                    keys.remove_entry(k.as_str());
                }
            }
            let shown = Rc::new(shown);
            store(ui, filter, Rc::clone(&shown), seen);
            return shown;
        }
    }
    let keys: Counted<Name, ()> = world
        .pvs
        .iter()
        .filter(|(_, pv)| row_matches(p, world, *pv, filter))
        .map(|(k, _)| (k.clone(), ()))
        .collect();
    let shown = Rc::new(Shown::Keys(keys));
    store(
        ui,
        filter,
        Rc::clone(&shown),
        Box::new(Seen::now(world, facts)),
    );
    shown
}

fn store(ui: &UiState, filter: &str, shown: Rc<Shown>, seen: Box<Seen>) {
    let extra: Box<dyn Any> = seen;
    *ui.filter_cache.borrow_mut() = Some(FilterCache {
        pane: PaneId::Volumes,
        filter: filter.to_string(),
        stamp: super::filter::Stamp::Tables(Vec::new(), 0),
        shown,
        extra,
    });
}
