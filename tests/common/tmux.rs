//! The dashboard binary in a real terminal (tmux): keys in, screen out.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_stordeck");

/// The header once every source the dashboard knows of is live.
pub fn all_live() -> String {
    format!("sources {} live", stordeck::model::SourceId::ALL.len())
}

pub struct Tmux {
    pub session: String,
}

impl Tmux {
    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.session])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited 30s for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.session])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

/// The dashboard (`args` after the binary) in a tmux session with a clean environment:
/// `env` (`NAME=value …`), a config and data dir under `dir`, and nothing else of the
/// caller's. Its exit status is written to `dir/exit`.
pub fn launch(dir: &Path, env: &str, args: &str, tag: &str) -> Tmux {
    let session = format!("stordeck-e2e-{tag}-{}", std::process::id());
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin HOME={home} TERM=xterm-256color {env} \
         STORDECK_CONFIG_DIR={home}/cfg STORDECK_DATA_DIR={home}/data {BIN} {args}; \
         echo EXITED $? > {home}/exit",
        home = dir.display(),
    );
    let status = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "160",
            "-y",
            "40",
            &cmd,
        ])
        .status()
        .expect("tmux is installed");
    assert!(status.success());
    Tmux { session }
}

/// What the shell wrote once the dashboard ended.
pub fn exit_line(dir: &Path, tmux: &Tmux) -> String {
    let start = Instant::now();
    while tmux.alive() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(dir.join("exit"))
        .unwrap_or_default()
        .trim()
        .to_string()
}
