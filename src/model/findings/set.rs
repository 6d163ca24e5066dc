//! The evaluated findings, as the UI and the report read them: ranked, counted per
//! severity, indexed by the objects they name, and re-evaluated only when the world
//! changed or time alone could change them.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use super::types::{Finding, Kind, ObjRef, Severity};
use crate::model::World;

/// Bursts of changes (a relist, churn at scale) re-evaluate at most this often; the
/// app's once-a-second redraw picks up whatever a skipped evaluation would have shown.
const MIN_INTERVAL: SignedDuration = SignedDuration::from_millis(250);
/// Under constant churn, evaluating takes at most about 1/(1+this) of the loop's time:
/// at 100,000 PVs one evaluation costs tens of milliseconds.
const COST_FACTOR: i32 = 8;

#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
    counts: [usize; 3],
    /// (kind, `ns/name` or `name`) → indices into `items`, most severe first.
    by_object: HashMap<(Kind, String), Vec<usize>>,
    /// World version and time of the evaluation; `None` before the first.
    evaluated: Option<(u64, Timestamp)>,
    recheck_at: Option<Timestamp>,
    /// How long the last evaluation took to compute (process time, not model time).
    cost: SignedDuration,
}

impl Findings {
    /// Ranks, counts and indexes findings (e.g. from [`super::evaluate`]).
    pub fn new(mut items: Vec<Finding>) -> Self {
        items.sort_by_key(|f| f.severity);
        let mut counts = [0; 3];
        let mut by_object: HashMap<(Kind, String), Vec<usize>> = HashMap::new();
        for (i, f) in items.iter().enumerate() {
            counts[f.severity.index()] += 1;
            for o in f.objects() {
                let v = by_object.entry((o.kind, o.display_name())).or_default();
                // An object named twice by one finding is still one finding.
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        Findings {
            items,
            counts,
            by_object,
            evaluated: None,
            recheck_at: None,
            cost: SignedDuration::ZERO,
        }
    }

    /// Every rule run against `world` at `now`.
    pub fn evaluate(world: &World, now: Timestamp) -> Self {
        let mut f = Findings::new(super::evaluate(world, now));
        f.evaluated = Some((world.version, now));
        f.recheck_at = super::recheck_at(world, now);
        f
    }

    /// Re-evaluates if `world` changed since the last evaluation (at most every 250 ms,
    /// or 8× the last evaluation's cost if that is longer) or a time-based rule is due;
    /// returns whether it did. Call it before each draw with
    /// the one `World` the app keeps: versions of different worlds are not comparable.
    pub fn refresh(&mut self, world: &World, now: Timestamp) -> bool {
        let due = match self.evaluated {
            None => true,
            Some((version, at)) => {
                let since = now.duration_since(at);
                let interval = MIN_INTERVAL.max(self.cost.saturating_mul(COST_FACTOR));
                // A clock that went backwards must not freeze the findings.
                let spaced = since >= interval || since.is_negative();
                (version != world.version && spaced) || self.recheck_at.is_some_and(|r| now >= r)
            }
        };
        if due {
            let started = std::time::Instant::now();
            *self = Findings::evaluate(world, now);
            self.cost = SignedDuration::try_from(started.elapsed()).unwrap_or(SignedDuration::MAX);
        }
        due
    }

    /// Most severe first.
    pub fn all(&self) -> &[Finding] {
        &self.items
    }

    pub fn get(&self, i: usize) -> Option<&Finding> {
        self.items.get(i)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn count(&self, s: Severity) -> usize {
        self.counts[s.index()]
    }

    /// Whether anything has been evaluated yet (an empty list before that means nothing).
    pub fn evaluated(&self) -> bool {
        self.evaluated.is_some()
    }

    /// The findings whose evidence names the object, most severe first.
    pub fn naming(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> impl Iterator<Item = &Finding> {
        let key = (kind, ObjRef::new(kind, namespace, name).display_name());
        self.by_object
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|i| self.items.get(*i))
    }

    /// The severity of the worst finding naming the object, for row badges.
    pub fn worst(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Option<Severity> {
        self.naming(kind, namespace, name)
            .next()
            .map(|f| f.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::findings::{Evidence, Fields};

    fn finding(id: &'static str, severity: Severity, objects: &[ObjRef]) -> Finding {
        Finding {
            id,
            severity,
            title: id.into(),
            evidence: objects
                .iter()
                .map(|o| Evidence::object(o.clone(), Fields::default()))
                .collect(),
            fix: None,
        }
    }

    #[test]
    fn ranks_counts_and_indexes_by_object() {
        let pv = ObjRef::cluster(Kind::PersistentVolume, "pvc-1");
        let ds = ObjRef::new(Kind::DaemonSet, Some("kube-system"), "aws-node");
        let f = Findings::new(vec![
            finding("a", Severity::Info, std::slice::from_ref(&pv)),
            finding("b", Severity::Critical, &[pv.clone(), pv.clone()]),
            finding("c", Severity::Warning, std::slice::from_ref(&ds)),
        ]);
        let ids: Vec<&str> = f.all().iter().map(|f| f.id).collect();
        assert_eq!(ids, ["b", "c", "a"]);
        assert_eq!(
            Severity::ALL.map(|s| f.count(s)),
            [1, 1, 1],
            "one per severity"
        );
        let naming: Vec<&str> = f
            .naming(Kind::PersistentVolume, None, "pvc-1")
            .map(|f| f.id)
            .collect();
        assert_eq!(naming, ["b", "a"]);
        assert_eq!(
            f.worst(Kind::DaemonSet, Some("kube-system"), "aws-node"),
            Some(Severity::Warning)
        );
        assert_eq!(f.worst(Kind::DaemonSet, None, "aws-node"), None);
    }

    #[test]
    fn refresh_only_when_the_world_changed_or_time_is_due() {
        let t0: Timestamp = "2025-06-01T12:00:00Z".parse().unwrap();
        let mut w = World::default();
        let mut f = Findings::default();
        assert!(!f.evaluated());
        assert!(f.refresh(&w, t0));
        assert!(!f.refresh(&w, t0 + SignedDuration::from_secs(5)));
        w.version += 1;
        assert!(
            !f.refresh(&w, t0 + SignedDuration::from_millis(100)),
            "a burst waits for the interval"
        );
        assert!(f.refresh(&w, t0 + SignedDuration::from_millis(300)));
        assert!(!f.refresh(&w, t0 + SignedDuration::from_secs(3_600)));
    }
}
