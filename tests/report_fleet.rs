//! `stordeck report` over a fleet: two simulated clusters and one whose API server and
//! AWS endpoint do not answer, in one kubeconfig. Each format is checked for what it
//! says — the unreachable cluster incomplete, the others complete with their findings —
//! the JUnit document by an XML parser, the Prometheus file by an exposition parser and
//! a strict line check, and the exit code is the worst cluster's after `--fail-on`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use stordeck::sim::SimHandle;
use stordeck::sim::scenario::CLUSTER;

const BIN: &str = env!("CARGO_BIN_EXE_stordeck");

fn files(dir: &Path, prod: &SimHandle, staging: &SimHandle) {
    let cluster = |name: &str, server: String| json!({"name": name, "cluster": {"server": server}});
    let context = |name: &str| json!({"name": name, "context": {"cluster": name, "user": "u"}});
    let kubeconfig = json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [cluster("prod", prod.url()), cluster("staging", staging.url()),
                     cluster("gone", "http://127.0.0.1:9".into())],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [context("prod"), context("staging"), context("gone")],
    });
    std::fs::write(dir.join("kubeconfig"), kubeconfig.to_string()).expect("kubeconfig");
    let profile = |name: &str, url: &str| {
        format!(
            "[profile {name}]\nregion = us-east-1\nendpoint_url = {url}\n\
             aws_access_key_id = x\naws_secret_access_key = x\n"
        )
    };
    let aws = profile("prod", &prod.url())
        + &profile("staging", &staging.url())
        + &profile("gone", "http://127.0.0.1:9");
    std::fs::write(dir.join("aws-config"), aws).expect("aws config");
    std::fs::create_dir_all(dir.join("cfg")).expect("config dir");
    let entries: String = ["prod", "staging", "gone"]
        .iter()
        .map(|c| {
            format!("[[context]]\nname = \"{c}\"\nprofile = \"{c}\"\ncluster = \"{CLUSTER}\"\n\n")
        })
        .collect();
    std::fs::write(dir.join("cfg/config.toml"), entries).expect("config.toml");
}

async fn report(dir: &Path, args: &[&str]) -> Output {
    let (dir, args): (std::path::PathBuf, Vec<String>) = (
        dir.to_path_buf(),
        args.iter().map(|a| a.to_string()).collect(),
    );
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .arg("report")
            .args(&args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &dir)
            .env("KUBECONFIG", dir.join("kubeconfig"))
            .env("AWS_CONFIG_FILE", dir.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("STORDECK_CONFIG_DIR", dir.join("cfg"))
            .output()
            .expect("stordeck report runs")
    })
    .await
    .expect("report task")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_reports_every_cluster_and_the_unreachable_one_as_incomplete() {
    let prod = common::start_sim().await;
    let staging = common::start_sim().await;
    let dir = tempfile::tempdir().expect("tempdir");
    files(dir.path(), &prod, &staging);
    let d = dir.path();

    // JSON: a stordeck.fleet/v1 holding one stordeck.report/v1 per cluster.
    let out = report(
        d,
        &["--all-contexts", "--format", "json", "--timeout", "60"],
    )
    .await;
    let fleet: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(fleet["schema"], "stordeck.fleet/v1");
    let clusters = fleet["clusters"].as_array().expect("clusters");
    let by = |ctx: &str| {
        clusters
            .iter()
            .find(|c| c["context"] == ctx)
            .expect(ctx)
            .clone()
    };
    for ctx in ["prod", "staging"] {
        let c = by(ctx);
        assert_eq!(c["complete"], true, "{ctx}: {c:#}");
        assert_eq!(c["report"]["schema"], "stordeck.report/v1");
        assert_eq!(c["report"]["cluster"]["name"], CLUSTER);
        assert!(
            c["report"]["counts"]["critical"].as_u64() > Some(0),
            "{ctx}"
        );
        let findings = c["report"]["findings"].as_array().expect("findings");
        let from_eks: Vec<&Value> = findings.iter().filter(|f| f["source"] == "eks").collect();
        assert!(
            !from_eks.is_empty() && from_eks.iter().all(|f| f["id"] == "eks-insight"),
            "{ctx}: EKS's insights are marked as EKS's"
        );
        assert!(
            findings
                .iter()
                .filter(|f| f["id"] != "eks-insight")
                .all(|f| f["source"] == "stordeck"),
            "{ctx}"
        );
    }
    let gone = by("gone");
    assert_eq!(gone["complete"], false, "{gone:#}");
    // The demo's critical findings outrank the unreachable cluster's incompleteness.
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fleet["exit_code"], 2);

    // Text: the summary table first, a row a cluster.
    let out = report(
        d,
        &[
            "--context",
            "prod",
            "--context",
            "gone",
            "--timeout",
            "60",
            "--fail-on",
            "never",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "--fail-on never");
    let text = stdout(&out);
    let summary: Vec<&str> = text.lines().skip(2).take(3).collect();
    assert!(
        summary[0].starts_with("CONTEXT") && summary[0].contains("COMPLETE"),
        "{text}"
    );
    assert!(
        summary[1].starts_with("prod") && summary[1].ends_with("yes"),
        "{text}"
    );
    assert!(
        summary[2].starts_with("gone") && summary[2].ends_with("NO"),
        "{text}"
    );
    assert!(text.contains("=== gone ==="), "{text}");

    // JUnit: parses; a suite per cluster; failures carry their message twice.
    let out = report(
        d,
        &["--contexts", "*", "--format", "junit", "--timeout", "60"],
    )
    .await;
    let xml = stdout(&out);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 3);
    let prod_suite = suites
        .iter()
        .find(|s| s.attribute("name") == Some("prod"))
        .expect("prod");
    let failure = prod_suite
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("the demo's findings fail");
    let message = failure.attribute("message").expect("message");
    assert!(
        failure.text().unwrap_or_default().contains(message),
        "{xml}"
    );
    let gone_suite = suites
        .iter()
        .find(|s| s.attribute("name") == Some("gone"))
        .expect("gone");
    assert_eq!(gone_suite.attribute("errors"), Some("1"));

    // Prometheus: written atomically to --output, parsed, and strict about its lines.
    let file = d.join("stordeck.prom");
    let out = report(
        d,
        &[
            "--all-contexts",
            "--format",
            "prom",
            "--timeout",
            "60",
            "--output",
            file.to_str().expect("path"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "the report went to the file");
    let prom = std::fs::read_to_string(&file).expect("prom file");
    strict_exposition(&prom);
    let scrape = prometheus_parse::Scrape::parse(prom.lines().map(|l| Ok(l.to_string())))
        .expect("exposition parses");
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) => v,
                _ => f64::NAN,
            })
    };
    assert_eq!(
        value("stordeck_report_complete", &[("cluster", "prod")]),
        Some(1.0)
    );
    assert_eq!(
        value("stordeck_report_complete", &[("cluster", "gone")]),
        Some(0.0)
    );
    assert_eq!(
        value(
            "stordeck_source_up",
            &[("cluster", "staging"), ("source", "pvs")]
        ),
        Some(1.0)
    );
    assert!(
        value(
            "stordeck_findings",
            &[("cluster", "prod"), ("severity", "critical")]
        ) >= Some(1.0),
        "{prom}"
    );
    assert!(value("stordeck_last_run_timestamp_seconds", &[]) > Some(1.7e9));
    // EKS's own insights are a source and a rule like the others.
    assert_eq!(
        value(
            "stordeck_source_up",
            &[("cluster", "prod"), ("source", "eks-insights")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            "stordeck_findings",
            &[
                ("cluster", "prod"),
                ("rule", "eks-insight"),
                ("severity", "warning")
            ]
        ),
        Some(1.0),
        "the demo's one ERROR insight: {prom}"
    );

    // Markdown: a table row a cluster.
    let out = report(
        d,
        &["--all-contexts", "--format", "markdown", "--timeout", "60"],
    )
    .await;
    let md = stdout(&out);
    assert!(
        md.contains("| gone | demo | - | us-east-1 | 0 | 0 | 0 | NO |"),
        "{md}"
    );
    assert!(
        md.contains("| prod | demo | 111122223333 | us-east-1 |"),
        "the account from EKS's own answer: {md}"
    );
    assert!(md.contains("### staging"), "{md}");
}

/// Every line is a comment (`# HELP`/`# TYPE` before the samples of its metric) or
/// `name{labels} value`, with no timestamp.
fn strict_exposition(text: &str) {
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(kind, "gauge", "{line}");
            typed.insert(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a sample");
        let name = &line[..name_end];
        assert!(
            typed.contains(name),
            "{name} sampled before its TYPE: {line}"
        );
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        let after_labels = match line[name_end..].strip_prefix('{') {
            Some(rest) => rest.rsplit_once("} ").expect("closed labels").1,
            None => line[name_end..].trim_start(),
        };
        let parts: Vec<&str> = after_labels.split(' ').collect();
        assert_eq!(parts.len(), 1, "a value and no timestamp: {line}");
        parts[0]
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("a number: {line}"));
    }
}
