//! What the demo and scale scenarios share: the account, the `demo` cluster (Fargate
//! profiles, no node groups, Karpenter EC2 nodes beside Fargate ones), its add-ons, the
//! storage classes, two EFS file systems with their ACK resources, and EBS volumes
//! attached to nodes Karpenter is disrupting.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::addons::{self, Fleet};
use super::objects::{self as o, AckFs};
use super::{agents, days_ago, ebs, put, volumes};
use crate::sim::SimState;
use crate::sim::aws::state::{hex_id, name_seed, splitmix64, uuid_like};
use crate::sim::aws::{
    AwsState, Cluster, FargateProfile, FargateSelector, FileSystem, MountTarget,
};
use crate::sim::truth::{self, ObjectId};

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";
pub const CLUSTER: &str = "demo";
/// Shared application data; dynamically provisioned through `efs-sc`.
pub const FS_A: &str = "fs-0a1b2c3d4e5f60718";
/// Created by the ACK controller; ends up `available` in AWS while ACK says `creating`.
pub const FS_B: &str = "fs-0f9e8d7c6b5a40312";
/// `ml-datasets`, shared with SageMaker and Lambda, near its access point quota (demo
/// only; see `ml_datasets.rs`). Its id sorts after the others, so it lists last.
pub const FS_C: &str = "fs-0fd1e2c3b4a596870";
const VPC: &str = "vpc-0c0ffee0ddba11a57";
/// (zone, zone id, private subnet)
const AZS: [(&str, &str, &str); 3] = [
    ("us-east-1a", "use1-az1", "subnet-0a1a2b3c4d5e6f701"),
    ("us-east-1b", "use1-az2", "subnet-0b1a2b3c4d5e6f702"),
    ("us-east-1c", "use1-az4", "subnet-0c1a2b3c4d5e6f703"),
];
pub const NAMESPACES: [&str; 5] = ["default", "kube-system", "shop", "media", "analytics"];
/// Story 4: Karpenter's taint on a node it is about to remove.
pub const DISRUPTED_TAINT: &str = "karpenter.sh/disrupted";

pub struct BaseOptions {
    /// `gidRangeStart`/`gidRangeEnd` of `efs-sc`; `None` leaves the driver's defaults.
    pub efs_sc_gid_range: Option<(i64, i64)>,
    /// Whether AWS already reports fs-B `available` (ACK says `creating` either way).
    pub fs_b_available: bool,
}

pub struct Base {
    pub now: Timestamp,
    /// Karpenter EC2 nodes; the first is disrupted from the start.
    pub ec2_nodes: Vec<String>,
}

pub fn build(st: &mut SimState, opts: &BaseOptions) -> Base {
    let now = st.now();
    st.aws = AwsState::new(ACCOUNT, REGION);
    for ns in NAMESPACES {
        put(st, o::namespace(ns, days_ago(now, 400)));
    }
    let ec2_nodes = nodes(st, now);
    let fleet = Fleet {
        ec2_nodes: 3,
        disrupted: 1,
    };
    let addons = addons::install(st, ACCOUNT, now, fleet);
    addons::cilium(st, now, fleet);
    st.aws.clusters.insert(CLUSTER.into(), cluster(now, addons));
    storage_classes(st, now, opts.efs_sc_gid_range);
    file_systems(st, now, opts.fs_b_available);
    volumes::ebs_attached(st, now, &ec2_nodes);
    for (i, node) in ec2_nodes.iter().enumerate() {
        // The first node's agents that do not tolerate the taint were evicted (story 4).
        let evicted_by = (i == 0).then_some(DISRUPTED_TAINT);
        agents::start(st, node, evicted_by);
    }
    plant_base_faults(st, &ec2_nodes, now);
    Base { now, ec2_nodes }
}

/// The ground truth of what `build` broke, named as the findings name it.
fn plant_base_faults(st: &mut SimState, ec2_nodes: &[String], now: Timestamp) {
    let log = &mut st.truth;
    log.plant(
        "preserve-risk",
        ObjectId::cluster(truth::CSI_DRIVER, "efs.csi.aws.com"),
        [ObjectId::cluster(truth::ADDON, "aws-efs-csi-driver")],
        now,
        "CSIDriver older than the add-on that adopted it, on a Fargate-only cluster",
    );
    if let Some(node) = ec2_nodes.first() {
        let involved: Vec<ObjectId> = st
            .store
            .list("volumeattachments")
            .filter(|(_, va)| va["spec"]["nodeName"] == node.as_str())
            .map(|(k, _)| ObjectId::cluster("VolumeAttachment", &k.1))
            .collect();
        st.truth.plant(
            "stranded-volume",
            ObjectId::cluster(truth::NODE, node),
            involved,
            now,
            "node tainted karpenter.sh/disrupted, ebs-csi-node evicted, attachments left",
        );
    }
    ebs::plant_stranded(st, now);
    let log = &mut st.truth;
    log.plant(
        "lifecycle-drift",
        ObjectId::namespaced(truth::ACK_FILE_SYSTEM, "default", "analytics-fs"),
        [ObjectId::cluster(truth::FILE_SYSTEM, FS_B)],
        now,
        "ACK resource stuck at creating with ResourceSynced=Unknown",
    );
    log.plant(
        "addon-degraded",
        ObjectId::cluster(truth::ADDON, "coredns"),
        [],
        now,
        "coredns DEGRADED (InsufficientNumberOfReplicas) from the start",
    );
    log.plant(
        "ownership-ambiguous",
        ObjectId::cluster(truth::ADDON, "vpc-cni"),
        [],
        now,
        "objects labelled managed-by=Helm without Helm's release annotations",
    );
    for ds in ["cilium", "ebs-csi-node"] {
        log.plant(
            "missing-toleration",
            ObjectId::namespaced(truth::DAEMON_SET, "kube-system", ds),
            [],
            now,
            "node DaemonSet does not tolerate karpenter.sh/disrupted",
        );
    }
}

fn nodes(st: &mut SimState, now: Timestamp) -> Vec<String> {
    let fargate = [
        (
            "fargate-ip-10-0-12-34.ec2.internal",
            "10.0.12.34",
            0,
            "fp-default",
        ),
        (
            "fargate-ip-10-0-45-67.ec2.internal",
            "10.0.45.67",
            1,
            "fp-default",
        ),
        (
            "fargate-ip-10-0-78-90.ec2.internal",
            "10.0.78.90",
            2,
            "fp-apps",
        ),
    ];
    for (name, ip, az, profile) in fargate {
        let zone = AZS[az].0;
        let labels = json!({
            "eks.amazonaws.com/compute-type": "fargate",
            "eks.amazonaws.com/fargate-profile": profile,
            "topology.kubernetes.io/zone": zone,
            "topology.kubernetes.io/region": REGION,
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
        });
        let taints = json!([o::taint(
            "eks.amazonaws.com/compute-type",
            Some("fargate"),
            "NoSchedule"
        )]);
        let task = format!("{:016x}{:016x}", splitmix64(name_seed(name)), name_seed(ip));
        let provider = format!("aws:///{zone}/{task}/{name}");
        put(
            st,
            o::node(name, ip, labels, taints, &provider, days_ago(now, 3)),
        );
    }
    let ec2 = [
        ("ip-10-0-101-23.ec2.internal", "10.0.101.23", 0, "m6i.large"),
        (
            "ip-10-0-102-45.ec2.internal",
            "10.0.102.45",
            1,
            "m6i.xlarge",
        ),
        // In the first node's zone, so a pod moved off it can reach its EBS volume.
        ("ip-10-0-103-67.ec2.internal", "10.0.103.67", 0, "c6i.large"),
    ];
    let mut names = Vec::new();
    for (i, (name, ip, az, instance_type)) in ec2.into_iter().enumerate() {
        let zone = AZS[az].0;
        let labels = json!({
            "karpenter.sh/nodepool": "default",
            "karpenter.sh/capacity-type": "on-demand",
            "karpenter.sh/initialized": "true",
            "karpenter.sh/registered": "true",
            "karpenter.k8s.aws/ec2nodeclass": "default",
            "node.kubernetes.io/instance-type": instance_type,
            "topology.kubernetes.io/zone": zone,
            "topology.kubernetes.io/region": REGION,
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
        });
        let taints = if i == 0 {
            json!([o::taint(DISRUPTED_TAINT, None, "NoSchedule")])
        } else {
            json!([])
        };
        let provider = format!("aws:///{zone}/{}", hex_id("i", name_seed(name)));
        let created = now - SignedDuration::from_hours(30 + 20 * i as i64);
        put(st, o::node(name, ip, labels, taints, &provider, created));
        ebs::register_instance(st, name);
        names.push(name.to_string());
    }
    names
}

fn cluster(now: Timestamp, addons: Vec<crate::sim::aws::Addon>) -> Cluster {
    let subnets: Vec<String> = AZS.iter().map(|a| a.2.to_string()).collect();
    let profile = |name: &str, namespaces: &[&str], days: i64| FargateProfile {
        name: name.into(),
        arn: format!(
            "arn:aws:eks:{REGION}:{ACCOUNT}:fargateprofile/{CLUSTER}/{name}/{}",
            uuid_like(name_seed(name))
        ),
        created_at: days_ago(now, days),
        pod_execution_role_arn: format!(
            "arn:aws:iam::{ACCOUNT}:role/AmazonEKSFargatePodExecutionRole"
        ),
        subnets: subnets.clone(),
        selectors: namespaces
            .iter()
            .map(|ns| FargateSelector {
                namespace: ns.to_string(),
                labels: BTreeMap::new(),
            })
            .collect(),
        status: "ACTIVE".into(),
    };
    let fargate_profiles = [
        profile("fp-default", &["default", "kube-system"], 400),
        profile("fp-apps", &["media", "analytics"], 200),
    ]
    .into_iter()
    .map(|p| (p.name.clone(), p))
    .collect();
    Cluster {
        name: CLUSTER.into(),
        arn: format!("arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"),
        created_at: days_ago(now, 400),
        version: "1.33".into(),
        endpoint: "https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.us-east-1.eks.amazonaws.com".into(),
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{CLUSTER}-cluster-role"),
        status: "ACTIVE".into(),
        platform_version: "eks.9".into(),
        vpc_id: VPC.into(),
        subnet_ids: subnets,
        addons: addons.into_iter().map(|a| (a.name.clone(), a)).collect(),
        fargate_profiles,
        nodegroups: Vec::new(),
        insights: BTreeMap::new(),
        insights_refresh: None,
    }
}

fn storage_classes(st: &mut SimState, now: Timestamp, gid_range: Option<(i64, i64)>) {
    let created = days_ago(now, 250);
    let mut efs_a = json!({"provisioningMode": "efs-ap", "fileSystemId": FS_A,
                           "directoryPerms": "700", "basePath": "/dynamic_provisioning"});
    if let Some((start, end)) = gid_range {
        efs_a["gidRangeStart"] = json!(start.to_string());
        efs_a["gidRangeEnd"] = json!(end.to_string());
    }
    put(
        st,
        o::storage_class("efs-sc", "efs.csi.aws.com", efs_a, "Immediate", created),
    );
    let efs_b = json!({"provisioningMode": "efs-ap", "fileSystemId": FS_B,
                       "directoryPerms": "700", "basePath": "/dynamic_provisioning"});
    put(
        st,
        o::storage_class("efs-sc-b", "efs.csi.aws.com", efs_b, "Immediate", now),
    );
    let mut gp3 = o::storage_class(
        "gp3",
        "ebs.csi.aws.com",
        json!({"type": "gp3", "encrypted": "true"}),
        "WaitForFirstConsumer",
        days_ago(now, 90),
    );
    gp3["metadata"]["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
    put(st, gp3);
}

fn file_systems(st: &mut SimState, now: Timestamp, fs_b_available: bool) {
    // Created hours ago and still `creating` with ResourceSynced=Unknown in ACK, as the
    // controller bug leaves it (story 5); AWS turns it available 15 s into the demo.
    let b_created = now - SignedDuration::from_secs(3 * 3600);
    let b_state = if fs_b_available {
        "available"
    } else {
        "creating"
    };
    let specs = [
        (
            FS_A,
            "shared-fs",
            days_ago(now, 250),
            "available",
            51_539_607_552,
        ),
        (FS_B, "analytics-fs", b_created, b_state, 6_144),
    ];
    put(st, o::ack_filesystem_crd(days_ago(now, 300)));
    for (id, name, created, state, size) in specs {
        st.aws.file_systems.insert(
            id.into(),
            FileSystem {
                id: id.into(),
                creation_token: name.into(),
                name: Some(name.into()),
                created,
                life_cycle_state: state.into(),
                size_bytes: size,
                performance_mode: "generalPurpose".into(),
                throughput_mode: "elastic".into(),
                encrypted: true,
                tags: vec![
                    ("Name".into(), name.into()),
                    (
                        "services.k8s.aws/controller-version".into(),
                        "efs-v1.0.12".into(),
                    ),
                    ("services.k8s.aws/namespace".into(), "default".into()),
                ],
            },
        );
        mount_targets(st, id, state);
        let arn = st.aws.file_system_arn(id);
        let (ack_state, synced, message, since) = if id == FS_A {
            ("available", "True", "", created)
        } else {
            (
                "creating",
                "Unknown",
                "Unable to determine if desired resource state matches latest observed state",
                created,
            )
        };
        let ack = AckFs {
            namespace: "default",
            name,
            arn: &arn,
            region: REGION,
            account: ACCOUNT,
            file_system_id: id,
            life_cycle_state: ack_state,
            synced,
            synced_since: since,
            message,
        };
        put(st, o::ack_filesystem(&ack, created));
    }
}

/// One mount target in each of the first two zones, in `state`.
pub fn mount_targets(st: &mut SimState, file_system_id: &str, state: &str) {
    for (az, zone_id, subnet) in &AZS[..2] {
        let mt_id = st.aws.next_id("fsmt");
        let eni = st.aws.next_id("eni");
        let ip = format!("10.0.{}.{}", 1 + st.aws.mount_targets.len(), 10);
        st.aws.mount_targets.insert(
            mt_id.clone(),
            MountTarget {
                id: mt_id,
                file_system_id: file_system_id.into(),
                subnet_id: subnet.to_string(),
                availability_zone_name: az.to_string(),
                availability_zone_id: zone_id.to_string(),
                ip_address: ip,
                network_interface_id: eni,
                vpc_id: VPC.into(),
                life_cycle_state: state.into(),
            },
        );
    }
}
