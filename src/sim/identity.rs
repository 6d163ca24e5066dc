//! `authentication.k8s.io/v1` SelfSubjectReview: the API server says who it takes the
//! caller to be (`kubectl auth whoami`). A create that stores nothing, so it is served here
//! and not from the store.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::status::{json_ok, status_error};
use super::{Shared, lock};

pub const GROUP: &str = "authentication.k8s.io";
pub const VERSION: &str = "v1";
pub const PLURAL: &str = "selfsubjectreviews";
const KIND: &str = "SelfSubjectReview";

/// Who the simulated API server authenticates every caller as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeUser {
    pub username: String,
    pub groups: Vec<String>,
}

impl Default for KubeUser {
    /// What an aws-auth mapping of the operator role (`username:
    /// stordeck-operator:{{SessionName}}`) makes of the caller STS names.
    fn default() -> Self {
        KubeUser {
            username: format!("{}:{}", super::aws::sts::ROLE, super::aws::sts::SESSION),
            groups: vec!["stordeck:operators".into(), "system:authenticated".into()],
        }
    }
}

pub fn review(shared: &Shared, method: &Method, body: &Bytes) -> Response {
    if *method != Method::POST {
        return status_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        );
    }
    let sent = match super::status::json_body(body) {
        Ok(v) => v,
        Err(bad) => return *bad,
    };
    let kind = sent.get("kind").and_then(Value::as_str).unwrap_or(KIND);
    if kind != KIND {
        return status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("the body is a {kind}, not a {KIND}"),
        );
    }
    let st = lock(shared);
    if st.faults.forbidden.contains(PLURAL) {
        return status_error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "{PLURAL}.{GROUP} is forbidden: User \"{}\" cannot create resource \
                 \"{PLURAL}\" in API group \"{GROUP}\" at the cluster scope",
                st.kube_user.username
            ),
        );
    }
    let user = &st.kube_user;
    let answer = json!({
        "apiVersion": format!("{GROUP}/{VERSION}"),
        "kind": KIND,
        "metadata": {"creationTimestamp": st.now().to_string()},
        "status": {"userInfo": {"username": user.username, "groups": user.groups}},
    });
    (StatusCode::CREATED, json_ok(&answer)).into_response()
}

/// The group's entry in `/apis`.
pub fn api_group() -> Value {
    let gv = json!({"groupVersion": format!("{GROUP}/{VERSION}"), "version": VERSION});
    json!({"name": GROUP, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis/authentication.k8s.io/v1`: only `create`, as the real server lists it.
pub fn discovery() -> Value {
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": format!("{GROUP}/{VERSION}"),
        "resources": [{"name": PLURAL, "singularName": "selfsubjectreview", "namespaced": false,
            "kind": KIND, "verbs": ["create"]}]})
}
