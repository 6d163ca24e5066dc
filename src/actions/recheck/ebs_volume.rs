//! Before DetachVolume and DeleteVolume: fresh EC2 reads of the volume (and the instance),
//! and fresh LISTs of nodes and PVs, ask again what the plan took from the World.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use k8s_openapi::api::core::v1::Node;

use super::kube_read::{Pv, find_in_list};
use crate::actions::ebs::{DeleteVolume, DetachVolume};
use crate::actions::errors;
use crate::actions::plan::detach_allowed;
use crate::actions::reads::{PVS, Read, list_path};
use crate::model::ebs::EbsVolumeRec;
use crate::model::projection::NodeRow;
use crate::sources::aws::ec2_convert;

pub const NODES: &str = "/api/v1/nodes";

fn ec2_read(request: String, expects: String) -> Read {
    Read {
        via: "POST ec2",
        request,
        expects,
    }
}

pub fn detach_reads(d: &DetachVolume) -> Vec<Read> {
    let (v, i) = (&d.volume_id, &d.instance_id);
    vec![
        ec2_read(
            format!("DescribeVolumes VolumeId={v}"),
            format!("it is still attached to {i}"),
        ),
        ec2_read(
            format!("DescribeInstances InstanceId={i}"),
            "its state (not found counts as gone)".into(),
        ),
        Read {
            via: "GET",
            request: list_path(NODES),
            expects: format!(
                "on every page, no Ready, undisrupted node whose spec.providerID names {i} \
                 while {i} is running"
            ),
        },
    ]
}

pub fn delete_volume_reads(d: &DeleteVolume) -> Vec<Read> {
    let v = &d.volume_id;
    vec![
        ec2_read(
            format!("DescribeVolumes VolumeId={v}"),
            "it is available, attached to nothing, and tagged ebs.csi.aws.com/cluster=true".into(),
        ),
        Read {
            via: "GET",
            request: list_path(PVS),
            expects: format!("on every page, no PV whose spec.csi.volumeHandle is {v}"),
        },
    ]
}

/// `None`: EC2 no longer knows the volume.
async fn describe_volume(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<Option<EbsVolumeRec>, String> {
    match ec2.describe_volumes().volume_ids(id).send().await {
        Ok(out) => Ok(out
            .volumes()
            .iter()
            .find(|v| v.volume_id() == Some(id))
            .map(ec2_convert::volume)),
        Err(e) if e.code() == Some("InvalidVolume.NotFound") => Ok(None),
        Err(e) => Err(format!(
            "{id} could not be checked again: {}",
            errors::aws("EC2", "DescribeVolumes", &e)
        )),
    }
}

/// The instance's state; `None` when EC2 no longer knows it (terminated long ago).
async fn instance_state(ec2: &aws_sdk_ec2::Client, id: &str) -> Result<Option<String>, String> {
    match ec2.describe_instances().instance_ids(id).send().await {
        Ok(out) => Ok(out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(id))
            .map(|i| ec2_convert::instance(i).state.to_string())),
        Err(e) if e.code() == Some("InvalidInstanceID.NotFound") => Ok(None),
        Err(e) => Err(format!(
            "instance {id} could not be checked again: {}",
            errors::aws("EC2", "DescribeInstances", &e)
        )),
    }
}

pub async fn detach(
    ec2: &aws_sdk_ec2::Client,
    kube: &kube::Client,
    d: &DetachVolume,
) -> Result<(), String> {
    let (v, i) = (&d.volume_id, &d.instance_id);
    let vol = describe_volume(ec2, v)
        .await?
        .ok_or_else(|| format!("{v} no longer exists (InvalidVolume.NotFound)"))?;
    if !vol.holders().any(|a| a.instance_id == i.as_str()) {
        return Err(format!(
            "{v} is no longer attached to {i}: nothing to detach"
        ));
    }
    let state = instance_state(ec2, i).await?;
    let node = find_in_list::<Node, _>(kube, &list_path(NODES), |n| {
        let row = NodeRow::from_k8s(n);
        (row.instance() == Some(i.as_str())).then_some(row)
    })
    .await?;
    if detach_allowed(node.as_ref(), i, state.as_deref()).is_none() {
        return Err(format!(
            "instance {i} is {} and its node {} is Ready and not disrupted now: {v} may be \
             mounted and in use there",
            state.as_deref().unwrap_or("running"),
            node.as_ref().map_or("-", |n| n.meta.name.as_str())
        ));
    }
    Ok(())
}

pub async fn delete_volume(
    ec2: &aws_sdk_ec2::Client,
    kube: &kube::Client,
    d: &DeleteVolume,
) -> Result<(), String> {
    let v = &d.volume_id;
    let vol = describe_volume(ec2, v)
        .await?
        .ok_or_else(|| format!("{v} no longer exists (InvalidVolume.NotFound)"))?;
    if vol.state.as_str() != "available" || !vol.attachments.is_empty() {
        let to = vol
            .attachments
            .first()
            .map(|a| format!(", attached to {}", a.instance_id))
            .unwrap_or_default();
        return Err(format!("{v} is {} now{to}, not available", vol.state));
    }
    if !vol.cluster_tagged {
        return Err(format!(
            "{v} no longer carries the ebs.csi.aws.com/cluster tag"
        ));
    }
    let user = find_in_list::<Pv, _>(kube, &list_path(PVS), |pv| {
        let handle = &pv.spec.csi.as_ref()?.volume_handle;
        (handle == v).then(|| format!("PV {} names {v} now", pv.metadata.name))
    })
    .await?;
    match user {
        Some(why) => Err(why),
        None => Ok(()),
    }
}
