//! Synthetic worlds for the UI snapshots, built the way sources build them: through
//! `World::apply` with Kubernetes objects and AWS records, at fixed times.

use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use stordeck::model::input::{AccessPointRec, AddonRec, FileSystemRec, MountTargetRec};
use stordeck::model::{AwsMsg, Health, HealthState, KubeMsg, SourceId, SourceMsg, World};

pub fn now() -> Timestamp {
    "2025-06-01T12:00:00Z".parse().expect("timestamp")
}

pub fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

pub fn obj<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("fixture object")
}

pub fn meta(
    name: &str,
    ns: Option<&str>,
    created: &str,
    managers: &[&str],
    labels: Value,
) -> Value {
    let mf: Vec<Value> = managers
        .iter()
        .map(|m| json!({"manager": m, "operation": "Apply"}))
        .collect();
    let mut m =
        json!({"name": name, "creationTimestamp": created, "managedFields": mf, "labels": labels});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

pub fn kube(w: &mut World, msg: KubeMsg, at: Timestamp) {
    w.apply(SourceMsg::from(msg), at);
}

pub fn aws(w: &mut World, msg: AwsMsg, at: Timestamp) {
    w.apply(SourceMsg::Aws(msg), at);
}

pub fn health(w: &mut World, source: SourceId, state: HealthState) {
    w.apply(
        SourceMsg::Health(Health {
            source,
            state,
            at: ago(60),
            retry_at: None,
        }),
        ago(60),
    );
}

pub fn pv(
    name: &str,
    handle: &str,
    driver: &str,
    claim: Option<(&str, &str)>,
    extra: Value,
) -> Value {
    let mut spec = json!({
        "capacity": {"storage": extra["cap"].as_str().unwrap_or("5Gi")},
        "accessModes": [extra["mode"].as_str().unwrap_or("ReadWriteMany")],
        "persistentVolumeReclaimPolicy": extra["reclaim"].as_str().unwrap_or("Delete"),
        "storageClassName": extra["sc"].as_str().unwrap_or("efs-sc"),
        "csi": {"driver": driver, "volumeHandle": handle},
    });
    if let Some((ns, n)) = claim {
        spec["claimRef"] = json!({"namespace": ns, "name": n});
    }
    json!({
        "metadata": meta(name, None, "2025-05-20T08:00:00Z", &["csi-provisioner"], json!({})),
        "spec": spec,
        "status": {"phase": extra["phase"].as_str().unwrap_or("Bound")},
    })
}

pub fn fs(id: &str, name: &str, state: &str) -> FileSystemRec {
    FileSystemRec {
        id: id.into(),
        name: Some(name.into()),
        arn: None,
        life_cycle_state: state.into(),
        creation_time: Some(ago(90 * 86_400)),
        size_bytes: Some(6144),
        number_of_mount_targets: 2,
        tags: vec![],
    }
}

/// An access point as the EFS CSI driver makes it, with the tag it sets on every one.
pub fn ap(id: &str, fs: &str, token: &str, root: &str, gid: u32) -> AccessPointRec {
    AccessPointRec {
        id: id.into(),
        arn: None,
        file_system_id: fs.into(),
        client_token: Some(token.into()),
        name: None,
        root_path: Some(root.into()),
        uid: Some(1000),
        gid: Some(gid),
        life_cycle_state: "available".into(),
        tags: vec![("efs.csi.aws.com/cluster".into(), "true".into())],
    }
}

pub fn mt(id: &str, fs: &str, az: &str, state: &str) -> MountTargetRec {
    MountTargetRec {
        id: id.into(),
        file_system_id: fs.into(),
        subnet_id: Some(format!("subnet-{az}")),
        availability_zone: Some(az.into()),
        ip_address: None,
        life_cycle_state: state.into(),
    }
}

pub fn addon(
    name: &str,
    version: &str,
    status: &str,
    created: &str,
    role: Option<&str>,
) -> AddonRec {
    AddonRec {
        name: name.into(),
        version: Some(version.into()),
        status: status.into(),
        created_at: Some(created.parse().expect("timestamp")),
        modified_at: None,
        service_account_role_arn: role.map(Into::into),
        health_issues: vec![],
    }
}

pub const FS1: &str = "fs-0123456789abcdef0";
pub const FS2: &str = "fs-0fedcba9876543210";

/// EFS access points denied, mount targets and PVs still syncing, no ACK CRD, EKS not
/// answered yet.
pub fn failing_world() -> World {
    let mut w = World::default();
    w.target.cluster = Some("prod-eks".into());
    aws(
        &mut w,
        AwsMsg::FileSystems(vec![fs(FS1, "shared", "available")]),
        ago(120),
    );
    for s in all_sources() {
        health(&mut w, s, HealthState::Live);
    }
    health(
        &mut w,
        SourceId::EfsAccessPoints,
        HealthState::Error {
            reason:
                "AccessDenied: not authorized to perform elasticfilesystem:DescribeAccessPoints"
                    .into(),
            hint: "add elasticfilesystem:DescribeAccessPoints to the role's policy".into(),
        },
    );
    for s in [
        SourceId::EfsMountTargets,
        SourceId::Pvs,
        SourceId::EksCluster,
    ] {
        health(&mut w, s, HealthState::Syncing);
    }
    health(
        &mut w,
        SourceId::AckFileSystems,
        HealthState::Absent {
            reason: "filesystems.efs.services.k8s.aws not found".into(),
        },
    );
    w
}

pub fn all_sources() -> [SourceId; SourceId::ALL.len()] {
    SourceId::ALL
}

/// Answers every targeted read the findings want, as the fixture world stands, the way
/// the confirmer would: an access point the World holds is found, anything else is not.
pub fn confirm(w: &mut World) {
    use stordeck::model::findings::Findings;
    use stordeck::model::{ProbeOutcome, ProbeResult, SourceMsg};
    let wanted = Findings::evaluate(w, now()).wanted().clone();
    for key in wanted {
        let outcome = match &key {
            stordeck::model::ProbeKey::AccessPoint(id) => match w.access_points.get(id.as_str()) {
                Some(a) => ProbeOutcome::AccessPoint(a.clone()),
                None => ProbeOutcome::NotFound,
            },
            _ => ProbeOutcome::NotFound,
        };
        let r = ProbeResult {
            key,
            started: now(),
            outcome,
        };
        w.apply(SourceMsg::Probe(r), now());
    }
}

/// One frame of `world` on a `w`×`h` test terminal, findings evaluated at [`now`].
// Not every test crate that includes this file draws.
#[allow(dead_code)]
pub fn draw(world: &World, ui: &stordeck::ui::UiState, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("test terminal");
    let findings = stordeck::ui::Findings::evaluate(world, now());
    term.draw(|f| stordeck::ui::render(f, world, &findings, ui, now()))
        .expect("draw");
    term.backend().buffer().clone()
}

/// The frame as lines of text, trailing blanks trimmed.
#[allow(dead_code)]
pub fn text(buf: &ratatui::buffer::Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            let l: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            l.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
