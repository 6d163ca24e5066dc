//! Building actions from what the World shows: each plan either returns the exact action
//! the dialog will show, or says why there is nothing (safe) to do.

use serde_json::json;

pub use super::plan_ebs::{delete_ebs_volume, detach_allowed, force_detach};

use super::kube_object::{Expect, toleration_text};
use super::{
    Action, AdoptHelm, DISRUPTED_TAINT, DeleteAccessPoint, DeleteAddon, KubeObject, KubePatch,
    PatchType, Tolerate,
};
use crate::model::projection::{DaemonSetRow, Meta};
use crate::model::provenance::CSI_TAG_PREFIX;
use crate::model::world::ns_lookup;
use crate::model::{HealthState, SourceId, World};

const RELEASE_NAME: &str = "meta.helm.sh/release-name";
const RELEASE_NAMESPACE: &str = "meta.helm.sh/release-namespace";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

fn cluster_name(world: &World) -> Result<String, String> {
    world
        .cluster
        .as_ref()
        .map(|c| c.name.clone())
        .or_else(|| world.target.cluster.clone())
        .ok_or_else(|| "the EKS cluster name is not known (pass --cluster)".to_string())
}

/// EKS StartInsightsRefresh for the cluster; not while one already runs.
pub fn refresh_insights(world: &World) -> Result<Action, String> {
    super::insights::plan(world, cluster_name(world)?).map(Action::RefreshInsights)
}

pub fn delete_addon(world: &World, addon: &str) -> Result<Action, String> {
    let cluster = cluster_name(world)?;
    let rec = world
        .addons
        .get(&addon.to_string())
        .ok_or_else(|| format!("add-on {addon} is not (or no longer) on the cluster"))?;
    if rec.status == "DELETING" {
        return Err(format!("add-on {addon} is already DELETING"));
    }
    let objects = world
        .addon_objects(addon)
        .iter()
        .map(|o| KubeObject::new(o.kind, o.meta.namespace.as_deref(), &o.meta.name))
        .collect();
    Ok(Action::DeleteAddon(DeleteAddon {
        cluster,
        addon: addon.to_string(),
        preserve: true,
        objects,
        role_arn: rec.service_account_role_arn.clone(),
        findings: Vec::new(),
    }))
}

/// Only an access point the EFS CSI driver made and no PV uses, judged on a PV list that
/// is live: on a stale or half-synced list every access point would look orphaned. One
/// another consumer made (Lambda, SageMaker, Terraform) is refused whatever the PVs say:
/// no PV uses it by design, and deleting it would break a workload stordeck cannot see.
pub fn delete_access_point(world: &World, id: &str) -> Result<Action, String> {
    let ap = world
        .access_points
        .get(id)
        .ok_or_else(|| format!("access point {id} is not (or no longer) known"))?;
    if !ap.made_by_csi_driver() {
        return Err(format!(
            "{id} was not made by the EFS CSI driver (ClientToken {}, no {CSI_TAG_PREFIX} tag): \
             another consumer of {} may use it, so stordeck never deletes it",
            ap.client_token.as_deref().unwrap_or("-"),
            ap.file_system_id
        ));
    }
    let pvs_live = matches!(
        world.health.get(&SourceId::Pvs).map(|h| &h.state),
        Some(HealthState::Live)
    );
    if !pvs_live {
        return Err(
            "the PersistentVolume list is not live, so whether a PV uses this access \
                    point cannot be told; try again once it is"
                .into(),
        );
    }
    if let Some(pv) = world.pv_for_access_point(ap) {
        return Err(format!(
            "PV {} uses {id}; only orphaned access points can be deleted",
            pv.meta.name
        ));
    }
    Ok(Action::DeleteAccessPoint(DeleteAccessPoint {
        access_point_id: ap.id.to_string(),
        file_system_id: ap.file_system_id.to_string(),
        client_token: ap.client_token.as_deref().map(String::from),
        root_path: ap.root_path.as_ref().map(ToString::to_string),
        findings: Vec::new(),
    }))
}

fn adopted(meta: &Meta, release: &str, namespace: &str) -> bool {
    meta.annotations.get(RELEASE_NAME) == Some(release)
        && meta.annotations.get(RELEASE_NAMESPACE) == Some(namespace)
        && meta.label(MANAGED_BY) == Some("Helm")
}

/// The release is the one Helm's own labels name (`app.kubernetes.io/instance`, which
/// `helm template` sets), else the add-on's name; the namespace is the objects'.
pub fn adopt_helm(world: &World, addon: &str) -> Result<Action, String> {
    let objects = world.addon_objects(addon);
    if objects.is_empty() {
        return Err(format!(
            "stordeck does not know which objects {addon} manages"
        ));
    }
    let release = objects
        .iter()
        .find_map(|o| o.meta.label("app.kubernetes.io/instance"))
        .unwrap_or(addon)
        .to_string();
    let namespace = objects
        .iter()
        .find_map(|o| o.meta.namespace.map(String::from))
        .unwrap_or_else(|| "kube-system".into());
    if let Some(o) = objects.iter().find(|o| {
        o.meta
            .annotations
            .get(RELEASE_NAME)
            .is_some_and(|r| r != release)
    }) {
        return Err(format!(
            "{} {} already belongs to Helm release {}; not overwriting that",
            o.kind,
            o.meta.name,
            o.meta.annotations.get(RELEASE_NAME).unwrap_or_default()
        ));
    }
    let body = json!({"metadata": {
        "annotations": {RELEASE_NAME: release, RELEASE_NAMESPACE: namespace},
        "labels": {MANAGED_BY: "Helm"},
    }});
    let patches: Vec<KubePatch> = objects
        .iter()
        .filter(|o| !adopted(o.meta, &release, &namespace))
        .map(|o| KubePatch {
            object: KubeObject::new(o.kind, o.meta.namespace.as_deref(), &o.meta.name),
            patch_type: PatchType::Merge,
            body: body.clone(),
            expect: helm_meta_as_seen(o.meta),
        })
        .collect();
    if patches.is_empty() {
        return Err(format!(
            "all {} objects of {addon} already carry release {release}'s annotations and label",
            objects.len()
        ));
    }
    Ok(Action::AdoptHelm(AdoptHelm {
        addon: addon.to_string(),
        release,
        namespace,
        patches,
        findings: Vec::new(),
    }))
}

/// The annotations and label the adopt patch writes, as the object had them: the patch
/// is refused if someone else set them in between (another release may have claimed it).
fn helm_meta_as_seen(meta: &Meta) -> Vec<Expect> {
    let annotation = |key: &str| Expect::Annotation {
        key: key.to_string(),
        seen: meta.annotations.get(key).map(str::to_string),
    };
    vec![
        annotation(RELEASE_NAME),
        annotation(RELEASE_NAMESPACE),
        Expect::Label {
            key: MANAGED_BY.to_string(),
            seen: meta.label(MANAGED_BY).map(str::to_string),
        },
    ]
}

pub fn tolerates_disruption(ds: &DaemonSetRow) -> bool {
    ds.tolerates(DISRUPTED_TAINT, None, "NoSchedule")
}

pub fn tolerate(world: &World, namespace: &str, name: &str) -> Result<Action, String> {
    let ds = ns_lookup(namespace, name)
        .and_then(|k| world.daemonsets.get(&k))
        .ok_or_else(|| format!("DaemonSet {namespace}/{name} is not known"))?;
    if tolerates_disruption(ds) {
        return Err(format!(
            "DaemonSet {namespace}/{name} already tolerates {DISRUPTED_TAINT}"
        ));
    }
    let toleration = json!({"key": DISRUPTED_TAINT, "operator": "Exists", "effect": "NoSchedule"});
    let creates_list = ds.tolerations.is_empty();
    let body = if creates_list {
        json!([{"op": "add", "path": "/spec/template/spec/tolerations", "value": [toleration]}])
    } else {
        json!([{"op": "add", "path": "/spec/template/spec/tolerations/-", "value": toleration}])
    };
    let seen = ds
        .tolerations
        .iter()
        .map(|t| {
            toleration_text(
                t.key.as_deref(),
                t.operator.as_deref(),
                t.value.as_deref(),
                t.effect.as_deref(),
            )
        })
        .collect();
    Ok(Action::Tolerate(Tolerate {
        patch: KubePatch {
            object: KubeObject::new("DaemonSet", Some(namespace), name),
            patch_type: PatchType::Json,
            body,
            expect: vec![Expect::Tolerations(seen)],
        },
        creates_list,
        findings: Vec::new(),
    }))
}

/// The DaemonSet to fix for an add-on: the first of its DaemonSets lacking the toleration.
pub fn tolerate_for_addon(world: &World, addon: &str) -> Result<Action, String> {
    let mut found = false;
    for o in world.addon_objects(addon) {
        if o.kind != "DaemonSet" {
            continue;
        }
        found = true;
        let ns = o.meta.namespace.unwrap_or_default();
        let key = (ns, o.meta.name.clone());
        if world
            .daemonsets
            .get(&key)
            .is_some_and(|d| !tolerates_disruption(d))
        {
            return tolerate(world, &ns, &o.meta.name);
        }
    }
    Err(if found {
        format!("every DaemonSet of {addon} already tolerates {DISRUPTED_TAINT}")
    } else {
        format!("{addon} has no DaemonSet")
    })
}

/// The node DaemonSet of a CSI driver.
pub fn tolerate_for_driver(world: &World, driver: &str) -> Result<Action, String> {
    let ds = world
        .node_daemonset_for_driver(driver)
        .ok_or_else(|| format!("no node DaemonSet is known for {driver}"))?;
    let ns = ds.meta.namespace.unwrap_or_default();
    tolerate(world, &ns, &ds.meta.name.clone())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
