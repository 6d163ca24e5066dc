//! Command line: the dashboard (live or `--demo`), `sim`, and `report`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::actions::{AuditLog, Executor};
use crate::model::findings::Policy;
use crate::sim::{self, ScaleOptions, ScenarioName, SimHandle, SimOptions};
use crate::sources::connect::{self, Connection, LiveOptions};
use crate::sources::identity;
use crate::ui::{Theme, UiState};
use crate::{app, config, exit};

mod report;
mod watch;

#[derive(Debug, Parser)]
#[command(
    name = "stordeck",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("STORDECK_GIT_REV"), ")"),
    about = "Terminal dashboard for the storage layer of Amazon EKS clusters",
    long_about = "stordeck watches CSI drivers, EKS add-ons, PersistentVolumes, EFS access points and \
their lifecycle states, and recognises the failure stories that strand or lose volumes.\n\n\
Run `stordeck --demo` to try it on an embedded simulated cluster.",
    after_help = crate::exit::HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// How to connect and show: shared by the dashboard and `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Run on the embedded simulated EKS cluster and AWS account (no cluster needed).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Look, never touch: the component that can change anything is not even built.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Open writable although config.toml or a `[[context]]` entry says `read_only`; the
    /// header says so. It holds for the context opened at start only: switching with
    /// `:ctx` to a context matched as read-only still opens it read-only.
    #[arg(long, global = true, conflicts_with = "readonly")]
    pub write: bool,
    /// Colour theme by name: `dark`, `light`, `high-contrast`, `colorblind` (safe for
    /// red-green colour blindness), `nord`, or NAME for NAME.toml in the config dir's
    /// themes/ (a name, never a path). A non-empty NO_COLOR turns colour off unless this
    /// is given.
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// A theme file anywhere, named explicitly; wins over --theme.
    #[arg(long, global = true, value_name = "PATH")]
    pub theme_file: Option<PathBuf>,
    /// kubeconfig context to use (default: the current context). `report` takes it more
    /// than once, for a fleet report.
    #[arg(long, global = true)]
    pub context: Vec<String>,
    /// EKS cluster name (default: inferred from the kubeconfig context).
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    /// AWS region (default: inferred from the context, else the AWS config).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long, global = true)]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the embedded EKS/AWS simulator alone, for kubectl, AWS SDKs or other dashboards.
    Sim(SimArgs),
    /// Connect, wait for the first full sync, print the findings and exit 0 (none),
    /// 1 (warnings), 2 (critical) or 3 (a source could not be read; nothing critical).
    #[command(after_help = crate::exit::HELP)]
    Report(ReportArgs),
    /// Render each pane of the demo as an SVG picture (the README's screenshots).
    Screenshots {
        /// Directory to write the pictures into.
        #[arg(long, default_value = "screenshots")]
        out: PathBuf,
        #[arg(long, default_value_t = 150)]
        width: u16,
        #[arg(long, default_value_t = 40)]
        height: u16,
    },
    /// Print a shell completion script, e.g.
    /// `stordeck completions bash > ~/.local/share/bash-completion/completions/stordeck`.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), e.g. `stordeck man | man -l -`.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    /// The stable `stordeck.report/v1` shape (a fleet: `stordeck.fleet/v1`), documented
    /// in `report/` and README.md.
    Json,
    /// JUnit XML: a testsuite per cluster, a testcase per finding.
    Junit,
    /// Prometheus text exposition, for node_exporter's textfile collector (`--output`).
    Prom,
    /// Markdown, for pasting into a ticket.
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Seconds to wait, per cluster, for every source to answer before reporting what is
    /// known.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Report every kubeconfig context whose name matches this glob (`*` matches `:` and
    /// `/`, as in EKS ARNs).
    #[arg(long, value_name = "GLOB", conflicts_with = "all_contexts")]
    pub contexts: Option<String>,
    /// Report every kubeconfig context.
    #[arg(long)]
    pub all_contexts: bool,
    /// Clusters read at once in a fleet report.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Which verdicts fail: `warning` (today's codes: 1 warnings, 2 critical, 3
    /// incomplete), `critical` (warnings exit 0), `never` (every verdict exits 0).
    #[arg(long, value_enum, default_value_t = crate::report::FailOn::Warning)]
    pub fail_on: crate::report::FailOn,
    /// Write here, atomically (a temporary file renamed over it), instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep the sources running and rewrite --output (prom or json) whenever what it
    /// says changes, at most once per INTERVAL ("30s", "2m"); until interrupted.
    #[arg(long, value_name = "INTERVAL", value_parser = interval)]
    pub watch: Option<std::time::Duration>,
}

fn interval(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| std::time::Duration::try_from(d).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{s:?} is not an interval such as \"30s\" or \"2m\""))
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Which world to simulate.
    #[arg(long, value_enum, default_value_t = ScenarioName::Demo)]
    pub scenario: ScenarioName,
    /// Address to listen on; port 0 picks a free port. Loopback only, unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Allow a --listen address other than loopback: the simulator's API is
    /// unauthenticated and accepts writes from anyone who can reach it.
    #[arg(long)]
    pub allow_remote: bool,
    /// Write a kubeconfig for the simulator to this file.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Keep the scenario clock still; it then moves only through POST /_sim/advance.
    #[arg(long)]
    pub frozen_clock: bool,
    /// Scenario seconds per wall second (e.g. 10 plays ten minutes in one).
    #[arg(long, default_value_t = 1.0, value_parser = positive_rate)]
    pub clock_rate: f64,
    /// Persistent volumes to create (scale: 20000, churn: 200).
    #[arg(long)]
    pub pvs: Option<usize>,
    /// Access points to create across the file systems (scale: 20000, churn: 200).
    #[arg(long)]
    pub access_points: Option<usize>,
    /// scale: object changes per second (0); churn: provisions per second (0.5).
    #[arg(long)]
    pub churn: Option<f64>,
}

impl SimArgs {
    /// The scenario's defaults, overridden by whatever was given.
    fn scale(&self) -> ScaleOptions {
        let d = ScaleOptions::defaults_for(self.scenario);
        ScaleOptions {
            pvs: self.pvs.unwrap_or(d.pvs),
            access_points: self.access_points.unwrap_or(d.access_points),
            churn: self.churn.unwrap_or(d.churn),
        }
    }
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own code for a usage error is 2, which is the report's "critical".
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stordeck: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILED);
        }
    };
    let result = match cli.command {
        Some(Command::Sim(args)) => rt.block_on(run_sim(args)),
        Some(Command::Report(r)) => rt.block_on(report::run(&cli.run, &r)),
        Some(Command::Screenshots { out, width, height }) => rt.block_on(async {
            let s = settings(&cli.run)?;
            let theme = load_theme(&s)?;
            for p in crate::screenshots::write_all(&out, width, height, theme).await? {
                println!("wrote {}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "stordeck",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map(|()| ExitCode::SUCCESS)
                .map_err(anyhow::Error::from)
        }
        None => rt.block_on(run_dashboard(cli.run)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stordeck: {e:#}");
            ExitCode::from(exit::code_for(&e))
        }
    }
}

fn load_theme(s: &Settings) -> anyhow::Result<Theme> {
    match &s.theme_file {
        Some(file) => Theme::load_file(file),
        // no-color.org: a non-empty NO_COLOR turns colour off, unless a theme was asked
        // for by name on this command line.
        None if !s.theme_from_args
            && std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) =>
        {
            Ok(Theme::no_color())
        }
        None => Theme::load(&s.theme, config::themes_dir().as_deref()),
    }
    .map_err(exit::setup)
}

/// The dashboard draws on the controlling terminal; without one crossterm can only say
/// "No such device or address".
fn require_terminal() -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    #[cfg(unix)]
    let tty = tty && std::fs::File::open("/dev/tty").is_ok();
    if tty {
        return Ok(());
    }
    Err(exit::usage(anyhow::anyhow!(
        "the dashboard needs a terminal, and this has none (run from a script, a pipe or \
         a service?). For the findings without one, run `stordeck report` (add --format json \
         for a machine)"
    )))
}

/// Flags merged over config.toml: a flag given wins.
#[derive(Clone)]
pub struct Settings {
    pub read_only: bool,
    /// `--write` lifted a read-only the config asked for.
    pub write_override: bool,
    pub theme: String,
    /// `--theme` was given on the command line (it wins over NO_COLOR).
    pub theme_from_args: bool,
    pub theme_file: Option<PathBuf>,
    pub live: LiveOptions,
    /// What the `[[context]]` entries matching the context ask for.
    pub rules: config::ContextRules,
    /// Graces, rules off and silences from `[findings]`.
    pub policy: Policy,
    /// `[aws] poll_interval`, when given.
    pub poll_interval: Option<std::time::Duration>,
    config: config::Config,
}

impl Settings {
    /// What `[aws]` asks of the pollers, on a connection made with these settings.
    pub fn tune(&self, conn: &mut crate::sources::connect::Connection) {
        if let Some(every) = self.poll_interval {
            conn.aws.steady = every;
        }
        conn.aws.insights = self.config.aws.insights.unwrap_or(true);
    }
}

/// The context name the demo's connection carries, for `[[context]]` entries.
pub const DEMO_CONTEXT: &str = "stordeck-sim";

pub fn settings(args: &RunArgs) -> anyhow::Result<Settings> {
    let cfg = config::load().map_err(exit::setup)?;
    let context = args
        .context
        .first()
        .cloned()
        .or(cfg.context.default.clone());
    // Matched against the name the connection will use: the one asked for, else the
    // kubeconfig's current context.
    let name = if args.demo {
        Some(DEMO_CONTEXT.to_string())
    } else {
        context.clone().or_else(|| {
            kube::config::Kubeconfig::read()
                .ok()
                .and_then(|k| k.current_context)
        })
    };
    let mut s = Settings::for_context(cfg, args, name.as_deref(), context);
    let asked = s.config.read_only || s.rules.read_only;
    s.read_only = args.readonly || (asked && !args.write);
    s.write_override = args.write && asked;
    Ok(s)
}

impl Settings {
    /// The settings for `context`, flags over its `[[context]]` entries over the rest of
    /// config.toml. `read_only` here is what the config asks, without `--write`.
    fn for_context(
        config: config::Config,
        args: &RunArgs,
        name: Option<&str>,
        context: Option<String>,
    ) -> Settings {
        let rules = name
            .map(|n| config.context.rules_for(n))
            .unwrap_or_default();
        let pick = |flag: &Option<String>, rule: &Option<String>, cfg: &Option<String>| {
            flag.clone()
                .or_else(|| rule.clone())
                .or_else(|| cfg.clone())
        };
        Settings {
            read_only: args.readonly || config.read_only || rules.read_only,
            write_override: false,
            theme: pick(&args.theme, &rules.theme, &config.theme).unwrap_or_else(|| "dark".into()),
            theme_from_args: args.theme.is_some(),
            theme_file: args.theme_file.clone(),
            // Validated when the file was parsed; a failure here cannot name a line.
            policy: config.findings.policy().unwrap_or_default(),
            poll_interval: config.aws.poll_interval().unwrap_or_default(),
            live: LiveOptions {
                context,
                cluster: pick(&args.cluster, &rules.cluster, &config.cluster),
                region: pick(&args.region, &rules.region, &config.region),
                profile: pick(&args.profile, &rules.profile, &config.profile),
            },
            rules,
            config,
        }
    }

    /// "cluster prod, eu-west-1, read-only": what `:ctx` lists beside a context's name.
    fn about_context(&self, k: &kube::config::Kubeconfig, name: &str) -> String {
        let rules = self.config.context.rules_for(name);
        let t = connect::infer_eks(k, Some(name));
        let mut parts = vec![format!(
            "cluster {}",
            rules.cluster.or(t.cluster).as_deref().unwrap_or("?")
        )];
        parts.extend(rules.region.or(t.region));
        if rules.read_only || self.config.read_only {
            parts.push("read-only".into());
        }
        parts.join(", ")
    }

    /// The settings `:ctx NAME` switches to. `--context`, `--cluster` and `--region` named
    /// the first cluster, so they are not carried over; `--write` is not either.
    pub fn switched(&self, args: &RunArgs, name: &str) -> Settings {
        let args = RunArgs {
            context: Vec::new(),
            cluster: None,
            region: None,
            ..args.clone()
        };
        Settings::for_context(
            self.config.clone(),
            &args,
            Some(name),
            Some(name.to_string()),
        )
    }
}

/// Connects to the demo simulator or the live cluster. The simulator handle must outlive
/// the connection, so it is returned alongside.
pub async fn connect(
    args: &RunArgs,
    s: &Settings,
) -> anyhow::Result<(Connection, Option<SimHandle>)> {
    let (mut conn, sim) = if args.demo {
        let sim = sim::start(SimOptions::default()).await?;
        let (cluster, region, account) = sim.cluster();
        let conn = connect::simulator(&sim.url(), &cluster, &region, &account, s.read_only).await?;
        (conn, Some(sim))
    } else {
        let conn = connect::live(&s.live, s.read_only)
            .await
            .map_err(exit::setup)?;
        (conn, None)
    };
    s.tune(&mut conn);
    Ok((conn, sim))
}

async fn run_dashboard(args: RunArgs) -> anyhow::Result<ExitCode> {
    if args.context.len() > 1 {
        return Err(exit::usage(anyhow::anyhow!(
            "the dashboard shows one cluster at a time: give one --context and switch with \
             :ctx NAME, or run `stordeck report --context A --context B` for several"
        )));
    }
    let s = settings(&args)?;
    let theme = load_theme(&s)?;
    let (conn, _sim) = connect(&args, &s).await?;
    require_terminal()?;
    let mut ui = UiState::new(theme, s.read_only);
    ui.theme_names = crate::ui::theme::available(config::themes_dir().as_deref());
    // For `:ctx`; a kubeconfig that cannot be read lists nothing (the demo has none).
    if let Ok(k) = kube::config::Kubeconfig::read() {
        for c in &k.contexts {
            ui.context_about
                .insert(c.name.clone(), s.about_context(&k, &c.name));
        }
        ui.contexts = k.contexts.into_iter().map(|c| c.name).collect();
    }
    ui.context = conn.target.context.clone();
    ui.context_color = s.rules.color;
    ui.write_override = s.write_override;
    ui.mouse = s.config.mouse;
    // Bad entries keep their defaults; the first screen says which and where.
    let keymap = load_keymap();
    if !keymap.is_empty() {
        ui.notice = Some(keymap.join("; "));
    }
    let executor = executor(&conn, &mut ui);
    let policy = s.policy.clone();
    let mut switcher = Switcher {
        args: &args,
        first: s,
    };
    Ok(ExitCode::from(
        match app::run(conn, ui, executor, policy, &mut switcher).await? {
            app::Ended::Quit | app::Ended::Switch(_) => exit::OK,
            app::Ended::Signal(n) => exit::signal(n),
        },
    ))
}

/// Reads `keymap.toml` from the config dir and makes it the key map for this process;
/// returns what could not be applied. A missing file is the defaults, and says nothing.
fn load_keymap() -> Vec<String> {
    let Some(file) = config::config_dir().map(|d| d.join("keymap.toml")) else {
        return Vec::new();
    };
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let (table, errors) = crate::ui::keymap_file::apply(&file, &text);
            crate::ui::keymap::install(table);
            errors
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => vec![format!("cannot read {}: {e}; default keys", file.display())],
    }
}

/// `:ctx NAME`: the settings that context's `[[context]]` entries give, connected afresh.
struct Switcher<'a> {
    args: &'a RunArgs,
    first: Settings,
}

impl app::Switch for Switcher<'_> {
    async fn switch(
        &mut self,
        context: &str,
        ui: &mut UiState,
    ) -> anyhow::Result<(Connection, Option<Executor>)> {
        let mut s = self.first.switched(self.args, context);
        // Read-only is one way: once this session has been read-only, it stays so.
        s.read_only |= ui.read_only;
        let theme = load_theme(&s)?;
        let mut conn = connect::live(&s.live, s.read_only).await?;
        s.tune(&mut conn);
        ui.theme = theme;
        ui.context = conn.target.context.clone();
        ui.context_color = s.rules.color;
        if s.read_only && !ui.read_only {
            ui.set_read_only();
        }
        let executor = executor(&conn, ui);
        Ok((conn, executor))
    }
}

/// The component that can change things: never built in read-only mode, nor without a
/// place for the audit log (then the dialogs say why actions are off).
fn executor(conn: &Connection, ui: &mut UiState) -> Option<Executor> {
    if conn.read_only {
        return None;
    }
    let Some(dir) = config::data_dir() else {
        ui.disable_actions(
            "actions are off: no data directory for the audit log (set STORDECK_DATA_DIR)",
        );
        return None;
    };
    let cluster = conn.target.cluster.clone().unwrap_or_else(|| "-".into());
    // Asked now, in the background, so the answer is in before the first confirmation;
    // read-only mode never gets here and so never asks.
    let who = identity::Pending::start(conn.kube.clone(), conn.sts.clone(), identity::TIMEOUT);
    Executor::new(conn, AuditLog::in_dir(&dir, cluster).with_identity(who))
}

async fn run_sim(args: SimArgs) -> anyhow::Result<ExitCode> {
    if let Some(warning) = sim::check_listen(args.listen, args.allow_remote)
        .map_err(|e| exit::usage(anyhow::Error::msg(e)))?
    {
        eprintln!("stordeck sim: {warning}");
    }
    let handle = sim::start(SimOptions {
        scenario: args.scenario,
        listen: args.listen,
        live_clock: !args.frozen_clock,
        clock_rate: args.clock_rate,
        scale: args.scale(),
        allow_remote: args.allow_remote,
    })
    .await?;
    let url = handle.url();
    let (cluster, region, account) = handle.cluster();
    println!(
        "stordeck sim: scenario {:?}, serving on {url}",
        args.scenario
    );
    println!("  Kubernetes API + EFS + EKS: {url}   control: {url}/_sim/");
    if let Some(path) = &args.kubeconfig {
        sim::kubeconfig::write(path, &url, &cluster, &region, &account)?;
        println!(
            "  kubectl --kubeconfig {} get csidrivers,pv,nodes",
            path.display()
        );
    }
    println!(
        "  AWS_ENDPOINT_URL={url} AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION={region} aws eks list-addons --cluster-name {cluster}"
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
