//! Two owners of one file system: several ACK `FileSystem` resources whose status names the
//! same `fileSystemID`. Each controller reconciles the file system as its own, and deleting
//! one whose deletion policy is `delete` (ACK's default) deletes the EFS file system, and
//! its data, under the others. Story 5's lifecycle with story 2's question: who owns it?
//!
//! Every claim comes from the one ACK watch, whose table only ever holds a state the
//! cluster was really in (a relist is held aside until it completes), so nothing is judged
//! against a staler source. No grace either: Kubernetes names are immutable, so a "rename"
//! is a create and a delete, and the window while both exist is the hazard itself.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, ts};
use super::{Ctx, Out, meta_ref};
use crate::model::World;
use crate::model::projection::AckFileSystemRow;
use crate::model::world::ACK_DELETION_POLICY;

pub const ID: &str = "ack-duplicate";

pub(super) fn check(w: &World, _cx: &Ctx<'_>, out: &mut Out) {
    let mut claims: BTreeMap<&str, Vec<&AckFileSystemRow>> = BTreeMap::new();
    for ack in w.ack_file_systems.values() {
        if let Some(id) = ack.file_system_id.as_deref().filter(|id| !id.is_empty()) {
            claims.entry(id).or_default().push(ack);
        }
    }
    for (fs_id, acks) in claims {
        if acks.len() > 1 {
            out.push(finding(w, fs_id, &acks));
        }
    }
}

/// Whether deleting the object leaves the file system in AWS. Only the object's own
/// annotation is visible here; without it the namespace's annotation or the controller's
/// flag decide, and ACK's default deletes, so an unannotated object counts as deleting.
pub fn retains(ack: &AckFileSystemRow) -> bool {
    ack.meta.annotations.get(ACK_DELETION_POLICY) == Some("retain")
}

fn name(ack: &AckFileSystemRow) -> String {
    meta_ref(Kind::AckFileSystem, &ack.meta).display_name()
}

fn finding(w: &World, fs_id: &str, acks: &[&AckFileSystemRow]) -> Finding {
    let n = acks.len();
    let names: Vec<String> = acks.iter().map(|a| name(a)).collect();
    let deleters: Vec<&AckFileSystemRow> = acks.iter().copied().filter(|a| !retains(a)).collect();
    let claimants = format!(
        "{n} ACK FileSystems claim EFS file system {fs_id} ({})",
        names.join(", ")
    );
    let others = if n == 2 { "the other" } else { "the others" };
    let (severity, title) = if deleters.is_empty() {
        (
            Severity::Warning,
            format!(
                "{claimants}, all with deletion-policy retain: each controller reconciles it as its own"
            ),
        )
    } else {
        let which = if deleters.len() < n {
            let names: Vec<String> = deleters.iter().map(|a| name(a)).collect();
            names.join(" or ")
        } else if n == 2 {
            "either".into()
        } else {
            "any".into()
        };
        (
            Severity::Critical,
            format!("{claimants}: deleting {which} deletes it under {others}"),
        )
    };

    let mut fs_fields = Fields::default();
    if let Some(fs) = w.file_systems.get(&fs_id.to_string()) {
        fs_fields = fs_fields
            .with("Name", fs.name.as_deref().unwrap_or("-"))
            .with("LifeCycleState", fs.life_cycle_state.clone());
    }
    let mut evidence = vec![Evidence::object(
        ObjRef::cluster(Kind::FileSystem, fs_id),
        fs_fields,
    )];
    for ack in acks {
        let policy = ack.meta.annotations.get(ACK_DELETION_POLICY);
        let fields = Fields::default()
            .with("status.fileSystemID", fs_id)
            .with(
                format!("metadata.annotations[{ACK_DELETION_POLICY}]"),
                policy.unwrap_or("(absent)"),
            )
            .with(
                "metadata.creationTimestamp",
                ack.meta.created.get().map_or("-".into(), ts),
            );
        evidence.push(Evidence::object(
            meta_ref(Kind::AckFileSystem, &ack.meta),
            fields,
        ));
    }
    // The fix before the explanations: the panel shows as much as fits.
    evidence.extend(fix(acks));
    if acks
        .iter()
        .any(|a| !a.meta.annotations.contains_key(ACK_DELETION_POLICY))
    {
        evidence.push(Evidence::note(format!(
            "without {ACK_DELETION_POLICY} on the object, the namespace's \
             efs.{ACK_DELETION_POLICY} annotation or the controller's --deletion-policy flag \
             decide, and ACK's default is delete"
        )));
    }
    let since = since(acks);
    if let Some((t, newest)) = &since {
        evidence.push(Evidence::note(format!(
            "claimed {n} times since {} at the latest, when {newest} was created",
            ts(*t)
        )));
    }
    Finding {
        since: since.map(|(t, _)| t),
        silenced: None,
        id: ID,
        severity,
        title,
        evidence,
        fix: None,
    }
}

/// When the newest claimant was created: the duplicate cannot be older. `None` if a
/// creation time is unknown.
fn since(acks: &[&AckFileSystemRow]) -> Option<(Timestamp, String)> {
    let mut newest: Option<(Timestamp, String)> = None;
    for a in acks {
        let t = a.meta.created.get()?;
        if newest.as_ref().is_none_or(|(n, _)| t > *n) {
            newest = Some((t, name(a)));
        }
    }
    newest
}

/// Keep one and release the others without touching the file system: retain, then
/// delete (`--overwrite`, as an explicit `delete` may be there). The one created first
/// is likely the original owner; without every creation time, the first by name.
fn fix(acks: &[&AckFileSystemRow]) -> Vec<Evidence> {
    let created: Option<Vec<Timestamp>> = acks.iter().map(|a| a.meta.created.get()).collect();
    let (keep, why) = match created {
        Some(times) => {
            let first = (0..acks.len()).min_by_key(|i| times[*i]).unwrap_or(0);
            (first, " (created first)")
        }
        None => (0, ""),
    };
    let Some(kept) = acks.get(keep) else {
        return Vec::new();
    };
    let mut out = vec![Evidence::note(format!(
        "fix: keep one, e.g. {}{why}, and remove the others without deleting the file system:",
        name(kept)
    ))];
    for (i, a) in acks.iter().enumerate() {
        if i == keep {
            continue;
        }
        let ns = a.meta.namespace.as_deref().unwrap_or("default");
        let obj = format!("filesystem.efs.services.k8s.aws/{}", a.meta.name);
        out.push(Evidence::note(format!(
            "kubectl annotate {obj} -n {ns} {ACK_DELETION_POLICY}=retain --overwrite \
             && kubectl delete {obj} -n {ns}"
        )));
    }
    out
}

#[cfg(test)]
#[path = "ack_duplicate_tests.rs"]
mod tests;
