//! Kubernetes sources: one kube-runtime watcher per kind (with backoff), merged into the
//! source channel. Watched, never polled: after the first list only watch streams flow.

use std::fmt::Debug;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass, VolumeAttachment};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::health::Tracker;
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

/// Starts a watcher for every kind the model needs.
pub fn spawn_watchers(client: &Client, tx: &Sender<SourceMsg>) -> Vec<JoinHandle<()>> {
    let c = client;
    vec![
        spawn(
            Api::<CSIDriver>::all(c.clone()),
            SourceId::CsiDrivers,
            KubeMsg::CsiDriver,
            tx,
        ),
        spawn(
            Api::<PersistentVolume>::all(c.clone()),
            SourceId::Pvs,
            KubeMsg::Pv,
            tx,
        ),
        spawn(
            Api::<PersistentVolumeClaim>::all(c.clone()),
            SourceId::Pvcs,
            KubeMsg::Pvc,
            tx,
        ),
        spawn(
            Api::<StorageClass>::all(c.clone()),
            SourceId::StorageClasses,
            KubeMsg::StorageClass,
            tx,
        ),
        spawn(
            Api::<VolumeAttachment>::all(c.clone()),
            SourceId::VolumeAttachments,
            KubeMsg::VolumeAttachment,
            tx,
        ),
        spawn(
            Api::<Node>::all(c.clone()),
            SourceId::Nodes,
            KubeMsg::Node,
            tx,
        ),
        spawn(
            Api::<DaemonSet>::all(c.clone()),
            SourceId::DaemonSets,
            KubeMsg::DaemonSet,
            tx,
        ),
        spawn(
            Api::<ServiceAccount>::all(c.clone()),
            SourceId::ServiceAccounts,
            KubeMsg::ServiceAccount,
            tx,
        ),
        spawn(
            Api::<ClusterRole>::all(c.clone()),
            SourceId::ClusterRoles,
            KubeMsg::ClusterRole,
            tx,
        ),
        spawn(
            Api::<ClusterRoleBinding>::all(c.clone()),
            SourceId::ClusterRoleBindings,
            KubeMsg::ClusterRoleBinding,
            tx,
        ),
        spawn_ack(c.clone(), tx),
    ]
}

fn spawn<K>(
    api: Api<K>,
    source: SourceId,
    wrap: fn(Change<K>) -> KubeMsg,
    tx: &Sender<SourceMsg>,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let tx = tx.clone();
    tokio::spawn(run(api, source, list_config(), wrap, tx))
}

/// How every kind is listed: in pages, so the first rows show quickly at scale.
pub(super) fn list_config() -> watcher::Config {
    watcher::Config::default().page_size(PAGE_SIZE)
}

fn spawn_ack(client: Client, tx: &Sender<SourceMsg>) -> JoinHandle<()> {
    let api: Api<DynamicObject> = Api::all_with(client, &ack_filesystem_resource());
    let tx = tx.clone();
    tokio::spawn(run(
        api,
        SourceId::AckFileSystems,
        list_config(),
        KubeMsg::AckFileSystem,
        tx,
    ))
}

/// Watches one kind (or one selection of it) until the app goes away, folding every
/// event into a message and every failure into a health report.
pub(super) async fn run<K>(
    api: Api<K>,
    source: SourceId,
    cfg: watcher::Config,
    wrap: impl Fn(Change<K>) -> KubeMsg,
    tx: Sender<SourceMsg>,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut health = Tracker::new(source);
    if tx.send(SourceMsg::Health(health.syncing())).await.is_err() {
        return;
    }
    let mut stream = watcher::watcher(api, cfg).default_backoff().boxed();
    // Set while the last word about this source was a failure, so the next event can
    // announce the recovery.
    let mut failing = false;
    while let Some(item) = stream.next().await {
        let report = match item {
            Ok(ev) => {
                let (change, recovers) = match ev {
                    Event::Init => (Change::InitStart, false),
                    Event::InitApply(o) => (Change::InitApply(o), false),
                    Event::InitDone => (Change::InitDone, true),
                    Event::Apply(o) => (Change::Apply(o), failing),
                    Event::Delete(o) => (Change::Delete(o), failing),
                };
                if tx.send(SourceMsg::from(wrap(change))).await.is_err() {
                    return;
                }
                failing &= !recovers;
                recovers.then(|| health.live())
            }
            // A 410 is routine: the watcher relists at once and nothing is wrong.
            Err(e) if is_gone(&e) => None,
            Err(e) => {
                failing = true;
                Some(describe(source, &e, &health))
            }
        };
        if let Some(h) = report
            && tx.send(SourceMsg::Health(h)).await.is_err()
        {
            return;
        }
    }
}

fn is_gone(e: &watcher::Error) -> bool {
    matches!(e, watcher::Error::WatchError(s) if s.code == 410)
}

fn status_code(e: &watcher::Error) -> Option<u16> {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => Some(s.code),
        watcher::Error::WatchError(s) => Some(s.code),
        _ => None,
    }
}

fn describe(source: SourceId, e: &watcher::Error, health: &Tracker) -> crate::model::Health {
    let what = source.label();
    match status_code(e) {
        Some(404) if source == SourceId::AckFileSystems => health.absent(
            "the ACK EFS controller's FileSystem CRD (filesystems.efs.services.k8s.aws) is not installed".into(),
        ),
        Some(403) => health.failed(
            format!("forbidden to list/watch {what}"),
            format!("grant this identity `list` and `watch` on {what} (kubectl auth can-i watch {what})"),
        ),
        Some(401) => health.failed(
            "the cluster rejected the credentials".into(),
            "refresh them (aws sso login, or aws eks update-kubeconfig)".into(),
        ),
        Some(code) => health.failed(format!("API server answered {code} for {what}"), "retrying with backoff".into()),
        None => health.failed(
            format!("cannot reach the API server: {}", short(e)),
            "check the kubeconfig context and network; retrying with backoff".into(),
        ),
    }
}

fn short(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s = format!("{s}: {inner}");
        src = inner.source();
    }
    s.chars().take(160).collect()
}
