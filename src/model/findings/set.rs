//! The evaluated findings, as the UI and the report read them: ranked, counted per
//! severity, indexed by the objects they name, and re-evaluated only when the world
//! changed or time alone could change them.

use std::collections::{BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};

use super::types::{Checking, Finding, Kind, ObjRef, Severity};
use super::{Ctx, Kept, Policy};
use crate::model::{ProbeKey, World};

/// Bursts of changes (a relist, churn at scale) re-evaluate at most this often; the
/// app's once-a-second redraw picks up whatever a skipped evaluation would have shown.
const MIN_INTERVAL: SignedDuration = SignedDuration::from_millis(250);
/// Under constant churn, evaluating takes at most about 1/(1+this) of the loop's time.
/// The rules over PVs and access points re-judge only what changed; a relist or a new
/// list of file systems still re-judges every PV and access point once, at 100,000 of
/// each tens of milliseconds.
const COST_FACTOR: i32 = 8;

#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
    /// Not silenced, per severity.
    counts: [usize; 3],
    silenced: usize,
    /// Candidates still being confirmed, and the reads that would settle them.
    checking: Vec<Checking>,
    checking_by_object: HashMap<(Kind, String), usize>,
    wanted: BTreeSet<ProbeKey>,
    policy: Policy,
    /// Observation version of the evaluation: only candidates care when it moves.
    observed: u64,
    /// (kind, `ns/name` or `name`) → indices into `items`, most severe first.
    by_object: HashMap<(Kind, String), Vec<usize>>,
    /// World version and time of the evaluation; `None` before the first.
    evaluated: Option<(u64, Timestamp)>,
    recheck_at: Option<Timestamp>,
    /// How long the last evaluation took to compute (process time, not model time).
    cost: SignedDuration,
    /// The verdicts of the rules judged incrementally, kept between evaluations.
    kept: Kept,
    /// Judge every PV and access point at every evaluation (the reference the
    /// incremental path is tested against).
    whole: bool,
}

impl Findings {
    /// Ranks, counts and indexes findings (e.g. from [`super::evaluate`]).
    pub fn new(mut items: Vec<Finding>) -> Self {
        items.sort_by_key(|f| (f.silenced.is_some(), f.severity));
        let mut counts = [0; 3];
        let mut silenced = 0;
        let mut by_object: HashMap<(Kind, String), Vec<usize>> = HashMap::new();
        for (i, f) in items.iter().enumerate() {
            if f.silenced.is_some() {
                silenced += 1;
            } else {
                counts[f.severity.index()] += 1;
            }
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
            silenced,
            by_object,
            ..Findings::default()
        }
    }

    /// Empty, judging with `policy` from the first evaluation on.
    pub fn with_policy(policy: Policy) -> Self {
        Findings {
            policy,
            ..Findings::default()
        }
    }

    /// Judges every PV and access point at every evaluation instead of only what
    /// changed: slower, and otherwise the same.
    pub fn judging_whole(mut self) -> Self {
        self.whole = true;
        self
    }

    /// Every rule run against `world` at `now`, with the default policy.
    pub fn evaluate(world: &World, now: Timestamp) -> Self {
        let mut f = Findings::default();
        f.reevaluate(world, now);
        f
    }

    pub(super) fn reevaluate(&mut self, world: &World, now: Timestamp) {
        let cx = Ctx {
            now,
            policy: &self.policy,
        };
        let out = if self.whole {
            super::evaluate_with(world, &cx)
        } else {
            self.kept.update(world, &cx);
            super::assemble(world, &cx, Some(&self.kept))
        };
        let kept = (!self.whole).then_some(&self.kept);
        let recheck_at = super::recheck_at(world, &cx, kept);
        // A finding that held at the last evaluation has held since then at least.
        let before: HashMap<(&str, Option<&ObjRef>), Timestamp> = self
            .items
            .iter()
            .filter_map(|f| Some(((f.id, f.subject()), f.since?)))
            .collect();
        let mut items = out.findings;
        for f in &mut items {
            let held = before.get(&(f.id, f.subject())).copied();
            f.since = match (f.since, held) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b).or(Some(now)),
            };
        }
        let policy = std::mem::take(&mut self.policy);
        let kept = std::mem::take(&mut self.kept);
        let whole = self.whole;
        *self = Findings::new(items);
        self.policy = policy;
        self.kept = kept;
        self.whole = whole;
        self.checking_by_object = out
            .checking
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.object.kind, c.object.display_name()), i))
            .collect();
        self.checking = out.checking;
        self.wanted = out.wanted;
        self.evaluated = Some((world.version, now));
        self.observed = world.observed.version;
        self.recheck_at = recheck_at;
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
                // A read answered matters to what waits for it: a candidate, or a want that
                // is met once the read is in (and would otherwise be read again).
                let waiting = !self.checking.is_empty() || !self.wanted.is_empty();
                let observed = waiting && self.observed != world.observed.version;
                ((version != world.version || observed) && spaced)
                    || self.recheck_at.is_some_and(|r| now >= r)
            }
        };
        if due {
            let started = std::time::Instant::now();
            self.reevaluate(world, now);
            self.cost = SignedDuration::try_from(started.elapsed()).unwrap_or(SignedDuration::MAX);
        }
        due
    }

    /// Candidates still being confirmed: shown as *checking*, counted nowhere.
    pub fn checking(&self) -> &[Checking] {
        &self.checking
    }

    /// Why the object is being checked, if it is.
    pub fn checking_for(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&Checking> {
        let key = (kind, ObjRef::new(kind, namespace, name).display_name());
        self.checking_by_object
            .get(&key)
            .and_then(|i| self.checking.get(*i))
    }

    /// The targeted reads that would settle the candidates.
    pub fn wanted(&self) -> &BTreeSet<ProbeKey> {
        &self.wanted
    }

    /// How many findings the user silenced (listed, counted nowhere else).
    pub fn silenced(&self) -> usize {
        self.silenced
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

    /// Whether the last evaluation saw the World at `version` or later.
    pub fn evaluated_since(&self, version: u64) -> bool {
        self.evaluated.is_some_and(|(v, _)| v >= version)
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

    /// The severity of the worst finding naming the object, for row badges; silenced
    /// findings badge nothing.
    pub fn worst(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Option<Severity> {
        self.naming(kind, namespace, name)
            .find(|f| f.silenced.is_none())
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
            since: None,
            silenced: None,
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
