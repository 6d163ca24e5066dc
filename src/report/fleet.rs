//! Many clusters in one report: each read on its own, and one that could not be read is
//! reported incomplete beside the others, never in their way.
//!
//! The JSON shape (`--format json` of a fleet) is stable; fields are only ever added:
//! ```text
//! { "schema": "stordeck.fleet/v1",
//!   "generated_at": RFC 3339,
//!   "exit_code": n,                          // as the process exits, after --fail-on
//!   "clusters": [ { "context": str,
//!                   "complete": bool,
//!                   "error": str|null,       // why nothing could be read, if so
//!                   "report": stordeck.report/v1 | null } ] }
//! ```

use std::fmt::Write;

use serde_json::{Value, json};

use super::Report;
use crate::exit;
use crate::model::findings::Severity;
use crate::ui::sanitize::clean;

pub const SCHEMA: &str = "stordeck.fleet/v1";

/// Which verdicts make `report` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Warnings (1), critical findings (2) and an incomplete picture (3) all fail.
    #[default]
    Warning,
    /// Only critical findings (2) and an incomplete picture (3): warnings exit 0.
    Critical,
    /// Every verdict exits 0; only 64, 70 and 78 (no report at all) remain.
    Never,
}

impl FailOn {
    pub fn apply(self, code: u8) -> u8 {
        match (self, code) {
            (FailOn::Never, _) | (FailOn::Critical, exit::WARNINGS) => exit::OK,
            (_, c) => c,
        }
    }
}

/// Worse first: critical, then incomplete (nothing could vouch there is no critical),
/// then warnings, then nothing.
fn rank(code: u8) -> u8 {
    match code {
        exit::CRITICAL => 3,
        exit::INCOMPLETE => 2,
        exit::WARNINGS => 1,
        _ => 0,
    }
}

/// One cluster of a fleet: its report, or why there is none.
#[derive(Clone)]
pub struct ClusterReport {
    pub context: String,
    pub report: Option<Report>,
    pub error: Option<String>,
}

impl ClusterReport {
    pub fn complete(&self) -> bool {
        self.error.is_none() && self.report.as_ref().is_some_and(|r| r.complete)
    }

    /// The report's own code; a cluster that could not be read is incomplete.
    pub fn code(&self) -> u8 {
        match (&self.report, &self.error) {
            (Some(r), None) => r.exit_code(),
            _ => exit::INCOMPLETE,
        }
    }

    pub fn count(&self, s: Severity) -> usize {
        self.report.as_ref().map_or(0, |r| r.count(s))
    }
}

pub struct Fleet {
    pub clusters: Vec<ClusterReport>,
    pub generated_at: jiff::Timestamp,
}

impl Fleet {
    /// The worst cluster's code, after `fail_on`.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        self.clusters
            .iter()
            .map(|c| fail_on.apply(c.code()))
            .max_by_key(|c| rank(*c))
            .unwrap_or(exit::OK)
    }

    pub fn json(&self, fail_on: FailOn) -> Value {
        json!({
            "schema": SCHEMA,
            "generated_at": self.generated_at.to_string(),
            "exit_code": self.exit_code(fail_on),
            "clusters": self.clusters.iter().map(|c| json!({
                "context": c.context,
                "complete": c.complete(),
                "error": c.error,
                "report": c.report.as_ref().map(Report::json),
            })).collect::<Vec<_>>(),
        })
    }

    /// A summary table, a line per cluster, then each cluster's report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "stordeck fleet report — {} clusters at {}\n",
            self.clusters.len(),
            self.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        );
        let rows: Vec<[String; 8]> = self.clusters.iter().map(summary_row).collect();
        let header = [
            "CONTEXT", "CLUSTER", "ACCOUNT", "REGION", "CRIT", "WARN", "INFO", "COMPLETE",
        ];
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[&str]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&header));
        for r in &rows {
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            let _ = writeln!(out, "{}", line(&cells));
        }
        for c in &self.clusters {
            let _ = writeln!(out, "\n=== {} ===", clean(&c.context));
            match (&c.report, &c.error) {
                (Some(r), None) => out.push_str(&r.text()),
                (_, Some(e)) => {
                    let _ = writeln!(out, "INCOMPLETE: could not be read: {}", clean(e));
                }
                (None, None) => {}
            }
        }
        out
    }
}

/// Context, cluster, account, region, counts and complete?, for the summary tables.
pub fn summary_row(c: &ClusterReport) -> [String; 8] {
    let (name, region, account) = c
        .report
        .as_ref()
        .map_or((None, None, None), Report::cluster);
    let dash = |v: Option<&str>| clean(v.unwrap_or("-"));
    [
        clean(&c.context),
        dash(name),
        dash(account),
        dash(region),
        c.count(Severity::Critical).to_string(),
        c.count(Severity::Warning).to_string(),
        c.count(Severity::Info).to_string(),
        if c.complete() { "yes" } else { "NO" }.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_cluster_decides_after_fail_on() {
        let fleet = |codes: &[u8]| Fleet {
            clusters: codes
                .iter()
                .map(|c| ClusterReport {
                    context: format!("c{c}"),
                    report: None,
                    // Only the code matters here; an error reads as incomplete.
                    error: (*c == exit::INCOMPLETE).then(|| "down".into()),
                })
                .collect(),
            generated_at: jiff::Timestamp::UNIX_EPOCH,
        };
        assert_eq!(fleet(&[]).exit_code(FailOn::Warning), exit::OK);
        assert_eq!(fleet(&[3]).exit_code(FailOn::Warning), exit::INCOMPLETE);
        assert_eq!(fleet(&[3]).exit_code(FailOn::Never), exit::OK);
        assert_eq!(FailOn::Critical.apply(exit::WARNINGS), exit::OK);
        assert_eq!(FailOn::Critical.apply(exit::CRITICAL), exit::CRITICAL);
        assert_eq!(FailOn::Critical.apply(exit::INCOMPLETE), exit::INCOMPLETE);
        assert!(rank(exit::CRITICAL) > rank(exit::INCOMPLETE));
        assert!(rank(exit::INCOMPLETE) > rank(exit::WARNINGS));
    }
}
