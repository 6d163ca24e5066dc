//! The allocator's view of stordeck's memory at scale: `cargo bench --bench memory`
//! (N PVs and N access points from STORDECK_SCALE_PVS, default 20,000; the access points
//! from STORDECK_SCALE_APS, default N). The simulator runs in this process, so its own
//! store is measured first and subtracted: what the dashboard keeps is what dropping it
//! gives back. Prints figures; asserts nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use stordeck::headless::Headless;
use stordeck::model::{HealthState, SourceId};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimOptions};
use stordeck::sources::connect;

/// Counts live heap bytes and their high-water mark; the figures a resident-set reading
/// blurs with the allocator's own retention.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `alloc` above with layout `l`.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // SAFETY: as for `alloc` and `dealloc`.
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            grew(new);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(b: usize) -> String {
    format!("{:.1} MB", b as f64 / 1_048_576.0)
}

fn env(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn main() {
    // `cargo test --all-targets` runs bench targets once in test mode: keep that quick.
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let pvs = env("STORDECK_SCALE_PVS").unwrap_or(if quick { 500 } else { 20_000 });
    let aps = env("STORDECK_SCALE_APS").unwrap_or(pvs);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(run(pvs, aps));
}

async fn run(pvs: usize, aps: usize) {
    let handle = sim::start(SimOptions {
        scenario: ScenarioName::Scale,
        live_clock: false,
        scale: ScaleOptions {
            pvs,
            access_points: aps,
            churn: 0.0,
        },
        ..Default::default()
    })
    .await
    .expect("sim");
    let (cluster, region, account) = handle.cluster();
    let conn = connect::simulator(&handle.url(), &cluster, &region, &account, true)
        .await
        .expect("connect");
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);

    let mut h = Headless::start(&conn);
    let live = |s: SourceId| {
        move |w: &stordeck::model::World| {
            w.health
                .get(&s)
                .is_some_and(|h| h.state == HealthState::Live)
        }
    };
    let synced = h
        .until(Duration::from_secs(600), |w| {
            live(SourceId::Pvs)(w) && live(SourceId::EfsAccessPoints)(w)
        })
        .await;
    assert!(synced, "PVs and access points never synced");
    // Let the first findings run and their confirmation reads settle.
    h.until_findings(Duration::from_secs(5), |_, _| false).await;
    let synced_live = LIVE.load(Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    let (n_pvs, n_aps) = (h.world.pvs.len(), h.world.access_points.len());
    // What each part holds: the live bytes its dropping gives back.
    let mut parts: Vec<(&str, usize)> = Vec::new();
    let mut part = |name: &'static str, drop_it: &mut dyn FnMut()| {
        let was = LIVE.load(Ordering::Relaxed);
        drop_it();
        // A name the part held last is freed only when the pool lets it go.
        stordeck::model::name::purge();
        parts.push((name, was.saturating_sub(LIVE.load(Ordering::Relaxed))));
    };
    part("findings", &mut || h.findings = Default::default());
    part("PV rows", &mut || h.world.pvs = Default::default());
    part("access point rows", &mut || {
        h.world.access_points = Default::default()
    });
    part("PVC rows", &mut || h.world.pvcs = Default::default());
    part("observations", &mut || {
        h.world.observed = Default::default()
    });
    part("the rest of the World", &mut || {
        h.world = Default::default()
    });
    drop(h);
    // Aborted source tasks free their buffers on the runtime's next turn.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The names the dropped rows shared stay pooled until the pool next grows.
    stordeck::model::name::purge();
    let after = LIVE.load(Ordering::Relaxed);
    let kept = synced_live.saturating_sub(after);
    let per = (kept as f64) / ((n_pvs + n_aps).max(1) as f64);
    println!(
        "memory: {n_pvs} PVs + {n_aps} access points: the dashboard keeps {} on the heap \
         ({per:.0} bytes per object); peak while syncing {} above the simulator's own {}",
        mb(kept),
        mb(peak.saturating_sub(before)),
        mb(before),
    );
    for (name, bytes) in parts {
        println!("memory:   {name}: {}", mb(bytes));
    }
}
