//! EC2 SDK types to the model's EBS records.

use aws_sdk_ec2::types as ec2;

use super::convert::time;
use crate::model::ebs::{CLUSTER_TAG, EbsAttachment, EbsVolumeRec, InstanceRec};
use crate::model::intern::Sym;

pub fn volume(v: &ec2::Volume) -> EbsVolumeRec {
    let tag = |k: &str| {
        v.tags()
            .iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
    };
    let claim = tag("kubernetes.io/created-for/pvc/namespace")
        .zip(tag("kubernetes.io/created-for/pvc/name"))
        .map(|(ns, n)| (Sym::new(ns), n.into()));
    EbsVolumeRec {
        id: v.volume_id().unwrap_or_default().into(),
        size_gib: v.size().unwrap_or_default(),
        volume_type: Sym::new(v.volume_type().map_or("", |t| t.as_str())),
        iops: v.iops(),
        throughput: v.throughput(),
        zone: Sym::new(v.availability_zone().unwrap_or_default()),
        state: Sym::new(v.state().map_or("", |s| s.as_str())),
        created: v.create_time().and_then(time),
        attachments: v.attachments().iter().map(attachment).collect(),
        cluster_tagged: tag(CLUSTER_TAG) == Some("true"),
        pv_tag: tag("CSIVolumeName")
            .or_else(|| tag("kubernetes.io/created-for/pv/name"))
            .map(Into::into),
        claim_tag: claim,
    }
}

fn attachment(a: &ec2::VolumeAttachment) -> EbsAttachment {
    EbsAttachment {
        instance_id: a.instance_id().unwrap_or_default().into(),
        device: a.device().map(Into::into),
        state: Sym::new(a.state().map_or("", |s| s.as_str())),
        since: a.attach_time().and_then(time),
    }
}

pub fn instance(i: &ec2::Instance) -> InstanceRec {
    InstanceRec {
        id: i.instance_id().unwrap_or_default().into(),
        state: Sym::new(i.state().and_then(|s| s.name()).map_or("", |n| n.as_str())),
        zone: i
            .placement()
            .and_then(|p| p.availability_zone())
            .map(Sym::new),
    }
}
