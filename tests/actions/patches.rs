//! Patches re-read each object right before sending and carry the resourceVersion of that
//! read as a precondition: a change before the read refuses with nothing sent, a change
//! between the read and the write is refused by the API server (409) and reported as such,
//! and the simulator enforces the precondition as the real API server does.

use std::sync::Arc;

use serde_json::{Value, json};
use stordeck::actions::{Action, BeforeSend, plan};
use stordeck::sim::lock;

use crate::{Setup, setup, shown_requests};

const DS_PATH: &str = "/apis/apps/v1/namespaces/kube-system/daemonsets/ebs-csi-node";

fn stored(s: &Setup, plural: &str, ns: &str, name: &str) -> Value {
    let st = lock(&s.sim.shared);
    st.store
        .get(plural, ns, name)
        .map(|o| (*o).clone())
        .expect("stored")
}

/// Someone else writes `obj` (a label more) through the control API, as a controller would.
async fn touch(url: String, mut obj: Value) {
    obj["metadata"]["labels"]["touched-by"] = json!("someone-else");
    let resp = reqwest::Client::new()
        .post(format!("{url}/_sim/objects"))
        .json(&obj)
        .send()
        .await
        .expect("control request");
    assert!(resp.status().is_success(), "{}", resp.status());
}

/// Changes the object to be patched as request `n` right after its re-check read it.
fn touch_before(n: usize, url: String, obj: Value) -> BeforeSend {
    Arc::new(move |i| {
        let (url, obj) = (url.clone(), obj.clone());
        Box::pin(async move {
            if i == n {
                touch(url, obj).await;
            }
        })
    })
}

fn failed(result: &Result<String, String>, needle: &str) -> String {
    match result {
        Err(why) => {
            assert!(why.contains(needle), "{needle:?} not in {why:?}");
            why.clone()
        }
        Ok(m) => panic!("expected a failure, got {m}"),
    }
}

#[tokio::test]
async fn a_toleration_patch_is_conditional_on_the_version_just_read() {
    let s = setup(false).await;
    let w = s.world().await;
    let action = plan::tolerate_for_driver(&w, "ebs.csi.aws.com").expect("planned");
    s.ctl.delete("/requests").await;
    let out = s.executor().run(action.clone()).await;
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(s.gets().await, vec![format!("GET {DS_PATH}")]);
    assert_eq!(s.gets().await, action.read_lines());
    assert_eq!(s.mutations().await, shown_requests(&action));
    let ds = stored(&s, "daemonsets", "kube-system", "ebs-csi-node");
    let tolerations = ds["spec"]["template"]["spec"]["tolerations"].to_string();
    assert!(
        tolerations.contains("karpenter.sh/disrupted"),
        "{tolerations}"
    );
}

#[tokio::test]
async fn a_daemonset_changed_between_the_read_and_the_patch_is_left_alone() {
    let s = setup(false).await;
    let w = s.world().await;
    let action = plan::tolerate_for_driver(&w, "ebs.csi.aws.com").expect("planned");
    let before = stored(&s, "daemonsets", "kube-system", "ebs-csi-node");
    let ex = s
        .executor()
        .before_each_send(touch_before(0, s.sim.url(), before.clone()));
    let out = ex.run(action.clone()).await;
    let why = failed(
        &out.result,
        "DaemonSet kube-system/ebs-csi-node changed since it was read; nothing was applied",
    );
    assert!(
        why.contains("422"),
        "the JSON patch's test op failed: {why}"
    );
    assert_eq!(
        s.mutations().await,
        shown_requests(&action),
        "one PATCH, refused"
    );
    let after = stored(&s, "daemonsets", "kube-system", "ebs-csi-node");
    assert_eq!(after["metadata"]["labels"]["touched-by"], "someone-else");
    assert_eq!(
        after["spec"]["template"]["spec"]["tolerations"],
        before["spec"]["template"]["spec"]["tolerations"],
        "the other writer's version stands, without the toleration"
    );
    let audit = s.audit();
    let line = audit[1]["result"].as_str().unwrap_or_default();
    assert!(line.starts_with("failed: ") && line.contains("changed since it was read"));
}

#[tokio::test]
async fn another_release_claiming_an_object_after_planning_stops_every_adopt_patch() {
    let s = setup(false).await;
    let w = s.world().await;
    let action = plan::adopt_helm(&w, "vpc-cni").expect("planned");
    let mut sa = stored(&s, "serviceaccounts", "kube-system", "aws-node");
    sa["metadata"]["annotations"]["meta.helm.sh/release-name"] = json!("other");
    s.ctl.post("/objects", Some(sa)).await;
    let out = s.executor().run(action).await;
    failed(
        &out.result,
        "refused: ServiceAccount kube-system/aws-node: its annotation \
         meta.helm.sh/release-name changed since the dialog opened: it was absent, now \"other\"",
    );
    assert!(
        s.mutations().await.is_empty(),
        "not even the objects before it"
    );
}

#[tokio::test]
async fn an_adopt_interrupted_by_a_change_says_how_many_patches_were_applied() {
    let s = setup(false).await;
    let w = s.world().await;
    let Ok(action @ Action::AdoptHelm(_)) = plan::adopt_helm(&w, "vpc-cni") else {
        panic!("planned");
    };
    let Action::AdoptHelm(a) = &action else {
        unreachable!()
    };
    let third = &a.patches[2].object;
    let plural = match third.kind.as_str() {
        "ClusterRole" => "clusterroles",
        "ServiceAccount" => "serviceaccounts",
        "ClusterRoleBinding" => "clusterrolebindings",
        _ => "daemonsets",
    };
    let ns = third.namespace.clone().unwrap_or_default();
    let obj = stored(&s, plural, &ns, &third.name);
    let ex = s
        .executor()
        .before_each_send(touch_before(2, s.sim.url(), obj));
    let out = ex.run(action.clone()).await;
    failed(
        &out.result,
        &format!(
            "{} changed since it was read; the 2 patches before it were applied; the rest were \
             not sent (API server: 409 Conflict: Operation cannot be fulfilled on",
            third.display()
        ),
    );
    assert_eq!(
        s.mutations().await,
        shown_requests(&action)[..3].to_vec(),
        "the fourth was never sent"
    );
    let released = |p: &stordeck::actions::KubePatch| {
        let kind = p.object.kind.as_str();
        let plural = match kind {
            "ClusterRole" => "clusterroles",
            "ServiceAccount" => "serviceaccounts",
            "ClusterRoleBinding" => "clusterrolebindings",
            _ => "daemonsets",
        };
        let ns = p.object.namespace.clone().unwrap_or_default();
        stored(&s, plural, &ns, &p.object.name)["metadata"]["annotations"]
            ["meta.helm.sh/release-name"]
            .is_string()
    };
    let applied: Vec<bool> = a.patches.iter().map(released).collect();
    assert_eq!(applied, vec![true, true, false, false]);
}

/// PATCH or PUT straight through the kube client, for the simulator's own behaviour.
async fn send(s: &Setup, method: &str, ctype: &str, body: Value) -> Result<Value, kube::Error> {
    let req = http::Request::builder()
        .method(method)
        .uri(DS_PATH)
        .header("content-type", ctype)
        .body(body.to_string().into_bytes())
        .expect("request");
    s.conn.kube.request::<Value>(req).await
}

fn conflict(r: Result<Value, kube::Error>) -> kube::core::Status {
    match r {
        Err(kube::Error::Api(e)) => *e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_simulator_refuses_writes_at_a_stale_resource_version_as_the_api_server_does() {
    let s = setup(false).await;
    let ds = stored(&s, "daemonsets", "kube-system", "ebs-csi-node");
    let rv = ds["metadata"]["resourceVersion"]
        .as_str()
        .expect("rv")
        .to_string();
    let merge = "application/merge-patch+json";
    let stale = json!({"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}});
    let e = conflict(send(&s, "PATCH", merge, stale).await);
    assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        e.message,
        "Operation cannot be fulfilled on daemonsets.apps \"ebs-csi-node\": the object has \
         been modified; please apply your changes to the latest version and try again"
    );
    let mut put = ds.clone();
    put["metadata"]["resourceVersion"] = json!("1");
    let e = conflict(send(&s, "PUT", "application/json", put).await);
    assert_eq!(e.code, 409);

    let test = json!([{"op": "test", "path": "/metadata/resourceVersion", "value": "1"},
                      {"op": "add", "path": "/metadata/labels/x", "value": "y"}]);
    let e = conflict(send(&s, "PATCH", "application/json-patch+json", test).await);
    assert_eq!(e.code, 422, "a failed test op refuses the whole JSON patch");
    let unchanged = stored(&s, "daemonsets", "kube-system", "ebs-csi-node");
    assert_eq!(
        unchanged["metadata"]["resourceVersion"],
        json!(rv),
        "nothing applied"
    );

    let current = json!({"metadata": {"resourceVersion": rv, "labels": {"x": "y"}}});
    let ok = send(&s, "PATCH", merge, current)
        .await
        .expect("current version applies");
    assert_eq!(ok["metadata"]["labels"]["x"], "y");
    assert_ne!(ok["metadata"]["resourceVersion"], json!(rv));
    let unconditional = json!({"metadata": {"labels": {"x": "z"}}});
    assert!(send(&s, "PATCH", merge, unconditional).await.is_ok());
}
