//! Two clusters in one kubeconfig, as an on-call engineer has them: the dashboard binary
//! in tmux starts on `prod`, switches to `staging` with `:ctx`, and shows only staging's
//! rows from then on. `staging` matches a `read_only = true` entry in config.toml, so no
//! key sends it anything that changes a thing. Each context's AWS side comes from its
//! profile in the AWS config file (`endpoint_url`), as a real account's would.

mod common;

use std::time::{Duration, Instant};

use common::tmux::{Tmux, all_live, exit_line, launch};
use serde_json::{Value, json};
use stordeck::sim::SimHandle;
use stordeck::sim::scenario::CLUSTER;

async fn plant_pv(sim: &SimHandle, name: &str) {
    common::Control::new(sim)
        .post(
            "/objects",
            Some(
                json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
                "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                    "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-0a1b2c3d4e5f60718"}}}),
            ),
        )
        .await;
}

/// Requests that could have changed something: every non-GET but EC2's Describe* reads
/// (EC2 is all POSTs), EKS ListInsights (its filter is a POST body) and the identity
/// questions the audit log asks.
async fn mutations(sim: &SimHandle) -> Vec<String> {
    common::Control::new(sim)
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] != "GET")
        .filter(|r| {
            let action = r["action"].as_str().unwrap_or_default();
            !action.starts_with("Describe") && action != "GetCallerIdentity"
        })
        .filter(|r| r["path"] != "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            !(path.starts_with("/clusters/") && path.ends_with("/insights"))
        })
        .map(|r: &Value| format!("{} {} {}", r["method"], r["path"], r["action"]))
        .collect()
}

fn files(dir: &std::path::Path, prod: &SimHandle, staging: &SimHandle) {
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [
            {"name": "prod", "cluster": {"server": prod.url()}},
            {"name": "staging", "cluster": {"server": staging.url()}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [
            {"name": "prod", "context": {"cluster": "prod", "user": "u"}},
            {"name": "staging", "context": {"cluster": "staging", "user": "u"}}],
    });
    std::fs::write(dir.join("kubeconfig"), kubeconfig.to_string()).expect("kubeconfig");
    let profile = |name: &str, url: String| {
        format!(
            "[profile {name}]\nregion = us-east-1\nendpoint_url = {url}\n\
             aws_access_key_id = x\naws_secret_access_key = x\n"
        )
    };
    let aws = profile("prod", prod.url()) + &profile("staging", staging.url());
    std::fs::write(dir.join("aws-config"), aws).expect("aws config");
    std::fs::create_dir_all(dir.join("cfg")).expect("config dir");
    let config = format!(
        r#"
[[context]]
name = "prod"
profile = "prod"
cluster = "{CLUSTER}"
color = "red"

[[context]]
name = "stag*"
profile = "staging"
cluster = "{CLUSTER}"
read_only = true
"#
    );
    std::fs::write(dir.join("cfg/config.toml"), config).expect("config.toml");
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

/// Every action key on the first rows of every pane, and every key a dialog takes.
fn press_every_action(tmux: &Tmux) {
    for pane in ["1", "2", "3", "4", "5", "6", "7"] {
        tmux.keys(&[pane]);
        for _row in 0..3 {
            for action in ["C-d", "a", "t", "x", "I"] {
                tmux.keys(&[
                    action, "Enter", "C-p", "C-p", "C-f", "C-f", "y", "Enter", "Escape",
                ]);
                // Apart: ESC followed at once by a key reads as Alt and that key.
                std::thread::sleep(Duration::from_millis(60));
            }
            tmux.keys(&["j"]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctx_switches_clusters_and_a_read_only_context_sends_no_change() {
    let prod = common::start_sim().await;
    let staging = common::start_sim().await;
    plant_pv(&prod, "pv-only-in-prod").await;
    plant_pv(&staging, "pv-only-in-staging").await;
    let dir = tempfile::tempdir().expect("tempdir");
    files(dir.path(), &prod, &staging);
    let env = format!(
        "KUBECONFIG={d}/kubeconfig AWS_CONFIG_FILE={d}/aws-config \
         AWS_SHARED_CREDENTIALS_FILE={d}/none",
        d = dir.path().display()
    );
    let tmux = launch(dir.path(), &env, "", "ctx");

    let screen = tmux.wait_for("prod live", |s| s.contains(&all_live()));
    assert!(
        header(&screen).contains("context  prod") && !header(&screen).contains("READ-ONLY"),
        "prod opens writable, its name in its colour:\n{screen}"
    );
    tmux.keys(&["3"]);
    tmux.wait_for("prod's PV", |s| s.contains("pv-only-in-prod"));

    tmux.keys(&[":ctx staging", "Enter"]);
    let start = Instant::now();
    let screen = loop {
        let s = tmux.capture();
        assert!(
            !(header(&s).contains("staging") && s.contains("pv-only-in-prod")),
            "a prod row under the staging header:\n{s}"
        );
        if s.contains("pv-only-in-staging") && s.contains(&all_live()) {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited 30s for staging:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        header(&screen).contains("context staging") && header(&screen).contains("READ-ONLY"),
        "staging matches a read_only entry:\n{screen}"
    );
    assert!(!screen.contains("pv-only-in-prod"), "{screen}");

    press_every_action(&tmux);
    tmux.wait_for("the last dialog closed", |s| !s.contains("[Esc] cancel"));
    assert_eq!(mutations(&staging).await, Vec::<String>::new());
    assert_eq!(
        mutations(&prod).await,
        Vec::<String>::new(),
        "nothing was sent to prod either"
    );

    tmux.keys(&["q"]);
    assert_eq!(exit_line(dir.path(), &tmux), "EXITED 0");
}
