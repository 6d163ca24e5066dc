//! SDK types to the model's plain records, so the model never depends on an SDK.

use aws_sdk_efs::types as efs;
use aws_sdk_eks::types as eks;
use aws_smithy_types::DateTime;

use crate::model::arn::Arn;
use crate::model::input::{
    AccessPointRec, AddonRec, ClusterRec, FargateProfileRec, FileSystemRec, MountTargetRec,
};
use crate::model::intern::Sym;
use crate::model::name::Name;

pub fn time(t: &DateTime) -> Option<jiff::Timestamp> {
    jiff::Timestamp::new(t.secs(), t.subsec_nanos() as i32).ok()
}

fn tags(t: &[efs::Tag]) -> Vec<(String, String)> {
    t.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub fn file_system(f: &efs::FileSystemDescription) -> FileSystemRec {
    FileSystemRec {
        id: f.file_system_id().to_string(),
        name: f.name().map(str::to_string),
        arn: f.file_system_arn().map(str::to_string),
        life_cycle_state: f.life_cycle_state().as_str().to_string(),
        creation_time: time(f.creation_time()),
        size_bytes: f.size_in_bytes().map(|s| s.value()),
        number_of_mount_targets: f.number_of_mount_targets(),
        tags: tags(f.tags()),
    }
}

pub fn access_point(a: &efs::AccessPointDescription) -> AccessPointRec {
    AccessPointRec {
        id: a.access_point_id().unwrap_or_default().into(),
        arn: a.access_point_arn().map(Arn::new),
        file_system_id: a.file_system_id().unwrap_or_default().into(),
        client_token: a.client_token().map(Name::new),
        name: a.name().map(Into::into),
        root_path: a.root_directory().and_then(|r| r.path()).map(Into::into),
        // EFS refuses ids outside 0..=4294967295, so none is lost here.
        uid: a.posix_user().and_then(|p| u32::try_from(p.uid()).ok()),
        gid: a.posix_user().and_then(|p| u32::try_from(p.gid()).ok()),
        life_cycle_state: a
            .life_cycle_state()
            .map_or("unknown", |s| s.as_str())
            .into(),
        tags: a
            .tags()
            .iter()
            .map(|t| (Sym::new(t.key()), t.value().into()))
            .collect(),
    }
}

pub fn mount_target(m: &efs::MountTargetDescription) -> MountTargetRec {
    MountTargetRec {
        id: m.mount_target_id().to_string(),
        file_system_id: m.file_system_id().to_string(),
        subnet_id: Some(m.subnet_id().to_string()),
        availability_zone: m.availability_zone_name().map(str::to_string),
        ip_address: m.ip_address().map(str::to_string),
        life_cycle_state: m.life_cycle_state().as_str().to_string(),
    }
}

pub fn cluster(c: &eks::Cluster) -> ClusterRec {
    ClusterRec {
        name: c.name().unwrap_or_default().to_string(),
        arn: c.arn().map(str::to_string),
        version: c.version().map(str::to_string),
        status: c.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
        created_at: c.created_at().and_then(time),
        platform_version: c.platform_version().map(str::to_string),
    }
}

pub fn addon(a: &eks::Addon) -> AddonRec {
    AddonRec {
        name: a.addon_name().unwrap_or_default().to_string(),
        version: a.addon_version().map(str::to_string),
        status: a.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
        created_at: a.created_at().and_then(time),
        modified_at: a.modified_at().and_then(time),
        service_account_role_arn: a.service_account_role_arn().map(str::to_string),
        health_issues: a
            .health()
            .map(|h| {
                h.issues()
                    .iter()
                    .map(|i| {
                        (
                            i.code().map_or("", |c| c.as_str()).to_string(),
                            i.message().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub fn fargate_profile(p: &eks::FargateProfile) -> FargateProfileRec {
    FargateProfileRec {
        name: p.fargate_profile_name().unwrap_or_default().to_string(),
        status: p.status().map_or("UNKNOWN", |s| s.as_str()).to_string(),
        created_at: p.created_at().and_then(time),
        namespaces: p
            .selectors()
            .iter()
            .filter_map(|s| s.namespace().map(str::to_string))
            .collect(),
    }
}
