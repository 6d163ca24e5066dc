//! The whole program in tmux against the simulator: in read-only mode every key on every
//! pane, dialogs included, sends nothing but GETs; otherwise a preserve-delete typed in
//! by hand reaches EKS exactly as shown, is audited, and the pane follows it to the end.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use stordeck::sim::kubeconfig;
use stordeck::ui::keymap::{Action as Act, BINDINGS, Key, Scope};

use crate::{Setup, request_line, setup};

/// A private tmux server running stordeck; killed on drop, whatever happened.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(s: &Setup, read_only: bool) -> Tmux {
        let dir = s.dir.path();
        let (cluster, region, account) = s.sim.cluster();
        let kubeconfig = dir.join("kubeconfig");
        kubeconfig::write(&kubeconfig, &s.sim.url(), &cluster, &region, &account)
            .expect("kubeconfig");
        let socket = format!("stordeck-test-{}-{}", std::process::id(), s.sim.addr.port());
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
        ])
        .args(["-x", "160", "-y", "45", env!("CARGO_BIN_EXE_stordeck")]);
        if read_only {
            cmd.arg("--readonly");
        }
        let missing = dir.join("none");
        cmd.env("KUBECONFIG", &kubeconfig)
            .env("AWS_ENDPOINT_URL", s.sim.url())
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_REGION", &region)
            .env("AWS_CONFIG_FILE", &missing)
            .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
            .env_remove("AWS_PROFILE")
            .env("STORDECK_CONFIG_DIR", dir.join("config"))
            .env("STORDECK_DATA_DIR", dir.join("data"))
            .env("USER", "tester");
        let status = cmd.status().expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Sends one key (tmux key name, or `-l` text) and gives stordeck time to read it
    /// alone, so an Esc is never merged with the next key into alt-something.
    fn send(&self, key: &str, literal: bool) {
        let mut args = vec!["send-keys", "-t", "t"];
        if literal {
            args.push("-l");
        }
        args.push(key);
        self.tmux(&args);
        let pause = if key == "Escape" { 40 } else { 15 };
        std::thread::sleep(Duration::from_millis(pause));
    }

    fn text(&self, s: &str) {
        for c in s.chars() {
            self.send(&c.to_string(), true);
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(Instant::now() < deadline, "no {needle:?} on:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn running(&self) -> bool {
        self.tmux(&["has-session", "-t", "t"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// tmux's name for a key of the key map; `None` for keys that end the program.
fn tmux_key(k: Key) -> (String, bool) {
    match k {
        Key::Char(c) => (c.to_string(), true),
        Key::Ctrl(c) => (format!("C-{c}"), false),
        Key::AnyChar => ("x".into(), true),
        Key::Code(code) => {
            let name = match code {
                KeyCode::Down => "Down",
                KeyCode::Up => "Up",
                KeyCode::PageDown => "NPage",
                KeyCode::PageUp => "PPage",
                KeyCode::Home => "Home",
                KeyCode::End => "End",
                KeyCode::Tab => "Tab",
                KeyCode::BackTab => "BTab",
                KeyCode::Enter => "Enter",
                KeyCode::Esc => "Escape",
                KeyCode::Backspace => "BSpace",
                _ => "Escape",
            };
            (name.into(), false)
        }
    }
}

fn keys_of(scope: Scope) -> Vec<(String, bool)> {
    BINDINGS
        .iter()
        .filter(|b| b.scope == scope && !matches!(b.action, Act::Quit | Act::GotoPane))
        .flat_map(|b| b.keys.iter().map(|k| tmux_key(*k)))
        .collect()
}

/// The name in the selected row (after the `›` mark).
fn selected_name(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains('›'))?;
    line.split('›')
        .nth(1)?
        .split_whitespace()
        .next()
        .map(str::to_string)
}

/// In a dialog: type the name, try to confirm, switch preserve both ways, try again.
fn work_the_dialog(t: &Tmux, name: &str) {
    t.text(name);
    let dialog = keys_of(Scope::Dialog);
    for (k, lit) in &dialog {
        if k != "Escape" {
            t.send(k, *lit);
        }
    }
    for k in ["C-p", "C-p", "Enter", "BSpace"] {
        t.send(k, false);
    }
    t.text(name);
    for k in ["Enter", "C-p", "Enter", "Escape", "Escape"] {
        t.send(k, false);
    }
}

/// The dialog titles of the actions a pane offers.
const KINDS: [&str; 6] = [
    "Delete add-on",
    "Delete orphaned access point",
    "Adopt",
    "Tolerate disruption",
    "Detach vol-",
    "Refresh the EKS insights",
];

#[tokio::test(flavor = "multi_thread")]
async fn read_only_every_key_on_every_pane_sends_only_gets() {
    let s = setup(false).await;
    let t = Tmux::start(&s, true);
    t.wait_for("READ-ONLY");
    t.wait_for("Add-ons 4");
    let mut seen = std::collections::BTreeSet::new();
    for pane in ["1", "2", "3", "4", "5", "6"] {
        t.send(pane, true);
        if pane == "4" {
            t.wait_for("orphan");
        }
        for (k, lit) in keys_of(Scope::Browse) {
            t.send(&k, lit);
            if k == "/" {
                for (fk, flit) in keys_of(Scope::Filter) {
                    t.send("/", true);
                    t.send(&fk, flit);
                }
            }
            for _ in 0..2 {
                t.send("Escape", false);
            }
            t.send(pane, true);
        }
        for row in 0..2 {
            for action in ["C-d", "a", "t", "x", "I"] {
                t.send(pane, true);
                if pane == "4" {
                    // Only orphans can be deleted; show them.
                    t.send("/", true);
                    t.text("orphan");
                    t.send("Enter", false);
                }
                if pane == "3" {
                    // The volume stranded on the disrupted node can be detached; show it
                    // (Esc while typing clears what the last round typed).
                    t.send("/", true);
                    t.send("Escape", false);
                    t.send("/", true);
                    t.text("postgres");
                    t.send("Enter", false);
                }
                t.send("g", true);
                for _ in 0..row {
                    t.send("j", true);
                }
                let name = selected_name(&t.screen()).unwrap_or_default();
                t.send(action, matches!(action, "a" | "t" | "x" | "I"));
                let screen = t.screen();
                if screen.contains("[Esc] cancel") {
                    for kind in KINDS {
                        if screen.contains(kind) {
                            seen.insert(kind);
                        }
                    }
                    assert!(
                        screen.contains("read-only: actions are disabled"),
                        "{screen}"
                    );
                    work_the_dialog(&t, &name);
                }
            }
        }
    }
    assert_eq!(seen.len(), KINDS.len(), "dialogs seen: {seen:?}");
    assert!(t.running(), "stordeck is still up:\n{}", t.screen());
    t.send("q", true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }

    let reqs = s.ctl.requests().await;
    let lines: Vec<String> = reqs.iter().map(request_line).collect();
    // EC2's reads are POSTs with the operation in the body; `mutations` tells them apart.
    let not_read = s.mutations().await;
    assert!(
        not_read.is_empty(),
        "mutating requests in read-only mode: {not_read:?}"
    );
    for prefix in [
        "GET /clusters/",
        "GET /2015-02-01/",
        "GET /apis/",
        "POST / Action=DescribeVolumes",
        "POST /clusters/demo/insights",
    ] {
        assert!(lines.iter().any(|l| l.starts_with(prefix)), "no {prefix}");
    }
    assert!(!s.dir.path().join("data/audit.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preserve_delete_typed_in_runs_as_shown_and_is_followed_to_the_end() {
    let s = setup(false).await;
    let t = Tmux::start(&s, false);
    t.wait_for("Add-ons 4");
    t.send("2", true);
    t.wait_for("aws-efs-csi-driver");
    t.send("j", true);
    t.send("C-d", false);
    let dialog = t.wait_for("Type aws-efs-csi-driver to confirm");
    let shown = "DELETE /clusters/demo/addons/aws-efs-csi-driver?preserve=true";
    assert!(dialog.contains(shown), "{dialog}");
    t.text("aws-efs-csi-driver");
    t.send("Enter", false);
    t.wait_for("DELETING (preserve=true); following");
    assert_eq!(s.mutations().await, vec![shown.to_string()]);

    s.ctl.post("/advance?seconds=10", None).await;
    let screen = t.wait_for("aws-efs-csi-driver deleted; CSIDriver efs.csi.aws.com kept ✓");
    assert!(screen.contains("(5 of 5 objects kept)"), "{screen}");
    let audit = audit_lines(&s.dir.path().join("data/audit.jsonl"));
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit
            .iter()
            .all(|l| l.contains("\"user\":\"tester\"") && l.contains(shown))
    );
    // Who acted as the simulated account and cluster saw it, asked by the binary itself.
    let arn = stordeck::sim::aws::sts::Caller::operator(stordeck::sim::scenario::ACCOUNT).arn;
    let aws = format!("\"aws_identity\":\"{arn}\"");
    let kube = format!(
        "\"kube_user\":\"{}\"",
        stordeck::sim::identity::KubeUser::default().username
    );
    assert!(
        audit.iter().all(|l| l.contains(&aws) && l.contains(&kube)),
        "{audit:?}"
    );
    t.send("q", true);
}

fn audit_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}
