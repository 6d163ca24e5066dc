//! `--format junit`: a testsuite per cluster, a testcase per finding (its rule and the
//! object it is about), and one `sources` testcase per cluster that fails when the
//! picture is incomplete, so a cluster with nothing wrong still shows as passing.
//! Warnings and critical findings are failures, with the message in the attribute and
//! the whole finding in the body, as the common CI readers (Jenkins, GitLab, GitHub
//! test reporters) show them; info findings pass and silenced ones are skipped.

use std::fmt::Write;

use super::{ClusterReport, Fleet};
use crate::model::findings::{Evidence, Finding, Severity};
use crate::ui::sanitize::clean;

pub fn render(fleet: &Fleet) -> String {
    let suites: Vec<String> = fleet.clusters.iter().map(suite).collect();
    let (tests, failures, errors) = fleet.clusters.iter().fold((0, 0, 0), |(t, f, e), c| {
        let (ct, cf, ce) = counts(c);
        (t + ct, f + cf, e + ce)
    });
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"stordeck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" timestamp=\"{}\">",
        fleet.generated_at.strftime("%Y-%m-%dT%H:%M:%S")
    );
    for s in suites {
        out.push_str(&s);
    }
    out.push_str("</testsuites>\n");
    out
}

fn fails(f: &Finding) -> bool {
    f.silenced.is_none() && matches!(f.severity, Severity::Warning | Severity::Critical)
}

/// (tests, failures, errors) of one cluster's suite.
fn counts(c: &ClusterReport) -> (usize, usize, usize) {
    let findings = c.report.as_ref().map_or(&[][..], |r| &r.findings[..]);
    let failures = findings.iter().filter(|f| fails(f)).count();
    (findings.len() + 1, failures, usize::from(!c.complete()))
}

fn suite(c: &ClusterReport) -> String {
    let (tests, failures, errors) = counts(c);
    let skipped = c.report.as_ref().map_or(0, |r| {
        r.findings.iter().filter(|f| f.silenced.is_some()).count()
    });
    let name = xml(&c.context);
    let mut out = format!(
        "  <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n"
    );
    let why = match (&c.report, &c.error) {
        (_, Some(e)) => Some(format!("could not be read: {e}")),
        (Some(r), None) if !r.complete => {
            Some("some sources could not be read, or candidates were still being checked".into())
        }
        _ => None,
    };
    let _ = write!(out, "    <testcase classname=\"{name}\" name=\"sources\">");
    if let Some(w) = why {
        let w = xml(&w);
        let _ = write!(
            out,
            "\n      <error message=\"{w}\" type=\"incomplete\">{w}</error>\n    "
        );
    }
    out.push_str("</testcase>\n");
    for f in c.report.iter().flat_map(|r| &r.findings) {
        out.push_str(&case(&name, f));
    }
    out.push_str("  </testsuite>\n");
    out
}

fn case(suite: &str, f: &Finding) -> String {
    let object = f
        .subject()
        .map(|o| format!("{} {}", o.kind.label(), o.display_name()))
        .unwrap_or_default();
    let mut out = format!(
        "    <testcase classname=\"{suite}.{}\" name=\"{}\">",
        f.id,
        xml(&format!("{} {object}", f.id))
    );
    if let Some(why) = &f.silenced {
        let _ = write!(out, "\n      <skipped message=\"{}\"/>\n    ", xml(why));
    } else if fails(f) {
        let title = xml(&f.title);
        let _ = write!(
            out,
            "\n      <failure message=\"{title}\" type=\"{}\">{}</failure>\n    ",
            f.severity.label(),
            xml(&body(f))
        );
    }
    out.push_str("</testcase>\n");
    out
}

/// The finding as the text report gives it: title, since, evidence, fix.
fn body(f: &Finding) -> String {
    let mut b = format!(
        "{} {}: {}",
        f.severity.label().to_uppercase(),
        f.id,
        f.title
    );
    if let Some(since) = f.since {
        let _ = write!(b, "\nsince {}", crate::model::findings::ts(since));
    }
    for e in &f.evidence {
        match e {
            Evidence::Object { object, fields } => {
                let fields: Vec<String> =
                    fields.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = write!(
                    b,
                    "\n{} {}: {}",
                    object.kind.label(),
                    object.display_name(),
                    fields.join(", ")
                );
            }
            Evidence::Note(n) => {
                let _ = write!(b, "\n{n}");
            }
        }
    }
    if let Some(fix) = &f.fix {
        let _ = write!(b, "\nfix: {}", fix.describe());
    }
    b
}

/// Text made safe for an XML attribute or body: outside text may hold anything, and XML
/// 1.0 allows no control characters but tab and newline.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s
        .split('\n')
        .map(clean)
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
    {
        match line {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn outside_text_cannot_break_the_document() {
        assert_eq!(
            xml("a<b>&\"c'\u{1b}[2J\u{7}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}"
        );
        assert_eq!(xml("one\ntwo"), "one&#10;two");
    }
}
