//! Kubernetes sources: one kube-runtime watcher per kind (with backoff), merged into the
//! source channel. Watched, never polled: after the first list only watch streams flow
//! (`kube_watch` says when a kind must be listed again).

use std::fmt::Debug;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::first_list::Turn;
use super::kube_watch::run;
use super::refresh::Refresh;
use crate::model::{Change, KubeMsg, SourceId, SourceMsg};

/// Page size of the initial list: big enough to be few requests, small enough that the
/// first rows show quickly on a 100,000-PV cluster.
const PAGE_SIZE: u32 = 500;

pub fn ack_filesystem_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("efs.services.k8s.aws", "v1alpha1", "FileSystem"),
        "filesystems",
    )
}

/// Starts a watcher for every kind the model needs, none of which is ever asked to relist.
pub fn spawn_watchers(client: &Client, tx: &Sender<SourceMsg>) -> Vec<JoinHandle<()>> {
    spawn_watchers_with(client, tx, &Refresh::default())
}

/// Starts a watcher for every kind the model needs; `refresh.all()` relists them all.
pub fn spawn_watchers_with(
    client: &Client,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
) -> Vec<JoinHandle<()>> {
    let c = client;
    let r = refresh;
    // Taken before any task runs, so that none starts its list before the PVs'.
    let pvs_first = Turn::Lead(r.first_list().lead());
    vec![
        spawn(
            Api::<CSIDriver>::all(c.clone()),
            SourceId::CsiDrivers,
            KubeMsg::CsiDriver,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<PersistentVolume>::all(c.clone()),
            SourceId::Pvs,
            KubeMsg::Pv,
            tx,
            r,
            pvs_first,
        ),
        spawn(
            Api::<PersistentVolumeClaim>::all(c.clone()),
            SourceId::Pvcs,
            KubeMsg::Pvc,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<StorageClass>::all(c.clone()),
            SourceId::StorageClasses,
            KubeMsg::StorageClass,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<VolumeAttachment>::all(c.clone()),
            SourceId::VolumeAttachments,
            KubeMsg::VolumeAttachment,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<Node>::all(c.clone()),
            SourceId::Nodes,
            KubeMsg::Node,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<DaemonSet>::all(c.clone()),
            SourceId::DaemonSets,
            KubeMsg::DaemonSet,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<ServiceAccount>::all(c.clone()),
            SourceId::ServiceAccounts,
            KubeMsg::ServiceAccount,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<ClusterRole>::all(c.clone()),
            SourceId::ClusterRoles,
            KubeMsg::ClusterRole,
            tx,
            r,
            after(r),
        ),
        spawn(
            Api::<ClusterRoleBinding>::all(c.clone()),
            SourceId::ClusterRoleBindings,
            KubeMsg::ClusterRoleBinding,
            tx,
            r,
            after(r),
        ),
        spawn_ack(c.clone(), tx, r),
    ]
}

fn spawn<K>(
    api: Api<K>,
    source: SourceId,
    wrap: fn(Change<K>) -> KubeMsg,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
    first: Turn,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let (tx, relist) = (tx.clone(), refresh.kube_requests());
    tokio::spawn(run(api, source, list_config(), wrap, tx, relist, first))
}

/// The part of every source but the PVs: after them.
pub(super) fn after(refresh: &Refresh) -> Turn {
    Turn::After(refresh.first_list().clone())
}

/// How every kind is listed: in pages, so the first rows show quickly at scale.
pub(super) fn list_config() -> watcher::Config {
    watcher::Config::default().page_size(PAGE_SIZE)
}

fn spawn_ack(client: Client, tx: &Sender<SourceMsg>, refresh: &Refresh) -> JoinHandle<()> {
    let api: Api<DynamicObject> = Api::all_with(client, &ack_filesystem_resource());
    tokio::spawn(run(
        api,
        SourceId::AckFileSystems,
        list_config(),
        KubeMsg::AckFileSystem,
        tx.clone(),
        refresh.kube_requests(),
        after(refresh),
    ))
}
