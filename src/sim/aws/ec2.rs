//! EC2 on the shared port: form-encoded `POST /` like STS, told apart by its signing
//! service or API version. This file routes the actions and answers the two reads the
//! dashboard sweeps with, DescribeVolumes and DescribeInstances; the mutations and
//! snapshots are in `ec2_ops`.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::ec2_query::{Ec2Error, Ec2Result, Filter, Form, VERSION, Xml, answer};
use super::ec2_state::{Attachment, Volume};
use super::paging::page;
use super::{Injected, ec2_ops, ec2_xml, take_fault};
use crate::sim::{Shared, SimState, lock};

/// True for the form POSTs to `/` that are EC2's rather than STS's.
pub fn owns(headers: &HeaderMap, body: &Bytes) -> bool {
    let signed_for_ec2 = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("/ec2/aws4_request"));
    signed_for_ec2 || Form::parse(body).get("Version") == Some(VERSION)
}

pub fn handle(shared: &Shared, body: &Bytes) -> Response {
    let form = Form::parse(body);
    let mut st = lock(shared);
    let result = match take_fault(&mut st, "ec2") {
        Some(f) => Err(fault_error(f, &st.aws.caller().arn)),
        None => route(&mut st, &form),
    };
    drop(st);
    result.unwrap_or_else(Ec2Error::into_response)
}

/// Injected faults in EC2's own words: it throttles with 503 RequestLimitExceeded.
fn fault_error(f: Injected, caller: &str) -> Ec2Error {
    match f {
        Injected::Throttle => Ec2Error::new("RequestLimitExceeded", "Request limit exceeded.")
            .with_status(StatusCode::SERVICE_UNAVAILABLE),
        Injected::Fail => Ec2Error::new(
            "InternalError",
            "An internal error has occurred (injected by the simulator).",
        )
        .with_status(StatusCode::INTERNAL_SERVER_ERROR),
        Injected::Forbidden => Ec2Error::new(
            "UnauthorizedOperation",
            format!("You are not authorized to perform this operation. User: {caller} (denied by the simulator)"),
        )
        .with_status(StatusCode::FORBIDDEN),
    }
}

fn route(st: &mut SimState, form: &Form) -> Ec2Result {
    let action = form.get("Action").unwrap_or_default();
    if form.get("Version") != Some(VERSION) {
        let v = form.get("Version").unwrap_or_default();
        return Err(Ec2Error::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service (version {v:?})."),
        ));
    }
    if form.flag("DryRun")? {
        return Err(Ec2Error::new(
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        )
        .with_status(StatusCode::PRECONDITION_FAILED));
    }
    match action {
        "DescribeVolumes" => describe_volumes(st, form),
        "DescribeInstances" => describe_instances(st, form),
        "DescribeSnapshots" => ec2_ops::describe_snapshots(st, form),
        "DetachVolume" => ec2_ops::detach_volume(st, form),
        "CreateSnapshot" => ec2_ops::create_snapshot(st, form),
        "DeleteVolume" => ec2_ops::delete_volume(st, form),
        "" => Err(Ec2Error::new(
            "MissingAction",
            "The request must contain the parameter Action",
        )),
        _ => Err(Ec2Error::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        )),
    }
}

/// `prefix-` and 8 or 17 lowercase hex digits, else EC2's `…ID.Malformed`.
pub fn check_id(id: &str, prefix: &str, code: &'static str) -> Result<(), Ec2Error> {
    let ok = id
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(Ec2Error::new(
            code,
            format!("Invalid id: \"{id}\" (expecting \"{prefix}-...\")"),
        ))
    }
}

/// Refuses filters the action does not know, as EC2 does.
pub fn check_filters(filters: &[Filter], known: &[&str]) -> Result<(), Ec2Error> {
    match filters
        .iter()
        .find(|f| !known.contains(&f.name.as_str()) && !f.name.starts_with("tag:"))
    {
        Some(f) => Err(Ec2Error::invalid(format!(
            "The filter '{}' is invalid",
            f.name
        ))),
        None => Ok(()),
    }
}

/// Whether a record passes every filter; `values` gives the record's values for a name.
pub fn passes<'a>(filters: &[Filter], values: impl Fn(&str) -> Vec<&'a str>) -> bool {
    filters
        .iter()
        .all(|f| values(&f.name).iter().any(|v| f.matches(v)))
}

/// A tag filter's values: `tag:KEY`, `tag-key`, `tag-value`.
pub fn tag_values<'a>(tags: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    match name.strip_prefix("tag:") {
        Some(key) => tags
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect(),
        None if name == "tag-key" => tags.iter().map(|(k, _)| k.as_str()).collect(),
        None if name == "tag-value" => tags.iter().map(|(_, v)| v.as_str()).collect(),
        None => Vec::new(),
    }
}

const VOLUME_FILTERS: &[&str] = &[
    "volume-id",
    "status",
    "volume-type",
    "availability-zone",
    "size",
    "attachment.instance-id",
    "attachment.status",
    "attachment.device",
    "tag-key",
    "tag-value",
];

fn volume_values<'a>(v: &'a Volume, size: &'a str, name: &str) -> Vec<&'a str> {
    let each = |f: fn(&Attachment) -> &str| v.attachments.iter().map(f).collect();
    match name {
        "volume-id" => vec![v.id.as_str()],
        "status" => vec![v.state.as_str()],
        "volume-type" => vec![v.volume_type.as_str()],
        "availability-zone" => vec![v.availability_zone.as_str()],
        "size" => vec![size],
        "attachment.instance-id" => each(|a| a.instance_id.as_str()),
        "attachment.status" => each(|a| a.state.as_str()),
        "attachment.device" => each(|a| a.device.as_str()),
        _ => tag_values(&v.tags, name),
    }
}

/// The ids of `VolumeId.N`, checked; any unknown one fails the whole call.
fn wanted_ids(
    form: &Form,
    param: &str,
    prefix: &str,
    malformed: &'static str,
    exists: impl Fn(&str) -> bool,
    not_found: impl Fn(&str) -> Ec2Error,
) -> Result<Vec<String>, Ec2Error> {
    let ids = form.list(param);
    if !ids.is_empty() && form.get("MaxResults").is_some() {
        return Err(Ec2Error::new(
            "InvalidParameterCombination",
            format!("The parameter {param} cannot be used with the parameter maxResults"),
        ));
    }
    for id in &ids {
        check_id(id, prefix, malformed)?;
    }
    match ids.iter().find(|id| !exists(id)) {
        Some(id) => Err(not_found(id)),
        None => Ok(ids),
    }
}

pub fn volume_not_found(id: &str) -> Ec2Error {
    Ec2Error::new(
        "InvalidVolume.NotFound",
        format!("The volume '{id}' does not exist."),
    )
}

pub fn instance_not_found(id: &str) -> Ec2Error {
    Ec2Error::new(
        "InvalidInstanceID.NotFound",
        format!("The instance ID '{id}' does not exist"),
    )
}

fn describe_volumes(st: &SimState, form: &Form) -> Ec2Result {
    let ec2 = &st.aws.ec2;
    let ids = wanted_ids(
        form,
        "VolumeId",
        "vol",
        "InvalidVolumeID.Malformed",
        |id| ec2.volumes.contains_key(id),
        volume_not_found,
    )?;
    let filters = form.filters()?;
    check_filters(&filters, VOLUME_FILTERS)?;
    let limit = form.max_results(5, 500)?.unwrap_or(usize::MAX);
    let after = form.resume_key()?;
    let p = page(&ec2.volumes, after.as_deref(), limit, |v| {
        let size = v.size_gib.to_string();
        (ids.is_empty() || ids.contains(&v.id)) && passes(&filters, |n| volume_values(v, &size, n))
    });
    let mut x = Xml::default();
    x.open("volumeSet");
    for (_, v) in &p.items {
        ec2_xml::volume(&mut x, v);
    }
    x.close("volumeSet").opt("nextToken", p.next);
    answer("DescribeVolumes", &x.finish())
}

const INSTANCE_FILTERS: &[&str] = &[
    "instance-id",
    "instance-state-name",
    "availability-zone",
    "private-dns-name",
];

fn describe_instances(st: &SimState, form: &Form) -> Ec2Result {
    let ec2 = &st.aws.ec2;
    let ids = wanted_ids(
        form,
        "InstanceId",
        "i",
        "InvalidInstanceID.Malformed",
        |id| ec2.instances.contains_key(id),
        instance_not_found,
    )?;
    let filters = form.filters()?;
    check_filters(&filters, INSTANCE_FILTERS)?;
    let limit = form.max_results(5, 1000)?.unwrap_or(usize::MAX);
    let after = form.resume_key()?;
    let p = page(&ec2.instances, after.as_deref(), limit, |i| {
        (ids.is_empty() || ids.contains(&i.id))
            && passes(&filters, |n| match n {
                "instance-id" => vec![i.id.as_str()],
                "instance-state-name" => vec![i.state.as_str()],
                "availability-zone" => vec![i.availability_zone.as_str()],
                "private-dns-name" => vec![i.private_dns_name.as_str()],
                _ => Vec::new(),
            })
    });
    let mut x = Xml::default();
    x.open("reservationSet");
    for (_, i) in &p.items {
        ec2_xml::reservation(&mut x, &st.aws.account_id, i);
    }
    x.close("reservationSet").opt("nextToken", p.next);
    answer("DescribeInstances", &x.finish())
}
