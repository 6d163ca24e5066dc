//! `stordeck report`: one cluster as before, or a fleet — several `--context`s,
//! `--contexts GLOB` or `--all-contexts` — read concurrently (`--parallel`), each within
//! its own timeout, in the format asked for, to stdout or atomically to `--output`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::{ReportArgs, ReportFormat, RunArgs, Settings, connect, settings};
use crate::clock::Clock;
use crate::exit;
use crate::model::findings::Policy;
use crate::report::{ClusterReport, Fleet, Report, junit, markdown, output, prom};
use crate::sources::connect::Connection;

pub async fn run(args: &RunArgs, r: &ReportArgs) -> anyhow::Result<ExitCode> {
    let s = settings(args)?;
    // A report only looks: whatever the config says, it gets the read-only clients.
    let s = Settings {
        read_only: true,
        ..s
    };
    let timeout = Duration::from_secs(r.timeout);
    if let Some(every) = r.watch {
        if !matches!(r.format, ReportFormat::Prom | ReportFormat::Json) {
            return Err(exit::usage(anyhow::anyhow!(
                "--watch writes --format prom or json"
            )));
        }
        let contexts = match contexts(args, r)? {
            Some(names) => names.into_iter().map(Some).collect(),
            None => vec![None],
        };
        return super::watch::run(args, r, &s, contexts, every).await;
    }
    let fleet = match contexts(args, r)? {
        Some(names) => read_fleet(args, &s, names, timeout, usize::from(r.parallel)).await,
        None => {
            let (conn, _sim) = connect(args, &s).await?;
            let report = observe(&conn, s.policy.clone(), timeout).await;
            // One cluster keeps the report's own shape in text and JSON.
            match r.format {
                ReportFormat::Text => return finish(r, &report.text(), report.exit_code()),
                ReportFormat::Json => {
                    let text = serde_json::to_string_pretty(&report.json())? + "\n";
                    return finish(r, &text, report.exit_code());
                }
                _ => Fleet {
                    generated_at: report.generated_at,
                    clusters: vec![ClusterReport {
                        context: conn
                            .target
                            .context
                            .clone()
                            .or(conn.target.cluster.clone())
                            .unwrap_or_else(|| "-".into()),
                        report: Some(report),
                        error: None,
                    }],
                },
            }
        }
    };
    let text = match r.format {
        ReportFormat::Text => fleet.text(),
        ReportFormat::Json => serde_json::to_string_pretty(&fleet.json(r.fail_on))? + "\n",
        ReportFormat::Junit => junit::render(&fleet),
        ReportFormat::Prom => prom::render(&fleet),
        ReportFormat::Markdown => markdown::render(&fleet),
    };
    let code = fleet.exit_code(r.fail_on);
    output::write(r.output.as_deref(), &text)
        .map_err(|e| anyhow::anyhow!("cannot write the report: {e}"))?;
    Ok(ExitCode::from(code))
}

fn finish(r: &ReportArgs, text: &str, code: u8) -> anyhow::Result<ExitCode> {
    output::write(r.output.as_deref(), text)
        .map_err(|e| anyhow::anyhow!("cannot write the report: {e}"))?;
    Ok(ExitCode::from(r.fail_on.apply(code)))
}

/// The contexts of a fleet report, in kubeconfig order; `None` for one cluster.
fn contexts(args: &RunArgs, r: &ReportArgs) -> anyhow::Result<Option<Vec<String>>> {
    let fleet = args.context.len() > 1 || r.contexts.is_some() || r.all_contexts;
    if !fleet {
        return Ok(None);
    }
    if args.demo {
        return Err(exit::usage(anyhow::anyhow!(
            "--demo is one cluster; a fleet report reads kubeconfig contexts"
        )));
    }
    if args.context.len() > 1 {
        return Ok(Some(args.context.clone()));
    }
    let kubeconfig = kube::config::Kubeconfig::read()
        .map_err(|e| exit::setup(anyhow::anyhow!("cannot read the kubeconfig: {e}")))?;
    let all: Vec<String> = kubeconfig.contexts.into_iter().map(|c| c.name).collect();
    let names: Vec<String> = match &r.contexts {
        Some(glob) => {
            let m = globset::Glob::new(glob)
                .map_err(|e| exit::usage(anyhow::anyhow!("--contexts {glob:?}: {e}")))?
                .compile_matcher();
            all.iter().filter(|c| m.is_match(c)).cloned().collect()
        }
        None => all.clone(),
    };
    if names.is_empty() {
        return Err(exit::usage(anyhow::anyhow!(
            "no kubeconfig context matches; the contexts are: {}",
            all.join(", ")
        )));
    }
    Ok(Some(names))
}

/// Every context, at most `parallel` at once, in the order given.
async fn read_fleet(
    args: &RunArgs,
    s: &Settings,
    names: Vec<String>,
    timeout: Duration,
    parallel: usize,
) -> Fleet {
    let clusters = futures::stream::iter(names)
        .map(|name| isolated(args, s, name, timeout))
        .buffered(parallel)
        .collect()
        .await;
    Fleet {
        clusters,
        generated_at: jiff::Timestamp::now(),
    }
}

/// `read_one` on a task of its own, which a deadline of its own aborts: one cluster's
/// read then depends on nothing the others do, not even on being polled beside them.
async fn isolated(args: &RunArgs, s: &Settings, name: String, timeout: Duration) -> ClusterReport {
    let (args, s, context) = (args.clone(), s.clone(), name.clone());
    let task = tokio::spawn(async move { read_one(&args, &s, name, timeout).await });
    let abort = task.abort_handle();
    let why = match tokio::time::timeout(timeout + Duration::from_secs(10), task).await {
        Ok(Ok(report)) => return report,
        Ok(Err(e)) => format!("the read failed: {e}"),
        Err(_) => {
            abort.abort();
            format!("no answer within {}s", timeout.as_secs())
        }
    };
    ClusterReport {
        context,
        report: None,
        error: Some(why),
    }
}

/// One context, on its own clock: whatever happens to it (no such context, no
/// credentials, an API server that never answers) comes back as its own incomplete
/// report.
async fn read_one(
    args: &RunArgs,
    base: &Settings,
    name: String,
    timeout: Duration,
) -> ClusterReport {
    let s = Settings {
        read_only: true,
        ..base.switched(args, &name)
    };
    let work = async {
        let mut conn = crate::sources::connect::live(&s.live, true)
            .await
            .map_err(|e| format!("{e:#}"))?;
        s.tune(&mut conn);
        Ok::<_, String>(observe(&conn, s.policy.clone(), timeout).await)
    };
    // Connecting (an exec credential plugin, say) has a few seconds beyond the sources'.
    let result = tokio::time::timeout(timeout + Duration::from_secs(5), work).await;
    let (report, error) = match result {
        Ok(Ok(r)) => (Some(r), None),
        Ok(Err(e)) => (None, Some(e)),
        Err(_) => (
            None,
            Some(format!("no answer within {}s", timeout.as_secs())),
        ),
    };
    ClusterReport {
        context: name,
        report,
        error,
    }
}

/// Sources started, the first full sync awaited, and candidates confirmed or cleared,
/// all within `timeout`; then what is known.
async fn observe(conn: &Connection, policy: Policy, timeout: Duration) -> Report {
    let mut h = crate::headless::Headless::start_with(conn, Clock::system(), policy);
    let synced = settle_first(&mut h, timeout).await;
    Report::new(&h.world, &h.findings, synced, h.clock.now())
}

/// Waits, within `timeout`, for every source's first answer and then for findings that
/// saw it with no candidate left unconfirmed; says whether every source answered.
pub(super) async fn settle_first(h: &mut crate::headless::Headless, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let synced = h.first_sync(timeout).await;
    // The findings must have seen the synced World: the last source to answer may have
    // come within the evaluations' spacing of the one before.
    let synced_at = h.world.version;
    let left = deadline.saturating_duration_since(Instant::now());
    h.until_findings(left, |_, f| {
        f.evaluated_since(synced_at) && f.checking().is_empty()
    })
    .await;
    synced
}
