//! Whole objects on demand, for the detail view: the model keeps projections only, so the
//! full object is fetched when the user opens it.

use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};

/// Fetches one object and renders it as YAML. Errors come back as text for the view.
pub async fn object_yaml(
    client: &kube::Client,
    gvk: &GroupVersionKind,
    plural: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<String, String> {
    let ar = ApiResource::from_gvk_with_plural(gvk, plural);
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let obj = api.get(name).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => format!("{} {name} no longer exists", gvk.kind),
        kube::Error::Api(s) if s.code == 403 => {
            format!("forbidden to get {} {name}: {}", gvk.kind, s.message)
        }
        other => format!("cannot fetch {} {name}: {other}", gvk.kind),
    })?;
    serde_saphyr::to_string(&obj)
        .map_err(|e| format!("cannot render {} {name} as YAML: {e}", gvk.kind))
}
