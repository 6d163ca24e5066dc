//! `churn`: a small base world (the scale scenario's shapes, 200 PVs and 200 access points
//! by default) and healthy activity only, in the real components' order: a provision every
//! 1/`churn` seconds, each churned volume deleted 60 s after it was asked for (the two
//! delete orders in turn), and a Karpenter drain every 90 s that completes. Everything is
//! decided by counters and seeds, never by the wall clock, so the same clock gives the same
//! history. Faults come only from the base world and from `POST /_sim/faults/plant`.

use jiff::SignedDuration;

use super::base::{FS_A, FS_B};
use super::lifecycle::{self, Claim, DeleteOrder};
use super::scale::populate;
use super::{ScaleOptions, Scenario, drain};
use crate::sim::SimState;

pub const DELETE_AFTER: SignedDuration = SignedDuration::from_secs(60);
pub const DRAIN_EVERY: SignedDuration = SignedDuration::from_secs(90);
/// Far from the seeds the scale builder and the demo use.
const SEED: u64 = 0xc4_0000_0000;
const GID_START: i64 = 70_000;
/// A clock jump must not stall the simulator: planning beyond this per advance waits.
const MAX_PLANNED_PER_ADVANCE: u64 = 10_000;

pub struct Churn {
    /// Provisions per second of scenario time.
    rate: f64,
    provisions: u64,
    drains: u64,
}

impl Churn {
    pub fn build(st: &mut SimState, opts: &ScaleOptions) -> Churn {
        populate(st, opts);
        Churn {
            rate: if opts.churn.is_finite() {
                opts.churn.max(0.0)
            } else {
                0.0
            },
            provisions: 0,
            drains: 0,
        }
    }

    fn claim(k: u64) -> Claim {
        let (fs, sc) = if k.is_multiple_of(2) {
            (FS_A, "efs-sc")
        } else {
            (FS_B, "efs-sc-b")
        };
        Claim {
            namespace: format!("team-{:03}", k % 50),
            name: format!("churn-{k}"),
            storage_class: sc.into(),
            file_system_id: fs.into(),
            gid: GID_START + i64::try_from(k).unwrap_or(0),
            reclaim: "Delete".into(),
            efs_prefix: k.is_multiple_of(3),
            keep_busy: true,
        }
    }

    /// Scenario time of the k-th provision (k from 1).
    fn provision_at(&self, k: u64) -> Option<SignedDuration> {
        SignedDuration::try_from_secs_f64(k as f64 / self.rate).ok()
    }
}

impl Scenario for Churn {
    fn advance(&mut self, st: &mut SimState, elapsed: SignedDuration) {
        let mut budget = MAX_PLANNED_PER_ADVANCE;
        while self.rate > 0.0 && budget > 0 {
            let k = self.provisions + 1;
            let Some(at) = self.provision_at(k) else {
                break;
            };
            if at > elapsed {
                break;
            }
            self.provisions = k;
            budget -= 1;
            let claim = Self::claim(k);
            let due = st.started.checked_add(at).unwrap_or(st.started);
            st.at(due, move |st| {
                let (ns, name) = (claim.namespace.clone(), claim.name.clone());
                lifecycle::provision(st, claim, SEED + k);
                st.after(DELETE_AFTER, move |st| {
                    lifecycle::delete(st, &ns, &name, DeleteOrder::nth(k));
                });
            });
        }
        loop {
            let n = self.drains + 1;
            let at = DRAIN_EVERY * i32::try_from(n).unwrap_or(i32::MAX);
            if at > elapsed {
                break;
            }
            self.drains = n;
            let due = st.started.checked_add(at).unwrap_or(st.started);
            st.at(due, move |st| {
                // Which node is decided when the drain starts: the one free then.
                if let Some(node) = drain::next_candidate(st) {
                    drain::drain(st, &node, SEED ^ (n << 20));
                }
            });
        }
    }
}
