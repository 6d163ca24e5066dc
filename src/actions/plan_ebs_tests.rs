//! The EBS planners on a small World: one volume on each kind of instance (running under a
//! Ready node, under a disrupted node, under no node, stopped), an orphan, a volume a PV
//! names, and one the driver did not make.

use serde_json::json;

use super::Action;
use super::plan::{delete_ebs_volume, force_detach};
use crate::actions::fixture::{de, kube, now};
use crate::model::ebs::{EbsAttachment, EbsVolumeRec, InstanceRec};
use crate::model::input::Health;
use crate::model::intern::Sym;
use crate::model::{AwsMsg, Change, HealthState, KubeMsg, SourceId, SourceMsg, World};

fn vol(id: &str, instance: Option<&str>) -> EbsVolumeRec {
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

fn node(name: &str, instance: &str, ready: bool, disrupted: bool) -> KubeMsg {
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

fn live(w: &mut World, source: SourceId) {
    let h = Health {
        source,
        state: HealthState::Live,
        at: now(),
        retry_at: None,
    };
    w.apply(SourceMsg::Health(h), now());
}

fn world() -> World {
    let mut w = World::default();
    let instance = |id: &str, state: &str| InstanceRec {
        id: id.into(),
        state: Sym::new(state),
        zone: None,
    };
    let foreign = EbsVolumeRec {
        cluster_tagged: false,
        ..vol("vol-f", None)
    };
    let orphan = EbsVolumeRec {
        pv_tag: Some("pvc-gone".into()),
        claim_tag: Some((Sym::new("shop"), "data-es-0".into())),
        ..vol("vol-o", None)
    };
    let items = vec![
        vol("vol-ready", Some("i-ready")),
        vol("vol-dis", Some("i-dis")),
        vol("vol-gone", Some("i-gone")),
        vol("vol-stop", Some("i-stop")),
        vol("vol-0bad", None),
        orphan,
        foreign,
    ];
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
        KubeMsg::Pv(Change::Apply(de(json!({"metadata": {"name": "pv-used"},
            "spec": {"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0bad"}}})))),
    );
    w
}

fn detach(w: &World, id: &str) -> Result<super::DetachVolume, String> {
    match force_detach(w, id)? {
        Action::DetachVolume(d) => Ok(d),
        other => panic!("{other:?}"),
    }
}

#[test]
fn detach_is_refused_from_a_running_instance_under_a_ready_node() {
    let mut w = world();
    assert!(detach(&w, "vol-dis").is_err_and(|e| e.contains("node list is not live")));
    live(&mut w, SourceId::Nodes);
    let refused = detach(&w, "vol-ready").expect_err("refused");
    assert!(
        refused.contains("i-ready is running and its node n-ready is Ready"),
        "{refused}"
    );
    assert!(detach(&w, "vol-o").is_err_and(|e| e.contains("not attached")));
    assert!(detach(&w, "vol-nope").is_err_and(|e| e.contains("not (or no longer) known")));

    for (id, because) in [
        ("vol-dis", "node n-dis is tainted karpenter.sh/disrupted"),
        ("vol-gone", "no node runs on instance i-gone any more"),
        ("vol-stop", "instance i-stop is stopped"),
    ] {
        let d = detach(&w, id).expect("planned");
        assert_eq!(d.because, because);
        assert!(!d.force, "Force is never what a plan starts with");
    }
    kube(&mut w, node("n-ready", "i-ready", false, false));
    assert_eq!(
        detach(&w, "vol-ready").expect("planned").because,
        "node n-ready is NotReady"
    );
}

#[test]
fn force_is_a_second_step_with_aws_warning_and_a_typed_volume_id() {
    let mut w = world();
    live(&mut w, SourceId::Nodes);
    let a = force_detach(&w, "vol-dis").expect("planned");
    assert_eq!(
        a.requests(),
        ["POST ec2 DetachVolume VolumeId=vol-dis InstanceId=i-dis Force=false"]
    );
    assert_eq!(a.typed_confirmation(), None);
    assert!(!a.is_escalated() && !a.dangerous());
    assert!(!a.lines().join("\n").contains("data loss"));
    let f = a.escalated(true).expect("offers Force");
    assert_eq!(
        f.requests(),
        ["POST ec2 DetachVolume VolumeId=vol-dis InstanceId=i-dis Force=true"]
    );
    assert_eq!(f.typed_confirmation(), Some("vol-dis"));
    assert_eq!(f.kind(), "force-detach-volume");
    let text = f.lines().join("\n");
    for needle in [
        "⚠ Force=true. AWS: Forced detachment of a volume can lead to data loss",
        "POST ec2 DescribeVolumes VolumeId=vol-dis  must find: it is still attached to i-dis",
        "GET /api/v1/nodes?limit=500  must find:",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    assert_eq!(f.escalated(false), Some(a));
}

#[test]
fn only_a_driver_made_available_volume_no_pv_names_is_deleted() {
    let mut w = world();
    assert!(
        delete_ebs_volume(&w, "vol-o")
            .is_err_and(|e| e.contains("PersistentVolume list is not live"))
    );
    live(&mut w, SourceId::Pvs);
    assert!(delete_ebs_volume(&w, "vol-0bad").is_err_and(|e| e.contains("PV pv-used names")));
    assert!(delete_ebs_volume(&w, "vol-dis").is_err_and(|e| e.contains("in-use, not available")));
    assert!(
        delete_ebs_volume(&w, "vol-f").is_err_and(|e| e.contains("did not make it")),
        "never deleted, however orphaned it looks"
    );
    let Ok(a @ Action::DeleteVolume(_)) = delete_ebs_volume(&w, "vol-o") else {
        panic!("planned");
    };
    assert_eq!(
        a.requests(),
        [
            "POST ec2 CreateSnapshot VolumeId=vol-o Description=\"stordeck: before deleting vol-o\"",
            "POST ec2 DeleteVolume VolumeId=vol-o",
        ]
    );
    assert_eq!(a.typed_confirmation(), Some("vol-o"));
    let text = a.lines().join("\n");
    for needle in [
        "made for claim shop/data-es-0, PV pvc-gone",
        "≈ $8.00/month at list price (estimate)",
        "2. wait until the new snapshot is completed",
        "the volume is not deleted",
        "no PV whose spec.csi.volumeHandle is vol-o",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    let bare = a.escalated(true).expect("offers no snapshot");
    assert_eq!(bare.requests(), ["POST ec2 DeleteVolume VolumeId=vol-o"]);
    assert_eq!(bare.kind(), "delete-volume-without-snapshot");
    assert!(bare.lines().join("\n").contains("⚠ NO snapshot is taken"));
    // A PV appearing under the tag's name also refuses it.
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(de(
            json!({"metadata": {"name": "pvc-gone"}, "spec": {}}),
        ))),
    );
    assert!(delete_ebs_volume(&w, "vol-o").is_err_and(|e| e.contains("CSIVolumeName tag")));
}
