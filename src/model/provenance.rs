//! Who made an access point. A file system is often shared: besides the EFS CSI driver's
//! access points (one per dynamically provisioned PV) it holds ones that Lambda functions,
//! SageMaker jobs or Terraform made, which no PV uses by design. Only the driver's own can
//! be orphans; deleting any other would break a workload stordeck cannot see. The orphan
//! rule, the Access points pane and the delete plan all ask [`AccessPointRec::made_by_csi_driver`].

use super::input::AccessPointRec;

/// The aws-efs-csi-driver tags every access point it creates `efs.csi.aws.com/cluster=true`
/// (`DefaultTagKey` in its controller); any key under this prefix counts.
pub const CSI_TAG_PREFIX: &str = "efs.csi.aws.com/";

/// The prefix the external-provisioner gives PV names by default (`--volume-name-prefix`).
const PV_NAME_PREFIX: &str = "pvc-";

impl AccessPointRec {
    /// Whether the EFS CSI driver provisioned this access point, judged from what EFS
    /// reports. This is a heuristic on two signals, either of which suffices:
    /// - a tag under `efs.csi.aws.com/`, which the driver sets on every access point it
    ///   creates (older releases and the `reuseAccessPoint` path too);
    /// - a ClientToken shaped like a dynamically provisioned PV name, `pvc-` + a UUID: the
    ///   driver passes the CSI volume name as the token, and the external-provisioner
    ///   names volumes `pvc-<claim uid>`.
    ///
    /// Neither proves anything: tags can be edited by anyone with
    /// `elasticfilesystem:TagResource`, another tool could choose a `pvc-<uuid>` token, and
    /// a driver access point whose tag was removed and whose token is not a PV name
    /// (a custom `--volume-name-prefix`, a truncated `--volume-name-uuid-length`, or the
    /// hash `reuseAccessPoint: true` uses) is missed. Missing one is the safe mistake: it is
    /// shown as "not CSI" and never offered for deletion.
    pub fn made_by_csi_driver(&self) -> bool {
        self.tags.iter().any(|(k, _)| k.starts_with(CSI_TAG_PREFIX))
            || self.client_token.as_deref().is_some_and(is_pv_name)
    }
}

/// `pvc-` followed by a UUID in the canonical lowercase 8-4-4-4-12 form Kubernetes uses
/// for object uids.
fn is_pv_name(token: &str) -> bool {
    let Some(uuid) = token.strip_prefix(PV_NAME_PREFIX) else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(token: Option<&str>, tags: &[(&str, &str)]) -> AccessPointRec {
        AccessPointRec {
            id: "fsap-01".into(),
            arn: None,
            file_system_id: "fs-01".into(),
            client_token: token.map(Into::into),
            name: None,
            root_path: None,
            uid: None,
            gid: None,
            life_cycle_state: "available".into(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn a_pv_name_token_or_a_driver_tag_marks_the_csi_driver() {
        let pv = Some("pvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b");
        assert!(ap(pv, &[]).made_by_csi_driver());
        // The driver's tag alone: e.g. `reuseAccessPoint: true`, whose token is a hash.
        let hash = Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assert!(ap(hash, &[("efs.csi.aws.com/cluster", "true")]).made_by_csi_driver());
        assert!(ap(None, &[("efs.csi.aws.com/cluster", "true")]).made_by_csi_driver());
    }

    #[test]
    fn other_consumers_tokens_are_not_the_csi_driver() {
        let tf = [("ManagedBy", "terraform")];
        for token in [
            "sagemaker-bert-finetune-17",
            "lambda-thumbnailer-3",
            "terraform-20240101120000000000000001",
            "pvc-gone",
            "pvc-",
            // Upper case, a missing group, a non-hex digit, a suffix: not a PV name.
            "pvc-3F1C2A9E-7B4D-4E21-9C0A-5D6E7F809A1B",
            "pvc-3f1c2a9e-7b4d-4e21-9c0a",
            "pvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1g",
            "pvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b-x",
            "xpvc-3f1c2a9e-7b4d-4e21-9c0a-5d6e7f809a1b",
        ] {
            assert!(!ap(Some(token), &tf).made_by_csi_driver(), "{token}");
        }
        assert!(!ap(None, &[]).made_by_csi_driver());
        // A tag merely mentioning the driver elsewhere in its key does not count.
        let near = [("team/efs.csi.aws.com", "x"), ("efs.csi.aws.com", "true")];
        assert!(!ap(Some("lambda-etl-1"), &near).made_by_csi_driver());
    }
}
