//! `stordeck report --watch INTERVAL`: a long-running exporter. Each cluster keeps its
//! sources running — the same watches and polls as the dashboard, never a fresh full
//! read — and `--output` is rewritten when what it says changed, at most once an
//! INTERVAL. Runs until interrupted (SIGINT, SIGTERM).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{ReportArgs, ReportFormat, RunArgs, Settings};
use crate::clock::Clock;
use crate::headless::Headless;
use crate::report::{ClusterReport, Fleet, Report, output, prom};

/// How often a cluster's session says what it sees, at most.
const PUBLISH: Duration = Duration::from_secs(1);

pub async fn run(
    args: &RunArgs,
    r: &ReportArgs,
    s: &Settings,
    contexts: Vec<Option<String>>,
    every: Duration,
) -> anyhow::Result<std::process::ExitCode> {
    let output = r.output.clone().ok_or_else(|| {
        crate::exit::usage(anyhow::anyhow!(
            "--watch rewrites a file: give --output FILE"
        ))
    })?;
    let names: Vec<String> = contexts
        .iter()
        .map(|c| c.clone().unwrap_or_else(|| "-".into()))
        .collect();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, ClusterReport)>();
    let local = tokio::task::LocalSet::new();
    for (i, context) in contexts.into_iter().enumerate() {
        let s = match &context {
            Some(c) => Settings {
                read_only: true,
                ..s.switched(args, c)
            },
            None => s.clone(),
        };
        let tx = tx.clone();
        let name = names[i].clone();
        let (args, timeout) = (args.clone(), Duration::from_secs(r.timeout));
        local.spawn_local(async move {
            let cluster = Cluster { i, name, tx };
            cluster.follow(&args, &s, timeout).await;
        });
    }
    drop(tx);
    let mut latest: Vec<Option<ClusterReport>> = names.iter().map(|_| None).collect();
    let mut written: Option<String> = None;
    let mut next_write = Instant::now();
    let mut dirty = false;
    let format = r.format;
    local
        .run_until(async {
            let mut signals = crate::signals::Signals::new()?;
            loop {
                tokio::select! {
                    Some((i, report)) = rx.recv() => {
                        latest[i] = Some(report);
                        dirty = true;
                    }
                    _ = tokio::time::sleep_until(next_write), if dirty => {
                        dirty = false;
                        // Every cluster has said something once before the first file.
                        if latest.iter().any(Option::is_none) {
                            continue;
                        }
                        let fleet = Fleet {
                            clusters: latest.iter().flatten().cloned().collect(),
                            generated_at: jiff::Timestamp::now(),
                        };
                        let (text, key) = render(&fleet, format, r)?;
                        if written.as_deref() != Some(key.as_str()) {
                            output::write(Some(&output), &text)
                                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", output.display()))?;
                            written = Some(key);
                            next_write = Instant::now() + every;
                        }
                    }
                    _ = signals.next() => break,
                }
            }
            Ok(std::process::ExitCode::SUCCESS)
        })
        .await
}

/// The file's text, and what it says without the moment it was made (the key a rewrite
/// is decided on).
fn render(fleet: &Fleet, format: ReportFormat, r: &ReportArgs) -> anyhow::Result<(String, String)> {
    Ok(match format {
        ReportFormat::Prom => {
            let text = prom::render(fleet);
            let key = text
                .lines()
                .filter(|l| !l.starts_with("stordeck_last_run_timestamp_seconds"))
                .collect::<Vec<_>>()
                .join("\n");
            (text, key)
        }
        _ => {
            let mut json = fleet.json(r.fail_on);
            let text = serde_json::to_string_pretty(&json)? + "\n";
            json["generated_at"] = serde_json::Value::Null;
            for c in json["clusters"].as_array_mut().into_iter().flatten() {
                c["report"]["generated_at"] = serde_json::Value::Null;
            }
            (text, json.to_string())
        }
    })
}

/// One cluster's session, publishing what it sees.
struct Cluster {
    i: usize,
    name: String,
    tx: mpsc::UnboundedSender<(usize, ClusterReport)>,
}

impl Cluster {
    fn send(&self, report: Option<Report>, error: Option<String>) -> bool {
        let r = ClusterReport {
            context: self.name.clone(),
            report,
            error,
        };
        self.tx.send((self.i, r)).is_ok()
    }

    async fn follow(mut self, args: &RunArgs, s: &Settings, timeout: Duration) {
        // The demo's simulator, if any, lives as long as this session.
        let (mut conn, _sim) = match super::connect(args, s).await {
            Ok(c) => c,
            Err(e) => {
                self.send(None, Some(format!("{e:#}")));
                return;
            }
        };
        s.tune(&mut conn);
        // One cluster without --context: named by the context it connected to.
        if self.name == "-"
            && let Some(c) = &conn.target.context
        {
            self.name = c.clone();
        }
        let mut h = Headless::start_with(&conn, Clock::system(), s.policy.clone());
        let synced = super::report::settle_first(&mut h, timeout).await;
        let report = |h: &Headless| Report::new(&h.world, &h.findings, synced, h.clock.now());
        if !self.send(Some(report(&h)), None) {
            return;
        }
        let mut tick = tokio::time::interval(PUBLISH);
        let mut changed = false;
        loop {
            tokio::select! {
                msg = h.recv() => {
                    let Some(m) = msg else { return };
                    h.apply(m);
                    while let Some(m) = h.try_recv() {
                        h.apply(m);
                    }
                    changed = true;
                }
                _ = tick.tick() => {
                    // Graces run out with time alone.
                    let evaluated = h.settle();
                    if (std::mem::take(&mut changed) || evaluated)
                        && !self.send(Some(report(&h)), None)
                    {
                        return;
                    }
                }
            }
        }
    }
}
