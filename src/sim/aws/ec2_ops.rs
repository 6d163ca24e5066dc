//! The EC2 actions stordeck's fixes use — DetachVolume, CreateSnapshot, DeleteVolume — and
//! DescribeSnapshots to watch a snapshot complete. Each only starts its transition; the
//! clock finishes it (`Ec2State::tick`), as AWS finishes them asynchronously.

use super::ec2::{
    check_filters, check_id, instance_not_found, passes, tag_values, volume_not_found,
};
use super::ec2_query::{Ec2Error, Ec2Result, Form, Xml, answer};
use super::ec2_state::Snapshot;
use super::ec2_xml;
use super::paging::page;
use crate::sim::SimState;

fn volume_id<'a>(st: &SimState, form: &'a Form) -> Result<&'a str, Ec2Error> {
    let id = form.required("VolumeId")?;
    check_id(id, "vol", "InvalidVolumeID.Malformed")?;
    if !st.aws.ec2.volumes.contains_key(id) {
        return Err(volume_not_found(id));
    }
    Ok(id)
}

pub fn detach_volume(st: &mut SimState, form: &Form) -> Ec2Result {
    let now = st.now();
    let vol_id = volume_id(st, form)?;
    let instance = form.get("InstanceId").filter(|v| !v.is_empty());
    if let Some(i) = instance {
        check_id(i, "i", "InvalidInstanceID.Malformed")?;
        if !st.aws.ec2.instances.contains_key(i) {
            return Err(instance_not_found(i));
        }
    }
    let force = form.flag("Force")?;
    let ec2 = &mut st.aws.ec2;
    let vol = ec2
        .volumes
        .get(vol_id)
        .ok_or_else(|| volume_not_found(vol_id))?;
    let att = match instance {
        Some(i) => vol.attachment_to(i).ok_or_else(|| {
            Ec2Error::new(
                "InvalidAttachment.NotFound",
                format!("The volume {vol_id} is not attached to instance {i}"),
            )
        })?,
        None => vol.attachments.first().ok_or_else(|| {
            Ec2Error::new(
                "IncorrectState",
                format!("Volume '{vol_id}' is in the '{}' state.", vol.state),
            )
        })?,
    };
    if let Some(dev) = form.get("Device").filter(|d| !d.is_empty())
        && dev != att.device
    {
        return Err(Ec2Error::new(
            "InvalidAttachment.NotFound",
            format!("The volume {vol_id} is not attached at {dev}"),
        ));
    }
    let instance_id = att.instance_id.clone();
    ec2.begin_detach(vol_id, &instance_id, force, now);
    let vol = ec2
        .volumes
        .get(vol_id)
        .ok_or_else(|| volume_not_found(vol_id))?;
    let att = vol
        .attachment_to(&instance_id)
        .ok_or_else(|| volume_not_found(vol_id))?;
    let mut x = Xml::default();
    ec2_xml::attachment(&mut x, vol_id, att);
    answer("DetachVolume", &x.finish())
}

/// `TagSpecification.N.Tag.M.Key/Value` for the resource type `kind`.
fn tag_specifications(form: &Form, kind: &str) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for n in 1.. {
        let Some(rt) = form.get(&format!("TagSpecification.{n}.ResourceType")) else {
            break;
        };
        for m in 1.. {
            let Some(k) = form.get(&format!("TagSpecification.{n}.Tag.{m}.Key")) else {
                break;
            };
            if rt == kind {
                let v = form
                    .get(&format!("TagSpecification.{n}.Tag.{m}.Value"))
                    .unwrap_or_default();
                tags.push((k.to_string(), v.to_string()));
            }
        }
    }
    tags
}

pub fn create_snapshot(st: &mut SimState, form: &Form) -> Ec2Result {
    let now = st.now();
    let vol_id = volume_id(st, form)?.to_string();
    let size = match st.aws.ec2.volumes.get(&vol_id) {
        Some(v) if v.state == "deleting" || v.state == "deleted" => {
            return Err(Ec2Error::new(
                "IncorrectState",
                format!("Volume '{vol_id}' is in the '{}' state.", v.state),
            ));
        }
        Some(v) => v.size_gib,
        None => return Err(volume_not_found(&vol_id)),
    };
    let snap = Snapshot {
        id: st.aws.next_id("snap"),
        volume_id: vol_id,
        volume_size: size,
        state: "pending".into(),
        start_time: now,
        description: form.get("Description").unwrap_or_default().into(),
        tags: tag_specifications(form, "snapshot"),
    };
    let mut x = Xml::default();
    ec2_xml::snapshot(&mut x, &st.aws.account_id, &snap, now);
    st.aws.ec2.snapshots.insert(snap.id.clone(), snap);
    answer("CreateSnapshot", &x.finish())
}

const SNAPSHOT_FILTERS: &[&str] = &["snapshot-id", "volume-id", "status", "tag-key", "tag-value"];

pub fn describe_snapshots(st: &SimState, form: &Form) -> Ec2Result {
    let ec2 = &st.aws.ec2;
    let ids = form.list("SnapshotId");
    if !ids.is_empty() && form.get("MaxResults").is_some() {
        return Err(Ec2Error::new(
            "InvalidParameterCombination",
            "The parameter SnapshotId cannot be used with the parameter maxResults",
        ));
    }
    for id in &ids {
        check_id(id, "snap", "InvalidSnapshotID.Malformed")?;
        if !ec2.snapshots.contains_key(id) {
            return Err(Ec2Error::new(
                "InvalidSnapshot.NotFound",
                format!("The snapshot '{id}' does not exist."),
            ));
        }
    }
    let filters = form.filters()?;
    check_filters(&filters, SNAPSHOT_FILTERS)?;
    let limit = form.max_results(5, 1000)?.unwrap_or(usize::MAX);
    let after = form.resume_key()?;
    let p = page(&ec2.snapshots, after.as_deref(), limit, |s| {
        (ids.is_empty() || ids.contains(&s.id))
            && passes(&filters, |n| match n {
                "snapshot-id" => vec![s.id.as_str()],
                "volume-id" => vec![s.volume_id.as_str()],
                "status" => vec![s.state.as_str()],
                _ => tag_values(&s.tags, n),
            })
    });
    let now = st.now();
    let mut x = Xml::default();
    x.open("snapshotSet");
    for (_, s) in &p.items {
        x.open("item");
        ec2_xml::snapshot(&mut x, &st.aws.account_id, s, now);
        x.close("item");
    }
    x.close("snapshotSet").opt("nextToken", p.next);
    answer("DescribeSnapshots", &x.finish())
}

/// Refused while anything is attached; otherwise `deleting`, and gone a moment later.
pub fn delete_volume(st: &mut SimState, form: &Form) -> Ec2Result {
    let now = st.now();
    let vol_id = volume_id(st, form)?.to_string();
    let vol = st
        .aws
        .ec2
        .volumes
        .get_mut(&vol_id)
        .ok_or_else(|| volume_not_found(&vol_id))?;
    if let Some(a) = vol.attachments.first() {
        return Err(Ec2Error::new(
            "IncorrectState",
            format!(
                "Volume '{vol_id}' is currently attached to {} and is in the '{}' state.",
                a.instance_id, vol.state
            ),
        ));
    }
    if vol.state != "deleting" {
        vol.state = "deleting".into();
        vol.state_since = now;
    }
    let mut x = Xml::default();
    x.text("return", true);
    answer("DeleteVolume", &x.finish())
}
