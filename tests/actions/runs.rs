//! Each action, planned from what stordeck sees, run through the Executor: the simulator
//! receives exactly the requests the dialog showed and ends up as the dialog said.

use serde_json::json;
use stordeck::actions::follow::{Verdict, progress};
use stordeck::actions::{Action, plan};
use stordeck::sim::lock;
use stordeck::sim::scenario::CLUSTER;

use crate::{setup, shown_requests};

const EFS_ADDON: &str = "aws-efs-csi-driver";
const EFS_DRIVER: &str = "efs.csi.aws.com";

async fn delete_efs_addon(preserve: bool) {
    let s = setup(false).await;
    let w = s.world().await;
    let Ok(Action::DeleteAddon(mut d)) = plan::delete_addon(&w, EFS_ADDON) else {
        panic!("planned");
    };
    assert!(d.preserve, "preserve is the default");
    d.preserve = preserve;
    assert!(d.csi_driver().is_some_and(|o| o.name == EFS_DRIVER));
    let action = Action::DeleteAddon(d.clone());

    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(s.mutations().await, shown_requests(&action));
    assert_eq!(
        shown_requests(&action),
        vec![format!(
            "DELETE /clusters/{CLUSTER}/addons/{EFS_ADDON}?preserve={preserve}"
        )]
    );

    // The pane follows it through DELETING …
    let (line, verdict) = progress(&s.world().await, &d);
    assert_eq!(verdict, Verdict::Running, "{line}");
    assert!(line.contains("DELETING"), "{line}");

    s.ctl.post("/advance?seconds=10", None).await;
    {
        let st = lock(&s.sim.shared);
        assert!(!st.aws.clusters[CLUSTER].addons.contains_key(EFS_ADDON));
        let driver = st.store.get("csidrivers", "", EFS_DRIVER);
        assert_eq!(driver.is_some(), preserve, "CSIDriver kept iff preserve");
    }
    // … until it is gone, then says what became of the CSIDriver.
    let (line, verdict) = progress(&s.world().await, &d);
    assert_eq!(verdict, Verdict::AsRequested, "{line}");
    if preserve {
        assert!(
            line.contains("CSIDriver efs.csi.aws.com kept ✓") && line.contains("5 of 5"),
            "{line}"
        );
    } else {
        assert!(
            line.contains("deleted with it") && line.contains("0 of 5"),
            "{line}"
        );
    }
    let audit = s.audit();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["result"], "started");
    assert!(
        audit[1]["result"]
            .as_str()
            .is_some_and(|r| r.starts_with("ok: "))
    );
    for rec in &audit {
        assert_eq!(rec["action"], "delete-addon");
        assert_eq!(rec["user"], "tester");
        assert_eq!(rec["cluster"], CLUSTER);
        assert_eq!(rec["target"], format!("addon {CLUSTER}/{EFS_ADDON}"));
        assert_eq!(rec["requests"], json!(action.requests()));
        assert!(
            rec["time"]
                .as_str()
                .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())
        );
    }
}

#[tokio::test]
async fn preserve_delete_removes_the_addon_and_keeps_the_csidriver() {
    delete_efs_addon(true).await;
}

#[tokio::test]
async fn delete_without_preserve_takes_the_csidriver_with_it() {
    delete_efs_addon(false).await;
}

#[tokio::test]
async fn an_orphaned_access_point_is_deleted_and_nothing_else() {
    let s = setup(false).await;
    let w = s.world().await;
    let unused = |csi: bool| {
        w.access_points
            .values()
            .find(|ap| ap.made_by_csi_driver() == csi && w.pv_for_access_point(ap).is_none())
            .map(|ap| ap.id.clone())
    };
    let orphan = unused(true).expect("the demo has orphans");
    let used = w
        .access_points
        .values()
        .find(|ap| w.pv_for_access_point(ap).is_some())
        .map(|ap| ap.id.clone())
        .expect("and used ones");
    // ml-datasets' access points are SageMaker's and Lambda's: no PV uses them, by design.
    let foreign = unused(false).expect("and other consumers' ones");
    assert!(plan::delete_access_point(&w, &used).is_err());
    assert!(
        plan::delete_access_point(&w, &foreign)
            .is_err_and(|e| e.contains("not made by the EFS CSI driver"))
    );
    let action = plan::delete_access_point(&w, &orphan).expect("planned");
    let before = lock(&s.sim.shared).aws.access_points.len();

    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(s.mutations().await, shown_requests(&action));
    let st = lock(&s.sim.shared);
    assert!(!st.aws.access_points.contains_key(orphan.as_str()));
    assert_eq!(st.aws.access_points.len(), before - 1);
}

#[tokio::test]
async fn adopting_into_helm_patches_every_object_as_listed() {
    let s = setup(false).await;
    let w = s.world().await;
    let Ok(action @ Action::AdoptHelm(_)) = plan::adopt_helm(&w, "vpc-cni") else {
        panic!("planned");
    };
    let Action::AdoptHelm(a) = &action else {
        unreachable!()
    };
    assert_eq!(
        a.patches.len(),
        4,
        "DaemonSet, ServiceAccount, ClusterRole, Binding"
    );

    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(s.mutations().await, shown_requests(&action));
    for p in &a.patches {
        let plural = match p.object.kind.as_str() {
            "DaemonSet" => "daemonsets",
            "ServiceAccount" => "serviceaccounts",
            "ClusterRole" => "clusterroles",
            _ => "clusterrolebindings",
        };
        let ns = p.object.namespace.as_deref().unwrap_or("");
        let obj = lock(&s.sim.shared)
            .store
            .get(plural, ns, &p.object.name)
            .expect("still there");
        let meta = &obj["metadata"];
        for (k, v) in p.body["metadata"]["annotations"]
            .as_object()
            .expect("annotations")
        {
            assert_eq!(&meta["annotations"][k], v, "{}", p.object.display());
        }
        assert_eq!(meta["labels"]["app.kubernetes.io/managed-by"], "Helm");
        assert_eq!(
            meta["labels"]["k8s-app"], "aws-node",
            "a merge keeps other labels"
        );
        let managers: Vec<&str> = meta["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["manager"].as_str())
            .collect();
        assert!(managers.contains(&"stordeck"), "{managers:?}");
    }
    assert!(
        plan::adopt_helm(&s.world().await, "vpc-cni").is_err(),
        "nothing left to do"
    );
}

fn tolerations(s: &crate::Setup, name: &str) -> serde_json::Value {
    let st = lock(&s.sim.shared);
    let ds = st.store.get("daemonsets", "kube-system", name).expect("ds");
    ds["spec"]["template"]["spec"]["tolerations"].clone()
}

#[tokio::test]
async fn the_disruption_toleration_is_appended_or_creates_the_list() {
    let s = setup(false).await;
    // A DaemonSet with no tolerations at all, as a freshly written manifest has.
    let mut bare = lock(&s.sim.shared)
        .store
        .get("daemonsets", "kube-system", "efs-csi-node")
        .map(|o| (*o).clone())
        .expect("ds");
    bare["metadata"] = json!({"name": "s3-csi-node", "namespace": "kube-system"});
    if let Some(spec) = bare["spec"]["template"]["spec"].as_object_mut() {
        spec.remove("tolerations");
    }
    s.ctl.post("/objects", Some(bare)).await;
    let w = s.world().await;
    let before = tolerations(&s, "ebs-csi-node");

    let append = plan::tolerate_for_driver(&w, "ebs.csi.aws.com").expect("planned");
    let create = plan::tolerate(&w, "kube-system", "s3-csi-node").expect("planned");
    let ex = s.executor();
    for a in [&append, &create] {
        let out = ex.run(a.clone()).await;
        assert!(out.result.is_ok(), "{:?}", out.result);
    }
    let mut expected = shown_requests(&append);
    expected.extend(shown_requests(&create));
    assert_eq!(s.mutations().await, expected);

    let tol =
        json!({"key": "karpenter.sh/disrupted", "operator": "Exists", "effect": "NoSchedule"});
    let mut want = before.as_array().cloned().expect("had tolerations");
    want.push(tol.clone());
    assert_eq!(tolerations(&s, "ebs-csi-node"), json!(want));
    assert_eq!(tolerations(&s, "s3-csi-node"), json!([tol]));
    assert_eq!(s.audit().len(), 4);
}
