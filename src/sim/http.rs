//! One loopback port for everything: `/_sim/` control, EFS (`/2015-02-01/`), EKS
//! (`/clusters`), STS (`POST /`), and the Kubernetes API for every other path.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;

use super::{RequestRecord, Shared, aws, control, kube_api, lock};

pub fn router(shared: Shared) -> Router {
    Router::new()
        .nest("/_sim", control::router())
        .fallback(dispatch)
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

async fn dispatch(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    if aws::owns(&method, path, &headers) {
        aws::handle(&shared, &method, &uri, &headers, &body)
    } else {
        kube_api::handle(&shared, &method, &uri, &headers, &body).await
    }
}

/// Appends every request except the control API's own to the log `/_sim/requests` serves,
/// which is what the read-only guarantee is tested against.
async fn record(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !path.starts_with("/_sim") {
        let mut st = lock(&shared);
        let seq = st.requests.len() as u64 + 1;
        st.requests.push(RequestRecord {
            seq,
            method: req.method().to_string(),
            path,
            query: req.uri().query().unwrap_or_default().to_string(),
        });
    }
    next.run(req).await
}
