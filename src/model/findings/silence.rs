//! Whether the user silenced a finding: by a `[[findings.silence]]` entry in config.toml
//! (rule, name glob, label), or by the `stordeck.io/ignore` annotation on the Kubernetes
//! object the finding is about. Silenced findings stay listed, dimmed, with the reason;
//! they leave the counts and the report's exit code.

use super::policy::Policy;
use super::types::{Finding, Kind, ObjRef};
use crate::model::World;
use crate::model::projection::{IGNORE_ANNOTATION, Meta};
use crate::model::world::ns_lookup;

pub(super) fn reason(w: &World, policy: &Policy, f: &Finding) -> Option<String> {
    let subject = f.subject()?;
    let meta = meta_of(w, subject);
    if let Some(list) = meta.and_then(|m| m.annotations.get(IGNORE_ANNOTATION))
        && list
            .split(',')
            .map(str::trim)
            .any(|r| r == f.id || r == "*")
    {
        return Some(format!(
            "{IGNORE_ANNOTATION}: {list} on {} {}",
            subject.kind.label(),
            subject.display_name()
        ));
    }
    policy
        .silences
        .iter()
        .filter(|s| s.covers_rule(f.id))
        .find(|s| {
            let name_ok = s.name.as_ref().is_none_or(|g| g.is_match(&subject.name));
            let label_ok = s.label.as_ref().is_none_or(|(k, v)| {
                meta.and_then(|m| m.labels.get(k))
                    .is_some_and(|have| have == v)
            });
            name_ok && label_ok
        })
        .map(|s| format!("config.toml: {}", s.reason))
}

/// The metadata of a Kubernetes object a finding names, when the World holds it.
fn meta_of<'w>(w: &'w World, o: &ObjRef) -> Option<&'w Meta> {
    let ns = || ns_lookup(o.namespace.as_deref().unwrap_or_default(), &o.name);
    Some(match o.kind {
        Kind::CsiDriver => &w.csi_drivers.get(&o.name)?.meta,
        Kind::PersistentVolume => &w.pvs.get(o.name.as_str())?.meta,
        Kind::StorageClass => &w.storage_classes.get(&o.name)?.meta,
        Kind::VolumeAttachment => &w.volume_attachments.get(&o.name)?.meta,
        Kind::Node => &w.nodes.get(&o.name)?.meta,
        Kind::DaemonSet => &w.daemonsets.get(&ns()?)?.meta,
        Kind::ServiceAccount => &w.service_accounts.get(&ns()?)?.meta,
        Kind::ClusterRole => &w.cluster_roles.get(&o.name)?.meta,
        Kind::ClusterRoleBinding => &w.cluster_role_bindings.get(&o.name)?.meta,
        Kind::AckFileSystem => &w.ack_file_systems.get(&ns()?)?.meta,
        Kind::PersistentVolumeClaim => &w.pvcs.get(&ns()?)?.meta,
        Kind::Pod | Kind::Event => return None,
        Kind::Addon
        | Kind::FileSystem
        | Kind::AccessPoint
        | Kind::EbsVolume
        | Kind::Instance
        | Kind::Insight => {
            return None;
        }
    })
}
