//! What the EBS dialogs say: the exact EC2 requests in the order they go, why the act is
//! allowed, and — for the risky forms a second confirmation turns on — what can be lost.

use super::ebs::{DeleteVolume, DetachVolume, FORCE_WARNING};

pub fn detach_title(d: &DetachVolume) -> String {
    if d.force {
        format!("FORCE-detach {} from {}", d.volume_id, d.instance_id)
    } else {
        format!("Detach {} from {}", d.volume_id, d.instance_id)
    }
}

pub fn delete_title(d: &DeleteVolume) -> String {
    if d.snapshot_first {
        format!("Snapshot, then delete orphaned volume {}", d.volume_id)
    } else {
        format!("Delete orphaned volume {} WITHOUT a snapshot", d.volume_id)
    }
}

pub fn detach(d: &DetachVolume) -> Vec<String> {
    let mut out = vec![
        format!(
            "EC2 DetachVolume  volume {}  instance {}  device {}",
            d.volume_id,
            d.instance_id,
            d.device.as_deref().unwrap_or("-")
        ),
        format!("  {}", d.request_line()),
        String::new(),
        format!("Allowed because {}.", d.because),
        format!(
            "The attachment is {} now{}.",
            d.attachment_state,
            d.pv.as_deref()
                .map(|pv| format!("; PV {pv} uses the volume"))
                .unwrap_or_default()
        ),
    ];
    if d.force {
        out.push(String::new());
        out.push(format!("⚠ Force=true. AWS: {FORCE_WARNING}"));
    } else {
        out.push(
            "Without Force, EC2 asks the instance to release the device; if the detach hangs \
             in detaching or busy, open this again and ask twice for Force=true."
                .into(),
        );
    }
    out
}

pub fn delete(d: &DeleteVolume) -> Vec<String> {
    let mut out = vec![format!(
        "EBS volume {}  {} GiB {}  {}{}{}",
        d.volume_id,
        d.size_gib,
        d.volume_type,
        d.zone,
        d.made_for
            .as_deref()
            .map(|m| format!("  made for {m}"))
            .unwrap_or_default(),
        d.monthly_estimate
            .as_deref()
            .map(|c| format!("  {c}/month at list price (estimate)"))
            .unwrap_or_default()
    )];
    if d.snapshot_first {
        out.extend([
            "1.".to_string(),
            format!("  {}", d.snapshot_line()),
            "2. wait until the new snapshot is completed:".into(),
            "  POST ec2 DescribeSnapshots SnapshotId=<the id CreateSnapshot returns>  (read, repeated)"
                .into(),
            "3. only then:".into(),
            format!("  {}", d.delete_line()),
            String::new(),
            "If the snapshot fails or does not complete, the volume is not deleted; each step \
             is written to the audit log."
                .into(),
        ]);
    } else {
        out.extend([
            format!("  {}", d.delete_line()),
            String::new(),
            format!(
                "⚠ NO snapshot is taken: the {} GiB of data on {} are gone for good once EC2 \
                 deletes it.",
                d.size_gib, d.volume_id
            ),
        ]);
    }
    out
}
