//! The one component that can change anything. It exists only when stordeck is not
//! read-only; right before it sends, it verifies the action's preconditions again with
//! fresh reads ([`Action::reads`]), then sends exactly the requests the action holds, each
//! PATCH conditional on the resourceVersion its read returned, and writes the audit log
//! around them.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

use super::audit::AuditLog;
use super::run_ebs::SnapshotWait;
use super::{Action, DeleteAccessPoint, DeleteAddon, KubePatch, PatchType, errors, recheck};
use crate::sources::connect::Connection;

/// Runs after the re-check passed and before mutating request `n` (from 0) is sent. Tests
/// use it to change the world in exactly that window.
pub type BeforeSend = Arc<dyn Fn(usize) -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Clone)]
pub struct Executor {
    pub(super) kube: kube::Client,
    efs: aws_sdk_efs::Client,
    eks: aws_sdk_eks::Client,
    pub(super) ec2: aws_sdk_ec2::Client,
    pub(super) audit: AuditLog,
    before_send: Option<BeforeSend>,
    pub(super) snapshot_wait: SnapshotWait,
}

/// What came of an action: a line saying what happened, or why it did not. A refusal
/// after the re-check starts with `refused: `.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub action: Action,
    pub result: Result<String, String>,
}

/// A PATCH the API server turned down.
enum PatchFailure {
    /// The object is no longer at the resourceVersion read just before: nothing applied.
    Changed(String),
    Other(String),
}

impl Executor {
    /// `None` for a read-only connection: then nothing that can mutate is ever built.
    pub fn new(conn: &Connection, audit: AuditLog) -> Option<Executor> {
        if conn.read_only {
            return None;
        }
        Some(Executor {
            kube: conn.kube.clone(),
            efs: conn.aws.efs.clone(),
            eks: conn.aws.eks.clone(),
            ec2: conn.aws.ec2.clone(),
            audit,
            before_send: None,
            snapshot_wait: SnapshotWait::default(),
        })
    }

    pub fn before_each_send(mut self, hook: BeforeSend) -> Self {
        self.before_send = Some(hook);
        self
    }

    /// How often and how long a snapshot-then-delete waits for its snapshot.
    pub fn snapshot_wait(mut self, wait: SnapshotWait) -> Self {
        self.snapshot_wait = wait;
        self
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    pub async fn run(&self, action: Action) -> Outcome {
        if let Err(e) = self.audit.record(&action, "started").await {
            let why = format!(
                "nothing was sent: cannot write the audit log {}: {e}",
                self.audit.path().display()
            );
            return Outcome {
                action,
                result: Err(why),
            };
        }
        let (recorded, result) = match self.check_and_send(&action).await {
            Err(refusal) => (
                format!("refused: {refusal}"),
                Err(format!("refused: {refusal}; nothing was sent")),
            ),
            Ok(Ok(m)) => (format!("ok: {m}"), Ok(m)),
            Ok(Err(e)) => (format!("failed: {e}"), Err(e)),
        };
        let result = match self.audit.record(&action, &recorded).await {
            Ok(()) => result,
            Err(e) => result.map(|m| {
                format!(
                    "{m} (but its result could not be written to {}: {e})",
                    self.audit.path().display()
                )
            }),
        };
        Outcome { action, result }
    }

    /// The outer `Err` is a refusal by the re-check (nothing sent); the inner result is
    /// what came of sending.
    async fn check_and_send(&self, action: &Action) -> Result<Result<String, String>, String> {
        match action {
            Action::DeleteAddon(d) => {
                recheck::addon(&self.eks, d).await?;
                self.before(0).await;
                Ok(self.delete_addon(d).await)
            }
            Action::DeleteAccessPoint(d) => {
                recheck::access_point(&self.efs, &self.kube, d).await?;
                self.before(0).await;
                Ok(self.delete_access_point(d).await)
            }
            Action::AdoptHelm(a) => {
                let rvs = recheck::objects(&self.kube, &a.patches).await?;
                Ok(self.patch_all(&a.patches, &rvs).await)
            }
            Action::Tolerate(t) => {
                let rvs = recheck::objects(&self.kube, std::slice::from_ref(&t.patch)).await?;
                Ok(self.tolerate(&t.patch, &rvs).await)
            }
            Action::DetachVolume(d) => {
                recheck::detach(&self.ec2, &self.kube, d).await?;
                self.before(0).await;
                Ok(self.detach_volume(d).await)
            }
            Action::DeleteVolume(d) => {
                recheck::delete_volume(&self.ec2, &self.kube, d).await?;
                Ok(self.snapshot_then_delete(action, d).await)
            }
            Action::RefreshInsights(r) => {
                super::insights::recheck(&self.eks, r).await?;
                self.before(0).await;
                Ok(super::insights::run(&self.eks, r).await)
            }
        }
    }

    pub(super) async fn before(&self, n: usize) {
        if let Some(hook) = &self.before_send {
            hook(n).await;
        }
    }

    async fn delete_addon(&self, d: &DeleteAddon) -> Result<String, String> {
        let out = self
            .eks
            .delete_addon()
            .cluster_name(&d.cluster)
            .addon_name(&d.addon)
            .preserve(d.preserve)
            .send()
            .await
            .map_err(|e| errors::aws("EKS", "DeleteAddon", &e))?;
        let status = out
            .addon()
            .and_then(|a| a.status())
            .map_or("accepted", |s| s.as_str());
        Ok(format!(
            "EKS is deleting add-on {} (preserve={}): {status}",
            d.addon, d.preserve
        ))
    }

    async fn delete_access_point(&self, d: &DeleteAccessPoint) -> Result<String, String> {
        self.efs
            .delete_access_point()
            .access_point_id(&d.access_point_id)
            .send()
            .await
            .map_err(|e| errors::aws("EFS", "DeleteAccessPoint", &e))?;
        Ok(format!("deleted access point {}", d.access_point_id))
    }

    /// In order, stopping at the first failure: the message says which were applied.
    async fn patch_all(&self, patches: &[KubePatch], rvs: &[String]) -> Result<String, String> {
        for (i, (p, rv)) in patches.iter().zip(rvs).enumerate() {
            self.before(i).await;
            let Err(failure) = self.patch(p, rv).await else {
                continue;
            };
            let done = match i {
                0 => "nothing was applied".to_string(),
                1 => "the 1 patch before it was applied; the rest were not sent".to_string(),
                _ => format!("the {i} patches before it were applied; the rest were not sent"),
            };
            return Err(match failure {
                PatchFailure::Changed(why) => format!(
                    "{} changed since it was read; {done} ({why})",
                    p.object.display()
                ),
                PatchFailure::Other(why) => format!("{why}; {done}"),
            });
        }
        Ok(format!("patched {} objects", patches.len()))
    }

    async fn tolerate(&self, p: &KubePatch, rvs: &[String]) -> Result<String, String> {
        let rv = rvs.first().map_or("", String::as_str);
        self.before(0).await;
        match self.patch(p, rv).await {
            Ok(()) => Ok(format!(
                "{} now tolerates {}",
                p.object.display(),
                super::DISRUPTED_TAINT
            )),
            Err(PatchFailure::Changed(why)) => Err(format!(
                "{} changed since it was read; nothing was applied ({why})",
                p.object.display()
            )),
            Err(PatchFailure::Other(why)) => Err(format!("{why}; nothing was applied")),
        }
    }

    async fn patch(&self, p: &KubePatch, rv: &str) -> Result<(), PatchFailure> {
        let what = format!("PATCH {}", p.object.display());
        let target = p.path_and_query().ok_or_else(|| {
            PatchFailure::Other(format!("{what}: stordeck has no API path for this kind"))
        })?;
        let req = http::Request::patch(target)
            .header(http::header::CONTENT_TYPE, p.content_type())
            .header(http::header::ACCEPT, "application/json")
            .body(p.body_at(rv).to_string().into_bytes())
            .map_err(|e| PatchFailure::Other(format!("{what}: {e}")))?;
        match self.kube.request::<Value>(req).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if precondition_failed(p, s.code) => {
                Err(PatchFailure::Changed(format!(
                    "API server: {} {}: {}",
                    s.code, s.reason, s.message
                )))
            }
            Err(e) => Err(PatchFailure::Other(errors::kube(&what, &e))),
        }
    }
}

/// 409 Conflict answers a resourceVersion that no longer matches; a JSON patch whose leading
/// `test` op fails is refused whole with 422, as the API server refuses any JSON patch it
/// cannot apply (the ops after the test were checked against that very version).
fn precondition_failed(p: &KubePatch, code: u16) -> bool {
    code == 409 || (code == 422 && p.patch_type == PatchType::Json)
}
