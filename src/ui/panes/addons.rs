//! EKS add-ons: version, status and health, and — for the add-ons whose objects matter
//! to storage — what they manage and who the cluster thinks owns those objects.

use std::collections::BTreeMap;

use jiff::Timestamp;
use ratatui::layout::Constraint::{Fill, Length};

use super::TablePane;
use crate::model::input::AddonRec;
use crate::model::world::AddonObject;
use crate::model::{SourceId, World};
use crate::ui::format::{age, arn_short, opt};
use crate::ui::state::UiState;
use crate::ui::widgets::table::{CellText, Column, Tone};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub struct Addons;

const COLUMNS: &[Column] = &[
    Column::new("NAME", Length(18)),
    Column::new("VERSION", Length(18)),
    Column::new("STATUS", Length(8)),
    Column::new("ISSUES", Length(6)),
    Column::timed("AGE", Length(4)),
    Column::new("SA ROLE", Fill(1)),
    Column::new("MANAGES", Length(16)),
    Column::new("OWNERSHIP", Fill(2)),
];

/// kubectl's short names, so a count of kinds fits a column.
fn short_kind(kind: &str) -> &str {
    match kind {
        "CSIDriver" => "csidriver",
        "DaemonSet" => "ds",
        "ServiceAccount" => "sa",
        "ClusterRole" => "cr",
        "ClusterRoleBinding" => "crb",
        other => other,
    }
}

/// `5: csidriver ds×2 sa cr` — how many objects, of which kinds.
pub fn manages(objects: &[AddonObject<'_>]) -> String {
    if objects.is_empty() {
        return "-".into();
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects {
        *kinds.entry(short_kind(o.kind)).or_default() += 1;
    }
    let parts: Vec<String> = kinds
        .into_iter()
        .map(|(k, n)| {
            if n > 1 {
                format!("{k}×{n}")
            } else {
                k.to_string()
            }
        })
        .collect();
    format!("{}: {}", objects.len(), parts.join(" "))
}

/// A Helm release annotation pair is what `helm upgrade` needs to adopt an object.
pub fn has_helm_annotations(o: &AddonObject<'_>) -> bool {
    [
        "meta.helm.sh/release-name",
        "meta.helm.sh/release-namespace",
    ]
    .iter()
    .all(|k| o.meta.annotations.contains_key(k))
}

/// Labelled as Helm's but without the annotations Helm needs: the VPC CNI case, where
/// Helm would refuse to take the object over.
pub fn is_ambiguous(o: &AddonObject<'_>) -> bool {
    o.meta.label("app.kubernetes.io/managed-by") == Some("Helm") && !has_helm_annotations(o)
}

/// One line of ownership evidence over all of an add-on's objects: the managed-by labels,
/// how many carry Helm's release annotations, the field managers; ⚠ when some are
/// labelled Helm's without the annotations.
pub fn ownership(objects: &[AddonObject<'_>]) -> CellText {
    if objects.is_empty() {
        return CellText::new("-", Tone::Muted);
    }
    let n = objects.len();
    let mut by: Vec<&str> = objects
        .iter()
        .filter_map(|o| o.meta.label("app.kubernetes.io/managed-by"))
        .collect();
    by.sort_unstable();
    by.dedup();
    let annotated = objects.iter().filter(|o| has_helm_annotations(o)).count();
    let mut managers: Vec<&str> = objects
        .iter()
        .flat_map(|o| o.meta.managers.iter().map(|m| m.as_str()))
        .collect();
    managers.sort_unstable();
    managers.dedup();
    let ambiguous = objects.iter().filter(|o| is_ambiguous(o)).count();
    let by = if by.is_empty() {
        "unlabelled".to_string()
    } else {
        by.join(",")
    };
    let managers = if managers.is_empty() {
        "-".to_string()
    } else {
        managers.join(",")
    };
    let (warn, tone) = if ambiguous > 0 {
        ("⚠ ", Tone::Warn)
    } else {
        ("", Tone::Normal)
    };
    CellText::new(
        format!("{warn}{by} ann {annotated}/{n} mgr {managers}"),
        tone,
    )
}

pub fn status_tone(status: &str) -> Tone {
    match status {
        "ACTIVE" => Tone::Ok,
        "CREATING" | "UPDATING" | "DELETING" => Tone::Info,
        "DEGRADED" => Tone::Warn,
        "CREATE_FAILED" | "UPDATE_FAILED" | "DELETE_FAILED" => Tone::Error,
        _ => Tone::Normal,
    }
}

impl TablePane for Addons {
    type Item<'w> = &'w AddonRec;

    fn id(&self) -> PaneId {
        PaneId::Addons
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn sources(&self) -> &'static [SourceId] {
        &[SourceId::EksAddons]
    }

    fn empty_hint(&self) -> &'static str {
        "No EKS add-ons on this cluster. Drivers installed another way show under CSI drivers (1)."
    }

    fn len(&self, world: &World, _: &UiState) -> usize {
        world.addons.len()
    }

    fn item<'w>(&self, world: &'w World, _: &UiState, i: usize) -> Option<&'w AddonRec> {
        world.addons.get_index(i).map(|(_, v)| v)
    }

    fn cells(&self, world: &World, a: &AddonRec, now: Timestamp) -> Vec<CellText> {
        // Codes and messages are in the detail view; a count is what fits here.
        let issues = match a.health_issues.len() {
            0 => CellText::new("-", Tone::Muted),
            n => CellText::new(n.to_string(), Tone::Warn),
        };
        let objects = world.addon_objects(&a.name);
        vec![
            a.name.clone().into(),
            opt(a.version.as_deref()).into(),
            CellText::new(a.status.clone(), status_tone(&a.status)),
            issues,
            age(a.created_at, now).into(),
            CellText::new(
                a.service_account_role_arn.as_deref().map_or("-", arn_short),
                Tone::Muted,
            ),
            manages(&objects).into(),
            ownership(&objects),
        ]
    }

    fn object_ref(&self, a: &AddonRec) -> Option<ObjectRef> {
        Some(ObjectRef::cluster(ObjectKind::Addon, &a.name))
    }
}
