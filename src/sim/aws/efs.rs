//! EFS (`/2015-02-01/…`, restJson1 with PascalCase members): DescribeFileSystems,
//! DescribeAccessPoints, DescribeMountTargets and DeleteAccessPoint.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::errors::{AwsError, AwsResult, Service, no_content, ok};
use super::paging::{page, page_size, resume_key};
use super::state::{AccessPoint, FileSystem, MountTarget};
use super::validate::{
    ACCESS_POINT_ID, CREATION_TOKEN, FILE_SYSTEM_ID, MARKER, MOUNT_TARGET_ID, NEXT_TOKEN, check,
    param,
};
use super::{AwsState, epoch, segments};
use crate::sim::SimState;

pub const PREFIX: &str = "/2015-02-01/";

const SVC: Service = Service::Efs;

pub fn route(
    st: &mut SimState,
    method: &Method,
    path: &str,
    q: &HashMap<String, String>,
) -> AwsResult {
    let rest = path.strip_prefix(PREFIX).unwrap_or(path);
    let decoded = segments(SVC, rest)?;
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match (method, segs.as_slice()) {
        (&Method::GET, ["file-systems"]) => describe_file_systems(&st.aws, q),
        (&Method::GET, ["access-points"]) => describe_access_points(&st.aws, q),
        (&Method::DELETE, ["access-points", id]) => {
            check(SVC, &[(&ACCESS_POINT_ID, Some(*id))])?;
            delete_access_point(&mut st.aws, id)
        }
        (&Method::GET, ["mount-targets"]) => describe_mount_targets(&st.aws, q),
        _ => Err(AwsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("the simulator does not serve {method} {path}"),
        )),
    }
}

pub fn file_system_not_found(id: &str) -> AwsError {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "FileSystemNotFound",
        format!("File system '{id}' does not exist."),
    )
}

pub fn access_point_not_found(id: &str) -> AwsError {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "AccessPointNotFound",
        format!("Access point '{id}' does not exist."),
    )
}

fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

pub fn file_system_json(aws: &AwsState, fs: &FileSystem) -> Value {
    let mount_targets = aws
        .mount_targets
        .values()
        .filter(|m| m.file_system_id == fs.id)
        .count();
    let mut v = json!({
        "OwnerId": aws.account_id,
        "CreationToken": fs.creation_token,
        "FileSystemId": fs.id,
        "FileSystemArn": aws.file_system_arn(&fs.id),
        "CreationTime": epoch(fs.created),
        "LifeCycleState": fs.life_cycle_state,
        "NumberOfMountTargets": mount_targets,
        "SizeInBytes": {"Value": fs.size_bytes, "Timestamp": epoch(fs.created)},
        "PerformanceMode": fs.performance_mode,
        "Encrypted": fs.encrypted,
        "ThroughputMode": fs.throughput_mode,
        "Tags": tags_json(&fs.tags),
    });
    if let Some(name) = &fs.name {
        v["Name"] = json!(name);
    }
    v
}

pub fn access_point_json(aws: &AwsState, ap: &AccessPoint) -> Value {
    let mut v = json!({
        "ClientToken": ap.client_token,
        "Tags": tags_json(&ap.tags),
        "AccessPointId": ap.id,
        "AccessPointArn": aws.access_point_arn(&ap.id),
        "FileSystemId": ap.file_system_id,
        "PosixUser": {"Uid": ap.uid, "Gid": ap.gid, "SecondaryGids": []},
        "RootDirectory": {
            "Path": ap.root_path,
            "CreationInfo": {
                "OwnerUid": ap.uid,
                "OwnerGid": ap.gid,
                "Permissions": ap.permissions,
            },
        },
        "OwnerId": aws.account_id,
        "LifeCycleState": ap.life_cycle_state,
    });
    if let Some(name) = &ap.name {
        v["Name"] = json!(name);
    }
    v
}

fn mount_target_json(aws: &AwsState, mt: &MountTarget) -> Value {
    json!({
        "OwnerId": aws.account_id,
        "MountTargetId": mt.id,
        "FileSystemId": mt.file_system_id,
        "SubnetId": mt.subnet_id,
        "LifeCycleState": mt.life_cycle_state,
        "IpAddress": mt.ip_address,
        "NetworkInterfaceId": mt.network_interface_id,
        "AvailabilityZoneId": mt.availability_zone_id,
        "AvailabilityZoneName": mt.availability_zone_name,
        "VpcId": mt.vpc_id,
    })
}

/// EFS echoes the request's `Marker` and names the next page `NextMarker`.
fn with_markers(mut body: Value, q: &HashMap<String, String>, next: Option<String>) -> Value {
    if let Some(m) = q.get("Marker") {
        body["Marker"] = json!(m);
    }
    if let Some(n) = next {
        body["NextMarker"] = json!(n);
    }
    body
}

fn describe_file_systems(aws: &AwsState, q: &HashMap<String, String>) -> AwsResult {
    check(
        SVC,
        &[
            (&FILE_SYSTEM_ID, param(q, "FileSystemId")),
            (&CREATION_TOKEN, param(q, "CreationToken")),
            (&MARKER, param(q, "Marker")),
        ],
    )?;
    let limit = page_size(SVC, q, "MaxItems", 100, 1000)?;
    let after = resume_key(SVC, q, "Marker")?;
    let id = q.get("FileSystemId");
    let token = q.get("CreationToken");
    if let Some(id) = id
        && !aws.file_systems.contains_key(id)
    {
        return Err(file_system_not_found(id));
    }
    let p = page(&aws.file_systems, after.as_deref(), limit, |fs| {
        id.is_none_or(|id| *id == fs.id) && token.is_none_or(|t| *t == fs.creation_token)
    });
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|(_, fs)| file_system_json(aws, fs))
        .collect();
    ok(&with_markers(json!({"FileSystems": items}), q, p.next))
}

fn describe_access_points(aws: &AwsState, q: &HashMap<String, String>) -> AwsResult {
    check(
        SVC,
        &[
            (&ACCESS_POINT_ID, param(q, "AccessPointId")),
            (&FILE_SYSTEM_ID, param(q, "FileSystemId")),
            (&NEXT_TOKEN, param(q, "NextToken")),
        ],
    )?;
    let limit = page_size(SVC, q, "MaxResults", 100, 1000)?;
    let after = resume_key(SVC, q, "NextToken")?;
    let fs_id = q.get("FileSystemId");
    match (q.get("AccessPointId"), fs_id) {
        (Some(_), Some(_)) => {
            return Err(AwsError::bad_request(
                SVC,
                "Specify either AccessPointId or FileSystemId, not both.",
            ));
        }
        (Some(id), None) => {
            let ap = aws
                .access_points
                .get(id)
                .ok_or_else(|| access_point_not_found(id))?;
            return ok(&json!({"AccessPoints": [access_point_json(aws, ap)]}));
        }
        (None, Some(fs)) if !aws.file_systems.contains_key(fs) => {
            return Err(file_system_not_found(fs));
        }
        _ => {}
    }
    let p = page(&aws.access_points, after.as_deref(), limit, |ap| {
        fs_id.is_none_or(|f| *f == ap.file_system_id)
    });
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|(_, ap)| access_point_json(aws, ap))
        .collect();
    let mut body = json!({"AccessPoints": items});
    if let Some(n) = p.next {
        body["NextToken"] = json!(n);
    }
    ok(&body)
}

fn delete_access_point(aws: &mut AwsState, id: &str) -> AwsResult {
    match aws.access_points.remove(id) {
        Some(_) => no_content(),
        None => Err(access_point_not_found(id)),
    }
}

fn describe_mount_targets(aws: &AwsState, q: &HashMap<String, String>) -> AwsResult {
    check(
        SVC,
        &[
            (&FILE_SYSTEM_ID, param(q, "FileSystemId")),
            (&MOUNT_TARGET_ID, param(q, "MountTargetId")),
            (&ACCESS_POINT_ID, param(q, "AccessPointId")),
            (&MARKER, param(q, "Marker")),
        ],
    )?;
    let limit = page_size(SVC, q, "MaxItems", 10, 100)?;
    let after = resume_key(SVC, q, "Marker")?;
    let mut fs_id = q.get("FileSystemId").cloned();
    let mt_id = q.get("MountTargetId");
    if let Some(ap_id) = q.get("AccessPointId") {
        let ap = aws
            .access_points
            .get(ap_id)
            .ok_or_else(|| access_point_not_found(ap_id))?;
        fs_id = Some(ap.file_system_id.clone());
    }
    match (&fs_id, mt_id) {
        (None, None) => {
            return Err(AwsError::bad_request(
                SVC,
                "You must specify a FileSystemId, MountTargetId or AccessPointId.",
            ));
        }
        (Some(fs), _) if !aws.file_systems.contains_key(fs) => {
            return Err(file_system_not_found(fs));
        }
        (_, Some(mt)) if !aws.mount_targets.contains_key(mt) => {
            return Err(AwsError::new(
                StatusCode::NOT_FOUND,
                "MountTargetNotFound",
                format!("Mount target '{mt}' does not exist."),
            ));
        }
        _ => {}
    }
    let p = page(&aws.mount_targets, after.as_deref(), limit, |mt| {
        fs_id.as_ref().is_none_or(|f| *f == mt.file_system_id) && mt_id.is_none_or(|m| *m == mt.id)
    });
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|(_, mt)| mount_target_json(aws, mt))
        .collect();
    ok(&with_markers(json!({"MountTargets": items}), q, p.next))
}
