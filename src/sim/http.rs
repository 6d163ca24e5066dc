//! One loopback port for everything: `/_sim/` control, EFS (`/2015-02-01/`), EKS
//! (`/clusters`), STS and EC2 (form `POST /`), and the Kubernetes API for every other path.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

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

/// The largest form body read for its `Action`: axum's own default body limit.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Appends every request except the control API's own to the log `/_sim/requests` serves,
/// which is what the read-only guarantee is tested against. A form POST's operation is
/// in its body (`Action=DetachVolume`), so that body is read here and handed on intact.
async fn record(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let is_form = req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (req, action) = if is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "form body too large").into_response();
        };
        let action = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.into_owned());
        (Request::from_parts(parts, Body::from(bytes)), action)
    } else {
        (req, None)
    };
    {
        let mut st = lock(&shared);
        let seq = st.requests.len() as u64 + 1;
        st.requests.push(RequestRecord {
            seq,
            method: req.method().to_string(),
            path,
            query: req.uri().query().unwrap_or_default().to_string(),
            action,
        });
    }
    next.run(req).await
}
