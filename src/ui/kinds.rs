//! The UI's object kinds against the findings' kinds, and which pane lists each: shared by
//! the panes, the detail view and the header.

use crate::model::findings::{Finding, Kind, ObjRef};
use crate::ui::{ObjectKind, ObjectRef, PaneId};

pub fn model_kind(k: ObjectKind) -> Option<Kind> {
    Some(match k {
        ObjectKind::Pv => Kind::PersistentVolume,
        ObjectKind::CsiDriver => Kind::CsiDriver,
        ObjectKind::StorageClass => Kind::StorageClass,
        ObjectKind::DaemonSet => Kind::DaemonSet,
        ObjectKind::Node => Kind::Node,
        ObjectKind::AckFileSystem => Kind::AckFileSystem,
        ObjectKind::Addon => Kind::Addon,
        ObjectKind::FileSystem => Kind::FileSystem,
        ObjectKind::AccessPoint => Kind::AccessPoint,
        ObjectKind::EbsVolume => Kind::EbsVolume,
        ObjectKind::Pvc => Kind::PersistentVolumeClaim,
        ObjectKind::MountTarget => return None,
    })
}

/// The UI's name for an object a finding names; `None` for kinds it cannot show.
pub fn ui_ref(o: &ObjRef) -> Option<ObjectRef> {
    let kind = match o.kind {
        Kind::PersistentVolume => ObjectKind::Pv,
        Kind::CsiDriver => ObjectKind::CsiDriver,
        Kind::StorageClass => ObjectKind::StorageClass,
        Kind::DaemonSet => ObjectKind::DaemonSet,
        Kind::Node => ObjectKind::Node,
        Kind::AckFileSystem => ObjectKind::AckFileSystem,
        Kind::Addon => ObjectKind::Addon,
        Kind::FileSystem => ObjectKind::FileSystem,
        Kind::AccessPoint => ObjectKind::AccessPoint,
        Kind::EbsVolume => ObjectKind::EbsVolume,
        Kind::PersistentVolumeClaim => ObjectKind::Pvc,
        Kind::Pod
        | Kind::Event
        | Kind::Instance
        | Kind::VolumeAttachment
        | Kind::ServiceAccount
        | Kind::ClusterRole
        | Kind::ClusterRoleBinding
        | Kind::Insight => return None,
    };
    Some(ObjectRef {
        kind,
        namespace: o.namespace.clone(),
        name: o.name.clone(),
    })
}

/// The pane that lists objects of a kind.
pub fn pane_for(k: Kind) -> Option<PaneId> {
    Some(match k {
        Kind::CsiDriver => PaneId::Drivers,
        Kind::Addon => PaneId::Addons,
        Kind::PersistentVolume => PaneId::Volumes,
        Kind::AccessPoint => PaneId::AccessPoints,
        Kind::FileSystem => PaneId::Lifecycle,
        Kind::EbsVolume => PaneId::EbsVolumes,
        _ => return None,
    })
}

/// Where `Enter` on a finding goes: the first object it names that a pane lists.
pub fn destination(f: &Finding) -> Option<(PaneId, ObjectRef)> {
    f.objects()
        .find_map(|o| Some((pane_for(o.kind)?, ui_ref(o)?)))
}
