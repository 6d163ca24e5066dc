//! Following a delete add-on to its end: while EKS reports it the line says its state; once
//! it is gone, what became of its objects — above all whether the CSIDriver survived. It
//! is recomputed from the World on every frame, so a watch event that arrives a moment
//! after the add-on disappears still corrects the line.

use super::{DeleteAddon, KubeObject};
use crate::model::World;
use crate::model::world::ns_lookup;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// EKS still lists the add-on.
    Running,
    /// Gone, and the objects are as the request said they would be.
    AsRequested,
    /// Gone, but objects that should have been kept are missing.
    Lost,
}

/// Whether the World currently holds the object.
pub fn present(world: &World, o: &KubeObject) -> bool {
    let ns = || ns_lookup(o.namespace.as_deref().unwrap_or_default(), &o.name);
    match o.kind.as_str() {
        "CSIDriver" => world.csi_drivers.get(&o.name).is_some(),
        "DaemonSet" => ns().is_some_and(|k| world.daemonsets.get(&k).is_some()),
        "ServiceAccount" => ns().is_some_and(|k| world.service_accounts.get(&k).is_some()),
        "ClusterRole" => world.cluster_roles.get(&o.name).is_some(),
        "ClusterRoleBinding" => world.cluster_role_bindings.get(&o.name).is_some(),
        _ => false,
    }
}

pub fn progress(world: &World, d: &DeleteAddon) -> (String, Verdict) {
    if let Some(a) = world.addons.get(&d.addon) {
        return (
            format!(
                "{}: {} (preserve={}); following until EKS removes it",
                d.addon, a.status, d.preserve
            ),
            Verdict::Running,
        );
    }
    let kept = d.objects.iter().filter(|o| present(world, o)).count();
    let total = d.objects.len();
    let driver = d.csi_driver().map(|o| (o, present(world, o)));
    let verdict = if d.preserve && kept < total {
        Verdict::Lost
    } else {
        Verdict::AsRequested
    };
    let mut line = format!("{} deleted", d.addon);
    match driver {
        Some((o, true)) => line.push_str(&format!("; CSIDriver {} kept ✓", o.name)),
        Some((o, false)) if d.preserve => {
            line.push_str(&format!("; CSIDriver {} is GONE ✗", o.name))
        }
        Some((o, false)) => line.push_str(&format!("; CSIDriver {} deleted with it", o.name)),
        None => {}
    }
    line.push_str(&format!(" ({kept} of {total} objects kept)"));
    (line, verdict)
}
