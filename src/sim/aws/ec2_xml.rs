//! EC2 records in the XML members the SDK's ec2Query deserializers read (`volumeSet/item`,
//! `reservationSet/item/instancesSet/item`, `snapshotSet/item`).

use jiff::Timestamp;

use super::ec2_query::{Xml, time};
use super::ec2_state::{Attachment, Instance, Snapshot, Volume};

/// The members of one attachment, inside whatever element holds them.
pub fn attachment(x: &mut Xml, volume_id: &str, a: &Attachment) {
    x.text("volumeId", volume_id)
        .text("instanceId", &a.instance_id)
        .text("device", &a.device)
        .text("status", &a.state)
        .text("attachTime", time(a.attach_time))
        .text("deleteOnTermination", a.delete_on_termination);
}

pub fn volume(x: &mut Xml, v: &Volume) {
    x.open("item")
        .text("volumeId", &v.id)
        .text("size", v.size_gib)
        .text("snapshotId", v.snapshot_id.as_deref().unwrap_or_default())
        .text("availabilityZone", &v.availability_zone)
        .text("status", &v.state)
        .text("createTime", time(v.create_time))
        .open("attachmentSet");
    for a in &v.attachments {
        x.open("item");
        attachment(x, &v.id, a);
        x.close("item");
    }
    x.close("attachmentSet")
        .tags(&v.tags)
        .text("volumeType", &v.volume_type)
        .opt("iops", v.iops)
        .opt("throughput", v.throughput)
        .text("encrypted", v.encrypted)
        .text("multiAttachEnabled", false)
        .close("item");
}

/// One instance in a reservation of its own, as instances launched one by one are.
pub fn reservation(x: &mut Xml, account: &str, i: &Instance) {
    let reservation_id = i.id.replacen("i-", "r-", 1);
    x.open("item")
        .text("reservationId", reservation_id)
        .text("ownerId", account)
        .open("groupSet")
        .close("groupSet")
        .open("instancesSet")
        .open("item")
        .text("instanceId", &i.id)
        .text("imageId", "ami-0e1f2a3b4c5d6e7f8")
        .open("instanceState")
        .text("code", i.state_code())
        .text("name", &i.state)
        .close("instanceState")
        .text("privateDnsName", &i.private_dns_name)
        .text("dnsName", "")
        .text("instanceType", &i.instance_type)
        .text("launchTime", time(i.launch_time))
        .open("placement")
        .text("availabilityZone", &i.availability_zone)
        .text("tenancy", "default")
        .close("placement")
        .text("privateIpAddress", &i.private_ip)
        .text("architecture", "x86_64")
        .text("rootDeviceType", "ebs")
        .text("rootDeviceName", "/dev/xvda")
        .close("item")
        .close("instancesSet")
        .close("item");
}

/// A snapshot's members, inside whatever element holds them.
pub fn snapshot(x: &mut Xml, account: &str, s: &Snapshot, now: Timestamp) {
    x.text("snapshotId", &s.id)
        .text("volumeId", &s.volume_id)
        .text("status", &s.state)
        .text("startTime", time(s.start_time))
        .text("progress", s.progress(now))
        .text("ownerId", account)
        .text("volumeSize", s.volume_size)
        .text("description", &s.description)
        .text("encrypted", true)
        .tags(&s.tags);
}
