//! Kubernetes `Status` answers in the API server's shapes and words, shared by the
//! Kubernetes API, its watch streams and the control API.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::resources::ResourceDef;
use super::validate::{FieldError, go_quote};

/// How long the API server's watch cache waits to catch up with a requested version
/// before giving up, and the retry it then suggests (`blockTimeout`,
/// `resourceVersionTooHighRetrySeconds` in the apiserver's cacher).
pub const BLOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);
pub const TOO_LARGE_RETRY_SECONDS: u64 = 1;

pub fn json_ok<T: serde::Serialize + ?Sized>(v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => status_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            &e.to_string(),
        ),
    }
}

pub fn status_body(code: StatusCode, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16()})
}

/// A request body as JSON, or the 400 the API server answers a malformed one with.
pub fn json_body(body: &[u8]) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("invalid JSON body: {e}"),
        ))
    })
}

pub fn status_error(code: StatusCode, reason: &str, message: &str) -> Response {
    (code, json_ok(&status_body(code, reason, message))).into_response()
}

/// `storage.NewTooLargeResourceVersionError`: a Timeout whose cause tells clients
/// (client-go's reflector among them) to relist rather than wait.
pub fn too_large_body(asked: u64, current: u64) -> Value {
    let mut body = status_body(
        StatusCode::GATEWAY_TIMEOUT,
        "Timeout",
        &format!("Timeout: Too large resource version: {asked}, current: {current}"),
    );
    body["details"] = json!({
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        "retryAfterSeconds": TOO_LARGE_RETRY_SECONDS,
    });
    body
}

/// A list's answer to a version ahead of the store; the API server adds Retry-After
/// whenever a Status carries retryAfterSeconds.
pub fn too_large(asked: u64, current: u64) -> Response {
    let mut resp = (
        StatusCode::GATEWAY_TIMEOUT,
        json_ok(&too_large_body(asked, current)),
    )
        .into_response();
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(TOO_LARGE_RETRY_SECONDS),
    );
    resp
}

/// `errors.NewInvalid`: 422 with one cause per field error and the aggregate message.
pub fn invalid(def: &ResourceDef, name: &str, errs: &[FieldError]) -> Response {
    let qualified = if def.group.is_empty() {
        def.kind.to_string()
    } else {
        format!("{}.{}", def.kind, def.group)
    };
    let causes: Vec<Value> = errs
        .iter()
        .map(|e| json!({"reason": "FieldValueInvalid", "message": e.body(), "field": e.field}))
        .collect();
    let all: Vec<String> = errs.iter().map(FieldError::to_string).collect();
    // apimachinery's aggregate prints one error bare and several in brackets.
    let aggregate = match all.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let mut body = status_body(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid",
        &format!("{qualified} {} is invalid: {aggregate}", go_quote(name)),
    );
    body["details"] = json!({"name": name, "group": def.group, "kind": def.kind, "causes": causes});
    (StatusCode::UNPROCESSABLE_ENTITY, json_ok(&body)).into_response()
}

pub fn not_found(def: &ResourceDef, name: &str) -> Response {
    status_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{} {} not found", qualified_plural(def), go_quote(name)),
    )
}

pub fn qualified_plural(def: &ResourceDef) -> String {
    if def.group.is_empty() {
        def.plural.to_string()
    } else {
        format!("{}.{}", def.plural, def.group)
    }
}

/// As kube-apiserver words it, naming the user the SelfSubjectReview reports.
pub fn forbidden(def: &ResourceDef, method: &Method, ns: Option<&str>, user: &str) -> Response {
    let verb = match *method {
        Method::GET => "list",
        Method::DELETE => "delete",
        Method::PATCH => "patch",
        _ => "update",
    };
    let scope = ns.map_or("at the cluster scope".to_string(), |n| {
        format!("in the namespace \"{n}\"")
    });
    status_error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "{} is forbidden: User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            def.plural, def.plural, def.group
        ),
    )
}
