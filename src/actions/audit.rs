//! The audit log: one JSON object a line in `audit.jsonl` in the data directory. Every
//! action writes a `started` line before it sends anything (and does not run if that
//! cannot be written) and a line with its result after.

use std::path::{Path, PathBuf};

use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::Action;

pub const FILE_NAME: &str = "audit.jsonl";

#[derive(Clone, Debug)]
pub struct AuditLog {
    path: PathBuf,
    user: String,
    cluster: String,
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
        }
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
        let line = json!({
            "time": jiff::Timestamp::now().to_string(),
            "user": self.user,
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
