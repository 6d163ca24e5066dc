//! Pods of the node-agent DaemonSets (CSI node plugins, the CNI), and only those: one
//! watch per DaemonSet selector, started and stopped as the DaemonSets come and go, so
//! that the stranded-volume rule knows whether a draining node's agent is still there to
//! unmount its volumes. Watching every pod of a cluster to learn this would cost far more.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client};
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::health::Tracker;
use super::kube::{after, list_config};
use super::kube_watch::run;
use super::refresh::Refresh;
use crate::model::{AgentSelector, KubeMsg, SourceId, SourceMsg};

/// Tells the watcher which selectors to watch; the session sends the World's set.
#[derive(Clone)]
pub struct AgentWatch(watch::Sender<Option<BTreeSet<AgentSelector>>>);

impl AgentWatch {
    /// `set` once the DaemonSets are known; nothing is watched before that.
    pub fn watch(&self, set: BTreeSet<AgentSelector>) {
        self.0.send_if_modified(|cur| {
            let changed = cur.as_ref() != Some(&set);
            if changed {
                *cur = Some(set);
            }
            changed
        });
    }
}

/// `refresh.all()` relists every selection's pods.
pub fn spawn(
    client: &Client,
    tx: &Sender<SourceMsg>,
    refresh: &Refresh,
) -> (AgentWatch, JoinHandle<()>) {
    let (wtx, rx) = watch::channel(None);
    let task = tokio::spawn(manage(client.clone(), tx.clone(), rx, refresh.clone()));
    (AgentWatch(wtx), task)
}

async fn manage(
    client: Client,
    tx: Sender<SourceMsg>,
    mut rx: watch::Receiver<Option<BTreeSet<AgentSelector>>>,
    refresh: Refresh,
) {
    let tracker = Tracker::new(SourceId::AgentPods);
    if tx.send(SourceMsg::Health(tracker.syncing())).await.is_err() {
        return;
    }
    let mut running: BTreeMap<AgentSelector, JoinHandle<()>> = BTreeMap::new();
    loop {
        let wanted = rx.borrow_and_update().clone();
        if let Some(wanted) = wanted {
            running.retain(|sel, task| {
                let keep = wanted.contains(sel);
                if !keep {
                    task.abort();
                }
                keep
            });
            for sel in wanted {
                if running.contains_key(&sel) {
                    continue;
                }
                let api: Api<Pod> = Api::namespaced(client.clone(), &sel.namespace);
                let cfg = list_config().labels(&sel.labels);
                let tag = sel.clone();
                let wrap = move |change| KubeMsg::AgentPod {
                    selector: tag.clone(),
                    change,
                };
                let relist = refresh.kube_requests();
                let task = tokio::spawn(run(
                    api,
                    SourceId::AgentPods,
                    cfg,
                    wrap,
                    tx.clone(),
                    relist,
                    after(&refresh),
                ));
                running.insert(sel, task);
            }
            if running.is_empty() {
                let h = tracker.absent("no CSI node or CNI DaemonSets to watch pods of".into());
                if tx.send(SourceMsg::Health(h)).await.is_err() {
                    return;
                }
            }
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
    for t in running.into_values() {
        t.abort();
    }
}
