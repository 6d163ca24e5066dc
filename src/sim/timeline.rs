//! Steps that must happen in order with delays between them (a CSI driver's calls, a
//! drain), as a queue of (due scenario time, step). `SimState::run_due` drains it in
//! order, each step seeing the clock at its own due time, so one long `advance` plays the
//! same history as many short ones.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::SimState;

pub type Step = Box<dyn FnOnce(&mut SimState) + Send>;

#[derive(Default)]
pub struct Timeline {
    seq: u64,
    /// The sequence number keeps steps due at the same instant in the order they were
    /// queued.
    steps: BTreeMap<(Timestamp, u64), Step>,
}

impl Timeline {
    pub fn at(&mut self, due: Timestamp, step: Step) {
        self.seq += 1;
        self.steps.insert((due, self.seq), step);
    }

    /// The earliest step due at or before `now`.
    pub fn pop_due(&mut self, now: Timestamp) -> Option<(Timestamp, Step)> {
        let entry = self.steps.first_entry()?;
        if entry.key().0 > now {
            return None;
        }
        let ((due, _), step) = entry.remove_entry();
        Some((due, step))
    }

    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}
