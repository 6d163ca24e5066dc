//! The simulated AWS account: EFS and EKS state, their REST-JSON endpoints, and the state
//! machines (add-on deletion) that the clock drives.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::{Shared, SimState};

#[derive(Debug, Default)]
pub struct AwsState {
    pub account_id: String,
    pub region: String,
    pub clusters: BTreeMap<String, ()>,
}

/// True for the paths the EFS and EKS endpoints serve.
pub fn owns_path(path: &str) -> bool {
    path.starts_with("/2015-02-01/") || path == "/clusters" || path.starts_with("/clusters/")
}

pub fn handle(
    _shared: &Shared,
    _method: &Method,
    _uri: &Uri,
    _headers: &HeaderMap,
    _body: &Bytes,
) -> Response {
    StatusCode::NOT_IMPLEMENTED.into_response()
}

pub fn tick(_st: &mut SimState, _now: jiff::Timestamp) {}

pub fn control(
    _shared: &Shared,
    _rest: &str,
    _q: &HashMap<String, String>,
    _body: &Bytes,
) -> Response {
    StatusCode::NOT_IMPLEMENTED.into_response()
}
