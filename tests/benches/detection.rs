//! Detection run (issue 8): how long a fault planted through `/_sim/` takes to become a
//! finding, what confirming candidates costs in calls, and whether churn makes findings
//! about objects nothing broke. `cargo bench --bench detection`; prints figures, asserts
//! nothing about time. Every run is the `churn` scenario (PVs = access points) with the
//! dashboard's clock at the simulator's rate. STORDECK_DETECT_: APS sizes (100,20000),
//! REPEATS (3), RATE of the latency runs' clocks (1: a fast clock makes a sweep seem to take
//! longer, which stretches the sweep interval), MINUTES of churn (60; 0 skips it) on a
//! CHURN_RATE clock (20).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use stordeck::clock::Clock;
use stordeck::headless::Headless;
use stordeck::model::World;
use stordeck::model::findings::{Finding, Findings, Policy};
use stordeck::sim::truth::{Fault, ObjectId, Truth};
use stordeck::sim::{self, ScaleOptions, ScenarioName, SimHandle, SimOptions};
use stordeck::sources::connect;

/// A finding's rule and the object its first evidence names (as the ground truth names it).
type Key = (&'static str, ObjectId);
/// How long a fault took to be named: on the dashboard's clock, in real time.
type Took = (Duration, Duration);

/// The longest EFS sweep interval (`sources::aws`).
const MAX_SWEEP_INTERVAL: Duration = Duration::from_secs(300);
const PLANT_EVERY: Duration = Duration::from_secs(15 * 60);
const LATENCY_HEAD: &str = "| access points | rule | found | median clock | max clock | median real | max real |\n|---|---|---|---|---|---|---|";
const CALLS_HEAD: &str = "| run | minutes | DescribeAccessPoints by id | PV GET | PVC GET | EFS sweep calls | mean sweep interval | false findings |\n|---|---|---|---|---|---|---|---|";

/// `cargo test --all-targets` runs bench targets once in test mode: keep that quick.
fn quick() -> bool {
    std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench")
}

/// The knob from the environment; else `bench` for `cargo bench`, `quick` for tests.
fn knob<T: std::str::FromStr>(name: &str, bench: T, quick_value: T) -> T {
    let v = std::env::var(format!("STORDECK_DETECT_{name}")).ok();
    let default = if quick() { quick_value } else { bench };
    v.and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let t = Instant::now();
    let (mut rows, mut phases) = (Vec::new(), Vec::new());
    let sizes = knob("APS", String::from("100,20000"), "100".into());
    for aps in sizes.split(',').filter_map(|s| s.trim().parse().ok()) {
        let (r, p) = rt.block_on(latency(aps));
        rows.extend(r);
        phases.push(p);
    }
    if knob("MINUTES", 60, 2) > 0 {
        let (r, p) = rt.block_on(churn());
        rows.extend(r);
        phases.push(p);
    }
    println!("\ntime from the plant request's answer to the first findings refresh naming it:");
    println!("{LATENCY_HEAD}");
    rows.iter().for_each(|r| println!("{r}"));
    println!("\nfrom the first sync on, per simulated minute:");
    println!("{CALLS_HEAD}");
    phases.iter().for_each(|p| println!("{p}"));
    println!("\ndetection: whole run {:.0?}", t.elapsed());
}

/// Each kind planted REPEATS times on `aps` volumes, one after the other.
async fn latency(aps: usize) -> (Vec<String>, String) {
    let rate = knob("RATE", 1.0, 20.0);
    let mut r = Run::start(aps, rate).await;
    // A plant right after a finding (or the first sync) follows a sweep: waiting a random
    // part of the sweep interval puts an out-of-band delete anywhere in the cycle.
    let cycle = r.sweep_interval().await;
    eprintln!("detection: {aps} access points, sweep interval {cycle:.0?} (clock)");
    let mut rng = fastrand::Rng::with_seed(aps as u64);
    let kinds = [
        ("delete-access-point", cycle),
        ("orphan-access-point", Duration::ZERO),
    ];
    for (kind, cycle) in kinds {
        for _ in 0..knob("REPEATS", 3, 1) {
            r.idle(Duration::from_millis(rng.u64(0..=cycle.as_millis() as u64)))
                .await;
            if let Some(i) = r.plant(kind).await {
                let found = move |_: &World, p: &[Pending]| p[i].found.is_some();
                r.watch(4 * MAX_SWEEP_INTERVAL, found).await;
            }
        }
    }
    let rows = table_rows(&format!("{aps} at {rate}x"), &r.pending);
    let row = r.finish(format!("{aps} access points at {rate}x, the plants above"));
    (rows, row)
}

/// MINUTES of churn on the default 200 volumes, the four kinds planted every 15 minutes.
async fn churn() -> (Vec<String>, String) {
    let (minutes, rate) = (knob("MINUTES", 60, 2), knob("CHURN_RATE", 20.0, 20.0));
    let pvs = ScaleOptions::defaults_for(ScenarioName::Churn).pvs;
    let mut r = Run::start(pvs, rate).await;
    let end = Duration::from_secs(minutes * 60);
    let mut next = Duration::from_secs(5 * 60).min(end / 2);
    while r.elapsed() < end {
        if r.elapsed() >= next {
            for kind in sim::plant::KINDS {
                r.plant(kind).await;
            }
            next += PLANT_EVERY;
        }
        let step = next.min(end).saturating_sub(r.elapsed());
        r.idle(step.max(Duration::from_millis(100))).await;
    }
    // Time for the last round's faults to be found.
    let all_found = |_: &World, p: &[Pending]| p.iter().all(|p| p.found.is_some());
    r.watch(2 * MAX_SWEEP_INTERVAL, all_found).await;
    let rows = table_rows(&format!("{pvs}, churn run at {rate}x"), &r.pending);
    let row = r.finish(format!("churn, {pvs} PVs, {minutes} min at {rate}x"));
    (rows, row)
}

/// One row per rule: found/planted, then median and max latency (clock, then real).
fn table_rows(label: &str, planted: &[Pending]) -> Vec<String> {
    let mut by_rule: BTreeMap<&str, Vec<Option<Took>>> = BTreeMap::new();
    for p in planted {
        by_rule.entry(&p.fault.rule).or_default().push(p.found);
    }
    let f = |d: Duration| format!("{:.1} s", d.as_secs_f64());
    let row = |(rule, all): (&str, Vec<Option<Took>>)| {
        let mut v: Vec<Took> = all.iter().flatten().copied().collect();
        v.sort();
        let stats = match (v.get(v.len() / 2), v.last()) {
            (Some(m), Some(x)) => [f(m.0), f(x.0), f(m.1), f(x.1)].join(" | "),
            _ => "- | - | - | -".into(),
        };
        format!("| {label} | {rule} | {}/{} | {stats} |", v.len(), all.len())
    };
    by_rule.into_iter().map(row).collect()
}

fn key(f: &Finding) -> Option<Key> {
    let o = f.subject()?;
    let kind = serde_json::to_value(o.kind).ok()?.as_str()?.to_string();
    let (namespace, name) = (o.namespace.clone(), o.name.clone());
    Some((
        f.id,
        ObjectId {
            kind,
            namespace,
            name,
        },
    ))
}

/// When the newest access-point listing of any file system started.
fn listed(w: &World) -> Option<Timestamp> {
    w.observed.ap_listing.values().max().copied()
}

struct Pending {
    fault: Fault,
    real: Instant,
    clock: Timestamp,
    /// From the plant request's answer to the first findings refresh naming the fault.
    found: Option<Took>,
}

struct Run {
    sim: SimHandle,
    http: reqwest::Client,
    h: Headless,
    pending: Vec<Pending>,
    /// Every subject a finding has named, judged against the ground truth when first seen.
    seen: BTreeSet<Key>,
    /// Objects named by a finding though the scenario did not break them.
    false_findings: BTreeMap<ObjectId, String>,
    since: (usize, Timestamp),
}

impl Run {
    async fn start(aps: usize, rate: f64) -> Run {
        let built = Instant::now();
        let clock = Clock::scaled(rate); // before the simulator's, so both start together
        let scale = ScaleOptions {
            pvs: aps,
            access_points: aps,
            ..ScaleOptions::defaults_for(ScenarioName::Churn)
        };
        let opts = SimOptions {
            scenario: ScenarioName::Churn,
            live_clock: true,
            clock_rate: rate,
            scale,
            ..Default::default()
        };
        let sim = sim::start(opts).await.expect("simulator starts");
        let (cluster, region, account) = sim.cluster();
        let conn = connect::simulator(&sim.url(), &cluster, &region, &account, true)
            .await
            .expect("connect");
        let mut h = Headless::start_with(&conn, clock, Policy::default());
        assert!(h.first_sync(Duration::from_secs(600)).await, "first sync");
        let seq = sim::lock(&sim.shared).requests.len();
        eprintln!("detection: {aps} volumes synced in {:.1?}", built.elapsed());
        Run {
            sim,
            http: reqwest::Client::new(),
            since: (seq, h.clock.now()),
            h,
            pending: Vec::new(),
            seen: BTreeSet::new(),
            false_findings: BTreeMap::new(),
        }
    }

    fn elapsed(&self) -> Duration {
        Duration::try_from(self.h.clock.now().duration_since(self.since.1)).unwrap_or_default()
    }

    /// The gap between the listing under way at the first sync and the next one.
    async fn sweep_interval(&mut self) -> Duration {
        let first = listed(&self.h.world);
        if quick() {
            return Duration::ZERO;
        }
        self.watch(2 * MAX_SWEEP_INTERVAL, |w, _| listed(w) != first)
            .await;
        let gap = listed(&self.h.world).zip(first);
        let gap = gap.and_then(|(b, a)| b.duration_since(a).try_into().ok());
        gap.unwrap_or(MAX_SWEEP_INTERVAL)
    }

    /// Folds source messages for `d` (clock time).
    async fn idle(&mut self, d: Duration) {
        self.watch(d, |_, _| false).await;
    }

    /// Plants a fault of `kind`; its index in `pending`, or `None` if nothing could take it.
    async fn plant(&mut self, kind: &str) -> Option<usize> {
        let url = format!("{}/_sim/faults/plant?kind={kind}", self.sim.url());
        let resp = self.http.post(url).send().await.expect("plant");
        if !resp.status().is_success() {
            eprintln!("detection: {kind} not planted: {}", resp.status());
            return None;
        }
        let fault: Fault = resp.json().await.expect("a planted fault");
        let (real, clock) = (Instant::now(), self.h.clock.now());
        self.pending.push(Pending {
            fault,
            real,
            clock,
            found: None,
        });
        Some(self.pending.len() - 1)
    }

    /// Folds source messages for `d` (clock time) or until `done`, noting when each planted
    /// fault is first named and judging each newly named subject against the ground
    /// truth at once (nothing is planted meanwhile, so nothing can hide a false one).
    async fn watch(&mut self, d: Duration, done: impl Fn(&World, &[Pending]) -> bool) {
        let deadline = Instant::now() + self.h.clock.real(d);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || done(&self.h.world, &self.pending) {
                return;
            }
            let (seen, pending) = (&self.seen, &self.pending);
            let new = |f: &Finding| key(f).is_some_and(|k| !seen.contains(&k));
            let news = |w: &World, fs: &Findings| done(w, pending) || fs.all().iter().any(new);
            self.h.until_findings(left, news).await;
            let (real_now, clock_now) = (Instant::now(), self.h.clock.now());
            let new: Vec<(Key, String)> = (self.h.findings.all().iter())
                .filter_map(|f| Some((key(f)?, f.title.clone())))
                .filter(|(k, _)| !self.seen.contains(k))
                .collect();
            if new.is_empty() {
                continue;
            }
            let url = format!("{}/_sim/truth", self.sim.url());
            let resp = self.http.get(url).send().await.expect("truth");
            let truth: Truth = resp.json().await.expect("truth is a Truth");
            for (k, title) in new {
                for p in self.pending.iter_mut().filter(|p| p.found.is_none()) {
                    if (p.fault.rule.as_str(), &p.fault.subject) == (k.0, &k.1) {
                        let clock = Duration::try_from(clock_now.duration_since(p.clock));
                        p.found = Some((clock.unwrap_or_default(), real_now - p.real));
                    }
                }
                if !truth.faults.iter().any(|t| t.subject == k.1) {
                    self.false_findings
                        .entry(k.1.clone())
                        .or_insert(format!("{}: {title}", k.0));
                }
                self.seen.insert(k);
            }
        }
    }

    /// The phase's row: the calls made since the first sync per simulated minute, the mean
    /// sweep interval, the false findings (in all, and per hour).
    fn finish(self, name: String) -> String {
        let minutes = self.elapsed().as_secs_f64() / 60.0;
        // By id, PV GETs, PVC GETs, EFS sweep calls, of which DescribeFileSystems.
        let mut calls = [0; 5];
        let st = sim::lock(&self.sim.shared);
        for r in st.requests.iter().skip(self.since.0) {
            let (p, q, efs) = (&r.path, &r.query, r.path.starts_with("/2015-02-01/"));
            let i = match () {
                _ if r.method != "GET" || q.contains("watch") => continue,
                _ if efs && p.ends_with("/access-points") && q.contains("AccessPointId=") => 0,
                _ if p.starts_with("/api/v1/persistentvolumes/") => 1,
                _ if p.contains("/persistentvolumeclaims/") => 2,
                _ if efs && p.ends_with("/file-systems") => 4,
                _ if efs => 3,
                _ => continue,
            };
            calls[i] += 1;
            calls[3] += usize::from(i == 4);
        }
        let per = |n: usize| format!("{:.1}", n as f64 / minutes.max(1e-9));
        let [by_id, pv, pvc, sweep] = [0, 1, 2, 3].map(|i| per(calls[i]));
        let cycle = minutes * 60.0 / calls[4].max(1) as f64;
        let n = self.false_findings.len();
        let hourly = n as f64 * 60.0 / minutes.max(1e-9);
        let mut row = format!(
            "| {name} | {minutes:.1} | {by_id} | {pv} | {pvc} | {sweep} | {cycle:.0} s | {n} ({hourly:.1}/h) |"
        );
        for (o, title) in &self.false_findings {
            row += &format!("\n  false finding on {} {}: {title}", o.kind, o.name);
        }
        row
    }
}
