//! A small World for the EBS actions: one volume on each kind of instance (running under
//! a Ready node, under a disrupted node, under no node, stopped), an orphan, a volume a PV
//! names, and one the driver did not make. PV `pv-dis` uses the disrupted node's volume.

use serde_json::json;

use super::fixture::{de, kube, now};
use crate::model::ebs::{EbsAttachment, EbsVolumeRec, InstanceRec};
use crate::model::input::Health;
use crate::model::intern::Sym;
use crate::model::{AwsMsg, Change, HealthState, KubeMsg, SourceId, SourceMsg, World};

pub fn vol(id: &str, instance: Option<&str>) -> EbsVolumeRec {
    EbsVolumeRec {
        id: id.into(),
        size_gib: 100,
        volume_type: Sym::new("gp3"),
        iops: Some(3000),
        throughput: Some(125),
        zone: Sym::new("us-east-1a"),
        state: Sym::new(if instance.is_some() {
            "in-use"
        } else {
            "available"
        }),
        created: None,
        attachments: instance
            .map(|i| EbsAttachment {
                instance_id: i.into(),
                device: Some("/dev/xvdaa".into()),
                state: Sym::new("attached"),
                since: None,
            })
            .into_iter()
            .collect(),
        cluster_tagged: true,
        pv_tag: None,
        claim_tag: None,
    }
}

pub fn node(name: &str, instance: &str, ready: bool, disrupted: bool) -> KubeMsg {
    let taints = if disrupted {
        json!([{"key": "karpenter.sh/disrupted", "effect": "NoSchedule"}])
    } else {
        json!([])
    };
    KubeMsg::Node(Change::Apply(de(json!({
        "metadata": {"name": name},
        "spec": {"providerID": format!("aws:///us-east-1a/{instance}"), "taints": taints},
        "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]},
    }))))
}

pub fn live(w: &mut World, source: SourceId) {
    let h = Health {
        source,
        state: HealthState::Live,
        at: now(),
        retry_at: None,
    };
    w.apply(SourceMsg::Health(h), now());
}

/// The volumes of [`world`], as one EC2 sweep describes them.
pub fn volumes() -> Vec<EbsVolumeRec> {
    let foreign = EbsVolumeRec {
        cluster_tagged: false,
        ..vol("vol-0ff", None)
    };
    let orphan = EbsVolumeRec {
        pv_tag: Some("pvc-gone".into()),
        claim_tag: Some((Sym::new("shop"), "data-es-0".into())),
        ..vol("vol-0f", None)
    };
    vec![
        vol("vol-0a", Some("i-ready")),
        vol("vol-0d", Some("i-dis")),
        vol("vol-0e", Some("i-gone")),
        vol("vol-05", Some("i-stop")),
        vol("vol-0bad", None),
        orphan,
        foreign,
    ]
}

pub fn world() -> World {
    let mut w = World::default();
    let instance = |id: &str, state: &str| InstanceRec {
        id: id.into(),
        state: Sym::new(state),
        zone: None,
    };
    let items = volumes();
    w.apply(
        SourceMsg::Aws(AwsMsg::EbsVolumes {
            items,
            started: now(),
        }),
        now(),
    );
    w.apply(
        SourceMsg::Aws(AwsMsg::Instances(vec![
            instance("i-ready", "running"),
            instance("i-dis", "running"),
            instance("i-stop", "stopped"),
        ])),
        now(),
    );
    kube(&mut w, node("n-ready", "i-ready", true, false));
    kube(&mut w, node("n-dis", "i-dis", true, true));
    kube(&mut w, node("n-stop", "i-stop", true, false));
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(de(json!({"metadata": {"name": "pv-dis"},
            "spec": {"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0d"}}})))),
    );
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(de(json!({"metadata": {"name": "pv-used"},
            "spec": {"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0bad"}}})))),
    );
    w
}
