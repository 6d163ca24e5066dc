//! `stordeck report --watch`: a long-running exporter against the simulator rewrites its
//! Prometheus file when a fault is planted (a PV naming an access point EFS does not
//! have) and again when it is cleared, over the same open watches.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use stordeck::sim::scenario::CLUSTER;

const BIN: &str = env!("CARGO_BIN_EXE_stordeck");
const PLANTED: &str = "pv-planted-by-the-watch-test";

struct Exporter(Child);

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `stordeck_findings` samples for `rule` in the file, summed over severities; `None`
/// until the file exists.
fn findings(file: &Path, rule: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    Some(
        text.lines()
            .filter(|l| {
                l.starts_with("stordeck_findings{") && l.contains(&format!("rule=\"{rule}\""))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum(),
    )
}

async fn wait_for(what: &str, file: &Path, pred: impl Fn(Option<u64>) -> bool) -> Option<u64> {
    let start = Instant::now();
    loop {
        let n = findings(file, "missing-access-point");
        if pred(n) {
            return n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "waited 90s for {what}; file:\n{}",
            std::fs::read_to_string(file).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_is_rewritten_when_a_fault_is_planted_and_when_it_is_cleared() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": sim.url()}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "u"}}],
    });
    std::fs::write(d.join("kubeconfig"), kubeconfig.to_string()).expect("kubeconfig");
    std::fs::write(
        d.join("aws-config"),
        format!(
            "[profile prod]\nregion = us-east-1\nendpoint_url = {}\naws_access_key_id = x\naws_secret_access_key = x\n",
            sim.url()
        ),
    )
    .expect("aws config");
    std::fs::create_dir_all(d.join("cfg")).expect("cfg");
    std::fs::write(
        d.join("cfg/config.toml"),
        format!("[[context]]\nname = \"prod\"\nprofile = \"prod\"\ncluster = \"{CLUSTER}\"\n"),
    )
    .expect("config.toml");
    let file = d.join("stordeck.prom");
    let _exporter = Exporter(
        Command::new(BIN)
            .args([
                "report",
                "--context",
                "prod",
                "--format",
                "prom",
                "--watch",
                "1s",
                "--output",
            ])
            .arg(&file)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", d)
            .env("KUBECONFIG", d.join("kubeconfig"))
            .env("AWS_CONFIG_FILE", d.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", d.join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("STORDECK_CONFIG_DIR", d.join("cfg"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the exporter starts"),
    );

    let before = wait_for("the first file", &file, |n| n.is_some())
        .await
        .unwrap_or_default();
    ctl.post(
        "/objects",
        Some(json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": PLANTED},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany"],
                "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-0a1b2c3d4e5f60718::fsap-0notthere00000000"}}})),
    )
    .await;
    wait_for("the planted fault", &file, |n| n == Some(before + 1)).await;
    let text = std::fs::read_to_string(&file).expect("file");
    assert!(
        text.contains("stordeck_report_complete{cluster=\"prod\"} 1"),
        "{text}"
    );

    ctl.delete(&format!("/objects/persistentvolumes/{PLANTED}"))
        .await;
    wait_for("the fault cleared", &file, |n| n == Some(before)).await;
}
