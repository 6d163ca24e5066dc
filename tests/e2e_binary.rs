//! The whole program as a user runs it: `stordeck sim` in one process, and the dashboard
//! in live mode in a terminal (tmux), pointed at it through a kubeconfig and
//! `AWS_ENDPOINT_URL`. Keys in, screen out.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

mod common;

use common::tmux::{BIN, all_live, exit_line, launch};

/// Only the kubeconfig, the endpoint and dummy credentials.
fn env(kubeconfig: &std::path::Path, sim: &Sim) -> String {
    format!(
        "KUBECONFIG={} AWS_ENDPOINT_URL={} AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x",
        kubeconfig.display(),
        sim.url
    )
}

struct Sim {
    child: Child,
    url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(kubeconfig: &std::path::Path) -> Sim {
    let mut child = Command::new(BIN)
        .args(["sim", "--frozen-clock", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("stordeck sim starts");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("sim prints its URL")
        .to_string();
    // Keep draining so the sim never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Sim { child, url }
}

#[test]
fn live_mode_against_stordeck_sim_shows_the_cluster_and_quits_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    let sim = start_sim(&kubeconfig);
    let tmux = launch(dir.path(), &env(&kubeconfig, &sim), "", "quit");

    // The region and cluster come from the kubeconfig's EKS ARN, as on a real cluster.
    let screen = tmux.wait_for("all sources live", |s| s.contains(&all_live()));
    assert!(
        screen.contains("cluster demo") && screen.contains("us-east-1"),
        "{screen}"
    );
    assert!(
        screen.contains("efs.csi.aws.com") && screen.contains("ebs.csi.aws.com"),
        "{screen}"
    );

    tmux.keys(&["2"]);
    tmux.wait_for("add-ons pane", |s| {
        s.contains("aws-efs-csi-driver") && s.contains("vpc-cni")
    });
    tmux.keys(&["3"]);
    tmux.wait_for("volumes pane", |s| {
        s.contains("Volumes [") && s.contains("efs-sc")
    });
    tmux.keys(&["?"]);
    tmux.wait_for("help overlay", |s| s.contains("Esc or ? closes"));
    // Apart: ESC followed at once by q reads as Alt-q, in any terminal.
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", |s| s.contains("Volumes ["));
    tmux.keys(&["q"]);
    assert_eq!(
        exit_line(dir.path(), &tmux),
        "EXITED 0",
        "q quits with status 0"
    );
}

/// The pid of a process whose parent is `parent`, from /proc.
fn child_of(parent: &str) -> Option<String> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        // pid (comm) state ppid …; comm may hold spaces, so split after its ')'.
        let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
        (ppid == parent).then(|| e.file_name().to_string_lossy().into_owned())
    })
}

#[test]
fn sigterm_and_sighup_exit_128_plus_the_signal() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        let sim = start_sim(&kubeconfig);
        let tmux = launch(dir.path(), &env(&kubeconfig, &sim), "", signal);
        tmux.wait_for("all sources live", |s| s.contains(&all_live()));
        // The pane's shell runs the dashboard as its child.
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &tmux.session, "#{pane_pid}"])
            .output()
            .expect("tmux display");
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let pid = child_of(&shell).expect("the dashboard runs under the pane's shell");
        // The shell's own `kill`: no procps needed.
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {pid}")])
            .status()
            .expect("sh");
        assert!(status.success(), "signalled the dashboard");
        assert_eq!(
            exit_line(dir.path(), &tmux),
            format!("EXITED {code}"),
            "SIG{signal}"
        );
    }
}
