use super::*;
use crate::model::findings::testkit::*;
use crate::model::{ProbeOutcome, ProbeResult, SourceMsg};

const FS: &str = "fs-0a1b2c3d4e5f60718";

fn world(list_access_points: bool) -> World {
    let mut w = World::default();
    pv(
        &mut w,
        "pvc-ok",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-01"),
        "Bound",
    );
    pv(
        &mut w,
        "pvc-lost",
        "efs.csi.aws.com",
        &format!("efs:{FS}:/data:fsap-09"),
        "Bound",
    );
    pv(
        &mut w,
        "pvc-old",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-08"),
        "Released",
    );
    // Another account's file system: never listed here.
    pv(
        &mut w,
        "pvc-far",
        "efs.csi.aws.com",
        "fs-0ffff::fsap-07",
        "Bound",
    );
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    if list_access_points {
        access_points(&mut w, FS, vec![ap("fsap-01", FS, "pvc-ok", 1000)]);
    }
    w
}

#[test]
fn a_pv_whose_access_point_is_gone_is_critical_while_bound_else_info() {
    let mut w = world(true);
    // Unconfirmed until EFS is asked about the access point itself.
    let out = run_out(&w);
    assert!(of(&out.findings, ID).is_empty(), "{:?}", out.findings);
    assert!(
        out.wanted
            .contains(&ProbeKey::AccessPoint("fsap-09".into()))
    );
    confirm_all(&mut w);
    let found = run(&w, ID);
    let got: Vec<(&str, Severity)> = found
        .iter()
        .map(|f| (f.subject().map_or("", |o| o.name.as_str()), f.severity))
        .collect();
    // pvc-old is Released with policy Delete: its provisioner may be deleting it.
    assert_eq!(got, [("pvc-lost", Severity::Critical)]);
    probe_ap(&mut w, "fsap-08", FS, false);
    let later = run_at(&w, now() + jiff::SignedDuration::from_mins(3));
    assert_eq!(
        of(&later, ID)
            .iter()
            .map(|f| f.severity)
            .collect::<Vec<_>>(),
        [Severity::Critical, Severity::Info]
    );
    assert!(text(&found[0]).contains("efs:fs-0a1b2c3d4e5f60718:/data:fsap-09"));
    assert_eq!(found[0].fix, None);
}

#[test]
fn nothing_is_missing_before_efs_lists_the_access_points() {
    let mut w = world(false);
    confirm_all(&mut w);
    assert!(run(&w, ID).is_empty());
}

#[test]
fn a_pv_newer_than_the_listing_is_checking_until_efs_answers_for_its_access_point() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    // The sweep began a minute ago; the driver made fsap-02 and its PV since.
    access_points_at(&mut w, FS, vec![ap("fsap-01", FS, "pvc-a", 1000)], ago(60));
    pv(
        &mut w,
        "pvc-new",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-02"),
        "Bound",
    );
    let out = run_out(&w);
    assert!(of(&out.findings, ID).is_empty());
    assert_eq!(out.checking.len(), 1);
    assert_eq!(out.checking[0].object.name, "pvc-new");
    // EFS has it: the PV is healthy, and the access point joins the table at once.
    probe_ap(&mut w, "fsap-02", FS, true);
    let out = run_out(&w);
    assert!(
        out.findings.is_empty() && out.checking.is_empty(),
        "{out:?}"
    );
    assert!(
        w.access_point_for_pv(w.pvs.get("pvc-new").expect("pv"))
            .is_some()
    );
    // A later sweep that began before that read does not take it away again.
    access_points_at(&mut w, FS, vec![ap("fsap-01", FS, "pvc-a", 1000)], ago(30));
    assert!(run(&w, ID).is_empty());
}

#[test]
fn a_read_that_started_before_the_pv_changed_proves_nothing() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![]);
    let stale = ProbeResult {
        key: ProbeKey::AccessPoint("fsap-02".into()),
        started: ago(5),
        outcome: ProbeOutcome::NotFound,
    };
    w.apply(SourceMsg::Probe(stale), now());
    pv(
        &mut w,
        "pvc-new",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-02"),
        "Bound",
    );
    assert!(run(&w, ID).is_empty());
    probe_ap(&mut w, "fsap-02", FS, false);
    assert_eq!(run(&w, ID).len(), 1);
}

#[test]
fn a_released_pv_being_deleted_by_its_provisioner_is_not_missing() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![]);
    pv(
        &mut w,
        "pvc-going",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-03"),
        "Released",
    );
    confirm_all(&mut w);
    assert!(run(&w, ID).is_empty());
    probe_ap(&mut w, "fsap-03", FS, false);
    let later = run_at(&w, now() + jiff::SignedDuration::from_mins(3));
    assert_eq!(of(&later, ID).len(), 1, "stuck past the grace: {later:?}");
}

/// An id EFS refuses (too short, not hex) can name no access point: the PV is
/// confirmed broken, not "checking" for ever while every read is refused.
#[test]
fn an_access_point_id_efs_refuses_is_confirmed_missing_in_its_words() {
    let mut w = World::default();
    file_systems(&mut w, vec![fs(FS, "available", &[])]);
    access_points(&mut w, FS, vec![]);
    pv(
        &mut w,
        "pvc-typo",
        "efs.csi.aws.com",
        &format!("{FS}::fsap-0nothere"),
        "Bound",
    );
    let out = run_out(&w);
    assert_eq!(out.checking.len(), 1, "{out:?}");
    let reason = "1 validation error detected: Value 'fsap-0nothere' at 'accessPointId' \
                  failed to satisfy constraint";
    probe(
        &mut w,
        ProbeKey::AccessPoint("fsap-0nothere".into()),
        ProbeOutcome::Invalid {
            reason: reason.into(),
        },
    );
    let out = run_out(&w);
    assert!(out.checking.is_empty(), "{out:?}");
    let found = of(&out.findings, ID);
    assert_eq!(found.len(), 1, "{out:?}");
    assert!(
        found[0].title.contains("refuses as invalid"),
        "{}",
        found[0].title
    );
    assert!(text(found[0]).contains(reason), "{}", text(found[0]));
}
