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
    /// The change alone; what is sent adds the resourceVersion precondition
    /// ([`KubePatch::body_at`]).
    pub body: Value,
    /// What the plan saw on the object and wrote the patch for, checked again on a fresh
    /// GET right before sending.
    pub expect: Vec<Expect>,
}

/// Stands for the resourceVersion in what the dialog shows: only the GET made right
/// before sending knows it.
pub const RV_PLACEHOLDER: &str = "<resourceVersion of that GET>";

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

    /// The change alone, without the precondition.
    pub fn body_text(&self) -> String {
        self.body.to_string()
    }

    /// The body as sent when the fresh GET returned `rv`: the change, made conditional on
    /// the object still being at `rv`, so that nothing can change between the check and the
    /// write. A merge patch carries `metadata.resourceVersion` (the API server answers 409
    /// Conflict when it no longer matches); a JSON patch leads with a `test` op on it (the
    /// API server refuses the whole patch when the test fails).
    pub fn body_at(&self, rv: &str) -> Value {
        match self.patch_type {
            PatchType::Merge => {
                let mut body = self.body.clone();
                if !body.is_object() {
                    body = Value::Object(serde_json::Map::new());
                }
                body["metadata"]["resourceVersion"] = Value::String(rv.to_string());
                body
            }
            PatchType::Json => {
                let test = serde_json::json!(
                    {"op": "test", "path": "/metadata/resourceVersion", "value": rv}
                );
                let mut ops = vec![test];
                ops.extend(self.body.as_array().into_iter().flatten().cloned());
                Value::Array(ops)
            }
        }
    }

    /// The body exactly as the dialog shows it: as sent, with [`RV_PLACEHOLDER`] for the
    /// resourceVersion.
    pub fn shown_body_text(&self) -> String {
        self.body_at(RV_PLACEHOLDER).to_string()
    }

    pub fn request_line(&self) -> String {
        format!(
            "PATCH {} ({}) {}",
            self.path_and_query()
                .unwrap_or_else(|| format!("<no API path for {}>", self.object.kind)),
            self.content_type(),
            self.shown_body_text()
        )
    }
}

/// Something the plan saw on an object, which its patch was written for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Label {
        key: String,
        seen: Option<String>,
    },
    Annotation {
        key: String,
        seen: Option<String>,
    },
    /// The pod template's tolerations, each as [`toleration_text`] gives it, in order.
    Tolerations(Vec<String>),
}

/// One toleration in a few words: `key=value:Effect`, `key:Effect` for Exists, `<all>`
/// for a key-less Exists.
pub fn toleration_text(
    key: Option<&str>,
    operator: Option<&str>,
    value: Option<&str>,
    effect: Option<&str>,
) -> String {
    let mut s = key.filter(|k| !k.is_empty()).unwrap_or("<all>").to_string();
    if operator != Some("Exists") {
        s.push('=');
        s.push_str(value.unwrap_or_default());
    }
    if let Some(e) = effect.filter(|e| !e.is_empty()) {
        s.push(':');
        s.push_str(e);
    }
    s
}

fn seen_text(v: Option<&str>) -> String {
    v.map_or_else(|| "absent".to_string(), |v| format!("{v:?}"))
}

impl Expect {
    /// What the dialog says is checked.
    pub fn describe(&self) -> String {
        match self {
            Expect::Label { key, seen } => format!("label {key} {}", seen_text(seen.as_deref())),
            Expect::Annotation { key, seen } => {
                format!("annotation {key} {}", seen_text(seen.as_deref()))
            }
            Expect::Tolerations(t) if t.is_empty() => "no tolerations".into(),
            Expect::Tolerations(t) => format!("tolerations [{}]", t.join(", ")),
        }
    }

    /// `Err` says what is different on `live`, the object as a fresh GET returned it.
    pub fn check(&self, live: &Value) -> Result<(), String> {
        let meta = |map: &str, key: &str| live["metadata"][map][key].as_str().map(str::to_string);
        let (what, seen, now) = match self {
            Expect::Label { key, seen } => (format!("label {key}"), seen, meta("labels", key)),
            Expect::Annotation { key, seen } => {
                (format!("annotation {key}"), seen, meta("annotations", key))
            }
            Expect::Tolerations(seen) => {
                let now = live_tolerations(live);
                if &now == seen {
                    return Ok(());
                }
                let list = |l: &[String]| {
                    if l.is_empty() {
                        "none".to_string()
                    } else {
                        format!("[{}]", l.join(", "))
                    }
                };
                return Err(format!(
                    "its tolerations changed since the dialog opened: they were {}, now {}",
                    list(seen),
                    list(&now)
                ));
            }
        };
        if *seen == now {
            return Ok(());
        }
        Err(format!(
            "its {what} changed since the dialog opened: it was {}, now {}",
            seen_text(seen.as_deref()),
            seen_text(now.as_deref())
        ))
    }
}

fn live_tolerations(live: &Value) -> Vec<String> {
    live.pointer("/spec/template/spec/tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            toleration_text(
                t["key"].as_str(),
                t["operator"].as_str(),
                t["value"].as_str(),
                t["effect"].as_str(),
            )
        })
        .collect()
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

    #[test]
    fn a_merge_patch_carries_the_resource_version_it_was_checked_at() {
        let p = KubePatch {
            object: KubeObject::new("ServiceAccount", Some("kube-system"), "aws-node"),
            patch_type: PatchType::Merge,
            body: serde_json::json!({"metadata": {"labels": {"a": "b"}}}),
            expect: Vec::new(),
        };
        assert_eq!(
            p.body_at("7"),
            serde_json::json!({"metadata": {"labels": {"a": "b"}, "resourceVersion": "7"}})
        );
        assert!(p.request_line().contains(RV_PLACEHOLDER));
        assert_eq!(p.body_text(), r#"{"metadata":{"labels":{"a":"b"}}}"#);
    }

    #[test]
    fn expectations_name_what_changed() {
        let live = serde_json::json!({"metadata": {
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "other"}},
            "spec": {"template": {"spec": {"tolerations": [
                {"operator": "Exists"},
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}]}}}});
        let label = Expect::Label {
            key: "app.kubernetes.io/managed-by".into(),
            seen: Some("Helm".into()),
        };
        assert_eq!(label.check(&live), Ok(()));
        let release = Expect::Annotation {
            key: "meta.helm.sh/release-name".into(),
            seen: None,
        };
        assert_eq!(
            release.check(&live),
            Err(
                "its annotation meta.helm.sh/release-name changed since the dialog opened: \
                 it was absent, now \"other\""
                    .into()
            )
        );
        let all = ["<all>", "CriticalAddonsOnly", "k=v:NoSchedule"].map(String::from);
        assert_eq!(Expect::Tolerations(all.to_vec()).check(&live), Ok(()));
        let err = Expect::Tolerations(Vec::new()).check(&live);
        assert!(
            err.as_ref()
                .is_err_and(|e| e
                    .contains("they were none, now [<all>, CriticalAddonsOnly, k=v:NoSchedule]")),
            "{err:?}"
        );
        assert_eq!(
            Expect::Tolerations(Vec::new()).check(&serde_json::json!({})),
            Ok(()),
            "no list is no tolerations"
        );
    }
}
