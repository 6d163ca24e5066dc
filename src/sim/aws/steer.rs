//! `POST /_sim/aws/…`: what tests and demos use to move the account into a state the real
//! API cannot (or not quickly): flip lifecycle states, conjure access points (orphans, or
//! the missing one of a PV), force an add-on's status.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::errors::respond;
use super::state::{ADDON_STATUSES, FS_STATES};
use super::{AwsState, efs, eks};
use crate::sim::SimState;

pub(super) type Steered = Result<serde_json::Value, (StatusCode, String)>;

pub fn run(st: &mut SimState, rest: &str, q: &HashMap<String, String>) -> Response {
    let now = st.now();
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let result = match segs.as_slice() {
        ["file-systems", id, "lifecycle"] => set_file_system_state(&mut st.aws, id, q),
        ["access-points"] => create_access_point(&mut st.aws, q),
        ["addons", cluster, addon, "status"] => {
            set_addon_status(&mut st.aws, cluster, addon, q, now)
        }
        ["insights", cluster, id, "status"] => required(q, "state")
            .and_then(|s| super::eks_insights::set_status(&mut st.aws, cluster, id, s, now)),
        _ => Err((
            StatusCode::NOT_FOUND,
            format!(
                "unknown control path /_sim/aws/{rest}; known: file-systems/{{id}}/lifecycle\
                 ?state=, access-points?file_system_id=&client_token=, \
                 addons/{{cluster}}/{{name}}/status?state=, \
                 insights/{{cluster}}/{{id}}/status?state="
            ),
        )),
    };
    match result {
        Ok(v) => respond(StatusCode::OK, &v),
        Err((code, message)) => respond(code, &json!({"message": message})),
    }
}

pub(super) fn required<'a>(
    q: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, (StatusCode, String)> {
    q.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| (StatusCode::BAD_REQUEST, format!("missing ?{name}=")))
}

pub(super) fn one_of(value: &str, allowed: &[&str]) -> Result<(), (StatusCode, String)> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err((
            StatusCode::BAD_REQUEST,
            format!("state {value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

fn set_file_system_state(aws: &mut AwsState, id: &str, q: &HashMap<String, String>) -> Steered {
    let state = required(q, "state")?;
    one_of(state, FS_STATES)?;
    let fs = aws
        .file_systems
        .get_mut(id)
        .ok_or_else(|| (StatusCode::NOT_FOUND, format!("no file system {id}")))?;
    fs.life_cycle_state = state.to_string();
    let fs = fs.clone();
    Ok(efs::file_system_json(aws, &fs))
}

/// Idempotent on (file system, client token), as CreateAccessPoint is.
fn create_access_point(aws: &mut AwsState, q: &HashMap<String, String>) -> Steered {
    let fs_id = required(q, "file_system_id")?;
    let token = required(q, "client_token")?;
    if !aws.file_systems.contains_key(fs_id) {
        return Err((StatusCode::NOT_FOUND, format!("no file system {fs_id}")));
    }
    let existing = aws
        .access_points
        .values()
        .find(|ap| ap.file_system_id == fs_id && ap.client_token == token);
    if let Some(ap) = existing {
        return Ok(efs::access_point_json(aws, ap));
    }
    let gid = match q.get("gid") {
        Some(g) => g.parse::<i64>().map_err(|_| {
            (
                StatusCode::BAD_REQUEST,
                format!("gid {g:?} is not a number"),
            )
        })?,
        None => aws
            .access_points
            .values()
            .filter(|ap| ap.file_system_id == fs_id)
            .map(|ap| ap.gid + 1)
            .max()
            .unwrap_or(1000),
    };
    let perms = q.get("permissions").map_or("700", String::as_str);
    let ap = aws.provision_access_point(fs_id, token, gid, perms);
    Ok(efs::access_point_json(aws, &ap))
}

/// Forcing any status but DELETING cancels a pending delete, as a failed delete would.
fn set_addon_status(
    aws: &mut AwsState,
    cluster: &str,
    addon: &str,
    q: &HashMap<String, String>,
    now: jiff::Timestamp,
) -> Steered {
    let state = required(q, "state")?;
    one_of(state, ADDON_STATUSES)?;
    let ad = aws
        .clusters
        .get_mut(cluster)
        .and_then(|c| c.addons.get_mut(addon))
        .ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                format!("no add-on {addon} in cluster {cluster}"),
            )
        })?;
    ad.status = state.to_string();
    ad.modified_at = now;
    if state != "DELETING" {
        ad.deleting = None;
    }
    let ad = ad.clone();
    Ok(eks::addon_json(aws, cluster, &ad))
}
