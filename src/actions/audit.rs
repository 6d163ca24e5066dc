//! The audit log: one JSON object a line in `audit.jsonl` in the data directory. Every
//! action writes a `started` line before it sends anything (and does not run if that
//! cannot be written) and a line with its result after. Each line says who acted three
//! ways: the local user, the AWS principal and the Kubernetes user the credentials are.

use std::path::{Path, PathBuf};

use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::Action;
use crate::sources::identity::{Identity, Pending};

pub const FILE_NAME: &str = "audit.jsonl";

#[derive(Clone, Debug)]
pub struct AuditLog {
    path: PathBuf,
    user: String,
    cluster: String,
    /// `None`: not looked up (tests that drive actions without asking STS).
    identity: Option<Pending>,
}

/// Who is at the keyboard, as the login session says.
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

impl AuditLog {
    pub fn new(path: PathBuf, user: impl Into<String>, cluster: impl Into<String>) -> Self {
        AuditLog {
            path,
            user: user.into(),
            cluster: cluster.into(),
            identity: None,
        }
    }

    /// Records the AWS and Kubernetes identity on every line, waiting for the lookup (which
    /// is bounded by its own timeout) before the first.
    pub fn with_identity(mut self, identity: Pending) -> Self {
        self.identity = Some(identity);
        self
    }

    /// `dir/audit.jsonl`, recorded as the local user.
    pub fn in_dir(dir: &Path, cluster: impl Into<String>) -> Self {
        Self::new(dir.join(FILE_NAME), local_user(), cluster)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record. `result` is `started`, `ok: …`, `failed: …`, or `refused: …`
    /// when the re-check found something changed and nothing was sent.
    pub async fn record(&self, action: &Action, result: &str) -> std::io::Result<()> {
        let who = match &self.identity {
            Some(p) => Some(p.get().await),
            None => None,
        };
        let (aws, kube_user, kube_groups) = identity_fields(who.as_deref());
        let line = json!({
            "time": jiff::Timestamp::now().to_string(),
            "user": self.user,
            "aws_identity": aws,
            "kube_user": kube_user,
            "kube_groups": kube_groups,
            "cluster": self.cluster,
            "action": action.kind(),
            "target": action.target(),
            "reads": action.read_lines(),
            "requests": action.requests(),
            "result": result,
        });
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        if let Some(dir) = self.path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await?;
        // One write of one whole line, so concurrent stordecks do not interleave records.
        f.write_all(&bytes).await?;
        f.flush().await
    }
}

/// `aws_identity`, `kube_user` and `kube_groups`: what is not known reads `unknown: why`, so
/// a line never claims an identity nobody confirmed, and the action is not held up by it.
fn identity_fields(who: Option<&Identity>) -> (String, String, Option<Vec<String>>) {
    let unknown = |why: &str| format!("unknown: {why}");
    let Some(who) = who else {
        let why = unknown("not looked up");
        return (why.clone(), why, None);
    };
    let aws = who.aws.clone().unwrap_or_else(|e| unknown(&e));
    match &who.kube {
        Ok(u) => (aws, u.username.clone(), Some(u.groups.clone())),
        Err(e) => (aws, unknown(e), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::DeleteAccessPoint;
    use crate::sources::identity::KubeUser;

    fn action() -> Action {
        Action::DeleteAccessPoint(DeleteAccessPoint {
            access_point_id: "fsap-0123456789abcdef0".into(),
            file_system_id: "fs-0123456789abcdef0".into(),
            client_token: None,
            root_path: None,
            findings: Vec::new(),
        })
    }

    async fn line(log: &AuditLog) -> serde_json::Value {
        log.record(&action(), "started").await.expect("written");
        let text = std::fs::read_to_string(log.path()).expect("read");
        serde_json::from_str(text.lines().last().expect("a line")).expect("JSON")
    }

    #[tokio::test]
    async fn audit_lines_name_the_aws_and_kube_identity_beside_the_local_user() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join(FILE_NAME), "alice", "prod").with_identity(
            Pending::known(Identity {
                aws: Ok("arn:aws:sts::111122223333:assumed-role/ops/alice".into()),
                kube: Ok(KubeUser {
                    username: "ops:alice".into(),
                    groups: vec!["system:authenticated".into()],
                }),
            }),
        );
        let l = line(&log).await;
        assert_eq!(l["user"], "alice");
        assert_eq!(
            l["aws_identity"],
            "arn:aws:sts::111122223333:assumed-role/ops/alice"
        );
        assert_eq!(l["kube_user"], "ops:alice");
        assert_eq!(
            l["kube_groups"],
            serde_json::json!(["system:authenticated"])
        );
    }

    #[tokio::test]
    async fn audit_lines_say_why_an_identity_is_unknown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join(FILE_NAME), "alice", "prod").with_identity(
            Pending::known(Identity {
                aws: Err("STS did not answer GetCallerIdentity within 5s".into()),
                kube: Err("SelfSubjectReview: the API server answered 403 Forbidden: no".into()),
            }),
        );
        let l = line(&log).await;
        assert_eq!(
            l["aws_identity"],
            "unknown: STS did not answer GetCallerIdentity within 5s"
        );
        assert!(
            l["kube_user"]
                .as_str()
                .is_some_and(|u| u.starts_with("unknown: "))
        );
        assert!(l["kube_groups"].is_null());
        let bare = AuditLog::new(dir.path().join("bare.jsonl"), "alice", "prod");
        assert_eq!(line(&bare).await["aws_identity"], "unknown: not looked up");
    }
}
