//! What EC2 says about the EBS volumes behind PVs and the instances behind nodes, as plain
//! records, and the joins the EBS CSI driver's conventions allow.

use compact_str::CompactString;
use jiff::Timestamp;

use super::intern::Sym;

pub const EBS_DRIVER: &str = "ebs.csi.aws.com";
/// The tag the EBS CSI driver puts on every volume it creates for a cluster.
pub const CLUSTER_TAG: &str = "ebs.csi.aws.com/cluster";

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EbsVolumeRec {
    pub id: CompactString,
    pub size_gib: i32,
    /// gp3, gp2, io2, …
    pub volume_type: Sym,
    pub iops: Option<i32>,
    /// MiB/s; gp3 only.
    pub throughput: Option<i32>,
    pub zone: Sym,
    /// creating, available, in-use, deleting, deleted, error.
    pub state: Sym,
    pub created: Option<Timestamp>,
    pub attachments: Vec<EbsAttachment>,
    /// Carries the driver's `ebs.csi.aws.com/cluster=true`: the driver made it.
    pub cluster_tagged: bool,
    /// `CSIVolumeName` or `kubernetes.io/created-for/pv/name`.
    pub pv_tag: Option<CompactString>,
    /// `kubernetes.io/created-for/pvc/{namespace,name}`.
    pub claim_tag: Option<(Sym, CompactString)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EbsAttachment {
    pub instance_id: CompactString,
    pub device: Option<CompactString>,
    /// attaching, attached, detaching, detached, busy.
    pub state: Sym,
    pub since: Option<Timestamp>,
}

impl EbsAttachment {
    /// Still holds the volume: a new node cannot attach it meanwhile.
    pub fn holds(&self) -> bool {
        matches!(
            self.state.as_str(),
            "attaching" | "attached" | "detaching" | "busy"
        )
    }
}

impl EbsVolumeRec {
    /// The attachments that still hold the volume.
    pub fn holders(&self) -> impl Iterator<Item = &EbsAttachment> {
        self.attachments.iter().filter(|a| a.holds())
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstanceRec {
    pub id: CompactString,
    /// pending, running, stopping, stopped, shutting-down, terminated.
    pub state: Sym,
    pub zone: Option<Sym>,
}

/// `(zone, instance id)` from a node's `spec.providerID`, `aws:///<zone>/i-…`; None for
/// Fargate and anything not on EC2.
pub fn provider_instance(provider_id: &str) -> Option<(&str, &str)> {
    let (zone, id) = provider_id.strip_prefix("aws:///")?.split_once('/')?;
    id.starts_with("i-").then_some((zone, id))
}

/// An EBS volume id as the driver writes volumeHandles (`vol-` and hex).
pub fn is_volume_id(s: &str) -> bool {
    s.strip_prefix("vol-")
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What a month of a volume costs at on-demand list price, in USD: an estimate from a
/// small table (us-east-1 prices of 2026; other regions are within about 20% and the
/// figure says it is an estimate). Storage per GiB-month, plus provisioned IOPS and
/// throughput above what the type includes.
pub fn monthly_cost_usd(v: &EbsVolumeRec) -> Option<f64> {
    let gib = f64::from(v.size_gib);
    let iops = f64::from(v.iops.unwrap_or(0));
    let mibs = f64::from(v.throughput.unwrap_or(0));
    Some(match v.volume_type.as_str() {
        "gp3" => gib * 0.08 + (iops - 3000.0).max(0.0) * 0.005 + (mibs - 125.0).max(0.0) * 0.04,
        "gp2" => gib * 0.10,
        "io1" => gib * 0.125 + iops * 0.065,
        "io2" => gib * 0.125 + iops * 0.065,
        "st1" => gib * 0.045,
        "sc1" => gib * 0.015,
        "standard" => gib * 0.05,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(kind: &str, gib: i32, iops: Option<i32>, mibs: Option<i32>) -> EbsVolumeRec {
        EbsVolumeRec {
            id: "vol-0a".into(),
            size_gib: gib,
            volume_type: Sym::new(kind),
            iops,
            throughput: mibs,
            zone: Sym::new("us-east-1a"),
            state: Sym::new("available"),
            created: None,
            attachments: vec![],
            cluster_tagged: true,
            pv_tag: None,
            claim_tag: None,
        }
    }

    #[test]
    fn provider_ids_name_zone_and_instance() {
        assert_eq!(
            provider_instance("aws:///us-east-1b/i-0abc"),
            Some(("us-east-1b", "i-0abc"))
        );
        assert_eq!(provider_instance("aws:///us-east-1b/fargate-ip-10"), None);
        assert_eq!(provider_instance("gce://p/z/n"), None);
    }

    #[test]
    fn volume_ids_are_vol_and_hex() {
        assert!(is_volume_id("vol-0123abcd"));
        assert!(!is_volume_id("vol-"));
        assert!(!is_volume_id("fs-0123"));
        assert!(!is_volume_id("vol-xyz"));
    }

    #[test]
    fn costs_charge_only_what_the_type_does_not_include() {
        let base = monthly_cost_usd(&vol("gp3", 100, Some(3000), Some(125))).unwrap();
        assert!((base - 8.0).abs() < 1e-9);
        let more = monthly_cost_usd(&vol("gp3", 100, Some(4000), Some(225))).unwrap();
        assert!((more - (8.0 + 5.0 + 4.0)).abs() < 1e-9);
        assert_eq!(monthly_cost_usd(&vol("future", 1, None, None)), None);
    }
}
