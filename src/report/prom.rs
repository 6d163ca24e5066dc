//! `--format prom`: the Prometheus text exposition format, for node_exporter's textfile
//! collector (write it with `--output`, which renames a finished file into place, so the
//! collector never reads half of one). No sample carries a timestamp: the collector
//! stamps them when it scrapes.
//!
//! - `stordeck_findings{cluster,rule,severity}`: findings open now (silenced excluded);
//! - `stordeck_source_up{cluster,source}`: 1 when the source was live;
//! - `stordeck_report_complete{cluster}`: 1 when every source answered and nothing was
//!   still being checked;
//! - `stordeck_last_run_timestamp_seconds`: when the report was made.
//!
//! `cluster` is the kubeconfig context's name: two clusters may share a name in two
//! accounts, but a context name is unique.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Fleet;

pub fn render(fleet: &Fleet) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "stordeck_findings",
        "Findings open now, by rule and severity (silenced ones excluded).",
    );
    for c in &fleet.clusters {
        let mut by: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for f in c.report.iter().flat_map(|r| r.open()) {
            *by.entry((f.id, f.severity.label())).or_default() += 1;
        }
        for ((rule, severity), n) in by {
            let _ = writeln!(
                out,
                "stordeck_findings{{cluster=\"{}\",rule=\"{}\",severity=\"{}\"}} {n}",
                label(&c.context),
                label(rule),
                label(severity)
            );
        }
    }
    header(
        &mut out,
        "stordeck_source_up",
        "1 when the source answered and was live at the report.",
    );
    for c in &fleet.clusters {
        for (source, up) in c.report.iter().flat_map(|r| r.sources_up()) {
            let _ = writeln!(
                out,
                "stordeck_source_up{{cluster=\"{}\",source=\"{}\"}} {}",
                label(&c.context),
                label(source.label()),
                u8::from(up)
            );
        }
    }
    header(
        &mut out,
        "stordeck_report_complete",
        "1 when every source answered and no candidate was still being checked.",
    );
    for c in &fleet.clusters {
        let _ = writeln!(
            out,
            "stordeck_report_complete{{cluster=\"{}\"}} {}",
            label(&c.context),
            u8::from(c.complete())
        );
    }
    header(
        &mut out,
        "stordeck_last_run_timestamp_seconds",
        "When this report was made, in seconds since the epoch.",
    );
    let _ = writeln!(
        out,
        "stordeck_last_run_timestamp_seconds {}",
        fleet.generated_at.as_second()
    );
    out
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

/// A label value as the exposition format escapes it: backslash, double quote, newline.
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped() {
        assert_eq!(super::label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
