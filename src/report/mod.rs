//! `stordeck report`: connect, wait for the first full sync, print the findings, and exit
//! with a code a ticket or a CI pipeline can act on.
//!
//! Exit codes (`crate::exit`): 0 no findings above info, 1 warnings, 2 critical findings,
//! 3 the picture is incomplete (a source could not be read) and nothing critical was seen
//! in what could be; 64, 70 and 78 when no report could be made at all.
//!
//! The JSON shape (`--format json`) is stable; fields are only ever added:
//! ```text
//! { "schema": "stordeck.report/v1",
//!   "generated_at": RFC 3339,
//!   "cluster": { "name": str|null, "region": str|null, "account": str|null },
//!   "complete": bool,                        // every source answered and none failed
//!   "sources": [ { "source": str, "state": "live"|"syncing"|"stale"|"error"|"absent",
//!                  "reason": str|null,
//!                  "next_try": RFC 3339|null } ],       // when a failing source retries
//!   "counts": { "critical": n, "warning": n, "info": n },   // silenced ones excluded
//!   "silenced": n,
//!   "checking": [ { "rule": str, "object": { "kind", "namespace", "name" }, "why": str } ],
//!   "findings": [ Finding ] }                // see model::findings::types::Finding
//! ```
//!
//! A report waits (within its timeout) until every candidate finding is confirmed or
//! cleared; one still being checked when time runs out is listed under `checking` and
//! makes the picture incomplete.

use std::fmt::Write;

use serde_json::{Value, json};

pub mod fleet;
pub mod junit;
pub mod markdown;
pub mod output;
pub mod prom;

pub use fleet::{ClusterReport, FailOn, Fleet};

use crate::exit;
use crate::model::findings::{Checking, Evidence, Finding, Findings, Severity};
use crate::model::{HealthState, SourceId, World};
use crate::ui::sanitize::clean;

pub const SCHEMA: &str = "stordeck.report/v1";

#[derive(Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub checking: Vec<Checking>,
    pub complete: bool,
    pub generated_at: jiff::Timestamp,
    sources: Vec<(
        SourceId,
        &'static str,
        Option<String>,
        Option<jiff::Timestamp>,
    )>,
    cluster: (Option<String>, Option<String>, Option<String>),
}

impl Report {
    pub fn new(world: &World, findings: &Findings, synced: bool, now: jiff::Timestamp) -> Self {
        let sources: Vec<_> = SourceId::ALL
            .iter()
            .map(|s| {
                let (state, reason) = match world.health.get(s).map(|h| &h.state) {
                    None | Some(HealthState::Syncing) => ("syncing", None),
                    Some(HealthState::Live) => ("live", None),
                    Some(HealthState::Stale { reason, .. }) => ("stale", Some(reason.clone())),
                    Some(HealthState::Error { reason, hint }) => {
                        ("error", Some(format!("{reason} — {hint}")))
                    }
                    Some(HealthState::Absent { reason }) => ("absent", Some(reason.clone())),
                };
                let next_try = world
                    .health
                    .get(s)
                    .filter(|_| !matches!(state, "live" | "syncing"))
                    .and_then(|h| h.retry_at);
                (*s, state, reason, next_try)
            })
            .collect();
        let failed = sources
            .iter()
            .any(|(_, st, _, _)| matches!(*st, "error" | "stale" | "syncing"));
        let t = &world.target;
        let name = world
            .cluster
            .as_ref()
            .map(|c| c.name.clone())
            .or_else(|| t.cluster.clone());
        // Not every context names its account (only ARN-named ones do); EKS's own answer
        // does.
        let account = t.account.clone().or_else(|| {
            let arn = world.cluster.as_ref()?.arn.as_deref()?;
            crate::ui::format::arn_region_account(arn).map(|(_, a)| a.to_string())
        });
        let checking = findings.checking().to_vec();
        Report {
            findings: findings.all().to_vec(),
            complete: synced && !failed && checking.is_empty(),
            checking,
            generated_at: now,
            sources,
            cluster: (name, t.region.clone(), account),
        }
    }

    /// Cluster name, region and account, as far as they are known.
    pub fn cluster(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        let (n, r, a) = &self.cluster;
        (n.as_deref(), r.as_deref(), a.as_deref())
    }

    /// Each source and whether it was live.
    pub fn sources_up(&self) -> impl Iterator<Item = (SourceId, bool)> + '_ {
        self.sources.iter().map(|(s, st, _, _)| (*s, *st == "live"))
    }

    /// Findings that count (not silenced) at `s` or above.
    pub fn open(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.silenced.is_none())
    }

    pub fn count(&self, s: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == s && f.silenced.is_none())
            .count()
    }

    pub fn exit_code(&self) -> u8 {
        if self.count(Severity::Critical) > 0 {
            exit::CRITICAL
        } else if !self.complete {
            exit::INCOMPLETE
        } else if self.count(Severity::Warning) > 0 {
            exit::WARNINGS
        } else {
            exit::OK
        }
    }

    pub fn json(&self) -> Value {
        let (name, region, account) = &self.cluster;
        json!({
            "schema": SCHEMA,
            "generated_at": self.generated_at.to_string(),
            "cluster": {"name": name, "region": region, "account": account},
            "complete": self.complete,
            "sources": self.sources.iter().map(|(s, state, reason, next)| json!({"source": s.label(), "state": state, "reason": reason, "next_try": next.map(|t| t.to_string())})).collect::<Vec<_>>(),
            "counts": {"critical": self.count(Severity::Critical), "warning": self.count(Severity::Warning), "info": self.count(Severity::Info)},
            "silenced": self.findings.iter().filter(|f| f.silenced.is_some()).count(),
            "checking": self.checking.iter().map(|c| json!({"rule": c.rule, "object": c.object, "why": c.why})).collect::<Vec<_>>(),
            "findings": self.findings,
        })
    }

    /// Plain text for a terminal or a ticket; every outside string is sanitized.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let (name, region, account) = &self.cluster;
        let or_unknown = |v: &Option<String>| clean(v.as_deref().unwrap_or("unknown"));
        let _ = writeln!(
            out,
            "stordeck report — cluster {} ({}, account {}) at {}",
            or_unknown(name),
            or_unknown(region),
            or_unknown(account),
            self.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        );
        let live = self
            .sources
            .iter()
            .filter(|(_, st, _, _)| *st == "live")
            .count();
        let _ = writeln!(out, "sources: {live} of {} live", self.sources.len());
        for (s, state, reason, next) in self.sources.iter().filter(|(_, st, _, _)| *st != "live") {
            let next = next
                .map(|t| format!(" (next try {})", t.strftime("%H:%M:%S UTC")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<20} {state}: {}{next}",
                s.label(),
                clean(reason.as_deref().unwrap_or("no answer before the timeout"))
            );
        }
        if !self.complete {
            let _ = writeln!(
                out,
                "INCOMPLETE: some sources could not be read, or candidates are still being checked; findings cover only what is confirmed."
            );
        }
        for c in &self.checking {
            let _ = writeln!(
                out,
                "  checking {:<20} {} {}: {}",
                c.rule,
                c.object.kind.label(),
                clean(&c.object.display_name()),
                clean(&c.why)
            );
        }
        let _ = writeln!(
            out,
            "findings: {} critical, {} warning, {} info\n",
            self.count(Severity::Critical),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        );
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{:<8} {:<20} {}",
                f.severity.label().to_uppercase(),
                f.id,
                clean(&f.title)
            );
            if let Some(since) = f.since {
                let _ = writeln!(out, "         since {}", crate::model::findings::ts(since));
            }
            if let Some(why) = &f.silenced {
                let _ = writeln!(out, "         SILENCED: {}", clean(why));
            }
            for e in &f.evidence {
                match e {
                    Evidence::Object { object, fields } => {
                        let fields: Vec<String> = fields
                            .0
                            .iter()
                            .map(|(k, v)| format!("{}={}", clean(k), clean(v)))
                            .collect();
                        let _ = writeln!(
                            out,
                            "         {} {}: {}",
                            object.kind.label(),
                            clean(&object.display_name()),
                            fields.join(", ")
                        );
                    }
                    Evidence::Note(n) => {
                        let _ = writeln!(out, "         {}", clean(n));
                    }
                }
            }
            if let Some(fix) = &f.fix {
                let _ = writeln!(out, "         fix: {}", clean(&fix.describe()));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_source_says_when_it_tries_again() {
        let at: jiff::Timestamp = "2025-06-01T12:00:00Z".parse().expect("timestamp");
        let w = crate::model::input::retrying_world(at);
        let r = Report::new(&w, &Findings::default(), true, at);
        let json = r.json();
        let sources = json["sources"].as_array().expect("sources");
        let sa = sources
            .iter()
            .find(|s| s["source"] == "serviceaccounts")
            .expect("serviceaccounts");
        assert_eq!(sa["next_try"], "2025-06-01T12:00:35Z");
        assert!(sources.iter().any(|s| s["next_try"].is_null()));
        assert!(r.text().contains("(next try 12:00:35 UTC)"), "{}", r.text());
    }
}
