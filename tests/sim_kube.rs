//! The simulator's Kubernetes API against real clients: kube-runtime's watcher (paged
//! initial list, live events, 410 → relist) and kubectl.

mod common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::PersistentVolume;
use k8s_openapi::api::storage::v1::CSIDriver;
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::watcher::{self, Event};
use serde_json::json;

fn pv(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "labels": {"team": "a", "suite": "sim-kube"}},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteMany"],
            "csi": {"driver": "efs.csi.aws.com", "volumeHandle": format!("fs-1::fsap-{name}")}}})
}

async fn next_event<S>(stream: &mut S) -> Event<PersistentVolume>
where
    S: futures::Stream<Item = Result<Event<PersistentVolume>, watcher::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), stream.try_next())
        .await
        .expect("watch event within 10s")
        .expect("watch ok")
        .expect("stream open")
}

#[tokio::test]
async fn watcher_pages_initial_list_then_follows_live_events_and_relists_after_410() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    for i in 0..7 {
        ctl.post("/objects", Some(pv(&format!("pv-{i}")))).await;
    }
    let api: Api<PersistentVolume> = Api::all(common::kube_client(&sim));
    // The demo's own PVs are there too; the label keeps this test to its own.
    let cfg = watcher::Config::default()
        .page_size(3)
        .labels("suite=sim-kube");
    let mut stream = watcher::watcher(api, cfg).boxed();

    assert!(matches!(next_event(&mut stream).await, Event::Init));
    let mut initial = Vec::new();
    loop {
        match next_event(&mut stream).await {
            Event::InitApply(p) => initial.push(p.metadata.name.unwrap_or_default()),
            Event::InitDone => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(initial.len(), 7);
    let lists: Vec<_> = ctl
        .requests()
        .await
        .into_iter()
        .filter(|r| {
            r["path"] == "/api/v1/persistentvolumes"
                && !r["query"].as_str().unwrap_or("").contains("watch")
        })
        .collect();
    assert_eq!(
        lists.len(),
        3,
        "7 PVs in pages of 3 take three LIST requests: {lists:?}"
    );

    ctl.post("/objects", Some(pv("pv-live"))).await;
    match next_event(&mut stream).await {
        Event::Apply(p) => assert_eq!(p.metadata.name.as_deref(), Some("pv-live")),
        other => panic!("expected live apply, got {other:?}"),
    }
    ctl.delete("/objects/persistentvolumes/pv-0").await;
    match next_event(&mut stream).await {
        Event::Delete(p) => assert_eq!(p.metadata.name.as_deref(), Some("pv-0")),
        other => panic!("expected delete, got {other:?}"),
    }

    // Expiring every watch makes the watcher report the 410 and start over with a fresh,
    // paged list.
    ctl.post("/watches/expire", None).await;
    let gone = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("410 within 10s");
    assert!(
        matches!(gone, Some(Err(watcher::Error::WatchError(ref s))) if s.code == 410),
        "{gone:?}"
    );
    let mut relisted = 0;
    loop {
        match next_event(&mut stream).await {
            Event::Init => {}
            Event::InitApply(_) => relisted += 1,
            Event::InitDone => break,
            other => panic!("unexpected {other:?} during relist"),
        }
    }
    assert_eq!(relisted, 7, "pv-0 deleted, pv-live added");
}

#[tokio::test]
async fn watch_resumes_after_a_dropped_connection_without_relisting() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    ctl.post("/objects", Some(pv("a"))).await;
    let api: Api<PersistentVolume> = Api::all(common::kube_client(&sim));
    let mut stream =
        watcher::watcher(api, watcher::Config::default().labels("suite=sim-kube")).boxed();
    while !matches!(next_event(&mut stream).await, Event::InitDone) {}
    ctl.post("/watches/drop", None).await;
    ctl.post("/objects", Some(pv("b"))).await;
    match next_event(&mut stream).await {
        Event::Apply(p) => assert_eq!(p.metadata.name.as_deref(), Some("b")),
        other => panic!("expected resumed apply, got {other:?}"),
    }
}

#[tokio::test]
async fn label_selectors_get_patch_delete_and_typed_errors() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    ctl.post("/objects", Some(pv("x"))).await;
    let mut other = pv("y");
    other["metadata"]["labels"]["team"] = json!("b");
    ctl.post("/objects", Some(other)).await;
    let client = common::kube_client(&sim);
    let pvs: Api<PersistentVolume> = Api::all(client.clone());
    let team_b = pvs
        .list(&ListParams::default().labels("team=b"))
        .await
        .expect("list");
    assert_eq!(team_b.items.len(), 1);
    assert_eq!(team_b.items[0].metadata.name.as_deref(), Some("y"));

    let patched = pvs
        .patch(
            "x",
            &PatchParams::apply("stordeck-test"),
            &Patch::Merge(json!({"metadata": {"labels": {"fixed": "yes"}}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(
        patched
            .metadata
            .labels
            .unwrap_or_default()
            .get("fixed")
            .map(String::as_str),
        Some("yes")
    );
    let managers: Vec<_> = patched
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(
        managers.contains(&"stordeck-test".to_string()),
        "{managers:?}"
    );

    pvs.delete("x", &DeleteParams::default())
        .await
        .expect("delete");
    let err = pvs.get("x").await.expect_err("gone");
    match err {
        kube::Error::Api(s) => assert_eq!(s.code, 404),
        other => panic!("expected a 404 Status, got {other}"),
    }

    ctl.post("/faults/forbid?resource=csidrivers", None).await;
    let drivers: Api<CSIDriver> = Api::all(client);
    match drivers.list(&ListParams::default()).await {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 403),
        other => panic!("expected 403, got {other:?}"),
    }
}

#[tokio::test]
async fn kubectl_gets_watches_and_discovers_the_simulator() {
    let Ok(kubectl) = which_kubectl() else {
        eprintln!("kubectl is not installed here; this check needs it");
        return;
    };
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    ctl.post("/objects", Some(pv("seen-by-kubectl"))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    stordeck::sim::kubeconfig::write(&kc, &sim.url(), "demo", "us-east-1", "111122223333")
        .expect("kubeconfig");
    let run = |args: &[&str]| {
        let kc = kc.clone();
        let kubectl = kubectl.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            tokio::process::Command::new(kubectl)
                .arg("--kubeconfig")
                .arg(kc)
                .args(args)
                .output()
                .await
                .expect("kubectl runs")
        }
    };
    let out = run(&["get", "pv", "-l", "suite=sim-kube", "-o", "name"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "persistentvolume/seen-by-kubectl"
    );

    let out = run(&["api-resources", "--no-headers"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    for r in [
        "csidrivers",
        "persistentvolumes",
        "volumeattachments",
        "daemonsets",
    ] {
        assert!(text.contains(r), "api-resources lacks {r}: {text}");
    }

    let watch = tokio::spawn(run(&[
        "get",
        "pv",
        "-w",
        "--request-timeout=4s",
        "-o",
        "name",
    ]));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ctl.post("/objects", Some(pv("appeared-during-watch")))
        .await;
    let out = watch.await.expect("join");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("appeared-during-watch"),
        "kubectl get -w saw: {text}"
    );
}

fn which_kubectl() -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
        .ok_or(())
}
