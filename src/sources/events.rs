//! Storage Events, and only those: one watch per reason through a `reason=` field
//! selector (field selectors take no sets), so that a cluster's thousands of other Events
//! are never sent. Each reason lists, watches and relists on its own.

use k8s_openapi::api::core::v1::Event;
use kube::{Api, Client};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::kube::{after, list_config};
use super::kube_watch::run;
use super::refresh::Refresh;
use crate::model::symptom::Reason;
use crate::model::{KubeMsg, SourceId, SourceMsg};

pub fn spawn(client: &Client, tx: &Sender<SourceMsg>, refresh: &Refresh) -> Vec<JoinHandle<()>> {
    Reason::ALL
        .into_iter()
        .map(|reason| {
            let api: Api<Event> = Api::all(client.clone());
            let cfg = list_config().fields(&format!("reason={}", reason.as_str()));
            let wrap = move |change| KubeMsg::Event { reason, change };
            tokio::spawn(run(
                api,
                SourceId::Events,
                cfg,
                wrap,
                tx.clone(),
                refresh.kube_requests(),
                after(refresh),
            ))
        })
        .collect()
}
