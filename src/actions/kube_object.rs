//! Kubernetes objects the actions touch, and the PATCH requests they send to them, down to
//! the bytes of the body.

use serde_json::Value;

/// Every PATCH stordeck sends names itself, so managedFields show who changed what.
pub const FIELD_MANAGER: &str = "stordeck";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeObject {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// Where each kind lives in the API: (group, version, plural).
fn api_of(kind: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match kind {
        "CSIDriver" => ("storage.k8s.io", "v1", "csidrivers"),
        "DaemonSet" => ("apps", "v1", "daemonsets"),
        "ServiceAccount" => ("", "v1", "serviceaccounts"),
        "ClusterRole" => ("rbac.authorization.k8s.io", "v1", "clusterroles"),
        "ClusterRoleBinding" => ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
        _ => return None,
    })
}

impl KubeObject {
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        KubeObject {
            kind: kind.to_string(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_string),
            name: name.to_string(),
        }
    }

    /// `DaemonSet kube-system/aws-node`, as kubectl would name it.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The object's URL path, or `None` for a kind stordeck does not know how to address.
    pub fn path(&self) -> Option<String> {
        let (group, version, plural) = api_of(&self.kind)?;
        let mut p = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        if let Some(ns) = &self.namespace {
            p.push_str(&format!("/namespaces/{ns}"));
        }
        p.push_str(&format!("/{plural}/{}", self.name));
        Some(p)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// RFC 7386: objects merge, and a list given replaces the list.
    Merge,
    /// RFC 6902: a list of operations, which can append to a list.
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubePatch {
    pub object: KubeObject,
    pub patch_type: PatchType,
    pub body: Value,
}

impl KubePatch {
    pub fn content_type(&self) -> &'static str {
        match self.patch_type {
            PatchType::Merge => "application/merge-patch+json",
            PatchType::Json => "application/json-patch+json",
        }
    }

    /// The request target; `None` when the object's kind has no known API path (the plan
    /// never builds such a patch, and the executor refuses one).
    pub fn path_and_query(&self) -> Option<String> {
        Some(format!(
            "{}?fieldManager={FIELD_MANAGER}",
            self.object.path()?
        ))
    }

    /// The body exactly as sent: the dialog shows this string and the executor sends it.
    pub fn body_text(&self) -> String {
        self.body.to_string()
    }

    pub fn request_line(&self) -> String {
        format!(
            "PATCH {} ({}) {}",
            self.path_and_query()
                .unwrap_or_else(|| format!("<no API path for {}>", self.object.kind)),
            self.content_type(),
            self.body_text()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_api_layout() {
        let ds = KubeObject::new("DaemonSet", Some("kube-system"), "aws-node");
        assert_eq!(
            ds.path().as_deref(),
            Some("/apis/apps/v1/namespaces/kube-system/daemonsets/aws-node")
        );
        let sa = KubeObject::new("ServiceAccount", Some("kube-system"), "aws-node");
        assert_eq!(
            sa.path().as_deref(),
            Some("/api/v1/namespaces/kube-system/serviceaccounts/aws-node")
        );
        let cr = KubeObject::new("ClusterRole", Some(""), "aws-node");
        assert_eq!(
            cr.path().as_deref(),
            Some("/apis/rbac.authorization.k8s.io/v1/clusterroles/aws-node")
        );
        assert_eq!(KubeObject::new("Pod", None, "x").path(), None);
    }
}
