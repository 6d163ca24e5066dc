//! Exit codes of `report` and the dashboard for every class that needs no terminal:
//! usage errors, setup errors (config, kubeconfig, context, region) and the dashboard
//! started without a terminal. Verdicts 0–3 are in findings_live.rs; signals in
//! e2e_binary.rs. Codes are those `stordeck --help` documents (`stordeck::exit`).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use stordeck::exit;

const BIN: &str = env!("CARGO_BIN_EXE_stordeck");

const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'http://127.0.0.1:9'}
users:
- name: u
  user: {token: t}
contexts:
- name: prod
  context: {cluster: c, user: u}
- name: staging
  context: {cluster: c, user: u}
current-context: prod
";

/// Runs stordeck with nothing from the caller's environment but PATH, a kubeconfig and
/// a config dir, stdin and stdout not a terminal.
fn run(dir: &Path, args: &[&str]) -> Output {
    let kc = dir.join("kubeconfig");
    if !kc.exists() {
        std::fs::write(&kc, KUBECONFIG).expect("kubeconfig");
    }
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .env("KUBECONFIG", &kc)
        .env("STORDECK_CONFIG_DIR", dir.join("cfg"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("stordeck runs")
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn usage_errors_exit_64_and_help_exits_0_listing_the_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["report", "--format", "yaml"][..],
        &["--no-such-flag"],
        &["report", "--timeout", "soon"],
        &["--readonly", "--write"],
        &["report", "--contexts", "nothing-*"],
        &["report", "--all-contexts", "--demo"],
        &[
            "report", "--watch", "30s", "--format", "text", "--output", "x",
        ],
        &["report", "--watch", "30s", "--format", "prom"],
        &["report", "--watch", "soon"],
    ] {
        let (code, err) = code_and_stderr(&run(dir.path(), args));
        assert_eq!(code, Some(exit::USAGE.into()), "{args:?}: {err}");
    }
    let (code, err) = code_and_stderr(&run(
        dir.path(),
        &["--context", "prod", "--context", "staging"],
    ));
    assert_eq!(code, Some(exit::USAGE.into()));
    assert!(err.contains("one cluster at a time"), "{err}");
    let (_, err) = code_and_stderr(&run(dir.path(), &["report", "--contexts", "nothing-*"]));
    assert!(err.contains("the contexts are: prod, staging"), "{err}");
    let out = run(dir.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for line in ["64  usage", "78  setup", "3   incomplete", "128+N"] {
        assert!(help.contains(line), "--help lists {line:?}:\n{help}");
    }
    for (args, expect) in [
        (&["completions", "bash"][..], "--context"),
        (&["completions", "zsh"], "#compdef stordeck"),
        (&["completions", "fish"], "complete -c stordeck"),
        (&["man"], ".TH stordeck"),
    ] {
        let out = run(dir.path(), args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains(expect),
            "{args:?}: {text}"
        );
    }
    // The build's git revision, so that a bug report names the exact code.
    let out = run(dir.path(), &["--version"]);
    let version = String::from_utf8_lossy(&out.stdout);
    let rev = version
        .trim()
        .strip_prefix(concat!("stordeck ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("version and revision: {version}"));
    assert!(
        rev == "unknown" || (rev.len() == 12 && rev.bytes().all(|b| b.is_ascii_hexdigit())),
        "{version}"
    );
}

#[test]
fn a_malformed_config_is_a_setup_error_for_report_and_dashboard_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("cfg")).expect("cfg dir");
    std::fs::write(dir.path().join("cfg/config.toml"), "read_only = [\n").expect("config");
    for args in [&["report"][..], &[]] {
        let (code, err) = code_and_stderr(&run(dir.path(), args));
        assert_eq!(code, Some(exit::SETUP.into()), "{args:?}: {err}");
        assert!(err.contains("config.toml:1:"), "names file and line: {err}");
    }
}

#[test]
fn a_missing_kubeconfig_or_context_is_a_setup_error_that_says_what_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = code_and_stderr(&run(dir.path(), &["report", "--context", "nosuch"]));
    assert_eq!(code, Some(exit::SETUP.into()), "{err}");
    assert!(
        err.contains(
            "no kubeconfig context named \"nosuch\"; contexts in the kubeconfig: prod, staging"
        ),
        "{err}"
    );
    let out = Command::new(BIN)
        .args(["report"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("KUBECONFIG", dir.path().join("absent"))
        .env("STORDECK_CONFIG_DIR", dir.path().join("cfg"))
        .output()
        .expect("stordeck runs");
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(exit::SETUP.into()), "{err}");
    assert!(err.contains("kubeconfig"), "{err}");
}

#[test]
fn an_invalid_region_is_refused_up_front() {
    let dir = tempfile::tempdir().expect("tempdir");
    for region in ["us east 1!", ""] {
        let (code, err) = code_and_stderr(&run(dir.path(), &["report", "--region", region]));
        assert_eq!(code, Some(exit::SETUP.into()), "{region:?}: {err}");
        assert!(
            err.contains(&format!("{region:?} is not an AWS region name"))
                && err.contains("--region"),
            "{err}"
        );
    }
}

#[test]
fn the_dashboard_without_a_terminal_says_so_and_points_to_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = code_and_stderr(&run(dir.path(), &["--demo"]));
    assert_eq!(code, Some(exit::USAGE.into()), "{err}");
    assert!(
        err.contains("needs a terminal") && err.contains("stordeck report"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn a_theme_is_picked_by_name_never_by_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["../x", "/abs/path"] {
        let (code, err) = code_and_stderr(&run(dir.path(), &["--theme", name]));
        assert_eq!(code, Some(exit::SETUP.into()), "{name}: {err}");
        assert!(
            err.contains("is not a theme name") && err.contains("--theme-file"),
            "{err}"
        );
    }
    let (code, err) = code_and_stderr(&run(dir.path(), &["--theme-file", "/nonexistent.toml"]));
    assert_eq!(code, Some(exit::SETUP.into()), "{err}");
    assert!(err.contains("/nonexistent.toml"), "{err}");
}
