//! `ml-datasets` (fs-C): a file system the cluster shares with consumers outside
//! Kubernetes, for story 3's quota. SageMaker training pipelines and Lambda functions
//! reach it through access points their own tooling creates, 8,200 of them: 82% of the
//! 10,000 EFS allows per file system, none with a PV and none made by the EFS CSI driver
//! (their ClientTokens are the pipelines', not PV names, and they carry no driver tag).
//! The cluster's `efs-ml` StorageClass provisions onto it too, so its next PVs are the ones
//! that fail when the quota runs out, and none of these access points is an orphan.
//!
//! Built at every demo and test start: plain inserts with ids from their own seed range,
//! no per-item lookups.

use jiff::Timestamp;
use serde_json::json;

use super::base::{FS_C, mount_targets};
use super::objects as o;
use super::{days_ago, put};
use crate::sim::SimState;
use crate::sim::aws::state::hex_id;
use crate::sim::aws::{AccessPoint, FileSystem};

pub const NAME: &str = "ml-datasets";
/// Access points on fs-C: over the 80% at which `access-point-quota` warns, under the 95%
/// at which it turns critical.
pub const ACCESS_POINTS: usize = 8_200;
/// One access point per training job shard, made by the ML platform's pipeline.
const SAGEMAKER_JOBS: [&str; 4] = [
    "bert-finetune",
    "resnet-sweep",
    "llm-eval",
    "churn-forecast",
];
/// One per function version, made by the functions' Terraform.
const LAMBDA_FUNCTIONS: [&str; 4] = [
    "thumbnailer",
    "ingest-csv",
    "feature-extract",
    "etl-nightly",
];
const LAMBDA_PER_FUNCTION: usize = 150;
/// Seeds of fs-C's access point ids, far from the small counter `AwsState::next_id` uses;
/// `hex_id` is a bijection, so the ids cannot collide with any other access point's.
const ID_SEED: u64 = 0xc0_0000_0000;
/// SageMaker Studio's default POSIX user and group; Lambda's examples use 1000.
const SAGEMAKER_UID_GID: (i64, i64) = (200_001, 1_001);
const LAMBDA_UID_GID: (i64, i64) = (1_000, 1_000);

pub fn build(st: &mut SimState, now: Timestamp) {
    let created = days_ago(now, 320);
    st.aws.file_systems.insert(
        FS_C.into(),
        FileSystem {
            id: FS_C.into(),
            creation_token: format!("terraform-{NAME}"),
            name: Some(NAME.into()),
            created,
            life_cycle_state: "available".into(),
            size_bytes: 7_421_703_487_488,
            performance_mode: "generalPurpose".into(),
            throughput_mode: "elastic".into(),
            encrypted: true,
            tags: vec![
                ("Name".into(), NAME.into()),
                ("ManagedBy".into(), "terraform".into()),
                ("team".into(), "ml-platform".into()),
            ],
        },
    );
    mount_targets(st, FS_C, "available");
    let params = json!({"provisioningMode": "efs-ap", "fileSystemId": FS_C,
                        "directoryPerms": "700", "basePath": "/k8s"});
    put(
        st,
        o::storage_class(
            "efs-ml",
            "efs.csi.aws.com",
            params,
            "Immediate",
            days_ago(now, 60),
        ),
    );
    let lambdas = LAMBDA_FUNCTIONS.len() * LAMBDA_PER_FUNCTION;
    let per_job = (ACCESS_POINTS - lambdas).div_ceil(SAGEMAKER_JOBS.len());
    for i in 0..ACCESS_POINTS {
        let (token, root, (uid, gid), managed_by) = if i < lambdas {
            let (f, v) = (
                LAMBDA_FUNCTIONS[i / LAMBDA_PER_FUNCTION],
                i % LAMBDA_PER_FUNCTION,
            );
            let token = format!("lambda-{f}-{v}");
            (
                token,
                format!("/lambda/{f}/v{v}"),
                LAMBDA_UID_GID,
                "terraform",
            )
        } else {
            let k = i - lambdas;
            let (job, shard) = (SAGEMAKER_JOBS[k / per_job], k % per_job);
            let token = format!("sagemaker-{job}-{shard}");
            (
                token,
                format!("/datasets/{job}/{shard}"),
                SAGEMAKER_UID_GID,
                "ml-pipeline",
            )
        };
        let id = hex_id("fsap", ID_SEED + i as u64);
        // EFS reports an access point's Name tag as its name.
        let ap = AccessPoint {
            id: id.clone(),
            file_system_id: FS_C.into(),
            name: Some(token.clone()),
            tags: vec![
                ("Name".into(), token.clone()),
                ("ManagedBy".into(), managed_by.into()),
            ],
            client_token: token,
            uid,
            gid,
            root_path: root,
            permissions: "750".into(),
            life_cycle_state: "available".into(),
        };
        st.aws.access_points.insert(id, ap);
    }
}

#[cfg(test)]
#[path = "ml_datasets_tests.rs"]
mod tests;
