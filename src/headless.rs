//! The sources and the model without a terminal: every source task, the World they feed,
//! the findings evaluated from it, and what the findings need back from the sources (the
//! targeted reads that confirm candidates, the node-agent pods to watch). The dashboard
//! loop drives one of these; so do `report`, screenshots, benchmarks and tests, which need
//! the same live World the dashboard shows.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::model::findings::{Findings, Policy};
use crate::model::{SourceId, SourceMsg, World};
use crate::sources::agents::{self, AgentWatch};
use crate::sources::aws::{Refresh, spawn_pollers};
use crate::sources::confirm::{self, Wants};
use crate::sources::connect::Connection;
use crate::sources::events;
use crate::sources::kube::spawn_watchers_with;

/// How often `until` re-evaluates while nothing arrives, for rules that wait on time.
const SETTLE_TICK: Duration = Duration::from_millis(250);

pub struct Headless {
    pub world: World,
    pub findings: Findings,
    /// `refresh.now()` after an action (AWS sweeps again); `refresh.all()` for `r` (every
    /// Kubernetes kind relists too).
    pub refresh: Refresh,
    pub clock: Clock,
    rx: mpsc::Receiver<SourceMsg>,
    wants: Wants,
    agents: AgentWatch,
    agents_version: Option<u64>,
    /// The EBS volume ids PVs name, for the EC2 poller to read by id.
    volume_ids: tokio::sync::watch::Sender<std::collections::BTreeSet<compact_str::CompactString>>,
    volume_ids_version: Option<u64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Headless {
    pub fn start(conn: &Connection) -> Self {
        Headless::start_with(conn, Clock::system(), Policy::default())
    }

    pub fn start_with(conn: &Connection, clock: Clock, policy: Policy) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let refresh = Refresh::default();
        let mut tasks = spawn_watchers_with(&conn.kube, &tx, &refresh);
        tasks.extend(events::spawn(&conn.kube, &tx, &refresh));
        let (volume_ids, named) = tokio::sync::watch::channel(Default::default());
        tasks.extend(spawn_pollers(conn.aws.clone(), &tx, &refresh, clock, named));
        let (wants, t) = confirm::spawn(&conn.kube, &conn.aws, &tx, clock);
        tasks.push(t);
        let (agents, t) = agents::spawn(&conn.kube, &tx, &refresh);
        tasks.push(t);
        let mut world = World::default();
        world.target = conn.target.clone();
        Headless {
            world,
            findings: Findings::with_policy(policy),
            refresh,
            clock,
            rx,
            wants,
            agents,
            agents_version: None,
            volume_ids,
            volume_ids_version: None,
            tasks,
        }
    }

    /// The next source message; `None` once every source has gone.
    pub async fn recv(&mut self) -> Option<SourceMsg> {
        self.rx.recv().await
    }

    pub fn try_recv(&mut self) -> Option<SourceMsg> {
        self.rx.try_recv().ok()
    }

    pub fn apply(&mut self, msg: SourceMsg) {
        let now = self.clock.now();
        self.world.apply(msg, now);
    }

    /// Re-evaluates the findings if due and hands the sources what they need for the
    /// next step; true if the findings were re-evaluated.
    pub fn settle(&mut self) -> bool {
        let now = self.clock.now();
        let evaluated = self.findings.refresh(&self.world, now);
        if evaluated {
            self.wants.want(self.findings.wanted());
        }
        self.watch_agents();
        self.name_volumes();
        evaluated
    }

    /// Tells the EC2 poller which volumes the PVs name, when that may have changed.
    fn name_volumes(&mut self) {
        if self.volume_ids_version == Some(self.world.version) {
            return;
        }
        self.volume_ids_version = Some(self.world.version);
        let world = &self.world;
        self.volume_ids.send_if_modified(|ids| {
            let same = ids.len() == world.ebs_volume_ids().len()
                && world.ebs_volume_ids().all(|v| ids.contains(v));
            if !same {
                *ids = world.ebs_volume_ids().cloned().collect();
            }
            !same
        });
    }

    /// Once the DaemonSets are known, watch the pods of the node agents among them.
    fn watch_agents(&mut self) {
        if self.agents_version == Some(self.world.version) {
            return;
        }
        self.agents_version = Some(self.world.version);
        let known = self.world.daemonsets.synced
            || self
                .world
                .health
                .get(&SourceId::DaemonSets)
                .is_some_and(|h| !matches!(h.state, crate::model::HealthState::Syncing));
        if known {
            self.agents.watch(self.world.agent_selectors());
        }
    }

    /// Folds source messages until `done(world)` holds; false if `timeout` passed first.
    pub async fn until(&mut self, timeout: Duration, done: impl Fn(&World) -> bool) -> bool {
        self.until_findings(timeout, |w, _| done(w)).await
    }

    /// Like `until`, with the findings as they stand after each step.
    pub async fn until_findings(
        &mut self,
        timeout: Duration,
        done: impl Fn(&World, &Findings) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.settle();
            if done(&self.world, &self.findings) {
                return true;
            }
            // Messages that never stop must not hold the wait past its deadline.
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            let wake = deadline.min(tokio::time::Instant::now() + SETTLE_TICK);
            match tokio::time::timeout_at(wake, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    self.apply(msg);
                    while let Some(m) = self.try_recv() {
                        self.apply(m);
                    }
                }
                Ok(None) => return false,
                Err(_) => {}
            }
        }
    }

    /// Until every source has answered once: live, or with the error it met.
    pub async fn first_sync(&mut self, timeout: Duration) -> bool {
        self.until(timeout, |w| w.first_sync_done(&SourceId::ALL))
            .await
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
