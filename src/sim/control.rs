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

use super::resources;
use super::status::{json_ok, status_error};
use super::{Shared, aws, lock, plant};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/objects", post(apply_object))
        .route("/objects/{resource}/{name}", delete(delete_object))
        .route("/advance", post(advance))
        .route("/truth", get(truth))
        .route("/faults/plant", post(plant_fault))
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

/// Moves the scenario clock forward (`?seconds=` takes fractions) and runs whatever fell
/// due, in order.
async fn advance(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let secs = match q.get("seconds").map(|v| v.parse::<f64>()) {
        None => 1.0,
        Some(Ok(v)) if v.is_finite() && v >= 0.0 => v,
        Some(_) => {
            return status_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "advance needs ?seconds= a non-negative number (fractions allowed)",
            );
        }
    };
    let Ok(by) = jiff::SignedDuration::try_from_secs_f64(secs) else {
        return status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "seconds out of range",
        );
    };
    let mut st = lock(&s);
    st.clock_offset += by;
    st.run_due();
    let now = st.now();
    json_ok(&json!({"now": now.to_string(), "elapsed_seconds": st.elapsed().as_secs_f64()}))
}

/// What the scenario planted and what it did that was healthy (`sim::truth`).
async fn truth(State(s): State<Shared>) -> Response {
    let mut st = lock(&s);
    st.run_due();
    plant::refresh_fixed(&mut st);
    let now = st.now();
    json_ok(&st.truth.snapshot(now))
}

/// `POST /_sim/faults/plant?kind=K`: breaks something now and answers the new fault.
async fn plant_fault(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut st = lock(&s);
    st.run_due();
    let kind = q.get("kind").map_or("", String::as_str);
    match plant::plant(&mut st, kind) {
        Ok(fault) => json_ok(&fault),
        Err(plant::PlantError::UnknownKind) => status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "unknown fault kind {kind:?}; valid kinds: {}",
                plant::KINDS.join(", ")
            ),
        ),
        Err(plant::PlantError::NoCandidate(why)) => {
            status_error(StatusCode::CONFLICT, "Conflict", &why)
        }
    }
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
