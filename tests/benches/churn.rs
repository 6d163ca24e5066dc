//! Keypress to frame under churn, through the dashboard's own event loop: the simulator's
//! scale scenario with `churn` changes per second, watched by the real sources, folded and
//! judged by `app::drive` while keys arrive at random moments. Prints p50/p99/max
//! keypress-to-frame latency and what settling the findings cost per event; asserts
//! nothing about time.
//!
//! `cargo bench --bench churn` (STORDECK_SCALE_PVS, default 100,000; STORDECK_SCALE_APS,
//! default as many as PVs; STORDECK_CHURN, events per second, default 200;
//! STORDECK_CHURN_SECS, how long keys are pressed, default 60). The scale scenario plants
//! a missing-access-point fault on every PV beyond the access points, so fewer access
//! points than PVs measures a cluster in mass failure, not churn.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use stordeck::app::{self, Ended, Observe};
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::findings::Policy;
use stordeck::model::{HealthState, SourceId};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimOptions};
use stordeck::sources::connect;
use stordeck::ui::{Theme, UiState};
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Shared between the key sender and the loop's observer.
#[derive(Default)]
struct Timings {
    /// When each key not yet handled was sent, oldest first.
    sent: VecDeque<Instant>,
    /// Keys handled since the last frame, by when they were sent.
    handled: Vec<Instant>,
    latencies: Vec<Duration>,
    synced: bool,
    /// PV watch events folded while keys were pressed, and the settling they cost.
    events: usize,
    settle: Duration,
    settles: usize,
    worst_settle: Duration,
}

struct Observer(Arc<Mutex<Timings>>);

impl Observe for Observer {
    fn key_handled(&mut self) {
        let mut t = self.0.lock().expect("timings");
        if let Some(at) = t.sent.pop_front() {
            t.handled.push(at);
        }
    }

    fn frame_drawn(&mut self, s: &Headless) {
        let now = Instant::now();
        let mut t = self.0.lock().expect("timings");
        let handled = std::mem::take(&mut t.handled);
        t.latencies.extend(handled.into_iter().map(|at| now - at));
        if !t.synced {
            t.synced = [SourceId::Pvs, SourceId::Pvcs, SourceId::EfsAccessPoints]
                .iter()
                .all(|id| {
                    s.world
                        .health
                        .get(id)
                        .is_some_and(|h| h.state == HealthState::Live)
                });
        }
    }

    fn folded(&mut self, events: usize, settle: Duration) {
        let mut t = self.0.lock().expect("timings");
        if t.synced {
            t.events += events;
            t.settle += settle;
            t.settles += 1;
            t.worst_settle = t.worst_settle.max(settle);
        }
    }
}

fn main() {
    // `cargo test --all-targets` runs bench targets once in test mode: keep that quick.
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let pvs = env("STORDECK_SCALE_PVS").unwrap_or(if quick { 500 } else { 100_000 });
    let aps = env("STORDECK_SCALE_APS").unwrap_or(if quick { 100 } else { pvs });
    let churn = env("STORDECK_CHURN").unwrap_or(200.0);
    let secs = env("STORDECK_CHURN_SECS").unwrap_or(if quick { 2 } else { 60 });
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(pvs, aps, churn, Duration::from_secs(secs)));
}

async fn run(pvs: usize, aps: usize, churn: f64, pressing: Duration) {
    let handle = sim::start(SimOptions {
        scenario: ScenarioName::Scale,
        live_clock: true,
        scale: ScaleOptions {
            pvs,
            access_points: aps,
            churn,
        },
        ..Default::default()
    })
    .await
    .expect("sim");
    let (cluster, region, account) = handle.cluster();
    let conn = connect::simulator(&handle.url(), &cluster, &region, &account, true)
        .await
        .expect("connect");

    let timings = Arc::new(Mutex::new(Timings::default()));
    let (keys, rx) = mpsc::unbounded_channel::<std::io::Result<Event>>();
    // UiState is not Send: the loop runs on this task, the keys come from another.
    let presser = tokio::spawn(press_keys(
        Arc::clone(&timings),
        keys,
        pvs,
        aps,
        churn,
        pressing,
    ));
    let session = Headless::start_with(&conn, Clock::system(), Policy::default());
    let mut ui = UiState::new(Theme::dark(), true);
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let mut observer = Observer(Arc::clone(&timings));
    let ended = app::drive(
        &conn,
        None,
        session,
        &mut ui,
        &mut terminal,
        &mut UnboundedReceiverStream::new(rx),
        &mut observer,
    )
    .await
    .expect("loop");
    assert_eq!(ended, Ended::Quit);
    presser.await.expect("key presser");
    report(&timings.lock().expect("timings"), pressing);
}

async fn press_keys(
    timings: Arc<Mutex<Timings>>,
    keys: mpsc::UnboundedSender<std::io::Result<Event>>,
    pvs: usize,
    aps: usize,
    churn: f64,
    pressing: Duration,
) {
    let press = |c: char| {
        timings
            .lock()
            .expect("timings")
            .sent
            .push_back(Instant::now());
        let _ = keys.send(Ok(Event::Key(KeyEvent::from(KeyCode::Char(c)))));
    };
    let started = Instant::now();
    while !timings.lock().expect("timings").synced {
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "sources never synced"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "churn: {pvs} PVs, {aps} access points synced in {:.1?}; pressing keys for {pressing:?} \
         at {churn} changes/s",
        started.elapsed()
    );
    // The Volumes pane, then the cursor up and down it at irregular moments (a fixed
    // period could fall in step with the frames).
    press('3');
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let mut t = timings.lock().expect("timings");
        t.latencies.clear();
        (t.events, t.settle, t.settles, t.worst_settle) = (0, Duration::ZERO, 0, Duration::ZERO);
    }
    let until = Instant::now() + pressing;
    let mut n = 0u64;
    while Instant::now() < until {
        press(if n % 50 < 25 { 'j' } else { 'k' });
        n += 1;
        tokio::time::sleep(Duration::from_millis(20 + fastrand::u64(0..60))).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    press('q');
}

fn report(t: &Timings, pressing: Duration) {
    let mut l = t.latencies.clone();
    l.sort();
    let pct = |p: f64| l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    println!(
        "churn: keypress → frame over {} keys: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        l.len(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(l.last()),
    );
    let per_event = t.settle.as_secs_f64() * 1e6 / t.events.max(1) as f64;
    println!(
        "churn: {} source events folded ({:.0}/s), settling the findings {:.1} µs per event \
         mean, {:.2} ms at worst over {} settles",
        t.events,
        t.events as f64 / pressing.as_secs_f64(),
        per_event,
        t.worst_settle.as_secs_f64() * 1e3,
        t.settles,
    );
}
