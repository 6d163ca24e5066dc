//! Findings against the simulator: `stordeck report` lists the stories, and resolving a
//! cause through the sim's control API clears its finding as the watch brings the change.

mod common;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use stordeck::headless::Headless;
use stordeck::model::findings::{self, Finding};
use stordeck::sim::scenario::{ACCOUNT, CLUSTER, REGION};
use stordeck::sources::connect;

const RULES: &[&str] = &[
    "preserve-risk",
    "ownership-ambiguous",
    "missing-access-point",
    "orphan-access-point",
    "access-point-quota",
    "gid-range",
    "stranded-volume",
    "missing-toleration",
    "lifecycle-drift",
    "orphaned-ebs-volume",
    "eks-insight",
];

#[test]
fn report_demo_json_lists_every_rule_and_exits_critical() {
    let out = Command::new(env!("CARGO_BIN_EXE_stordeck"))
        .args(["report", "--demo", "--format", "json", "--timeout", "60"])
        .env(
            "STORDECK_CONFIG_DIR",
            tempfile::tempdir().expect("tempdir").path(),
        )
        .output()
        .expect("stordeck report runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "critical findings exit 2; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    assert_eq!(report["schema"], "stordeck.report/v1");
    assert_eq!(report["complete"], true);
    assert_eq!(report["cluster"]["name"], CLUSTER);
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    for rule in RULES {
        assert!(
            ids.contains(rule),
            "{rule} missing from the demo report: {ids:?}"
        );
    }
    let critical = report["counts"]["critical"].as_u64().unwrap_or(0);
    assert_eq!(
        critical as usize,
        report["findings"].as_array().map_or(0, |f| f
            .iter()
            .filter(|f| f["severity"] == "critical")
            .count())
    );
    let preserve = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "preserve-risk"))
        .expect("preserve-risk");
    assert_eq!(preserve["fix"]["kind"], "PreserveDelete");
    assert!(
        preserve["evidence"].to_string().contains("efs.csi.aws.com"),
        "evidence names the CSIDriver: {preserve}"
    );
}

fn ids(found: &[Finding]) -> Vec<&'static str> {
    found.iter().map(|f| f.id).collect()
}

/// The dashboard's sources and model on the read-only clients, every source answered.
async fn synced(sim: &stordeck::sim::SimHandle) -> Headless {
    let conn = connect::simulator(&sim.url(), CLUSTER, REGION, ACCOUNT, true)
        .await
        .expect("connect");
    let mut h = Headless::start(&conn);
    assert!(h.first_sync(Duration::from_secs(30)).await);
    h
}

#[tokio::test]
async fn resolving_causes_through_the_control_api_clears_their_findings() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = synced(&sim).await;
    let now = || jiff::Timestamp::now();
    // Candidates are confirmed within seconds (the stranded node's settle is 30 s).
    h.until_findings(Duration::from_secs(60), |_, f| {
        let ids: Vec<&str> = f.all().iter().map(|f| f.id).collect();
        ids.contains(&"lifecycle-drift") && ids.contains(&"stranded-volume")
    })
    .await;
    let before = h.findings.all().to_vec();
    assert!(
        ids(&before).contains(&"lifecycle-drift") && ids(&before).contains(&"stranded-volume"),
        "{:?}",
        ids(&before)
    );

    // The ACK controller catches up: the resource reports available and synced.
    let ack = sim::get(&sim, "filesystems", "default", "analytics-fs");
    let mut fixed = ack.clone();
    fixed["status"]["lifeCycleState"] = json!("available");
    fixed["status"]["conditions"][0]["status"] = json!("True");
    ctl.post(
        &format!(
            "/aws/file-systems/{}/lifecycle?state=available",
            stordeck::sim::scenario::FS_B
        ),
        None,
    )
    .await;
    h.refresh.now();
    ctl.post("/objects", Some(fixed)).await;
    let cleared = h
        .until(Duration::from_secs(15), |w| {
            !ids(&findings::evaluate(w, jiff::Timestamp::now())).contains(&"lifecycle-drift")
        })
        .await;
    assert!(cleared, "lifecycle-drift clears once ACK agrees with AWS");

    // Karpenter gives up on the disruption: the taint goes, and so does the stranded volume.
    for node in sim::list(&sim, "nodes") {
        let tainted = node["spec"]["taints"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["key"] == "karpenter.sh/disrupted"));
        if tainted {
            let mut untainted = node.clone();
            untainted["spec"]["taints"] = json!([]);
            ctl.post("/objects", Some(untainted)).await;
        }
    }
    let cleared = h
        .until(Duration::from_secs(15), |w| {
            !ids(&findings::evaluate(w, jiff::Timestamp::now())).contains(&"stranded-volume")
        })
        .await;
    assert!(
        cleared,
        "stranded-volume clears once no disrupted node has attachments"
    );
    assert!(
        ids(&findings::evaluate(&h.world, now())).contains(&"preserve-risk"),
        "unrelated findings stay"
    );
}

/// A PV naming an access point id EFS refuses outright: the targeted read gets a
/// ValidationException, which must confirm the PV broken rather than leave it checking.
#[tokio::test]
async fn a_volume_handle_efs_refuses_is_confirmed_not_checked_for_ever() {
    let sim = common::start_sim().await;
    let ctl = common::Control::new(&sim);
    let mut h = synced(&sim).await;
    let mut pv = sim::list(&sim, "persistentvolumes")
        .into_iter()
        .find(|pv| {
            pv["spec"]["csi"]["volumeHandle"]
                .as_str()
                .is_some_and(|v| v.contains("::fsap-"))
        })
        .expect("an EFS access point PV in the demo");
    let handle = pv["spec"]["csi"]["volumeHandle"].as_str().expect("handle");
    let fs = handle.split("::").next().expect("fs id").to_string();
    pv["metadata"] = json!({"name": "pvc-typo"});
    pv["spec"]["csi"]["volumeHandle"] = json!(format!("{fs}::fsap-0nothere"));
    pv["spec"]["claimRef"] = Value::Null;
    pv["status"] = json!({"phase": "Available"});
    ctl.post("/objects", Some(pv)).await;
    let typo = |f: &findings::Findings| {
        f.all().iter().any(|f| {
            f.id == "missing-access-point"
                && f.subject().is_some_and(|o| o.name == "pvc-typo")
                && f.title.contains("refuses as invalid")
        })
    };
    h.until_findings(Duration::from_secs(30), |_, f| typo(f))
        .await;
    assert!(
        typo(&h.findings),
        "still: {:?}",
        h.findings
            .checking()
            .iter()
            .map(|c| &c.object.name)
            .collect::<Vec<_>>()
    );
}

/// Reads straight from the simulator's store, as a test's ground truth.
mod sim {
    use serde_json::Value;
    use stordeck::sim::SimHandle;

    pub fn get(sim: &SimHandle, plural: &str, ns: &str, name: &str) -> Value {
        let st = stordeck::sim::lock(&sim.shared);
        st.store
            .get(plural, ns, name)
            .map(|o| (*o).clone())
            .expect("object in the sim")
    }

    pub fn list(sim: &SimHandle, plural: &str) -> Vec<Value> {
        let st = stordeck::sim::lock(&sim.shared);
        st.store.list(plural).map(|(_, o)| (**o).clone()).collect()
    }
}
