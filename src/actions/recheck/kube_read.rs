//! Fresh reads from the API server for the re-checks: one object, or every page of a LIST,
//! deserialised into only the fields a check looks at.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::actions::errors;

/// `None` when the server answers 404.
pub async fn get<T: DeserializeOwned>(
    kube: &kube::Client,
    path: &str,
) -> Result<Option<T>, String> {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| format!("GET {path}: {e}"))?;
    match kube.request::<T>(req).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(errors::kube(&format!("GET {path}"), &e)),
    }
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    cont: Option<String>,
}

/// Walks every page of the LIST at `first` (a path with a `limit`), stopping at the first
/// item `visit` has something to say about.
pub async fn find_in_list<T, R>(
    kube: &kube::Client,
    first: &str,
    mut visit: impl FnMut(&T) -> Option<R>,
) -> Result<Option<R>, String>
where
    T: DeserializeOwned,
{
    let mut path = first.to_string();
    loop {
        let page: Page<T> = get(kube, &path)
            .await?
            .ok_or_else(|| format!("GET {path}: the API server answered 404"))?;
        if let Some(found) = page.items.iter().find_map(&mut visit) {
            return Ok(Some(found));
        }
        match page.metadata.cont.filter(|c| !c.is_empty()) {
            Some(token) => {
                let token: String =
                    url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
                path = format!("{first}&continue={token}");
            }
            None => return Ok(None),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ObjMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: Option<String>,
}

#[derive(Deserialize)]
pub struct Pv {
    #[serde(default)]
    pub metadata: ObjMeta,
    #[serde(default)]
    pub spec: PvSpec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PvSpec {
    pub csi: Option<PvCsi>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PvCsi {
    pub volume_handle: String,
}

#[derive(Deserialize)]
pub struct Pvc {
    #[serde(default)]
    pub metadata: ObjMeta,
    #[serde(default)]
    pub spec: PvcSpec,
    #[serde(default)]
    pub status: PvcStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct PvcSpec {
    pub volume_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PvcStatus {
    pub phase: Option<String>,
}
