//! Sending the EBS actions. Snapshot-then-delete is three steps that each reach the audit
//! log: the snapshot is asked for, it completes, and only then — after the volume is
//! checked once more, since a snapshot can take long — is the volume deleted. Anything
//! short of a completed snapshot leaves the volume where it is.

use std::time::Duration;

use aws_sdk_ec2::types::SnapshotState;

use super::ebs::{DeleteVolume, DetachVolume};
use super::{Action, Executor, errors, recheck};

/// How a snapshot-then-delete waits for its snapshot: EC2 finishes snapshots on its own
/// time (minutes for a first snapshot of a large volume), so it polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotWait {
    pub every: Duration,
    pub at_most: Duration,
}

impl Default for SnapshotWait {
    fn default() -> Self {
        SnapshotWait {
            every: Duration::from_secs(10),
            at_most: Duration::from_secs(3600),
        }
    }
}

/// Where a snapshot stood when the wait ended.
enum Waited {
    Completed,
    Failed(String),
    StillPending(String),
}

impl Executor {
    pub(super) async fn detach_volume(&self, d: &DetachVolume) -> Result<String, String> {
        let out = self
            .ec2
            .detach_volume()
            .volume_id(&d.volume_id)
            .instance_id(&d.instance_id)
            .force(d.force)
            .send()
            .await
            .map_err(|e| errors::aws("EC2", "DetachVolume", &e))?;
        let state = out.state().map_or("accepted", |s| s.as_str());
        Ok(format!(
            "EC2 is detaching {} from {} (Force={}): {state}",
            d.volume_id, d.instance_id, d.force
        ))
    }

    /// A step's audit line; if it cannot be written, the steps after it are not taken.
    async fn step(&self, action: &Action, line: String) -> Result<(), String> {
        self.audit
            .record(action, &format!("step: {line}"))
            .await
            .map_err(|e| {
                format!(
                    "stopped after \"{line}\": cannot write the audit log {}: {e}",
                    self.audit.path().display()
                )
            })
    }

    pub(super) async fn snapshot_then_delete(
        &self,
        action: &Action,
        d: &DeleteVolume,
    ) -> Result<String, String> {
        let v = &d.volume_id;
        let kept = |why: String| format!("{why}; {v} was NOT deleted");
        let snapshot = if d.snapshot_first {
            self.before(0).await;
            let snap = self.create_snapshot(d).await.map_err(kept)?;
            self.step(action, format!("CreateSnapshot of {v} started {snap}"))
                .await
                .map_err(kept)?;
            match self.wait_for(&snap).await {
                Waited::Completed => {}
                Waited::Failed(why) | Waited::StillPending(why) => {
                    let _ = self.step(action, why.clone()).await;
                    return Err(kept(why));
                }
            }
            self.step(action, format!("snapshot {snap} of {v} completed"))
                .await
                .map_err(kept)?;
            // The wait may have been long: someone may have attached or claimed it since.
            recheck::delete_volume(&self.ec2, &self.kube, d)
                .await
                .map_err(|why| kept(format!("checked again before DeleteVolume: {why}")))?;
            Some(snap)
        } else {
            None
        };
        self.before(usize::from(d.snapshot_first)).await;
        self.ec2
            .delete_volume()
            .volume_id(v)
            .send()
            .await
            .map_err(|e| errors::aws("EC2", "DeleteVolume", &e))?;
        Ok(match snapshot {
            Some(snap) => format!("snapshot {snap} completed; EC2 is deleting {v}"),
            None => format!("EC2 is deleting {v} (no snapshot was taken)"),
        })
    }

    async fn create_snapshot(&self, d: &DeleteVolume) -> Result<String, String> {
        let out = self
            .ec2
            .create_snapshot()
            .volume_id(&d.volume_id)
            .description(d.snapshot_description())
            .send()
            .await
            .map_err(|e| errors::aws("EC2", "CreateSnapshot", &e))?;
        out.snapshot_id().map(String::from).ok_or_else(|| {
            "EC2 CreateSnapshot answered without a snapshot id, so its completion cannot be \
             followed"
                .into()
        })
    }

    async fn wait_for(&self, snap: &str) -> Waited {
        let wait = self.snapshot_wait;
        let deadline = tokio::time::Instant::now() + wait.at_most;
        let mut last;
        loop {
            match self
                .ec2
                .describe_snapshots()
                .snapshot_ids(snap)
                .send()
                .await
            {
                Ok(out) => {
                    let s = out
                        .snapshots()
                        .iter()
                        .find(|s| s.snapshot_id() == Some(snap));
                    match s.and_then(|s| s.state()) {
                        Some(SnapshotState::Completed) => return Waited::Completed,
                        Some(SnapshotState::Error) => {
                            let why = s
                                .and_then(|s| s.state_message())
                                .unwrap_or("no reason given");
                            return Waited::Failed(format!("snapshot {snap} failed: {why}"));
                        }
                        Some(other) => last = other.as_str().to_string(),
                        None => last = "not listed".into(),
                    }
                }
                // A read that fails is asked again until the deadline; it proves nothing.
                Err(e) => last = errors::aws("EC2", "DescribeSnapshots", &e),
            }
            if tokio::time::Instant::now() + wait.every > deadline {
                return Waited::StillPending(format!(
                    "snapshot {snap} was not completed within {}s (last: {last})",
                    wait.at_most.as_secs()
                ));
            }
            tokio::time::sleep(wait.every).await;
        }
    }
}
