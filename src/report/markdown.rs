//! `--format markdown`: a summary table and each cluster's findings, for pasting into a
//! ticket. Outside text is sanitized and table cells have their pipes escaped.

use std::fmt::Write;

use super::Fleet;
use super::fleet::summary_row;

pub fn render(fleet: &Fleet) -> String {
    let mut out = format!(
        "## stordeck report — {}\n\n",
        fleet.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    );
    out.push_str(
        "| context | cluster | account | region | critical | warning | info | complete |\n",
    );
    out.push_str("|---|---|---|---|---:|---:|---:|---|\n");
    for c in &fleet.clusters {
        let row: Vec<String> = summary_row(c).iter().map(|v| cell(v)).collect();
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    for c in &fleet.clusters {
        let _ = writeln!(out, "\n### {}\n", cell(&c.context));
        if let Some(e) = &c.error {
            let _ = writeln!(out, "**Incomplete**: could not be read: {}", cell(e));
            continue;
        }
        let Some(r) = &c.report else { continue };
        if !r.complete {
            out.push_str(
                "**Incomplete**: some sources could not be read, or candidates were still \
                 being checked.\n\n",
            );
        }
        if r.findings.is_empty() {
            out.push_str("No findings.\n");
            continue;
        }
        out.push_str("| severity | rule | object | finding | fix |\n|---|---|---|---|---|\n");
        for f in &r.findings {
            let object = f
                .subject()
                .map(|o| format!("{} `{}`", o.kind.label(), cell(&o.display_name())))
                .unwrap_or_default();
            let severity = match &f.silenced {
                Some(_) => format!("{} (silenced)", f.severity.label()),
                None => f.severity.label().to_string(),
            };
            let fix = f
                .fix
                .as_ref()
                .map(|x| cell(&x.describe()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {severity} | `{}` | {object} | {} | {fix} |",
                f.id,
                cell(&f.title)
            );
        }
    }
    out
}

/// One table cell: sanitized, one line, pipes and backticks unable to end it.
fn cell(s: &str) -> String {
    crate::ui::sanitize::clean(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "'")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pipe_in_outside_text_stays_in_its_cell() {
        assert_eq!(super::cell("a|b\n`c`"), "a\\|b 'c'");
    }
}
