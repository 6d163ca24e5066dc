//! A Karpenter drain that completes normally, step by step: the node is tainted
//! `karpenter.sh/disrupted:NoSchedule`; 5-20 s later its VolumeAttachments go (the CSI
//! agent, still running, unmounted the volumes); 2 s later its agent pods; 5 s later the
//! node (its EC2 instance terminated); then a replacement node joins with its own agents
//! and instance, and the moved volumes are attached there. EBS volumes follow in AWS:
//! detaching when their VolumeAttachment goes, attaching to the replacement's instance.

use jiff::SignedDuration;
use serde_json::{Value, json};

use super::base::DISRUPTED_TAINT;
use super::objects as o;
use super::{agents, ebs, events, modify, put};
use crate::sim::SimState;
use crate::sim::aws::state::{hex_id, name_seed, splitmix64};
use crate::sim::truth::{NODE, ObjectId};

const AGENTS_AFTER_DETACH: SignedDuration = SignedDuration::from_secs(2);
const NODE_AFTER_AGENTS: SignedDuration = SignedDuration::from_secs(5);
const REPLACEMENT_AFTER_NODE: SignedDuration = SignedDuration::from_secs(3);
const ATTACH_AFTER_REPLACEMENT: SignedDuration = SignedDuration::from_secs(2);

pub fn is_ec2(node: &Value) -> bool {
    node["metadata"]["labels"]["eks.amazonaws.com/compute-type"] != "fargate"
}

pub fn is_disrupted(node: &Value) -> bool {
    node["spec"]["taints"]
        .as_array()
        .is_some_and(|ts| ts.iter().any(|t| t["key"] == DISRUPTED_TAINT))
}

/// Taints `node` as Karpenter does.
pub fn taint(st: &mut SimState, node: &str) {
    modify(st, "nodes", "", node, |v| {
        let t = o::taint(DISRUPTED_TAINT, None, "NoSchedule");
        match v["spec"]["taints"].as_array_mut() {
            Some(ts) => ts.push(t),
            None => v["spec"]["taints"] = json!([t]),
        }
    });
}

/// (name, attacher, PV) of the VolumeAttachments on `node`.
pub fn attachments_on(st: &SimState, node: &str) -> Vec<(String, String, String)> {
    st.store
        .list("volumeattachments")
        .filter(|(_, va)| va["spec"]["nodeName"] == node)
        .map(|(k, va)| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                k.1.clone(),
                s(&va["spec"]["attacher"]),
                s(&va["spec"]["source"]["persistentVolumeName"]),
            )
        })
        .collect()
}

/// `csi-` + 64 hex digits, as the attach controller names them, from PV and node.
pub fn attachment_name(pv: &str, node: &str) -> String {
    let seed = name_seed(&format!("{pv}/{node}"));
    format!(
        "csi-{:016x}{:016x}{:016x}{:016x}",
        splitmix64(seed),
        splitmix64(seed ^ 1),
        splitmix64(seed ^ 2),
        splitmix64(seed ^ 3)
    )
}

/// A fresh EC2 node in `old`'s zone and pool, named from `seed`.
fn replacement(old: &Value, seed: u64, now: jiff::Timestamp) -> Value {
    let r = splitmix64(seed);
    let ip = format!("10.0.{}.{}", 104 + r % 150, 2 + (r >> 8) % 250);
    let name = format!("ip-{}.ec2.internal", ip.replace('.', "-"));
    let zone = old["metadata"]["labels"]["topology.kubernetes.io/zone"]
        .as_str()
        .unwrap_or("us-east-1a");
    let mut labels = old["metadata"]["labels"].clone();
    labels["kubernetes.io/hostname"] = json!(name);
    let provider = format!("aws:///{zone}/{}", hex_id("i", name_seed(&name)));
    o::node(&name, &ip, labels, json!([]), &provider, now)
}

/// Plays a whole drain of `node`, starting now; `seed` fixes its delays and the
/// replacement's name. The node stays busy (no fault may take it) until it is gone.
pub fn drain(st: &mut SimState, node: &str, seed: u64) {
    let Some(old) = st.store.get("nodes", "", node) else {
        return;
    };
    let node_id = ObjectId::cluster(NODE, node);
    st.truth.busy.insert(node_id.clone());
    taint(st, node);
    let detach_after = SignedDuration::from_secs(5 + (splitmix64(seed ^ 0xd1) % 16) as i64);
    let node = node.to_string();
    st.after(detach_after, move |st| {
        let moved = attachments_on(st, &node);
        for (va, attacher, pv) in &moved {
            st.store.delete("volumeattachments", "", va);
            if attacher == ebs::EBS_DRIVER {
                ebs::detach(st, pv, &node);
            }
        }
        st.after(AGENTS_AFTER_DETACH, move |st| {
            agents::stop(st, &node, None);
            st.after(NODE_AFTER_AGENTS, move |st| {
                st.store.delete("nodes", "", &node);
                ebs::terminate_instance(st, &old);
                st.after(REPLACEMENT_AFTER_NODE, move |st| {
                    let now = st.now();
                    let new = replacement(&old, seed, now);
                    let new_name = new["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    put(st, new);
                    ebs::register_instance(st, &new_name);
                    agents::start(st, &new_name, None);
                    st.after(ATTACH_AFTER_REPLACEMENT, move |st| {
                        let now = st.now();
                        for (_, attacher, pv) in &moved {
                            let name = attachment_name(pv, &new_name);
                            put(
                                st,
                                o::volume_attachment(&name, attacher, &new_name, pv, now),
                            );
                            if let Some(vol) = ebs::volume_of_pv(st, pv) {
                                ebs::attach(st, &vol, &new_name, now, false);
                                attached_event(st, pv, now);
                            }
                        }
                        st.truth.healthy.drains_completed += 1;
                        st.truth.busy.remove(&node_id);
                    });
                });
            });
        });
    });
}

/// The attach/detach controller's Normal event on the pod of the claim `pv` is bound to
/// (a StatefulSet's pod is its claim's name without the `data-` prefix).
fn attached_event(st: &mut SimState, pv: &str, now: jiff::Timestamp) {
    let Some(p) = st.store.get("persistentvolumes", "", pv) else {
        return;
    };
    let (Some(ns), Some(claim)) = (
        p["spec"]["claimRef"]["namespace"].as_str(),
        p["spec"]["claimRef"]["name"].as_str(),
    ) else {
        return;
    };
    let pod = claim.strip_prefix("data-").unwrap_or(claim).to_string();
    let ns = ns.to_string();
    events::record(
        st,
        &events::Symptom {
            namespace: &ns,
            pod: &pod,
            reason: "SuccessfulAttachVolume",
            message: format!("AttachVolume.Attach succeeded for volume \"{pv}\""),
            kind: "Normal",
            component: "attachdetach-controller",
            first: now,
            last: now,
            count: 1,
        },
    );
}

/// The EC2 node a drain should take next: untainted, free of faults and other drains,
/// the oldest first (so replacements go last), None if there is none.
pub fn next_candidate(st: &SimState) -> Option<String> {
    let mut nodes: Vec<(String, String)> = st
        .store
        .list("nodes")
        .filter(|(_, n)| is_ec2(n) && !is_disrupted(n))
        .filter(|(k, _)| st.truth.is_free(&ObjectId::cluster(NODE, &k.1)))
        .map(|(k, n)| {
            let created = n["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (created, k.1.clone())
        })
        .collect();
    nodes.sort();
    nodes.into_iter().next().map(|(_, name)| name)
}
