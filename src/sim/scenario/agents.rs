//! The pods of the node-agent DaemonSets (CSI node plugins, CNI), one per DaemonSet on
//! every EC2 node (Fargate runs none). The dashboard watches exactly these, through each
//! DaemonSet's selector, to tell a drain that is unmounting its volumes from one whose
//! agent was evicted (story 4).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::{DsCounts, ds_status};
use super::{modify, put};
use crate::sim::SimState;
use crate::sim::aws::state::{name_seed, splitmix64};
use crate::sim::store::rfc3339;

pub const NAMESPACE: &str = "kube-system";
/// Every node DaemonSet the scenarios install.
pub const NODE_AGENTS: [&str; 4] = ["aws-node", "ebs-csi-node", "efs-csi-node", "cilium"];
/// The characters Kubernetes uses for generated name suffixes.
const SUFFIX_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `<ds>-<5 lowercase alnum>`, fixed by the DaemonSet and the node so runs repeat.
pub fn pod_name(ds: &str, node: &str) -> String {
    let mut x = splitmix64(name_seed(&format!("{ds}/{node}")));
    let mut suffix = String::with_capacity(5);
    for _ in 0..5 {
        let i = (x % SUFFIX_CHARS.len() as u64) as usize;
        suffix.push(char::from(SUFFIX_CHARS[i]));
        x /= SUFFIX_CHARS.len() as u64;
    }
    format!("{ds}-{suffix}")
}

/// Whether a DaemonSet's pods tolerate `key:effect` (an `Exists` with no key tolerates all).
pub fn tolerates(ds: &Value, key: &str, effect: &str) -> bool {
    ds["spec"]["template"]["spec"]["tolerations"]
        .as_array()
        .is_some_and(|ts| {
            ts.iter().any(|t| {
                let key_ok = t["key"].is_null() && t["operator"] == "Exists" || t["key"] == key;
                let effect_ok = t["effect"].is_null() || t["effect"] == effect;
                key_ok && effect_ok
            })
        })
}

/// A running, Ready pod of `ds` on `node`, owned by the DaemonSet.
pub fn pod(ds: &Value, node: &str, created: Timestamp) -> Value {
    let name = ds["metadata"]["name"].as_str().unwrap_or_default();
    let at = rfc3339(created);
    let mut spec = ds["spec"]["template"]["spec"].clone();
    spec["nodeName"] = json!(node);
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": pod_name(name, node),
            "namespace": ds["metadata"]["namespace"],
            "labels": ds["spec"]["template"]["metadata"]["labels"],
            "creationTimestamp": at,
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "DaemonSet", "name": name,
                "uid": ds["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "startTime": at,
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": at},
                {"type": "Ready", "status": "True", "lastTransitionTime": at},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": at},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": at},
            ],
        },
    })
}

/// Starts every node agent on `node`, but those that `evicted_by` (a taint key) keeps off.
pub fn start(st: &mut SimState, node: &str, evicted_by: Option<&str>) {
    let now = st.now();
    for name in NODE_AGENTS {
        let Some(ds) = st.store.get("daemonsets", NAMESPACE, name) else {
            continue;
        };
        if evicted_by.is_some_and(|key| !tolerates(&ds, key, "NoSchedule")) {
            continue;
        }
        put(st, pod(&ds, node, now));
    }
    recount(st);
}

/// The agent pods on `node`: (namespace, name, DaemonSet).
pub fn on_node(st: &SimState, node: &str) -> Vec<(String, String, String)> {
    st.store
        .list("pods")
        .filter(|(_, p)| p["spec"]["nodeName"] == node)
        .map(|((ns, name), p)| {
            let owner = p["metadata"]["ownerReferences"][0]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (ns.clone(), name.clone(), owner)
        })
        .collect()
}

/// Deletes agent pods on `node`: all of them, or only `ds`'s.
pub fn stop(st: &mut SimState, node: &str, ds: Option<&str>) {
    for (ns, name, owner) in on_node(st, node) {
        if ds.is_none_or(|d| d == owner) {
            st.store.delete("pods", &ns, &name);
        }
    }
    recount(st);
}

/// DaemonSet status follows the pods that exist: each one is scheduled and Ready.
pub fn recount(st: &mut SimState) {
    for name in NODE_AGENTS {
        let n = st
            .store
            .list("pods")
            .filter(|(k, p)| {
                k.0 == NAMESPACE && p["metadata"]["ownerReferences"][0]["name"] == name
            })
            .count();
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        let counts = DsCounts {
            desired: n,
            ready: n,
        };
        let status = ds_status(counts);
        let same = st
            .store
            .get("daemonsets", NAMESPACE, name)
            .is_none_or(|ds| ds["status"] == status);
        if !same {
            modify(st, "daemonsets", NAMESPACE, name, |v| v["status"] = status);
        }
    }
}
