//! `orphan-access-point`: what makes an unused access point an orphan, and what does not.

use super::*;
use crate::model::findings::testkit::*;
use crate::model::{ProbeKey, ProbeOutcome, SourceId};

const FS: &str = "fs-0a1b2c3d4e5f60718";

fn world(pvs_live: bool) -> World {
    let mut w = World::default();
    pv(
        &mut w,
        "pvc-used",
        "efs.csi.aws.com",
        &format!("efs:{FS}::fsap-01"),
        "Bound",
    );
    // Joined by ClientToken alone: a static PV naming only the file system.
    pv(&mut w, "pvc-token", "efs.csi.aws.com", FS, "Bound");
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    let mut creating = ap("fsap-04", FS, "pvc-new", 1003);
    creating.life_cycle_state = "creating".into();
    access_points(
        &mut w,
        FS,
        vec![
            ap("fsap-01", FS, "pvc-used", 1000),
            ap("fsap-02", FS, "pvc-token", 1001),
            ap("fsap-03", FS, "pvc-gone", 1002),
            creating,
            // Made by other consumers of the file system; no PV uses them, by design.
            foreign_ap("fsap-05", FS, Some("lambda-thumbnailer-3")),
            foreign_ap("fsap-06", FS, Some("sagemaker-bert-finetune-17")),
            foreign_ap("fsap-07", FS, None),
        ],
    );
    if pvs_live {
        live(&mut w, SourceId::Pvs);
    }
    w
}

#[test]
fn an_unused_access_point_is_an_orphan_with_a_delete_fix() {
    let mut w = world(true);
    let out = run_out(&w);
    assert!(of(&out.findings, ID).is_empty(), "confirmed first");
    assert!(out.checking.iter().any(|c| c.object.name == "fsap-03"));
    confirm_all(&mut w);
    let found = run(&w, ID);
    let [f] = found.as_slice() else {
        panic!("one orphan expected: {found:?}");
    };
    assert_eq!(f.subject().map(|o| o.name.as_str()), Some("fsap-03"));
    assert!(text(f).contains("no PV is named pvc-gone"));
    assert_eq!(
        fix(f),
        Some(&Fix::DeleteAccessPoint {
            id: "fsap-03".into()
        })
    );
}

#[test]
fn an_access_point_the_csi_driver_did_not_make_is_never_an_orphan() {
    let mut w = world(true);
    confirm_all(&mut w);
    let found = run(&w, ID);
    for id in ["fsap-05", "fsap-06", "fsap-07"] {
        assert!(
            found
                .iter()
                .all(|f| f.subject().map(|o| o.name.as_str()) != Some(id)),
            "{id} raised {found:?}"
        );
    }
    // Alone on a file system with a live PV list: nothing at all.
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(
        &mut w,
        FS,
        vec![foreign_ap("fsap-05", FS, Some("lambda-thumbnailer-3"))],
    );
    live(&mut w, SourceId::Pvs);
    confirm_all(&mut w);
    assert!(run(&w, ID).is_empty());
}

#[test]
fn nothing_is_an_orphan_before_the_pvs_are_listed() {
    let mut w = world(false);
    confirm_all(&mut w);
    assert!(run(&w, ID).is_empty());
}

const TOKEN: &str = "pvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b";
const UID: &str = "3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b";

#[test]
fn an_access_point_whose_claim_is_pending_is_being_provisioned_not_orphaned() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)]);
    live(&mut w, SourceId::Pvs);
    pvc(&mut w, "shop", "data-0", UID, "Pending");
    confirm_all(&mut w);
    let out = run_out(&w);
    assert!(
        of(&out.findings, ID).is_empty() && out.checking.is_empty(),
        "{out:?}"
    );
}

#[test]
fn an_access_point_whose_pv_just_went_awaits_the_drivers_delete() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points_at(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)], ago(20));
    pv(
        &mut w,
        TOKEN,
        "efs.csi.aws.com",
        &format!("{FS}::fsap-09"),
        "Released",
    );
    live(&mut w, SourceId::Pvs);
    delete_pv(&mut w, TOKEN);
    let out = run_out(&w);
    assert!(of(&out.findings, ID).is_empty());
    assert!(
        out.checking
            .iter()
            .any(|c| c.why.contains("driver's delete")),
        "{out:?}"
    );
    assert!(
        out.wanted.is_empty(),
        "nothing is read during the driver's grace"
    );
    // The driver deleted it: EFS says so, and nothing is ever raised.
    let later = now() + jiff::SignedDuration::from_secs(6);
    let mut gone = w;
    probe_at(
        &mut gone,
        ProbeKey::AccessPoint("fsap-09".into()),
        ProbeOutcome::NotFound,
        later,
    );
    assert!(of(&run_at(&gone, later), ID).is_empty());
}

#[test]
fn an_access_point_left_by_a_retained_pv_deleted_by_hand_is_an_orphan_once_read() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![ap("fsap-09", FS, TOKEN, 1000)]);
    pv_with(
        &mut w,
        TOKEN,
        &format!("{FS}::fsap-09"),
        "Released",
        "Retain",
    );
    live(&mut w, SourceId::Pvs);
    delete_pv(&mut w, TOKEN);
    let wanted = run_out(&w).wanted;
    assert!(wanted.contains(&ProbeKey::AccessPoint("fsap-09".into())));
    assert!(wanted.contains(&ProbeKey::Pv(TOKEN.into())));
    confirm_all(&mut w);
    let found = run(&w, ID);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(text(&found[0]).contains("reclaim policy Retain"));
}
