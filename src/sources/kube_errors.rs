//! What a watcher failure means: for the operator (a reason and what to do), for the
//! retry (how patiently), and for the watch itself (whether only a fresh list can help).

use kube::runtime::watcher;

use super::backoff::Retry;
use super::health::Tracker;
use crate::model::{Health, SourceId};

/// A 410 the watcher handles itself: it relists at once and nothing is wrong.
pub fn is_gone_event(e: &watcher::Error) -> bool {
    matches!(e, watcher::Error::WatchError(s) if s.code == 410)
}

/// The watcher resumes from its resourceVersion on every error but a 410 event, and on
/// these only a new list helps: the server does not know that version (it was replaced
/// or restored and is behind us: "Too large resource version", 504 with cause
/// ResourceVersionTooLarge), or a 410 came as an answer rather than as an event.
pub fn needs_relist(e: &watcher::Error) -> bool {
    let status = match e {
        watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s,
        watcher::Error::WatchError(s) => s,
        _ => return false,
    };
    if matches!(e, watcher::Error::WatchStartFailed(_)) && status.code == 410 {
        return true;
    }
    let cause = status.details.as_ref().is_some_and(|d| {
        d.causes
            .iter()
            .any(|c| c.reason == "ResourceVersionTooLarge")
    });
    cause
        || (status.code == 504
            && status
                .message
                .to_ascii_lowercase()
                .contains("too large resource version"))
}

fn status(e: &watcher::Error) -> Option<&kube::core::Status> {
    match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => Some(s),
        watcher::Error::WatchError(s) => Some(s),
        _ => None,
    }
}

fn status_code(e: &watcher::Error) -> Option<u16> {
    status(e).map(|s| s.code)
}

/// The API server's own words, which name the user and verb RBAC refused.
fn server_says(e: &watcher::Error) -> String {
    status(e)
        .map(|s| s.message.trim())
        .filter(|m| !m.is_empty())
        .map(|m| format!(": the API server says \"{m}\""))
        .unwrap_or_default()
}

pub fn retry_for(e: &watcher::Error) -> Retry {
    match status_code(e) {
        // Forbidden, unauthenticated, or a kind this server does not serve (the ACK CRD
        // not installed): only a change elsewhere helps.
        Some(401 | 403 | 404) => Retry::Denied,
        Some(429) => Retry::Throttled,
        _ => Retry::Outage,
    }
}

pub fn describe(source: SourceId, e: &watcher::Error, health: &Tracker) -> Health {
    let what = source.label();
    match status_code(e) {
        Some(404) if source == SourceId::AckFileSystems => health.absent(
            "the ACK EFS controller's FileSystem CRD (filesystems.efs.services.k8s.aws) is not installed".into(),
        ),
        Some(403) => {
            let (resource, namespaced) = source.resource().unwrap_or((what, false));
            let all = if namespaced { " --all-namespaces" } else { "" };
            health.failed(
                format!("forbidden to list/watch {resource}{}", server_says(e)),
                format!(
                    "grant this identity `list` and `watch` on {resource} (check: kubectl auth can-i watch {resource}{all})"
                ),
            )
        }
        Some(401) => health.failed(
            "the cluster rejected the credentials".into(),
            "refresh them (aws sso login, or aws eks update-kubeconfig)".into(),
        ),
        Some(code) => health.failed(
            format!("API server answered {code} for {what}{}", server_says(e)),
            "retrying with backoff".into(),
        ),
        None => health.failed(
            format!(
                "cannot reach the API server: {}",
                crate::error_text::root_first(e)
            ),
            "check the kubeconfig context and network; retrying with backoff".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> Box<kube::core::Status> {
        Box::new(serde_json::from_value(json).expect("a Status"))
    }

    /// What kube-apiserver answers a watch from a version newer than its own.
    fn too_large() -> Box<kube::core::Status> {
        status(
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": "Timeout: Too large resource version: 14540, current: 12912",
            "reason": "Timeout", "code": 504,
            "details": {"causes": [{"reason": "ResourceVersionTooLarge",
                "message": "Too large resource version"}], "retryAfterSeconds": 1}}),
        )
    }

    #[test]
    fn a_version_the_server_does_not_know_needs_a_relist_however_it_comes() {
        assert!(needs_relist(&watcher::Error::WatchError(too_large())));
        assert!(needs_relist(&watcher::Error::WatchStartFailed(
            kube::Error::Api(too_large())
        )));
        let bare = status(serde_json::json!({"code": 504, "reason": "Timeout",
            "message": "Too large resource version: 9, current: 3"}));
        assert!(needs_relist(&watcher::Error::WatchError(bare)));
        let gone =
            status(serde_json::json!({"code": 410, "reason": "Expired", "message": "too old"}));
        assert!(needs_relist(&watcher::Error::WatchStartFailed(
            kube::Error::Api(gone.clone())
        )));
        assert!(is_gone_event(&watcher::Error::WatchError(gone)));
    }

    #[test]
    fn other_failures_resume_the_watch() {
        let timeout = status(serde_json::json!({"code": 504, "reason": "Timeout",
            "message": "request did not complete within 60s"}));
        assert!(!needs_relist(&watcher::Error::WatchError(timeout)));
        let forbidden = status(serde_json::json!({"code": 403, "reason": "Forbidden"}));
        let e = watcher::Error::WatchStartFailed(kube::Error::Api(forbidden));
        assert!(!needs_relist(&e));
        assert_eq!(retry_for(&e), Retry::Denied);
    }

    #[test]
    fn forbidden_names_the_real_resource_and_quotes_the_server() {
        let forbidden = status(serde_json::json!({"code": 403, "reason": "Forbidden",
            "message": "persistentvolumes is forbidden: User \"oncall\" cannot watch resource \"persistentvolumes\""}));
        let e = watcher::Error::WatchStartFailed(kube::Error::Api(forbidden));
        let h = describe(SourceId::Pvs, &e, &Tracker::new(SourceId::Pvs));
        let crate::model::HealthState::Error { reason, hint } = h.state else {
            panic!("never synced: an error, not stale");
        };
        assert!(
            reason.starts_with("forbidden to list/watch persistentvolumes: "),
            "{reason}"
        );
        assert!(reason.contains(r#"User "oncall" cannot watch"#), "{reason}");
        assert!(
            hint.contains("kubectl auth can-i watch persistentvolumes)"),
            "{hint}"
        );
        let pvc = describe(SourceId::Pvcs, &e, &Tracker::new(SourceId::Pvcs));
        let crate::model::HealthState::Error { hint, .. } = pvc.state else {
            panic!("an error");
        };
        assert!(
            hint.contains("can-i watch persistentvolumeclaims --all-namespaces"),
            "{hint}"
        );
    }
}
