//! Targeted reads that confirm a candidate finding before it alarms anyone (DESIGN.md,
//! "Confirm before alarming"): one access point by id from EFS, one PV or PVC from the
//! API server, instead of waiting for the next sweep, which at 20,000 access points comes
//! minutes later. The rules say what they want; this reads it, coalescing repeats and
//! keeping to a rate, and sends each answer stamped with when its read started.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_efs::Client as Efs;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use kube::{Api, Client};
use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::aws::AwsSources;
use super::aws::convert as conv;
use super::aws::ec2_convert;
use crate::clock::Clock;
use crate::model::input::PodRead;
use crate::model::{ProbeKey, ProbeOutcome, ProbeResult, SourceMsg};

/// Reads at most this many at once…
const CONCURRENCY: usize = 4;
/// …and at most this many a second (clock time), so a burst of candidates (a relist, a
/// mass deletion) cannot turn into a storm of calls or invite throttling.
const PER_SECOND: u32 = 10;
/// The same object is not read again sooner than this, even if still wanted: its answer
/// may be on its way, or the candidate is waiting for something else.
const REREAD_AFTER: Duration = Duration::from_secs(5);
/// A read that keeps failing (throttled, an outage) is retried ever later, up to this:
/// re-reading every few seconds would only add to the throttling.
const FAILING_REREAD_MAX: Duration = Duration::from_secs(60);

/// How long after its last read a key may be read again, given its failures in a row.
fn reread_after(base: Duration, failures: u32) -> Duration {
    base * 2u32.pow(failures.min(6))
}

#[derive(Clone)]
pub struct Wants(watch::Sender<BTreeSet<ProbeKey>>);

impl Wants {
    pub fn want(&self, keys: &BTreeSet<ProbeKey>) {
        self.0.send_if_modified(|cur| {
            let changed = cur != keys;
            if changed {
                cur.clone_from(keys);
            }
            changed
        });
    }
}

pub fn spawn(
    kube: &Client,
    aws: &AwsSources,
    tx: &Sender<SourceMsg>,
    clock: Clock,
) -> (Wants, JoinHandle<()>) {
    let (wtx, rx) = watch::channel(BTreeSet::new());
    let readers = Readers {
        kube: kube.clone(),
        efs: aws.efs.clone(),
        ec2: aws.ec2.clone(),
    };
    let task = tokio::spawn(run(readers, tx.clone(), rx, clock));
    (Wants(wtx), task)
}

#[derive(Clone)]
struct Readers {
    kube: Client,
    efs: Efs,
    ec2: aws_sdk_ec2::Client,
}

async fn run(
    readers: Readers,
    tx: Sender<SourceMsg>,
    mut rx: watch::Receiver<BTreeSet<ProbeKey>>,
    clock: Clock,
) {
    let mut last_read: HashMap<ProbeKey, Instant> = HashMap::new();
    let mut failing: HashMap<ProbeKey, u32> = HashMap::new();
    let base = clock.real(REREAD_AFTER);
    let max = clock.real(FAILING_REREAD_MAX);
    let reread = |failing: &HashMap<ProbeKey, u32>, k: &ProbeKey| {
        let n = failing.get(k).copied().unwrap_or(0);
        reread_after(base, n).min(max.max(base))
    };
    let reread_base = base;
    let batch_gap = clock.real(Duration::from_secs(1));
    loop {
        let wanted = rx.borrow_and_update().clone();
        last_read.retain(|k, at| wanted.contains(k) || at.elapsed() < reread_base);
        failing.retain(|k, _| wanted.contains(k));
        let due: Vec<ProbeKey> = wanted
            .iter()
            .filter(|k| {
                last_read
                    .get(*k)
                    .is_none_or(|at| at.elapsed() >= reread(&failing, k))
            })
            .take(PER_SECOND as usize)
            .cloned()
            .collect();
        let started_batch = Instant::now();
        for k in &due {
            last_read.insert(k.clone(), Instant::now());
        }
        let mut answers = futures::stream::iter(due.clone())
            .map(|key| {
                let readers = readers.clone();
                async move {
                    let started = clock.now();
                    let outcome = read(&readers, &key).await;
                    (key, started, outcome)
                }
            })
            .buffer_unordered(CONCURRENCY);
        while let Some((key, started, outcome)) = answers.next().await {
            // A failed read (throttled, unreachable) says nothing; it is tried again,
            // ever later while it keeps failing, if still wanted.
            let Some(outcome) = outcome else {
                *failing.entry(key).or_default() += 1;
                continue;
            };
            failing.remove(&key);
            let r = ProbeResult {
                key,
                started,
                outcome,
            };
            if tx.send(SourceMsg::Probe(r)).await.is_err() {
                return;
            }
        }
        if !due.is_empty() {
            // Keep to the rate, then see what else is due.
            tokio::time::sleep_until(started_batch + batch_gap).await;
            continue;
        }
        // Nothing due: wait for a new want, or the earliest re-read of one still wanted.
        let next = wanted
            .iter()
            .filter_map(|k| Some(*last_read.get(k)? + reread(&failing, k)))
            .min();
        let changed = match next {
            Some(at) => tokio::select! {
                c = rx.changed() => c,
                _ = tokio::time::sleep_until(at) => Ok(()),
            },
            None => rx.changed().await,
        };
        if changed.is_err() {
            return;
        }
    }
}

async fn read(r: &Readers, key: &ProbeKey) -> Option<ProbeOutcome> {
    match key {
        ProbeKey::AccessPoint(id) => {
            match r
                .efs
                .describe_access_points()
                .access_point_id(id)
                .send()
                .await
            {
                Ok(out) => Some(match out.access_points().first() {
                    Some(ap) => ProbeOutcome::AccessPoint(conv::access_point(ap)),
                    None => ProbeOutcome::NotFound,
                }),
                Err(e) => refused(&e),
            }
        }
        ProbeKey::EbsVolume(id) => {
            // By filter: a volume that is gone is an empty answer, not an error.
            let f = super::aws::ec2::id_filter("volume-id", &[id]);
            let out = r.ec2.describe_volumes().filters(f).send().await.ok()?;
            Some(match out.volumes().first() {
                Some(v) => ProbeOutcome::EbsVolume(ec2_convert::volume(v)),
                None => ProbeOutcome::NotFound,
            })
        }
        ProbeKey::Pv(name) => {
            let api: Api<PersistentVolume> = Api::all(r.kube.clone());
            found(api.get_opt(name).await.ok()?.map(|o| o.metadata.uid))
        }
        ProbeKey::Pvc { namespace, name } => {
            let api: Api<PersistentVolumeClaim> = Api::namespaced(r.kube.clone(), namespace);
            found(api.get_opt(name).await.ok()?.map(|o| o.metadata.uid))
        }
        ProbeKey::Pod { namespace, name } => {
            let api: Api<Pod> = Api::namespaced(r.kube.clone(), namespace);
            match api.get_opt(name).await {
                Ok(Some(p)) => Some(ProbeOutcome::Pod(pod_read(&p))),
                Ok(None) => Some(ProbeOutcome::NotFound),
                // A role that may not read pods will not be allowed on the next try either.
                Err(kube::Error::Api(e)) if e.code == 403 => {
                    Some(ProbeOutcome::Denied { reason: e.message })
                }
                Err(_) => None,
            }
        }
    }
}

/// The claims a pod mounts: named ones, and the generic ephemeral volumes, whose claim
/// is `<pod>-<volume>`.
fn pod_read(p: &Pod) -> PodRead {
    let name = p.metadata.name.as_deref().unwrap_or_default();
    let spec = p.spec.as_ref();
    let claims = spec
        .and_then(|s| s.volumes.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|v| match (&v.persistent_volume_claim, &v.ephemeral) {
            (Some(c), _) => Some(c.claim_name.clone()),
            (None, Some(_)) => Some(format!("{name}-{}", v.name)),
            (None, None) => None,
        })
        .collect();
    PodRead {
        uid: p.metadata.uid.clone(),
        node: spec.and_then(|s| s.node_name.clone()),
        claims,
    }
}

/// An answer about the access point, if EFS gave one: throttling or an outage says
/// nothing and is read again later, but an id EFS refuses outright would otherwise be
/// "checking" for ever.
fn refused<R>(
    e: &aws_sdk_efs::error::SdkError<
        aws_sdk_efs::operation::describe_access_points::DescribeAccessPointsError,
        R,
    >,
) -> Option<ProbeOutcome> {
    use aws_sdk_efs::error::ProvideErrorMetadata;
    let se = e.as_service_error()?;
    if se.is_access_point_not_found() {
        return Some(ProbeOutcome::NotFound);
    }
    matches!(se.code(), Some("ValidationException" | "BadRequest")).then(|| ProbeOutcome::Invalid {
        reason: se.message().unwrap_or("the id is not valid").to_string(),
    })
}

fn found(uid: Option<Option<String>>) -> Option<ProbeOutcome> {
    Some(match uid {
        Some(uid) => ProbeOutcome::Found { uid },
        None => ProbeOutcome::NotFound,
    })
}
