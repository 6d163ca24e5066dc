//! The one component that can change anything. It exists only when stordeck is not
//! read-only; it sends exactly the requests an [`Action`] holds, and writes the audit log
//! around them.

use serde_json::Value;

use super::audit::AuditLog;
use super::{Action, DeleteAccessPoint, DeleteAddon, KubePatch, Tolerate, errors};
use crate::sources::connect::Connection;

#[derive(Clone)]
pub struct Executor {
    kube: kube::Client,
    efs: aws_sdk_efs::Client,
    eks: aws_sdk_eks::Client,
    audit: AuditLog,
}

/// What came of an action: a line saying what happened, or why it did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub action: Action,
    pub result: Result<String, String>,
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
            audit,
        })
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
        let result = match &action {
            Action::DeleteAddon(d) => self.delete_addon(d).await,
            Action::DeleteAccessPoint(d) => self.delete_access_point(d).await,
            Action::AdoptHelm(a) => self.patch_all(&a.patches).await,
            Action::Tolerate(t) => self.tolerate(t).await,
        };
        let recorded = match &result {
            Ok(m) => format!("ok: {m}"),
            Err(e) => format!("failed: {e}"),
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
    async fn patch_all(&self, patches: &[KubePatch]) -> Result<String, String> {
        for (i, p) in patches.iter().enumerate() {
            if let Err(e) = self.patch(p).await {
                let done = if i == 0 {
                    "nothing was changed".to_string()
                } else {
                    format!("the {i} patches before it were applied; the rest were not sent")
                };
                return Err(format!("{e}; {done}"));
            }
        }
        Ok(format!("patched {} objects", patches.len()))
    }

    async fn patch(&self, p: &KubePatch) -> Result<(), String> {
        let what = format!("PATCH {}", p.object.display());
        let target = p
            .path_and_query()
            .ok_or_else(|| format!("{what}: stordeck has no API path for this kind"))?;
        let req = http::Request::patch(target)
            .header(http::header::CONTENT_TYPE, p.content_type())
            .header(http::header::ACCEPT, "application/json")
            .body(p.body_text().into_bytes())
            .map_err(|e| format!("{what}: {e}"))?;
        self.kube
            .request::<Value>(req)
            .await
            .map(drop)
            .map_err(|e| errors::kube(&what, &e))
    }

    /// Refuses, sending nothing, when the DaemonSet's tolerations are no longer what the
    /// dialog's patch was written for: creating the list over an existing one would drop
    /// its tolerations.
    async fn tolerate(&self, t: &Tolerate) -> Result<String, String> {
        let obj = &t.patch.object;
        let path = obj
            .path()
            .ok_or_else(|| format!("no API path for {}", obj.kind))?;
        let req = http::Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|e| e.to_string())?;
        let live: Value = self
            .kube
            .request(req)
            .await
            .map_err(|e| errors::kube(&format!("GET {}", obj.display()), &e))?;
        let list = live.pointer("/spec/template/spec/tolerations");
        let has_list = list.is_some_and(|l| !l.is_null());
        let non_empty = list
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        if (t.creates_list && non_empty) || (!t.creates_list && !has_list) {
            return Err(format!(
                "{}'s tolerations changed since the dialog opened; nothing was sent — open it \
                 again to see the patch that fits now",
                obj.display()
            ));
        }
        self.patch(&t.patch).await?;
        Ok(format!(
            "{} now tolerates {}",
            obj.display(),
            super::DISRUPTED_TAINT
        ))
    }
}
