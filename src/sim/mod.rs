//! The embedded simulator: a loopback Kubernetes API subset plus EFS and EKS endpoints,
//! driven by a scenario and a movable clock, with fault injection under `/_sim/`.
//!
//! The demo, the tests and the benchmarks point the real kube client and the real AWS SDK
//! clients at it, so they exercise the same code a real cluster does.

pub mod aws;
mod control;
mod http;
mod kube_api;
pub mod kubeconfig;
pub mod resources;
pub mod scenario;
pub mod selector;
pub mod store;
mod watch;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use scenario::{ScaleOptions, ScenarioName};
pub use store::Store;

/// Everything the simulator knows. Handlers lock it briefly and never across an await.
pub struct SimState {
    pub store: Store,
    pub aws: aws::AwsState,
    pub faults: Faults,
    pub requests: Vec<RequestRecord>,
    /// Scenario time is wall time plus this offset; `/_sim/advance` moves it forward.
    pub clock_offset: jiff::SignedDuration,
    pub started: jiff::Timestamp,
    pub scenario: Option<Box<dyn scenario::Scenario>>,
}

impl SimState {
    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
            .checked_add(self.clock_offset)
            .unwrap_or_else(|_| jiff::Timestamp::now())
    }

    /// Lets the scenario and the AWS state machines catch up with the clock.
    pub fn run_due(&mut self) {
        let now = self.now();
        if let Some(mut sc) = self.scenario.take() {
            let elapsed = now.duration_since(self.started);
            sc.advance(self, elapsed);
            self.scenario = Some(sc);
        }
        aws::tick(self, now);
    }
}

/// Fault injection, consumed request by request.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Faults {
    /// The next N AWS calls answer ThrottlingException (HTTP 400).
    pub aws_throttle: u32,
    /// The next N AWS calls answer 500 InternalFailure.
    pub aws_fail: u32,
    /// Kubernetes resource plurals (e.g. `volumeattachments`) or AWS services (`efs`,
    /// `eks`) that answer 403 until cleared.
    pub forbidden: HashSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub query: String,
}

pub type Shared = Arc<Mutex<SimState>>;

/// Locks the state, recovering from a poisoned lock: a panicked handler must not take the
/// whole simulator down with it.
pub fn lock(shared: &Shared) -> MutexGuard<'_, SimState> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub scenario: ScenarioName,
    pub listen: SocketAddr,
    /// When true the scenario clock follows the wall clock (the demo is alive); when false
    /// it moves only through `/_sim/advance` (deterministic tests).
    pub live_clock: bool,
    pub scale: ScaleOptions,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            scenario: ScenarioName::Demo,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            live_clock: true,
            scale: ScaleOptions::default(),
        }
    }
}

/// A running simulator. Dropping it shuts the server down.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub shared: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl SimHandle {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cluster name, region and account of the scenario's EKS cluster.
    pub fn cluster(&self) -> (String, String, String) {
        let st = lock(&self.shared);
        let name = st.aws.clusters.keys().next().cloned().unwrap_or_default();
        (name, st.aws.region.clone(), st.aws.account_id.clone())
    }

    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Builds the scenario's world and serves it on `opts.listen`.
pub async fn start(opts: SimOptions) -> std::io::Result<SimHandle> {
    let now = jiff::Timestamp::now();
    let mut state = SimState {
        store: Store::default(),
        aws: aws::AwsState::default(),
        faults: Faults::default(),
        requests: Vec::new(),
        clock_offset: jiff::SignedDuration::ZERO,
        started: now,
        scenario: None,
    };
    let sc = scenario::build(opts.scenario, &opts.scale, &mut state);
    state.scenario = Some(sc);
    let shared: Shared = Arc::new(Mutex::new(state));

    let listener = TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    let app = http::router(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let mut tasks = vec![tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    })];
    if opts.live_clock {
        let ticking = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                every.tick().await;
                lock(&ticking).run_due();
            }
        }));
    }
    Ok(SimHandle {
        addr,
        shared,
        shutdown: Some(tx),
        tasks,
    })
}
