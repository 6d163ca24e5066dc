//! core/v1 Events as the attach/detach controller and the kubelet write them: the
//! symptoms an operator sees first (story 4's Multi-Attach error, the mount that times
//! out), and the Normal ones healthy attachments leave.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::objects::ts;
use super::put;
use crate::sim::SimState;
use crate::sim::aws::state::{name_seed, splitmix64, uuid_like};

pub struct Symptom<'a> {
    pub namespace: &'a str,
    /// The pod the event is about.
    pub pod: &'a str,
    pub reason: &'a str,
    pub message: String,
    /// `Warning` or `Normal`.
    pub kind: &'a str,
    /// `attachdetach-controller`, `kubelet`, …
    pub component: &'a str,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u32,
}

/// Writes the event, named `<pod>.<16 hex>` as the recorder names them; the same pod and
/// reason give the same name, so recording again updates it.
pub fn record(st: &mut SimState, s: &Symptom<'_>) {
    let seed = name_seed(&format!("{}/{}/{}", s.namespace, s.pod, s.reason));
    let name = format!("{}.{:016x}", s.pod, splitmix64(seed));
    let pod_uid = st
        .store
        .get("pods", s.namespace, s.pod)
        .and_then(|p| p["metadata"]["uid"].as_str().map(str::to_string));
    let mut involved = json!({"kind": "Pod", "namespace": s.namespace, "name": s.pod,
                              "apiVersion": "v1"});
    if let Some(uid) = pod_uid {
        involved["uid"] = json!(uid);
    }
    let ev: Value = json!({
        "apiVersion": "v1", "kind": "Event",
        // A uid of its own, so events leave the store's uid sequence (and every uid the
        // scenario hands out after them) as it was.
        "metadata": {"name": name, "namespace": s.namespace, "uid": uuid_like(seed),
                     "creationTimestamp": ts(s.first)},
        "involvedObject": involved,
        "reason": s.reason,
        "message": s.message,
        "source": {"component": s.component},
        "firstTimestamp": ts(s.first),
        "lastTimestamp": ts(s.last),
        "count": s.count,
        "type": s.kind,
        "reportingComponent": s.component,
        "reportingInstance": "",
    });
    put(st, ev);
}

/// The attach/detach controller's words when a ReadWriteOnce volume is still attached
/// to the node the pod left.
pub fn multi_attach_message(pv: &str) -> String {
    format!(
        "Multi-Attach error for volume \"{pv}\" Volume is already exclusively attached to \
         one node and can't be attached to another"
    )
}
