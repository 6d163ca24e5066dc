//! The simulator's EFS and EKS endpoints through the real AWS SDK clients: paging, typed
//! errors, injected faults, and DeleteAddon's preserve semantics (story 1).

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_efs::config::{Credentials, Region};
use aws_sdk_efs::error::ProvideErrorMetadata;
use aws_sdk_eks::types::AddonStatus;
use serde_json::Value;
use stordeck::sim::scenario::{CLUSTER, FS_A, FS_B, FS_C};
use stordeck::sim::{SimHandle, lock};

mod common;

async fn sim() -> SimHandle {
    common::start_sim().await
}

/// `attempts` = 1 turns retries off, so an injected fault reaches the test.
async fn sdk_config(sim: &SimHandle, attempts: u32) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(sim.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("x", "x", None, None, "test"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .load()
        .await
}

async fn efs(sim: &SimHandle, attempts: u32) -> aws_sdk_efs::Client {
    aws_sdk_efs::Client::new(&sdk_config(sim, attempts).await)
}

async fn eks(sim: &SimHandle, attempts: u32) -> aws_sdk_eks::Client {
    aws_sdk_eks::Client::new(&sdk_config(sim, attempts).await)
}

/// POSTs to the control API (`/_sim/…`); returns the status and the JSON body.
async fn post(sim: &SimHandle, path_and_query: &str) -> (u16, Value) {
    let path = path_and_query
        .strip_prefix("/_sim")
        .expect("a control API path");
    common::Control::new(sim).post_status(path).await
}

#[tokio::test]
async fn efs_pages_through_the_sdk_paginators() {
    let sim = sim().await;
    let efs = efs(&sim, 1).await;

    let mut pages = efs
        .describe_access_points()
        .file_system_id(FS_A)
        .max_results(10)
        .into_paginator()
        .send();
    let (mut n_pages, mut aps) = (0, Vec::new());
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.access_points().len() <= 10);
        n_pages += 1;
        aps.extend(page.access_points().to_vec());
    }
    assert_eq!((n_pages, aps.len()), (8, 74));
    let mut ids: Vec<_> = aps.iter().filter_map(|a| a.access_point_id()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 74, "pages overlap");
    let ap = &aps[0];
    let token = ap.client_token().unwrap();
    assert!(token.starts_with("pvc-"));
    let root = ap.root_directory().unwrap();
    assert_eq!(
        root.path(),
        Some(format!("/dynamic_provisioning/{token}").as_str())
    );
    assert_eq!(root.creation_info().unwrap().permissions(), "700");
    assert!((1000..=1100).contains(&ap.posix_user().unwrap().gid()));

    // The default page holds them all.
    let one = efs
        .describe_access_points()
        .file_system_id(FS_A)
        .send()
        .await
        .unwrap();
    assert_eq!(one.access_points().len(), 74);
    assert!(one.next_token().is_none());

    let fss: Vec<_> = efs
        .describe_file_systems()
        .max_items(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    // fs-A, fs-B and the shared fs-C, one page each, in id order.
    let ids: Vec<&str> = fss.iter().map(|f| f.file_system_id()).collect();
    assert_eq!(ids, [FS_A, FS_B, FS_C]);
    let b = fss.iter().find(|f| f.file_system_id() == FS_B).unwrap();
    assert_eq!(b.life_cycle_state().as_str(), "creating");
    assert_eq!(b.number_of_mount_targets(), 2);
    assert!(b.creation_time().secs() > 1_700_000_000);

    let mts = efs
        .describe_mount_targets()
        .file_system_id(FS_A)
        .send()
        .await
        .unwrap();
    assert_eq!(mts.mount_targets().len(), 2);
    assert!(mts.mount_targets()[0].availability_zone_name().is_some());
}

#[tokio::test]
async fn efs_errors_are_typed() {
    let sim = sim().await;
    let efs = efs(&sim, 1).await;
    let id = lock(&sim.shared)
        .aws
        .access_points
        .keys()
        .next()
        .cloned()
        .unwrap();

    efs.delete_access_point()
        .access_point_id(&id)
        .send()
        .await
        .unwrap();
    let again = efs
        .delete_access_point()
        .access_point_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(again.is_access_point_not_found(), "{again:?}");
    let gone = efs
        .describe_access_points()
        .access_point_id(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_access_point_not_found());
    let no_fs = efs
        .describe_access_points()
        .file_system_id("fs-00000000000000000")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(no_fs.is_file_system_not_found());
}

#[tokio::test]
async fn eks_describes_the_cluster_its_addons_and_fargate_profiles() {
    let sim = sim().await;
    let eks = eks(&sim, 1).await;

    let clusters = eks.list_clusters().send().await.unwrap();
    assert_eq!(clusters.clusters(), [CLUSTER]);
    let cl = eks.describe_cluster().name(CLUSTER).send().await.unwrap();
    let cl = cl.cluster().unwrap();
    assert_eq!(cl.version(), Some("1.33"));
    assert_eq!(cl.status().map(|s| s.as_str()), Some("ACTIVE"));

    let names: Vec<String> = eks
        .list_addons()
        .cluster_name(CLUSTER)
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(
        names,
        [
            "aws-ebs-csi-driver",
            "aws-efs-csi-driver",
            "coredns",
            "vpc-cni"
        ]
    );
    let efs_addon = eks
        .describe_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .send()
        .await
        .unwrap();
    let efs_addon = efs_addon.addon().unwrap();
    assert_eq!(efs_addon.status(), Some(&AddonStatus::Active));
    assert!(efs_addon.service_account_role_arn().is_some());
    assert!(efs_addon.created_at().is_some());
    let coredns = eks
        .describe_addon()
        .cluster_name(CLUSTER)
        .addon_name("coredns")
        .send()
        .await
        .unwrap();
    let issues = coredns.addon().unwrap().health().unwrap().issues();
    assert_eq!(issues.len(), 1);

    let profiles = eks
        .list_fargate_profiles()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    assert_eq!(profiles.fargate_profile_names().len(), 2);
    let fp = eks
        .describe_fargate_profile()
        .cluster_name(CLUSTER)
        .fargate_profile_name("fp-default")
        .send()
        .await
        .unwrap();
    let selectors = fp.fargate_profile().unwrap().selectors();
    assert_eq!(selectors[0].namespace(), Some("default"));
    let groups = eks
        .list_nodegroups()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    assert!(groups.nodegroups().is_empty());

    let missing = eks
        .describe_cluster()
        .name("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found_exception());
}

#[tokio::test]
async fn throttling_and_server_errors_are_injected_then_retried() {
    let sim = sim().await;
    let efs_once = efs(&sim, 1).await;
    let eks_once = eks(&sim, 1).await;

    assert_eq!(post(&sim, "/_sim/faults/throttle?count=1").await.0, 204);
    let err = efs_once.describe_file_systems().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    efs_once.describe_file_systems().send().await.unwrap();

    post(&sim, "/_sim/faults/fail?count=2").await;
    let err = eks_once
        .list_addons()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_server_exception(), "{err:?}");
    let err = efs_once
        .describe_file_systems()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_internal_server_error(), "{err:?}");

    // With retries, the SDK rides out two throttles; the request log shows all three.
    let efs_retrying = efs(&sim, 3).await;
    lock(&sim.shared).requests.clear();
    post(&sim, "/_sim/faults/throttle?count=2").await;
    let fss = efs_retrying.describe_file_systems().send().await.unwrap();
    assert_eq!(fss.file_systems().len(), 3);
    let st = lock(&sim.shared);
    assert_eq!(st.faults.aws_throttle, 0);
    assert_eq!(st.requests.len(), 3);
}

#[tokio::test]
async fn a_forbidden_service_answers_access_denied_and_the_other_keeps_working() {
    let sim = sim().await;
    let (efs, eks) = (efs(&sim, 1).await, eks(&sim, 1).await);
    assert_eq!(post(&sim, "/_sim/faults/forbid?resource=eks").await.0, 204);
    let err = eks
        .list_addons()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    efs.describe_file_systems().send().await.unwrap();
}

/// Deletes the EFS CSI add-on, lets EKS finish, and says whether the adopted CSIDriver
/// survived.
async fn delete_efs_addon(preserve: bool) -> bool {
    let sim = sim().await;
    let eks = eks(&sim, 1).await;
    let out = eks
        .delete_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .preserve(preserve)
        .send()
        .await
        .unwrap();
    assert_eq!(out.addon().unwrap().status(), Some(&AddonStatus::Deleting));
    let again = eks
        .delete_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(again.is_invalid_request_exception(), "{again:?}");
    // Still there, and the driver too, until EKS finishes.
    let listed = eks
        .list_addons()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    assert!(listed.addons().iter().any(|a| a == "aws-efs-csi-driver"));
    assert!(csidriver_exists(&sim));

    assert_eq!(post(&sim, "/_sim/advance?seconds=10").await.0, 200);
    let listed = eks
        .list_addons()
        .cluster_name(CLUSTER)
        .send()
        .await
        .unwrap();
    assert!(!listed.addons().iter().any(|a| a == "aws-efs-csi-driver"));
    let gone = eks
        .describe_addon()
        .cluster_name(CLUSTER)
        .addon_name("aws-efs-csi-driver")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception());
    let st = lock(&sim.shared);
    // Other add-ons' objects are never touched.
    assert!(st.store.get("csidrivers", "", "ebs.csi.aws.com").is_some());
    let ds = st.store.get("daemonsets", "kube-system", "efs-csi-node");
    assert_eq!(ds.is_some(), preserve);
    drop(st);
    csidriver_exists(&sim)
}

fn csidriver_exists(sim: &SimHandle) -> bool {
    lock(&sim.shared)
        .store
        .get("csidrivers", "", "efs.csi.aws.com")
        .is_some()
}

#[tokio::test]
async fn deleting_the_efs_addon_with_preserve_keeps_the_csidriver() {
    assert!(delete_efs_addon(true).await);
}

#[tokio::test]
async fn deleting_the_efs_addon_without_preserve_deletes_the_adopted_csidriver() {
    assert!(!delete_efs_addon(false).await);
}

#[tokio::test]
async fn the_control_api_steers_lifecycle_access_points_and_addon_status() {
    let sim = sim().await;
    let (efs, eks) = (efs(&sim, 1).await, eks(&sim, 1).await);

    let path = format!("/_sim/aws/file-systems/{FS_B}/lifecycle?state=available");
    let (status, body) = post(&sim, &path).await;
    assert_eq!(
        (status, body["LifeCycleState"].as_str()),
        (200, Some("available"))
    );
    let fs = efs
        .describe_file_systems()
        .file_system_id(FS_B)
        .send()
        .await
        .unwrap();
    assert_eq!(
        fs.file_systems()[0].life_cycle_state().as_str(),
        "available"
    );

    let path = format!("/_sim/aws/access-points?file_system_id={FS_A}&client_token=pvc-gone");
    let (status, body) = post(&sim, &path).await;
    assert_eq!(status, 200);
    let id = body["AccessPointId"].as_str().unwrap().to_string();
    assert_eq!(post(&sim, &path).await.1["AccessPointId"], id.as_str());
    let ap = efs
        .describe_access_points()
        .access_point_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(ap.access_points()[0].client_token(), Some("pvc-gone"));

    let path = format!("/_sim/aws/addons/{CLUSTER}/vpc-cni/status?state=DEGRADED");
    assert_eq!(post(&sim, &path).await.0, 200);
    let ad = eks
        .describe_addon()
        .cluster_name(CLUSTER)
        .addon_name("vpc-cni")
        .send()
        .await
        .unwrap();
    assert_eq!(ad.addon().unwrap().status(), Some(&AddonStatus::Degraded));

    let bad = format!("/_sim/aws/addons/{CLUSTER}/vpc-cni/status?state=SLEEPY");
    assert_eq!(post(&sim, &bad).await.0, 400);
    let (status, body) = post(&sim, "/_sim/aws/nothing/here").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string());
}
