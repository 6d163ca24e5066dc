use serde_json::{Value, json};

use super::*;
use crate::actions::fixture::{de, ds, kube, now, world};
use crate::model::input::{AccessPointRec, Health};
use crate::model::{AwsMsg, Change, KubeMsg, SourceMsg};

#[test]
fn delete_addon_preserves_by_default_and_lists_what_stays() {
    let w = world();
    let Ok(Action::DeleteAddon(d)) = delete_addon(&w, "aws-efs-csi-driver") else {
        panic!("planned");
    };
    assert!(d.preserve);
    assert_eq!(d.cluster, "prod");
    assert_eq!(
        d.path_and_query(),
        "/clusters/prod/addons/aws-efs-csi-driver?preserve=true"
    );
    assert_eq!(
        d.csi_driver().map(|o| o.name.as_str()),
        Some("efs.csi.aws.com")
    );
    let a = Action::DeleteAddon(d.clone());
    let text = a.lines().join("\n");
    assert!(text.contains("Kept in the cluster (2 objects)"), "{text}");
    assert!(text.contains("CSIDriver efs.csi.aws.com"), "{text}");
    assert!(
        text.contains("arn:aws:iam::1:role/efs is untouched"),
        "{text}"
    );
    assert!(
        text.contains("GET /clusters/prod/addons/aws-efs-csi-driver  must find: the add-on still exists and is not DELETING"),
        "{text}"
    );
    let off = Action::DeleteAddon(DeleteAddon {
        preserve: false,
        ..d
    });
    let text = off.lines().join("\n");
    assert!(text.contains("DELETED from the cluster"), "{text}");
    assert!(text.contains("?preserve=false"), "{text}");
    assert_eq!(off.typed_confirmation(), Some("aws-efs-csi-driver"));

    assert!(delete_addon(&w, "aws-ebs-csi-driver").is_err_and(|e| e.contains("DELETING")));
    assert!(delete_addon(&w, "nope").is_err());
    assert!(delete_addon(&World::default(), "x").is_err_and(|e| e.contains("cluster")));
}

#[test]
fn only_orphans_on_a_live_pv_list_can_be_deleted() {
    let mut w = world();
    let ap = |id: &str, token: &str| AccessPointRec {
        id: id.into(),
        arn: None,
        file_system_id: "fs-1".into(),
        client_token: Some(token.into()),
        name: None,
        root_path: Some(format!("/dynamic_provisioning/{token}").into()),
        uid: None,
        gid: None,
        life_cycle_state: "available".into(),
        tags: vec![("efs.csi.aws.com/cluster".into(), "true".into())],
    };
    // Another consumer's: its own token, no driver tag, and no PV uses it by design.
    let lambda = AccessPointRec {
        tags: vec![("ManagedBy".into(), "terraform".into())],
        ..ap("fsap-lambda", "lambda-thumbnailer-3")
    };
    w.apply(
        SourceMsg::Aws(AwsMsg::AccessPoints {
            file_system_id: "fs-1".into(),
            items: vec![
                ap("fsap-used", "pv-a"),
                ap("fsap-orphan", "pv-gone"),
                lambda,
            ],
            started: jiff::Timestamp::UNIX_EPOCH,
        }),
        now(),
    );
    kube(
        &mut w,
        KubeMsg::Pv(Change::Apply(de(json!({"metadata": {"name": "pv-a"},
            "spec": {"csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-1::fsap-used"}}})))),
    );
    assert!(delete_access_point(&w, "fsap-orphan").is_err_and(|e| e.contains("not live")));
    let live = Health {
        source: SourceId::Pvs,
        state: HealthState::Live,
        at: now(),
        retry_at: None,
    };
    w.apply(SourceMsg::Health(live), now());
    assert!(delete_access_point(&w, "fsap-used").is_err_and(|e| e.contains("pv-a")));
    assert!(
        delete_access_point(&w, "fsap-lambda")
            .is_err_and(|e| e.contains("not made by the EFS CSI driver")),
        "never deleted, however orphaned it looks"
    );
    let Ok(a) = delete_access_point(&w, "fsap-orphan") else {
        panic!("planned");
    };
    assert_eq!(
        a.requests(),
        vec!["DELETE /2015-02-01/access-points/fsap-orphan"]
    );
    assert_eq!(
        a.read_lines(),
        vec![
            "GET /2015-02-01/access-points?AccessPointId=fsap-orphan",
            "GET /api/v1/persistentvolumes/pv-gone",
            "GET /api/v1/persistentvolumes?limit=500",
            "GET /api/v1/persistentvolumeclaims?limit=500",
        ]
    );
    let dialog = a.lines().join("\n");
    for needle in [
        "The data under its root directory /dynamic_provisioning/pv-gone stays on file system fs-1",
        "Existing mounts through it keep working until they reconnect",
        "GET /api/v1/persistentvolumes/pv-gone  must find: 404: no PV has the name its \
         ClientToken gives",
        "no PV whose spec.csi.volumeHandle names fsap-orphan",
        "on every page, no claim bound to pv-gone",
    ] {
        assert!(dialog.contains(needle), "{needle:?} not in\n{dialog}");
    }
}

#[test]
fn adopt_patches_only_what_lacks_the_release_and_never_steals_one() {
    let mut w = world();
    let Ok(Action::AdoptHelm(a)) = adopt_helm(&w, "vpc-cni") else {
        panic!("planned");
    };
    assert_eq!(
        (a.release.as_str(), a.namespace.as_str()),
        ("aws-vpc-cni", "kube-system")
    );
    // The ServiceAccount already carries both annotations and the label.
    assert_eq!(a.patches.len(), 1);
    let p = &a.patches[0];
    assert_eq!(p.object.display(), "DaemonSet kube-system/aws-node");
    assert_eq!(p.patch_type, PatchType::Merge);
    assert_eq!(
        p.body_text(),
        r#"{"metadata":{"annotations":{"meta.helm.sh/release-name":"aws-vpc-cni","meta.helm.sh/release-namespace":"kube-system"},"labels":{"app.kubernetes.io/managed-by":"Helm"}}}"#
    );
    assert_eq!(
        p.expect,
        vec![
            Expect::Annotation {
                key: "meta.helm.sh/release-name".into(),
                seen: None
            },
            Expect::Annotation {
                key: "meta.helm.sh/release-namespace".into(),
                seen: None
            },
            Expect::Label {
                key: "app.kubernetes.io/managed-by".into(),
                seen: Some("Helm".into())
            },
        ],
        "what the DaemonSet had, checked again before sending"
    );
    let dialog = Action::AdoptHelm(a.clone()).lines().join("\n");
    assert!(dialog.contains(&p.shown_body_text()), "{dialog}");
    assert!(
        p.shown_body_text()
            .contains(r#""resourceVersion":"<resourceVersion of that GET>""#)
    );
    assert!(
        dialog.contains("GET /apis/apps/v1/namespaces/kube-system/daemonsets/aws-node"),
        "{dialog}"
    );
    assert!(
        dialog.contains(
            "The resourceVersion each GET returns, read just before sending, is a precondition \
             of its PATCH"
        ),
        "{dialog}"
    );

    kube(
        &mut w,
        KubeMsg::ServiceAccount(Change::Apply(de(json!({"metadata": {
            "name": "aws-node", "namespace": "kube-system",
            "annotations": {"meta.helm.sh/release-name": "other"}}})))),
    );
    assert!(adopt_helm(&w, "vpc-cni").is_err_and(|e| e.contains("other")));
    assert!(adopt_helm(&w, "coredns").is_err());
}

#[test]
fn toleration_is_appended_or_creates_the_list() {
    let mut w = world();
    let Ok(Action::Tolerate(t)) = tolerate(&w, "kube-system", "aws-node") else {
        panic!("planned");
    };
    assert!(!t.creates_list);
    assert_eq!(t.patch.patch_type, PatchType::Json);
    assert_eq!(
        t.patch.body,
        json!([{"op": "add", "path": "/spec/template/spec/tolerations/-",
                "value": {"key": "karpenter.sh/disrupted", "operator": "Exists", "effect": "NoSchedule"}}])
    );
    assert_eq!(
        t.patch.expect,
        vec![Expect::Tolerations(vec!["CriticalAddonsOnly".into()])]
    );
    assert_eq!(
        t.patch.body_at("41")[0],
        json!({"op": "test", "path": "/metadata/resourceVersion", "value": "41"}),
        "a JSON patch leads with the precondition"
    );
    assert_eq!(t.patch.body_at("41")[1], t.patch.body[0]);
    assert!(tolerate(&w, "kube-system", "efs-csi-node").is_err_and(|e| e.contains("already")));
    assert!(tolerate_for_addon(&w, "aws-efs-csi-driver").is_err());
    assert!(tolerate_for_addon(&w, "vpc-cni").is_ok());
    assert!(tolerate_for_driver(&w, "efs.csi.aws.com").is_err_and(|e| e.contains("already")));

    kube(&mut w, ds("ebs-csi-node", json!({}), Value::Null));
    let Ok(Action::Tolerate(t)) = tolerate_for_driver(&w, "ebs.csi.aws.com") else {
        panic!("planned");
    };
    assert!(t.creates_list);
    assert_eq!(t.patch.expect, vec![Expect::Tolerations(Vec::new())]);
    assert_eq!(t.patch.body[0]["path"], "/spec/template/spec/tolerations");
    assert!(t.patch.body[0]["value"].is_array());
}
