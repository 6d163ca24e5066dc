//! The Events that reach a volume, at the end of its detail chain: what the pods using it
//! were told, how often, and when last, most recent first.

use jiff::Timestamp;

use super::chain_link::{Link, link};
use crate::model::World;
use crate::ui::format::age;
use crate::ui::widgets::table::Tone;

/// Shown in the chain at most; the Findings pane's evidence carries every one.
const MAX: usize = 5;

pub(super) fn symptom_links(world: &World, pv: &str, now: Timestamp, out: &mut Vec<Link>) {
    let all = world.symptoms_for_pv(pv);
    for s in all.iter().take(MAX) {
        let io = &s.involved;
        let on = match &io.namespace {
            Some(ns) => format!("{} {ns}/{}", io.kind.to_lowercase(), io.name),
            None => format!("{} {}", io.kind.to_lowercase(), io.name),
        };
        out.push(link(
            "event",
            format!("{} ×{}", s.reason.as_str(), s.count),
            format!("last {} ago · {on} · {}", age(s.last, now), s.message),
            Tone::Warn,
        ));
    }
    if all.len() > MAX {
        out.push(link(
            "event",
            format!("{} more", all.len() - MAX),
            "in the evidence of the findings (6)",
            Tone::Muted,
        ));
    }
}
