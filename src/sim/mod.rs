//! The embedded simulator: a loopback Kubernetes API subset plus EFS, EKS, EC2 and STS endpoints,
//! driven by a scenario and a movable clock, with fault injection under `/_sim/`.
//!
//! The demo, the tests and the benchmarks point the real kube client and the real AWS SDK
//! clients at it, so they exercise the same code a real cluster does.

pub mod aws;
mod control;
pub mod fields;
mod http;
pub mod identity;
mod kube_api;
pub mod kubeconfig;
pub mod plant;
pub mod resources;
pub mod scenario;
pub mod selector;
mod status;
pub mod store;
pub mod timeline;
pub mod truth;
mod validate;
mod watch;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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
    /// Added to the scenario clock; `/_sim/advance` moves it forward.
    pub clock_offset: jiff::SignedDuration,
    /// Scenario time at the start.
    pub started: jiff::Timestamp,
    /// Scenario seconds per wall second while the clock is live.
    pub clock_rate: f64,
    /// False: the clock stands still but for `clock_offset`.
    pub live_clock: bool,
    wall_started: Instant,
    /// While a queued step runs, the clock reads its due time.
    pinned: Option<jiff::Timestamp>,
    pub timeline: timeline::Timeline,
    pub truth: truth::TruthLog,
    pub scenario: Option<Box<dyn scenario::Scenario>>,
    /// Who a SelfSubjectReview says the caller is.
    pub kube_user: identity::KubeUser,
}

impl SimState {
    /// An empty world whose clock starts now.
    pub fn new(live_clock: bool, clock_rate: f64) -> Self {
        SimState {
            store: Store::default(),
            aws: aws::AwsState::default(),
            faults: Faults::default(),
            requests: Vec::new(),
            clock_offset: jiff::SignedDuration::ZERO,
            started: jiff::Timestamp::now(),
            clock_rate: if clock_rate.is_finite() && clock_rate > 0.0 {
                clock_rate
            } else {
                1.0
            },
            live_clock,
            wall_started: Instant::now(),
            pinned: None,
            timeline: timeline::Timeline::default(),
            truth: truth::TruthLog::default(),
            scenario: None,
            kube_user: identity::KubeUser::default(),
        }
    }

    /// Scenario time: started + rate × (wall time since the start) + offset.
    pub fn now(&self) -> jiff::Timestamp {
        self.pinned.unwrap_or_else(|| self.clock())
    }

    fn clock(&self) -> jiff::Timestamp {
        let run = if self.live_clock {
            let secs = self.wall_started.elapsed().as_secs_f64() * self.clock_rate;
            jiff::SignedDuration::try_from_secs_f64(secs).unwrap_or(jiff::SignedDuration::ZERO)
        } else {
            jiff::SignedDuration::ZERO
        };
        self.started
            .checked_add(run + self.clock_offset)
            .unwrap_or(self.started)
    }

    /// Scenario time since the start.
    pub fn elapsed(&self) -> jiff::SignedDuration {
        self.now().duration_since(self.started)
    }

    /// Queues `step` to run `delay` after the current scenario time.
    pub fn after(
        &mut self,
        delay: jiff::SignedDuration,
        step: impl FnOnce(&mut SimState) + Send + 'static,
    ) {
        let due = self.now().checked_add(delay).unwrap_or_else(|_| self.now());
        self.timeline.at(due, Box::new(step));
    }

    /// Queues `step` at a given scenario time (run at once by the next `run_due` if past).
    pub fn at(&mut self, due: jiff::Timestamp, step: impl FnOnce(&mut SimState) + Send + 'static) {
        self.timeline.at(due, Box::new(step));
    }

    /// Lets the scenario, its queued steps and the AWS state machines catch up with the
    /// clock. The scenario queues what fell due first; the queue then runs in time order.
    pub fn run_due(&mut self) {
        let now = self.clock();
        if let Some(mut sc) = self.scenario.take() {
            let elapsed = now.duration_since(self.started);
            sc.advance(self, elapsed);
            self.scenario = Some(sc);
        }
        while let Some((due, step)) = self.timeline.pop_due(now) {
            self.pinned = Some(due);
            step(self);
        }
        self.pinned = None;
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
    /// The `Action` of a form-encoded POST (EC2, STS), whose operation travels in the body
    /// and not in the path; absent for every other request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
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
    /// Scenario seconds per wall second while the clock is live (1.0: real time).
    pub clock_rate: f64,
    pub scale: ScaleOptions,
    /// Serve on an address other than loopback. The API has no authentication and takes
    /// writes, so this is an explicit choice (`stordeck sim --allow-remote`).
    pub allow_remote: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            scenario: ScenarioName::Demo,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            live_clock: true,
            clock_rate: 1.0,
            scale: ScaleOptions::default(),
            allow_remote: false,
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

/// Whether the simulator may listen on `addr`: Err (the refusal) off loopback unless
/// `allow_remote`, and then Ok with the warning to show whoever started it.
pub fn check_listen(addr: SocketAddr, allow_remote: bool) -> Result<Option<String>, String> {
    if addr.ip().is_loopback() {
        return Ok(None);
    }
    if !allow_remote {
        return Err(format!(
            "{addr} is not a loopback address; the simulator serves an unauthenticated API \
             that accepts writes, so it listens on loopback only unless --allow-remote is given"
        ));
    }
    Ok(Some(format!(
        "warning: listening on {addr}, reachable from other hosts: this is an unauthenticated \
         Kubernetes, EFS and EKS API that accepts writes (objects, faults, the clock) from \
         anyone who can connect"
    )))
}

/// Builds the scenario's world and serves it on `opts.listen`.
pub async fn start(opts: SimOptions) -> std::io::Result<SimHandle> {
    check_listen(opts.listen, opts.allow_remote)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut state = SimState::new(opts.live_clock, opts.clock_rate);
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
            // Often enough that steps 0.1-0.5 s apart happen on time at rate 1.
            let mut every = tokio::time::interval(Duration::from_millis(100));
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
