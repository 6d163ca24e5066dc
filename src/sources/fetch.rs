//! Whole objects on demand, for the detail view: the model keeps projections only, so the
//! full object is fetched when the user opens it.

use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

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
    // The client puts the name into the path as it is; a name with control characters
    // or slashes would make no valid URL, or another one.
    let segment = path_segment(name);
    let obj = api.get(&segment).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => format!("{} {name} no longer exists", gvk.kind),
        kube::Error::Api(s) if s.code == 403 => {
            format!("forbidden to get {} {name}: {}", gvk.kind, s.message)
        }
        other => format!(
            "cannot fetch {} {name}: {}",
            gvk.kind,
            crate::error_text::root_first(&other)
        ),
    })?;
    serde_saphyr::to_string(&obj)
        .map_err(|e| format!("cannot render {} {name} as YAML: {e}", gvk.kind))
}

/// RFC 3986 unreserved characters stay as they are; everything else is escaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn path_segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_path_segment_whatever_they_hold() {
        assert_eq!(path_segment("pvc-1.a_b~c"), "pvc-1.a_b~c");
        assert_eq!(path_segment("a/b"), "a%2Fb");
        assert_eq!(path_segment("x\u{1b}[2J\n"), "x%1B%5B2J%0A");
    }
}
