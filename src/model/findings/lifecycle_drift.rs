//! Story 5, lifecycle drift: the ACK EFS controller's `FileSystem` can stay at
//! `lifeCycleState: creating` with `ACK.ResourceSynced=Unknown` for hours while AWS
//! already reports `available` (fixed in the controller at v1.0.13). A disagreement, or a
//! resource not synced, that outlasts the time a healthy controller needs is a finding.

use jiff::{SignedDuration, Timestamp};

use super::meta_ref;
use super::types::{Evidence, Fields, Finding, Kind, ObjRef, Severity, span, ts};
use super::{Ctx, Out};
use crate::model::World;
use crate::model::input::FileSystemRec;
use crate::model::projection::AckFileSystemRow;

pub const ID: &str = "lifecycle-drift";

/// Creating a file system and the controller's requeues fit well inside this.
const THRESHOLD: SignedDuration = SignedDuration::from_mins(10);
/// Past this it is the known stuck-at-creating bug, not a slow reconcile.
const CRITICAL_AFTER: SignedDuration = SignedDuration::from_hours(1);
/// Titles say how long to the minute; re-evaluate that often while something drifts.
const TICK: SignedDuration = SignedDuration::from_mins(1);
const FIXED_IN: (u64, u64, u64) = (1, 0, 13);
const VERSION_TAG: &str = "services.k8s.aws/controller-version";

struct Drift<'w> {
    ack: &'w AckFileSystemRow,
    fs: &'w FileSystemRec,
    state_differs: bool,
    since: Timestamp,
}

/// Every ACK FileSystem that disagrees with AWS, and since when: stordeck's first sight
/// of the disagreement or, while not synced, the condition's last transition, whichever
/// is older (stordeck may have started long after the controller got stuck).
fn drifts(w: &World) -> impl Iterator<Item = Drift<'_>> {
    w.ack_file_systems.values().filter_map(|ack| {
        let fs = w.file_systems.get(ack.file_system_id.as_ref()?)?;
        let state_differs = ack.life_cycle_state.as_deref() != Some(fs.life_cycle_state.as_str());
        let unsynced = ack.synced.as_deref() != Some("True");
        if !state_differs && !unsynced {
            return None;
        }
        let seen = w.drift_since.get(&fs.id).copied();
        let cond = ack.synced_changed.filter(|_| unsynced);
        let since = seen.into_iter().chain(cond).min()?;
        Some(Drift {
            ack,
            fs,
            state_differs,
            since,
        })
    })
}

pub(super) fn check(w: &World, cx: &Ctx<'_>, out: &mut Out) {
    let now = cx.now;
    for d in drifts(w) {
        let lasted = now.duration_since(d.since);
        if lasted < THRESHOLD {
            continue;
        }
        let ack = d.ack;
        let name = format!(
            "{}/{}",
            ack.meta.namespace.as_deref().unwrap_or(""),
            ack.meta.name
        );
        let ack_state = ack.life_cycle_state.as_deref().unwrap_or("(none)");
        let synced = ack.synced.as_deref().unwrap_or("(absent)");
        let how_long = span(lasted.as_secs());
        let title = if d.state_differs {
            format!(
                "ACK FileSystem {name} disagrees with AWS for {how_long}: ACK says {ack_state}, AWS says {}",
                d.fs.life_cycle_state
            )
        } else {
            format!(
                "ACK FileSystem {name} not synced with AWS for {how_long} (ACK.ResourceSynced={synced})"
            )
        };
        let cond = "status.conditions[ACK.ResourceSynced]";
        let mut fields = Fields::default()
            .with("status.fileSystemID", d.fs.id.clone())
            .with("status.lifeCycleState", ack_state)
            .with(format!("{cond}.status"), synced);
        if let Some(t) = ack.synced_changed {
            fields = fields.with(format!("{cond}.lastTransitionTime"), ts(t));
        }
        if let Some(m) = ack.synced_message.as_deref().filter(|m| !m.is_empty()) {
            fields = fields.with(format!("{cond}.message"), m);
        }
        let mut evidence = vec![
            Evidence::object(meta_ref(Kind::AckFileSystem, &ack.meta), fields),
            Evidence::object(
                ObjRef::cluster(Kind::FileSystem, &d.fs.id),
                Fields::default()
                    .with("LifeCycleState", d.fs.life_cycle_state.clone())
                    .with("Name", d.fs.name.as_deref().unwrap_or("-")),
            ),
            Evidence::note(format!("disagreeing since {} ({how_long})", ts(d.since))),
        ];
        if let Some(note) = version_note(w, d.fs) {
            evidence.push(Evidence::note(note));
        }
        out.push(Finding {
            since: None,
            silenced: None,
            id: ID,
            severity: if lasted >= CRITICAL_AFTER {
                Severity::Critical
            } else {
                Severity::Warning
            },
            title,
            evidence,
            fix: None,
        });
    }
}

/// When time alone next changes this rule's findings: a threshold crossed, or the
/// minute in a title.
pub(super) fn recheck_at(w: &World, now: Timestamp) -> Option<Timestamp> {
    drifts(w)
        .flat_map(|d| {
            let over = now >= d.since + THRESHOLD;
            [d.since + THRESHOLD, d.since + CRITICAL_AFTER]
                .into_iter()
                .filter(move |t| *t > now)
                .chain(over.then_some(now + TICK))
        })
        .min()
}

/// What the controller's version says about the bug, when the version can be seen: an
/// `…/efs-controller:vX.Y.Z` image of a watched DaemonSet, else the tag ACK puts on the
/// resources it creates. Silent when neither is there.
fn version_note(w: &World, fs: &FileSystemRec) -> Option<String> {
    let from_image = w.daemonsets.values().find_map(|ds| {
        ds.images.iter().find_map(|img| {
            let tag = image_tag(img, "efs-controller")?;
            let ns = ds.meta.namespace.as_deref().unwrap_or("");
            Some((
                tag.to_string(),
                format!("image of DaemonSet {ns}/{}", ds.meta.name),
            ))
        })
    });
    let from_tag = || {
        let (_, v) = fs.tags.iter().find(|(k, _)| k == VERSION_TAG)?;
        let version = v.strip_prefix("efs-").unwrap_or(v);
        Some((version.to_string(), format!("tag {VERSION_TAG}={v}")))
    };
    let (version, seen) = from_image.or_else(from_tag)?;
    let parsed = parse_version(&version)?;
    Some(if parsed < FIXED_IN {
        format!(
            "ACK EFS controller {version} ({seen}): versions before v1.0.13 leave FileSystems \
             at creating after AWS reports them available; upgrade the controller"
        )
    } else {
        format!("ACK EFS controller {version} ({seen}) has the v1.0.13 fix; see its logs")
    })
}

/// The tag of `…/<repo>:<tag>` (digest ignored); `None` for other images.
fn image_tag<'a>(image: &'a str, repo: &str) -> Option<&'a str> {
    let image = image.split('@').next()?;
    let (path, tag) = image.rsplit_once(':')?;
    let last = path.rsplit('/').next()?;
    (last == repo && !tag.contains('/')).then_some(tag)
}

/// `v1.0.12`, `1.0.12`, `v1.0.12-rc.1` → (1, 0, 12).
fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.trim_start_matches('v').splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?;
    let digits = patch.split(|c: char| !c.is_ascii_digit()).next()?;
    Some((major, minor, digits.parse().ok()?))
}

#[cfg(test)]
#[path = "lifecycle_drift_tests.rs"]
mod tests;
