//! fs-C tells story 3's quota: near the limit, on access points no PV needs.

use std::collections::HashSet;

use super::super::tests::{advance_to, by_driver, demo};
use super::super::{FS_A, FS_B, FS_C};
use super::ACCESS_POINTS;
use crate::model::volume_handle;
use crate::sim::SimState;

#[test]
fn story_3_a_file_system_shared_outside_kubernetes_nears_its_access_point_quota() {
    let mut st = demo();
    let fs = &st.aws.file_systems[FS_C];
    assert_eq!(fs.life_cycle_state, "available");
    assert!(FS_A < FS_C && FS_B < FS_C, "fs-C lists last");
    let mts: Vec<_> = st
        .aws
        .mount_targets
        .values()
        .filter(|m| m.file_system_id == FS_C)
        .collect();
    assert_eq!(mts.len(), 2);
    assert!(mts.iter().all(|m| m.life_cycle_state == "available"));
    let on_c = |st: &SimState| {
        st.aws
            .access_points
            .values()
            .filter(|ap| ap.file_system_id == FS_C)
            .cloned()
            .collect::<Vec<_>>()
    };
    let aps = on_c(&st);
    // EFS's default quota is 10,000 per file system; the findings warn from 80%, and turn
    // critical at 95%.
    assert_eq!(aps.len(), ACCESS_POINTS);
    assert!(aps.len() * 100 >= 10_000 * 80 && aps.len() * 100 < 10_000 * 95);
    // Made by SageMaker pipelines and Lambda's Terraform, not by the EFS CSI driver: no
    // driver tag, no PV name as token, and no PV on the file system at all.
    let tokens: HashSet<&str> = aps.iter().map(|ap| ap.client_token.as_str()).collect();
    assert_eq!(
        tokens.len(),
        aps.len(),
        "a ClientToken is unique per file system"
    );
    assert!(aps.iter().all(|ap| !by_driver(ap)));
    assert!(
        tokens
            .iter()
            .all(|t| t.starts_with("sagemaker-") || t.starts_with("lambda-"))
    );
    assert!(tokens.iter().any(|t| t.starts_with("lambda-")));
    assert!(
        aps.iter()
            .all(|ap| ap.name.as_deref() == Some(&ap.client_token))
    );
    let on_fs_c = st
        .store
        .list("persistentvolumes")
        .filter(|(_, pv)| {
            let handle = pv["spec"]["csi"]["volumeHandle"].as_str().unwrap_or("");
            volume_handle::parse(handle).is_some_and(|h| h.file_system_id == FS_C)
        })
        .count();
    assert_eq!(on_fs_c, 0);
    let sc = st.store.get("storageclasses", "", "efs-ml").unwrap();
    assert_eq!(sc["parameters"]["fileSystemId"], FS_C);
    assert!(sc["parameters"]["gidRangeStart"].is_null());
    // Nothing in the timeline touches it.
    advance_to(&mut st, 1000);
    assert_eq!(on_c(&st).len(), ACCESS_POINTS);
}
