//! The Kubernetes API subset: discovery, list (paged), get, watch, create, replace, patch
//! and delete, answering errors as `Status` objects the way the API server does; and
//! SelfSubjectReview (see `identity`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::fields::FieldSelector;
use super::resources::{self, ACK_FILESYSTEM_CRD, RESOURCES, ResourceDef};
use super::selector::Selector;
use super::status::{
    forbidden, invalid, json_body, json_ok, not_found, qualified_plural, status_body, status_error,
    too_large,
};
use super::store::{Store, labels_of};
use super::{Shared, identity, lock, validate, watch};

const SERVER_VERSION: (&str, &str) = ("1", "33");

/// A parsed resource URL.
struct Target {
    def: &'static ResourceDef,
    namespace: Option<String>,
    name: Option<String>,
}

pub async fn handle(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = uri.path().trim_end_matches('/');
    let query = parse_query(uri.query().unwrap_or_default());
    let Some(decoded) = validate::path_segments(path) else {
        return status_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("invalid URL escape in path {path:?}"),
        );
    };
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["version"] => return json_ok(&version()),
        ["api"] => {
            return json_ok(&json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}));
        }
        ["apis"] => return json_ok(&api_group_list(&lock(shared).store)),
        ["api", "v1"] => return discovery_list(shared, "", "v1"),
        ["apis", identity::GROUP, identity::VERSION] => return json_ok(&identity::discovery()),
        ["apis", g, v] => return discovery_list(shared, g, v),
        ["apis", identity::GROUP, identity::VERSION, identity::PLURAL] => {
            return identity::review(shared, method, body);
        }
        _ => {}
    }
    let target = match parse_target(&segs) {
        Some(t) => t,
        None => {
            return status_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("the server could not find the requested resource ({path})"),
            );
        }
    };
    {
        let st = lock(shared);
        if target.def.is_custom()
            && st
                .store
                .get("customresourcedefinitions", "", ACK_FILESYSTEM_CRD)
                .is_none()
        {
            return status_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                "the server could not find the requested resource",
            );
        }
        if st.faults.forbidden.contains(target.def.plural) {
            let user = &st.kube_user.username;
            return forbidden(target.def, method, target.namespace.as_deref(), user);
        }
    }
    let watching = query.get("watch").is_some_and(|w| w == "true" || w == "1");
    match (method.clone(), &target.name) {
        (Method::GET, None) if watching => {
            watch::serve(shared, target.def, target.namespace, &query).await
        }
        (Method::GET, None) => {
            // A continue token names the version its first page was read at; one from a
            // version this store has not reached (another server's) is refused like a
            // list from that version, not paged as if it were current.
            let token_rv = query
                .get("continue")
                .and_then(|c| decode_continue(c))
                .map(|(rv, _)| rv);
            if let Some(asked) = watch::requested_version(&query).or(token_rv)
                && let Err(current) = watch::wait_until_reached(shared, asked).await
            {
                return too_large(asked, current);
            }
            list(shared, &target, &query)
        }
        (Method::GET, Some(name)) => get(shared, &target, name),
        (Method::POST, None) => write(shared, &target, body, None),
        (Method::PUT, Some(name)) => write(shared, &target, body, Some(name)),
        (Method::PATCH, Some(name)) => patch(shared, &target, name, headers, body, &query),
        (Method::DELETE, Some(name)) => delete(shared, &target, name),
        _ => status_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ),
    }
}

fn parse_target(segs: &[&str]) -> Option<Target> {
    let (group, version, rest) = match segs {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, r, tail @ ..] => (Some(ns.to_string()), {
            let mut v = vec![*r];
            v.extend_from_slice(tail);
            v
        }),
        other => (None, other.to_vec()),
    };
    let (plural, name) = match rest.as_slice() {
        [p] => (*p, None),
        // `status` subresource reads and writes the whole object here.
        [p, n] | [p, n, "status"] => (*p, Some(n.to_string())),
        _ => return None,
    };
    let def = resources::by_plural(group, version, plural)?;
    if namespace.is_some() && !def.namespaced {
        return None;
    }
    Some(Target {
        def,
        namespace,
        name,
    })
}

fn version() -> Value {
    let (major, minor) = SERVER_VERSION;
    json!({"major": major, "minor": minor, "gitVersion": format!("v{major}.{minor}.0-eks-stordeck-sim"),
        "gitCommit": "0000000", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"})
}

fn served(store: &Store) -> impl Iterator<Item = &'static ResourceDef> + '_ {
    let crd = store
        .get("customresourcedefinitions", "", ACK_FILESYSTEM_CRD)
        .is_some();
    RESOURCES.iter().filter(move |r| !r.is_custom() || crd)
}

fn api_group_list(store: &Store) -> Value {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in served(store).filter(|r| !r.group.is_empty()) {
        if !groups.contains(&(r.group, r.version)) {
            groups.push((r.group, r.version));
        }
    }
    let mut groups: Vec<Value> = groups
        .iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    groups.push(identity::api_group());
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn discovery_list(shared: &Shared, group: &str, version: &str) -> Response {
    let st = lock(shared);
    let list: Vec<Value> = served(&st.store)
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                "kind": r.kind, "shortNames": r.short_names,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
        })
        .collect();
    if list.is_empty() {
        return status_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
        );
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json_ok(
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

fn list(shared: &Shared, t: &Target, q: &HashMap<String, String>) -> Response {
    let selector = match Selector::parse(q.get("labelSelector").map_or("", String::as_str)) {
        Ok(s) => s,
        Err(e) => return status_error(StatusCode::BAD_REQUEST, "BadRequest", &e),
    };
    let fields = match field_selector(q, t.def) {
        Ok(f) => f,
        Err(e) => return status_error(StatusCode::BAD_REQUEST, "BadRequest", &e),
    };
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let st = lock(shared);
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => match decode_continue(token) {
            Some((rv, key)) if rv >= st.store.oldest_resource_version() => (rv, Some(key)),
            Some(_) => {
                return status_error(
                    StatusCode::GONE,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                );
            }
            None => {
                return status_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "invalid continue token",
                );
            }
        },
        None => (st.store.resource_version(), None),
    };
    let mut items = Vec::new();
    let mut next = None;
    for ((ns, name), obj) in st.store.list_after(t.def.plural, after.as_ref()) {
        if t.namespace.as_ref().is_some_and(|want| want != ns)
            || fields.name().is_some_and(|want| want != name)
            || !fields.matches(obj)
            || !selector.matches(&labels_of(obj))
        {
            continue;
        }
        if items.len() == limit {
            next = Some(encode_continue(list_rv, ns, name));
            break;
        }
        items.push(obj.clone());
    }
    // A continue token points at the last item sent, not the first one withheld.
    if next.is_some()
        && let Some(last) = items.last()
    {
        let ns = last["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = last["metadata"]["name"].as_str().unwrap_or_default();
        next = Some(encode_continue(list_rv, ns, name));
    }
    let mut meta = json!({"resourceVersion": list_rv.to_string()});
    if let Some(c) = next {
        meta["continue"] = json!(c);
    }
    drop(st);
    let body = json!({"kind": format!("{}List", t.def.kind), "apiVersion": t.def.api_version(),
        "metadata": meta, "items": items.iter().map(|o| o.as_ref()).collect::<Vec<_>>()});
    json_ok(&body)
}

/// The request's `fieldSelector` (kubectl sends `metadata.name=X` for `get -w NAME`).
pub fn field_selector(
    q: &HashMap<String, String>,
    def: &ResourceDef,
) -> Result<FieldSelector, String> {
    FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str), def)
}

fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    format!("{rv}.{}.{}", hex(ns), hex(name))
}

fn decode_continue(token: &str) -> Option<(u64, (String, String))> {
    let mut parts = token.splitn(3, '.');
    let rv = parts.next()?.parse().ok()?;
    let ns = unhex(parts.next()?)?;
    let name = unhex(parts.next()?)?;
    Some((rv, (ns, name)))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn ns_of(t: &Target) -> String {
    if t.def.namespaced {
        t.namespace.clone().unwrap_or_else(|| "default".into())
    } else {
        String::new()
    }
}

fn get(shared: &Shared, t: &Target, name: &str) -> Response {
    match lock(shared).store.get(t.def.plural, &ns_of(t), name) {
        Some(obj) => json_ok(&obj),
        None => not_found(t.def, name),
    }
}

fn write(shared: &Shared, t: &Target, body: &Bytes, name: Option<&String>) -> Response {
    let mut obj = match json_body(body) {
        Ok(v) => v,
        Err(bad) => return *bad,
    };
    obj["apiVersion"] = json!(t.def.api_version());
    obj["kind"] = json!(t.def.kind);
    if let Some(n) = name {
        obj["metadata"]["name"] = json!(n);
    }
    if t.def.namespaced {
        obj["metadata"]["namespace"] = json!(ns_of(t));
    }
    let errs = validate::object(t.def, &obj, name.is_none());
    if !errs.is_empty() {
        let n = obj["metadata"]["name"].as_str().unwrap_or_default();
        return invalid(t.def, n, &errs);
    }
    let mut st = lock(shared);
    let exists = obj["metadata"]["name"]
        .as_str()
        .is_some_and(|n| st.store.get(t.def.plural, &ns_of(t), n).is_some());
    if name.is_none() && exists {
        return status_error(
            StatusCode::CONFLICT,
            "AlreadyExists",
            &format!("{} already exists", t.def.plural),
        );
    }
    if name.is_some() && !exists {
        return not_found(t.def, name.map_or("", String::as_str));
    }
    if let Some(n) = name
        && let Some(current) = st.store.get(t.def.plural, &ns_of(t), n)
        && let Some(conflict) = stale(t.def, n, &current, &obj)
    {
        return conflict;
    }
    let now = st.now();
    match st.store.upsert(obj, now) {
        Ok(stored) => {
            let code = if exists {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (code, json_ok(&stored)).into_response()
        }
        Err(e) => status_error(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &e.to_string()),
    }
}

fn patch(
    shared: &Shared,
    t: &Target,
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
    q: &HashMap<String, String>,
) -> Response {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut st = lock(shared);
    let Some(current) = st.store.get(t.def.plural, &ns_of(t), name) else {
        return not_found(t.def, name);
    };
    let mut obj = (*current).clone();
    let applied = if ctype.starts_with("application/json-patch+json") {
        serde_json::from_slice::<json_patch::Patch>(body)
            .map_err(|e| e.to_string())
            .and_then(|p| json_patch::patch(&mut obj, &p).map_err(|e| e.to_string()))
    } else if ctype.starts_with("application/merge-patch+json")
        // Strategic merge is served as a JSON merge: the simulator has no schemas to merge
        // lists by key, and its own actions use JSON patch for list edits.
        || ctype.starts_with("application/strategic-merge-patch+json")
    {
        serde_json::from_slice::<Value>(body)
            .map_err(|e| e.to_string())
            .map(|p| json_patch::merge(&mut obj, &p))
    } else if ctype.starts_with("application/apply-patch+yaml") {
        parse_yaml_or_json(body).map(|p| json_patch::merge(&mut obj, &p))
    } else {
        return status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            &format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {ctype:?})"
            ),
        );
    };
    if let Err(e) = applied {
        return status_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            &format!("patch could not be applied: {e}"),
        );
    }
    // A resourceVersion the patched object carries is a precondition, as on a replace.
    if let Some(conflict) = stale(t.def, name, &current, &obj) {
        return conflict;
    }
    let errs = validate::object(t.def, &obj, false);
    if !errs.is_empty() {
        return invalid(t.def, name, &errs);
    }
    // What identifies the object is the server's, whatever the patch said.
    for field in ["name", "namespace", "uid"] {
        match current["metadata"].get(field) {
            Some(v) => obj["metadata"][field] = v.clone(),
            None => {
                if let Some(m) = obj["metadata"].as_object_mut() {
                    m.remove(field);
                }
            }
        }
    }
    let now = st.now();
    let manager = q
        .get("fieldManager")
        .cloned()
        .unwrap_or_else(|| "unknown".into());
    let operation = if ctype.starts_with("application/apply-patch") {
        "Apply"
    } else {
        "Update"
    };
    record_manager(&mut obj, &manager, operation, t.def, now);
    match st.store.upsert(obj, now) {
        Ok(stored) => json_ok(&stored),
        Err(e) => status_error(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", &e.to_string()),
    }
}

/// 409 Conflict when `new` names a resourceVersion other than the stored one, as the API
/// server answers an update or patch that carries one (an empty one means unconditional).
fn stale(def: &ResourceDef, name: &str, current: &Value, new: &Value) -> Option<Response> {
    let wanted = new["metadata"]["resourceVersion"]
        .as_str()
        .filter(|rv| !rv.is_empty())?;
    if current["metadata"]["resourceVersion"].as_str() == Some(wanted) {
        return None;
    }
    let res = qualified_plural(def);
    let mut body = status_body(
        StatusCode::CONFLICT,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {res} \"{name}\": the object has been modified; \
             please apply your changes to the latest version and try again"
        ),
    );
    body["details"] = json!({"name": name, "group": def.group, "kind": def.plural});
    Some((StatusCode::CONFLICT, json_ok(&body)).into_response())
}

fn parse_yaml_or_json(body: &Bytes) -> Result<Value, String> {
    serde_json::from_slice(body).or_else(|_| {
        let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
        serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
    })
}

/// Adds or refreshes this field manager's managedFields entry, as the API server does.
fn record_manager(
    obj: &mut Value,
    manager: &str,
    operation: &str,
    def: &ResourceDef,
    now: jiff::Timestamp,
) {
    let entry = json!({"manager": manager, "operation": operation, "apiVersion": def.api_version(),
        "time": super::store::rfc3339(now), "fieldsType": "FieldsV1", "fieldsV1": {}});
    let mf = &mut obj["metadata"]["managedFields"];
    if !mf.is_array() {
        *mf = json!([]);
    }
    if let Some(list) = mf.as_array_mut() {
        list.retain(|e| !(e["manager"] == manager && e["operation"] == operation));
        list.push(entry);
    }
}

fn delete(shared: &Shared, t: &Target, name: &str) -> Response {
    match lock(shared).store.delete(t.def.plural, &ns_of(t), name) {
        Some(obj) => json_ok(&obj),
        None => not_found(t.def, name),
    }
}

pub fn parse_query(q: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}
