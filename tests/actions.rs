//! Actions against the embedded simulator through the real clients: each changes the
//! simulated cluster or account exactly as its dialog said, failures change nothing and
//! say why, every run is in the audit log, and read-only mode — the whole binary, every
//! key on every pane — sends nothing but GETs.

#[path = "actions/binary.rs"]
mod binary;
mod common;
#[path = "actions/ebs.rs"]
mod ebs;
#[path = "actions/failures.rs"]
mod failures;
#[path = "actions/patches.rs"]
mod patches;
#[path = "actions/recheck.rs"]
mod recheck;
#[path = "actions/runs.rs"]
mod runs;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use stordeck::actions::{Action, AuditLog, Executor};
use stordeck::model::{SourceId, World};
use stordeck::sim::SimHandle;
use stordeck::sim::scenario::CLUSTER;
use stordeck::sources::aws::{Refresh, spawn_pollers};
use stordeck::sources::connect::{self, Connection};
use stordeck::sources::kube::spawn_watchers;

use common::Control;

pub struct Setup {
    pub sim: SimHandle,
    pub conn: Connection,
    pub ctl: Control,
    pub dir: tempfile::TempDir,
}

/// A simulator with a frozen clock and the real clients connected to it.
pub async fn setup(read_only: bool) -> Setup {
    let sim = common::start_sim().await;
    let (cluster, region, account) = sim.cluster();
    let conn = connect::simulator(&sim.url(), &cluster, &region, &account, read_only)
        .await
        .expect("clients connect");
    let ctl = Control::new(&sim);
    let dir = tempfile::tempdir().expect("tempdir");
    Setup {
        sim,
        conn,
        ctl,
        dir,
    }
}

impl Setup {
    pub fn audit_path(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    pub fn executor(&self) -> Executor {
        let audit = AuditLog::new(self.audit_path(), "tester", CLUSTER);
        Executor::new(&self.conn, audit).expect("not read-only")
    }

    /// What stordeck would show now: every source run until it has answered once.
    pub async fn world(&self) -> World {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
        let mut tasks = spawn_watchers(&self.conn.kube, &tx);
        let aws = self.conn.aws.clone();
        tasks.extend(spawn_pollers(
            aws,
            &tx,
            &Refresh::default(),
            stordeck::clock::Clock::system(),
            tokio::sync::watch::channel(Default::default()).1,
        ));
        let mut w = World::default();
        let all = [
            SourceId::CsiDrivers,
            SourceId::Pvs,
            SourceId::DaemonSets,
            SourceId::ServiceAccounts,
            SourceId::ClusterRoles,
            SourceId::ClusterRoleBindings,
            SourceId::EfsAccessPoints,
            SourceId::EksCluster,
            SourceId::EksAddons,
            SourceId::Nodes,
            SourceId::Ec2Volumes,
            SourceId::Ec2Instances,
        ];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !w.first_sync_done(&all) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(msg)) => w.apply(msg, jiff::Timestamp::now()),
                _ => panic!("sources did not sync: {:?}", w.health),
            }
        }
        // Watches deliver their initial lists as one burst; take what is already queued.
        tokio::time::sleep(Duration::from_millis(200)).await;
        while let Ok(msg) = rx.try_recv() {
            w.apply(msg, jiff::Timestamp::now());
        }
        for t in tasks {
            t.abort();
        }
        w
    }

    /// Requests the simulator received that were not GETs, as `METHOD path?query`, but for
    /// the POSTs that change nothing: EC2's Describe* reads, whose action travels in the
    /// body, EKS ListInsights, whose filter does, and the two identity questions the audit
    /// log asks (STS GetCallerIdentity, a SelfSubjectReview), which
    /// `tests/audit_identity.rs` checks on their own.
    pub async fn mutations(&self) -> Vec<String> {
        self.ctl
            .requests()
            .await
            .iter()
            .filter(|r| r["method"] != "GET")
            .map(request_line)
            .filter(|l| {
                let list_insights = l.starts_with("POST /clusters/") && l.ends_with("/insights");
                !l.starts_with("POST / Action=Describe")
                    && !list_insights
                    && l != "POST / Action=GetCallerIdentity"
                    && l != "POST /apis/authentication.k8s.io/v1/selfsubjectreviews"
            })
            .collect()
    }

    /// The GETs the simulator received, as `GET path?query`.
    pub async fn gets(&self) -> Vec<String> {
        self.ctl
            .requests()
            .await
            .iter()
            .filter(|r| r["method"] == "GET")
            .map(request_line)
            .collect()
    }

    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.audit_path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
            .collect()
    }
}

/// `METHOD path?query`, with ` Action=X` for a form POST whose operation is in its body.
pub fn request_line(r: &Value) -> String {
    let (m, p, q) = (
        r["method"].as_str().unwrap_or_default(),
        r["path"].as_str().unwrap_or_default(),
        r["query"].as_str().unwrap_or_default(),
    );
    let line = if q.is_empty() {
        format!("{m} {p}")
    } else {
        format!("{m} {p}?{q}")
    };
    match r["action"].as_str() {
        Some(a) => format!("{line} Action={a}"),
        None => line,
    }
}

/// The request lines an action's dialog shows, without the PATCH content type and body
/// (the simulator's log keeps method, path and query; bodies are checked on the result).
pub fn shown_requests(a: &Action) -> Vec<String> {
    a.requests()
        .iter()
        .map(|r| r.split(" (").next().unwrap_or(r).to_string())
        .collect()
}
