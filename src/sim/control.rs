//! `/_sim/`: what tests and demos use to steer the simulator — the request log, objects,
//! the clock, watch expiry and drops, and fault injection.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use super::kube_api::{json_ok, status_error};
use super::resources;
use super::{Shared, aws, lock};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/objects", post(apply_object))
        .route("/objects/{resource}/{name}", delete(delete_object))
        .route("/advance", post(advance))
        .route("/watches/expire", post(expire_watches))
        .route("/watches/drop", post(drop_watches))
        .route("/faults", get(faults).delete(clear_faults))
        .route("/faults/throttle", post(throttle))
        .route("/faults/fail", post(fail))
        .route("/faults/forbid", post(forbid))
        .route("/aws/{*rest}", post(aws_control))
}

async fn requests(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let since: u64 = q.get("since").and_then(|v| v.parse().ok()).unwrap_or(0);
    let st = lock(&s);
    let list: Vec<_> = st.requests.iter().filter(|r| r.seq > since).collect();
    json_ok(&list)
}

async fn clear_requests(State(s): State<Shared>) -> StatusCode {
    lock(&s).requests.clear();
    StatusCode::NO_CONTENT
}

/// Creates or replaces any served object, as if a controller wrote it.
async fn apply_object(State(s): State<Shared>, body: Bytes) -> Response {
    let obj: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return status_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("invalid JSON: {e}"),
            );
        }
    };
    let mut st = lock(&s);
    let now = st.now();
    match st.store.upsert(obj, now) {
        Ok(stored) => json_ok(&stored),
        Err(e) => status_error(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &e.to_string()),
    }
}

async fn delete_object(
    State(s): State<Shared>,
    Path((resource, name)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(def) = resources::by_plural_name(&resource) else {
        return status_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("no resource {resource}"),
        );
    };
    let ns = if def.namespaced {
        q.get("namespace").map_or("default", String::as_str)
    } else {
        ""
    };
    match lock(&s).store.delete(def.plural, ns, &name) {
        Some(obj) => json_ok(&obj),
        None => status_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("{resource} \"{name}\" not found"),
        ),
    }
}

/// Moves the scenario clock forward and runs whatever fell due.
async fn advance(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let secs: i64 = q
        .get("seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(0);
    let mut st = lock(&s);
    st.clock_offset += jiff::SignedDuration::from_secs(secs);
    st.run_due();
    let now = st.now();
    json_ok(
        &json!({"now": now.to_string(), "elapsed_seconds": now.duration_since(st.started).as_secs()}),
    )
}

async fn expire_watches(State(s): State<Shared>) -> StatusCode {
    lock(&s).store.expire_watches();
    StatusCode::NO_CONTENT
}

async fn drop_watches(State(s): State<Shared>) -> StatusCode {
    lock(&s).store.drop_watches();
    StatusCode::NO_CONTENT
}

async fn faults(State(s): State<Shared>) -> Response {
    json_ok(&lock(&s).faults.clone())
}

async fn clear_faults(State(s): State<Shared>) -> StatusCode {
    lock(&s).faults = Default::default();
    StatusCode::NO_CONTENT
}

fn count(q: &HashMap<String, String>) -> u32 {
    q.get("count").and_then(|v| v.parse().ok()).unwrap_or(1)
}

async fn throttle(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> StatusCode {
    lock(&s).faults.aws_throttle = count(&q);
    StatusCode::NO_CONTENT
}

async fn fail(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> StatusCode {
    lock(&s).faults.aws_fail = count(&q);
    StatusCode::NO_CONTENT
}

/// `?resource=volumeattachments` (a Kubernetes plural) or `?resource=efs|eks`.
async fn forbid(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    match q.get("resource") {
        Some(r) => {
            lock(&s).faults.forbidden.insert(r.clone());
            StatusCode::NO_CONTENT.into_response()
        }
        None => status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "forbid needs ?resource=PLURAL|efs|eks",
        ),
    }
}

async fn aws_control(
    State(s): State<Shared>,
    Path(rest): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    aws::control(&s, &rest, &q, &body)
}
