//! The EFS layer against a peer nobody here wrote: moto in server mode. `.ci/run` installs
//! moto into the project's `.venv` and points `STORDECK_MOTO_SERVER` at it.

use std::path::PathBuf;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_efs::config::Credentials;
use stordeck::model::{AwsMsg, SourceMsg};
use stordeck::sources::aws::{AwsSources, Refresh, spawn_pollers};
use tokio::process::{Child, Command};

fn moto_server() -> PathBuf {
    std::env::var_os("STORDECK_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server"))
}

struct Moto {
    _child: Child,
    url: String,
}

async fn start_moto() -> Moto {
    let bin = moto_server();
    assert!(
        bin.is_file(),
        "moto_server not found at {} — run `bash .ci/run`, which installs it into .venv",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto_server starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Moto { _child: child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not listen on {url} within 10s");
}

async fn next_access_points(
    rx: &mut tokio::sync::mpsc::Receiver<SourceMsg>,
    fs: &str,
) -> Vec<stordeck::model::input::AccessPointRec> {
    let wait = async {
        while let Some(msg) = rx.recv().await {
            if let SourceMsg::Aws(AwsMsg::AccessPoints {
                file_system_id,
                items,
                ..
            }) = msg
                && file_system_id == fs
            {
                return items;
            }
        }
        panic!("poller stopped");
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("access points within 30s")
}

#[tokio::test]
async fn efs_poller_reads_moto_and_follows_a_deletion() {
    let moto = start_moto().await;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&moto.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("x", "x", None, None, "test"))
        .load()
        .await;
    let efs = aws_sdk_efs::Client::new(&sdk);
    let fs = efs
        .create_file_system()
        .creation_token("stordeck-moto")
        .send()
        .await
        .expect("create fs");
    let fs_id = fs.file_system_id().to_string();
    let mut ids = Vec::new();
    for (pv, uid) in [("pvc-aaa", 1001), ("pvc-bbb", 1002), ("pvc-ccc", 1003)] {
        let ap = efs
            .create_access_point()
            .file_system_id(&fs_id)
            .client_token(pv)
            .posix_user(
                aws_sdk_efs::types::PosixUser::builder()
                    .uid(uid)
                    .gid(uid)
                    .build()
                    .expect("posix user"),
            )
            .root_directory(
                aws_sdk_efs::types::RootDirectory::builder()
                    .path(format!("/dynamic_provisioning/{pv}"))
                    .build(),
            )
            .send()
            .await
            .expect("create access point");
        ids.push(ap.access_point_id().unwrap_or_default().to_string());
    }

    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let refresh = Refresh::default();
    let src = AwsSources {
        efs: efs.clone(),
        eks: aws_sdk_eks::Client::new(&sdk),
        ec2: aws_sdk_ec2::Client::new(&sdk),
        cluster: None,
        steady: stordeck::sources::aws::STEADY_INTERVAL,
        insights: true,
    };
    let (_ids, named) = tokio::sync::watch::channel(Default::default());
    let _tasks = spawn_pollers(src, &tx, &refresh, stordeck::clock::Clock::system(), named);

    let mut seen = next_access_points(&mut rx, &fs_id).await;
    seen.sort_by(|a, b| a.client_token.cmp(&b.client_token));
    let tokens: Vec<_> = seen
        .iter()
        .filter_map(|a| a.client_token.as_deref())
        .collect();
    assert_eq!(tokens, ["pvc-aaa", "pvc-bbb", "pvc-ccc"]);
    assert_eq!(seen[1].uid, Some(1002));
    assert_eq!(
        seen[1]
            .root_path
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("/dynamic_provisioning/pvc-bbb")
    );
    assert!(seen.iter().all(|a| a.file_system_id == fs_id));

    efs.delete_access_point()
        .access_point_id(&ids[0])
        .send()
        .await
        .expect("delete");
    refresh.now();
    let after = next_access_points(&mut rx, &fs_id).await;
    assert_eq!(
        after.len(),
        2,
        "the deleted access point is gone after a refresh: {after:?}"
    );
    assert!(after.iter().all(|a| a.id != ids[0]));
}

mod common;

/// An EBS CSI PV in the simulator's API server whose handle is `volume`.
async fn ebs_pv(kube: &kube::Client, name: &str, volume: &str) {
    use k8s_openapi::api::core::v1::PersistentVolume;
    let pv: PersistentVolume = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                 "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": volume},
                 "persistentVolumeReclaimPolicy": "Retain"},
    }))
    .expect("pv");
    kube::Api::<PersistentVolume>::all(kube.clone())
        .create(&Default::default(), &pv)
        .await
        .expect("create pv");
}

async fn moto_volume(ec2: &aws_sdk_ec2::Client, tags: &[(&str, &str)]) -> String {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification, VolumeType};
    let mut spec = TagSpecification::builder().resource_type(ResourceType::Volume);
    for (k, v) in tags {
        spec = spec.tags(Tag::builder().key(*k).value(*v).build());
    }
    let mut req = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(10)
        .volume_type(VolumeType::Gp3);
    if !tags.is_empty() {
        req = req.tag_specifications(spec.build());
    }
    req.send()
        .await
        .expect("create volume")
        .volume_id()
        .expect("volume id")
        .to_string()
}

/// The EC2 poller lists what moto holds — tagged volumes by the driver's tag, an untagged
/// static one by the id a PV names — joins them to the PVs, and the orphan rule fires on
/// the tagged volume no PV names, and only on it.
#[tokio::test(flavor = "multi_thread")]
async fn ebs_source_reads_moto_joins_pvs_and_finds_the_orphan() {
    use stordeck::model::findings::{Graces, Policy};
    let moto = start_moto().await;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&moto.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("x", "x", None, None, "test"))
        .load()
        .await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let driver = [("ebs.csi.aws.com/cluster", "true")];
    let used = moto_volume(&ec2, &[driver[0], ("CSIVolumeName", "pvc-moto-used")]).await;
    let orphan = moto_volume(&ec2, &[driver[0], ("CSIVolumeName", "pvc-moto-gone")]).await;
    let static_vol = moto_volume(&ec2, &[]).await;
    let stranger = moto_volume(&ec2, &[("team", "data")]).await;

    let sim = common::start_sim().await;
    let kube = common::kube_client(&sim);
    ebs_pv(&kube, "pvc-moto-used", &used).await;
    ebs_pv(&kube, "pvc-moto-static", &static_vol).await;

    let conn = stordeck::sources::connect::Connection {
        kube,
        aws: AwsSources {
            efs: aws_sdk_efs::Client::new(&sdk),
            eks: aws_sdk_eks::Client::new(&sdk),
            ec2,
            cluster: None,
            steady: stordeck::sources::aws::STEADY_INTERVAL,
            insights: true,
        },
        sts: aws_sdk_sts::Client::new(&sdk),
        target: Default::default(),
        read_only: true,
    };
    let policy = Policy {
        graces: Graces {
            orphaned_ebs: jiff::SignedDuration::ZERO,
            ..Graces::default()
        },
        ..Policy::default()
    };
    let mut h =
        stordeck::headless::Headless::start_with(&conn, stordeck::clock::Clock::system(), policy);
    let joined = h
        .until(Duration::from_secs(30), |w| {
            w.ebs_volumes.get(static_vol.as_str()).is_some()
                && w.ebs_volumes.get(orphan.as_str()).is_some()
        })
        .await;
    assert!(
        joined,
        "volumes read: {:?}",
        h.world
            .ebs_volumes
            .iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
    );
    let w = &h.world;
    assert!(
        w.ebs_volumes.get(stranger.as_str()).is_none(),
        "untagged and unnamed"
    );
    let pv_of = |v: &str| w.pv_for_ebs_volume(v).map(|p| p.meta.name.clone());
    assert_eq!(pv_of(&used).as_deref(), Some("pvc-moto-used"));
    assert_eq!(pv_of(&static_vol).as_deref(), Some("pvc-moto-static"));
    assert_eq!(pv_of(&orphan), None);

    let found = h
        .until_findings(Duration::from_secs(30), |_, f| {
            f.all().iter().any(|f| f.id == "orphaned-ebs-volume")
        })
        .await;
    let orphans: Vec<String> = h
        .findings
        .all()
        .iter()
        .filter(|f| f.id == "orphaned-ebs-volume")
        .map(|f| f.title.clone())
        .collect();
    assert!(found, "no orphan found");
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    assert!(orphans[0].contains(&orphan), "{orphans:?}");
}
