//! Symptoms as evidence: every storage Event joins the findings that explain it (the
//! Multi-Attach error on the pod of a stranded volume, the mount that fails for a missing
//! access point), and an Event no finding explains is listed on its own as an
//! *unexplained symptom*, never hidden.
//!
//! Truth in time: a new Event often comes before the finding that will explain it (a
//! drain's Multi-Attach errors clear within minutes; a stranded volume is a finding only
//! past its grace), so an Event is unexplained only once it has been held for a grace of
//! its own (quietly, like any condition normal for a while), no candidate naming what it
//! reaches is still being checked, and the pod it is about has been read for its claims.

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, ts};
use super::{Ctx, Out};
use super::{
    access_point_quota, attachment_drift, az_mismatch, detach_stuck, gid_range,
    missing_access_point, preserve_risk, stranded_volume,
};
use crate::model::World;
use crate::model::symptom::SymptomRow;
use crate::model::world::Links;

pub const ID: &str = "unexplained-symptom";

/// The rules whose faults make pods fail to attach, mount or provision: an Event that
/// reaches an object one of their findings names is explained by that finding. (Orphans,
/// ownership and lifecycle drift hurt no pod, so no Event is theirs.)
const EXPLAINING: &[&str] = &[
    stranded_volume::ID,
    missing_access_point::ID,
    preserve_risk::ID,
    detach_stuck::ID,
    attachment_drift::ID,
    az_mismatch::ID,
    access_point_quota::ID,
    gid_range::ID,
];

/// Joins the World's Events to `out`'s findings, after every rule has run.
pub(super) fn attach(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    if w.symptom_count() == 0 {
        return;
    }
    let mut by_object: HashMap<ObjRef, Vec<usize>> = HashMap::new();
    for (i, f) in out.findings.iter().enumerate() {
        if EXPLAINING.contains(&f.id) {
            for o in f.objects() {
                by_object.entry(o.clone()).or_default().push(i);
            }
        }
    }
    let pending: HashSet<ObjRef> = out
        .checking
        .iter()
        .filter(|c| EXPLAINING.contains(&c.rule))
        .map(|c| c.object.clone())
        .collect();
    let mut explained: Vec<(usize, Evidence)> = Vec::new();
    let mut unexplained = Vec::new();
    for s in w.symptoms() {
        let links = w.symptom_links(s);
        let hits: BTreeSet<usize> = links
            .objects
            .iter()
            .filter_map(|o| by_object.get(o))
            .flatten()
            .copied()
            .collect();
        if !hits.is_empty() {
            explained.extend(hits.into_iter().map(|i| (i, event(s))));
            continue;
        }
        if cx.policy.disabled.contains(ID) {
            continue;
        }
        let me = event_ref(s);
        if links.objects.iter().any(|o| pending.contains(o)) {
            out.check(ID, me, "waiting for the finding it may belong to".into());
        } else if let Some(key) = links.pod_unread.clone() {
            out.check(ID, me, format!("reading pod {} for its claims", subject(s)));
            out.want(key);
        } else if cx.now >= due(w, cx, s) {
            unexplained.push(finding(w, s, &links));
        }
        // Within its grace an Event is not a candidate: no read would settle it sooner,
        // and a report must not wait for it.
    }
    for (i, e) in explained {
        out.findings[i].evidence.push(e);
    }
    out.findings.extend(unexplained);
}

/// When a held Event with nothing behind it becomes a finding: a grace after stordeck
/// first saw it, or at once if the recorder already saw it happen that long ago.
fn due(w: &World, cx: &Ctx<'_>, s: &SymptomRow) -> Timestamp {
    let grace = cx.policy.graces.unexplained_symptom;
    let seen = w.symptom_seen(s).unwrap_or(cx.now);
    match s.first {
        Some(first) if first + grace <= seen => seen,
        _ => seen + grace,
    }
}

/// The earliest moment an Event held now could become an unexplained symptom.
pub(super) fn recheck_at(w: &World, cx: &Ctx<'_>) -> Option<Timestamp> {
    w.symptoms()
        .map(|s| due(w, cx, s))
        .filter(|t| *t > cx.now)
        .min()
}

fn event_ref(s: &SymptomRow) -> ObjRef {
    ObjRef::new(Kind::Event, Some(&s.namespace), &s.name)
}

/// `pod shop/postgres-0`: the Event's subject as a reader names it.
fn subject(s: &SymptomRow) -> String {
    let io = &s.involved;
    match io.namespace.as_deref().or(Some(s.namespace.as_str())) {
        Some(ns) if !ns.is_empty() && io.kind != "PersistentVolume" && io.kind != "Node" => {
            format!("{ns}/{}", io.name)
        }
        _ => io.name.clone(),
    }
}

/// The Event as evidence: what it said, how often, and when it was last seen.
pub(crate) fn event(s: &SymptomRow) -> Evidence {
    let mut f = Fields::default()
        .with("reason", s.reason.as_str())
        .with("type", s.kind.clone())
        .with("message", s.message.clone())
        .with("count", s.count.to_string());
    if let Some(t) = s.first {
        f = f.with("firstTimestamp", ts(t));
    }
    if let Some(t) = s.last {
        f = f.with("lastTimestamp", ts(t));
    }
    f = f.with(
        "involvedObject",
        format!("{} {}", s.involved.kind, subject(s)),
    );
    Evidence::object(event_ref(s), f)
}

fn finding(w: &World, s: &SymptomRow, links: &Links) -> Finding {
    let what = format!("{} {}", s.involved.kind.to_lowercase(), subject(s));
    let title = match s.missing_driver() {
        Some(d) if w.csi_drivers.synced && w.csi_drivers.get(d).is_none() => format!(
            "{} on {what}: CSIDriver {d} is not registered, and no finding explains it",
            s.reason.as_str()
        ),
        _ => format!(
            "{} on {what}, and no finding explains it",
            s.reason.as_str()
        ),
    };
    let mut evidence = vec![event(s)];
    for o in &links.objects {
        if o.kind != Kind::Event {
            evidence.push(Evidence::object(o.clone(), Fields::default()));
        }
    }
    if let Some(why) = &links.pod_denied {
        evidence.push(Evidence::note(format!(
            "could not read the pod, so its claims are unknown: {why}"
        )));
    }
    if let Some(d) = s.missing_driver().filter(|_| w.csi_drivers.synced) {
        evidence.push(Evidence::note(match w.csi_drivers.get(d) {
            Some(_) => {
                format!("CSIDriver {d} exists now: the kubelet may not have registered it yet")
            }
            None => format!(
                "no CSIDriver {d} is in the cluster: if an add-on was deleted without preserve, \
                 reinstall the driver"
            ),
        }));
    }
    Finding {
        id: ID,
        severity: Severity::Info,
        title,
        evidence,
        fix: None,
        since: s.first,
        silenced: None,
    }
}
