//! The EBS planners on the World of `fixture_ebs`.

use serde_json::json;

use super::Action;
use super::fixture::{de, kube};
use super::fixture_ebs::{live, node, world};
use super::plan::{delete_ebs_volume, force_detach};
use crate::model::findings::{Evidence, Fields, Finding, Findings, Kind, ObjRef, Severity};
use crate::model::{Change, KubeMsg, SourceId, World};

fn detach(w: &World, id: &str) -> Result<super::DetachVolume, String> {
    match force_detach(w, id)? {
        Action::DetachVolume(d) => Ok(d),
        other => panic!("{other:?}"),
    }
}

#[test]
fn detach_is_refused_from_a_running_instance_under_a_ready_node() {
    let mut w = world();
    assert!(detach(&w, "vol-0d").is_err_and(|e| e.contains("node list is not live")));
    live(&mut w, SourceId::Nodes);
    let refused = detach(&w, "vol-0a").expect_err("refused");
    assert!(
        refused.contains("i-ready is running and its node n-ready is Ready"),
        "{refused}"
    );
    assert!(detach(&w, "vol-0f").is_err_and(|e| e.contains("not attached")));
    assert!(detach(&w, "vol-nope").is_err_and(|e| e.contains("not (or no longer) known")));

    for (id, because) in [
        ("vol-0d", "node n-dis is tainted karpenter.sh/disrupted"),
        ("vol-0e", "no node runs on instance i-gone any more"),
        ("vol-05", "instance i-stop is stopped"),
    ] {
        let d = detach(&w, id).expect("planned");
        assert_eq!(d.because, because);
        assert!(!d.force, "Force is never what a plan starts with");
    }
    kube(&mut w, node("n-ready", "i-ready", false, false));
    assert_eq!(
        detach(&w, "vol-0a").expect("planned").because,
        "node n-ready is NotReady"
    );
}

#[test]
fn force_is_a_second_step_with_aws_warning_and_a_typed_volume_id() {
    let mut w = world();
    live(&mut w, SourceId::Nodes);
    let a = force_detach(&w, "vol-0d").expect("planned");
    assert_eq!(
        a.requests(),
        ["POST ec2 DetachVolume VolumeId=vol-0d InstanceId=i-dis Force=false"]
    );
    assert_eq!(a.typed_confirmation(), None);
    assert!(!a.is_escalated() && !a.dangerous());
    assert!(!a.lines().join("\n").contains("data loss"));
    let f = a.escalated(true).expect("offers Force");
    assert_eq!(
        f.requests(),
        ["POST ec2 DetachVolume VolumeId=vol-0d InstanceId=i-dis Force=true"]
    );
    assert_eq!(f.typed_confirmation(), Some("vol-0d"));
    assert_eq!(f.kind(), "force-detach-volume");
    let text = f.lines().join("\n");
    for needle in [
        "⚠ Force=true. AWS: Forced detachment of a volume can lead to data loss",
        "POST ec2 DescribeVolumes VolumeId=vol-0d  must find: it is still attached to i-dis",
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
        delete_ebs_volume(&w, "vol-0f")
            .is_err_and(|e| e.contains("PersistentVolume list is not live"))
    );
    live(&mut w, SourceId::Pvs);
    assert!(delete_ebs_volume(&w, "vol-0bad").is_err_and(|e| e.contains("PV pv-used names")));
    assert!(delete_ebs_volume(&w, "vol-0d").is_err_and(|e| e.contains("in-use, not available")));
    assert!(
        delete_ebs_volume(&w, "vol-0ff").is_err_and(|e| e.contains("did not make it")),
        "never deleted, however orphaned it looks"
    );
    let Ok(a @ Action::DeleteVolume(_)) = delete_ebs_volume(&w, "vol-0f") else {
        panic!("planned");
    };
    assert_eq!(
        a.requests(),
        [
            "POST ec2 CreateSnapshot VolumeId=vol-0f Description=\"stordeck: before deleting vol-0f\"",
            "POST ec2 DeleteVolume VolumeId=vol-0f",
        ]
    );
    assert_eq!(a.typed_confirmation(), Some("vol-0f"));
    let text = a.lines().join("\n");
    for needle in [
        "made for claim shop/data-es-0, PV pvc-gone",
        "≈ $8.00/month at list price (estimate)",
        "2. wait until the new snapshot is completed",
        "the volume is not deleted",
        "no PV whose spec.csi.volumeHandle is vol-0f",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    let bare = a.escalated(true).expect("offers no snapshot");
    assert_eq!(bare.requests(), ["POST ec2 DeleteVolume VolumeId=vol-0f"]);
    assert_eq!(bare.kind(), "delete-volume-without-snapshot");
    assert!(bare.lines().join("\n").contains("⚠ NO snapshot is taken"));
    // A PV appearing under the tag's name also refuses it.
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(de(
            json!({"metadata": {"name": "pvc-gone"}, "spec": {}}),
        ))),
    );
    assert!(delete_ebs_volume(&w, "vol-0f").is_err_and(|e| e.contains("CSIVolumeName tag")));
}

/// A finding of rule `id` whose evidence names `objects`.
fn finding(id: &'static str, objects: &[ObjRef]) -> Finding {
    Finding {
        id,
        severity: Severity::Warning,
        title: format!("about {}", objects.len()),
        evidence: objects
            .iter()
            .map(|o| Evidence::object(o.clone(), Fields::default()))
            .collect(),
        fix: None,
        since: None,
        silenced: None,
    }
}

#[test]
fn a_detach_lists_each_finding_about_its_volume_or_its_pv_once_and_no_other() {
    let mut w = world();
    live(&mut w, SourceId::Nodes);
    let vol = ObjRef::cluster(Kind::EbsVolume, "vol-0d");
    let pv = ObjRef::cluster(Kind::PersistentVolume, "pv-dis");
    let findings = Findings::new(vec![
        finding("on-volume", std::slice::from_ref(&vol)),
        finding("on-pv", std::slice::from_ref(&pv)),
        finding("on-both", &[vol.clone(), pv.clone()]),
        finding("elsewhere", &[ObjRef::cluster(Kind::EbsVolume, "vol-0e")]),
    ]);
    let Action::DetachVolume(d) = force_detach(&w, "vol-0d")
        .expect("planned")
        .with_findings(&findings)
    else {
        panic!("not a detach");
    };
    let mut rules: Vec<&str> = d
        .findings
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        ["on-both:", "on-pv:", "on-volume:"],
        "{:?}",
        d.findings
    );

    // vol-0e has no PV: only what names the volume itself.
    let Action::DetachVolume(d) = force_detach(&w, "vol-0e")
        .expect("planned")
        .with_findings(&findings)
    else {
        panic!("not a detach");
    };
    assert_eq!(d.findings.len(), 1, "{:?}", d.findings);
    assert!(d.findings[0].contains("elsewhere"));
}
