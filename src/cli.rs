//! Command line: the dashboard (live or `--demo`), `sim`, and `report`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::sim::{self, ScaleOptions, ScenarioName, SimOptions};

#[derive(Debug, Parser)]
#[command(
    name = "stordeck",
    version,
    about = "Terminal dashboard for the storage layer of Amazon EKS clusters",
    long_about = "stordeck watches CSI drivers, EKS add-ons, PersistentVolumes, EFS access points and \
their lifecycle states, and recognises the failure stories that strand or lose volumes.\n\n\
Run `stordeck --demo` to try it on an embedded simulated cluster."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the embedded EKS/AWS simulator alone, for kubectl, AWS SDKs or other dashboards.
    Sim(SimArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Which world to simulate.
    #[arg(long, value_enum, default_value_t = ScenarioName::Demo)]
    pub scenario: ScenarioName,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Write a kubeconfig for the simulator to this file.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Keep the scenario clock still; it then moves only through POST /_sim/advance.
    #[arg(long)]
    pub frozen_clock: bool,
    #[command(flatten)]
    pub scale: ScaleOptions,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stordeck: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(Command::Sim(args)) => rt.block_on(run_sim(args)),
        None => Err(anyhow::anyhow!(
            "the dashboard is not built yet; try `stordeck sim`"
        )),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stordeck: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_sim(args: SimArgs) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "the simulator listens on loopback only; {} is not a loopback address",
            args.listen
        );
    }
    let handle = sim::start(SimOptions {
        scenario: args.scenario,
        listen: args.listen,
        live_clock: !args.frozen_clock,
        scale: args.scale,
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
