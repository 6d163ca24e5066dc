//! What a confirmation dialog says about an action: built from the action value alone, so
//! the dialog cannot describe anything but what will run.

use super::{
    Action, AdoptHelm, DeleteAccessPoint, DeleteAddon, KubeObject, Tolerate, describe_ebs,
};

/// Said under the reads of every action that patches.
const RV_PRECONDITION: &str = "The resourceVersion each GET returns, read just before \
    sending, is a precondition of its PATCH: if the object changes in between, the API server \
    refuses the PATCH and nothing is applied.";

impl Action {
    pub fn title(&self) -> String {
        match self {
            Action::DeleteAddon(d) if d.preserve => {
                format!("Delete add-on {} (preserve its objects)", d.addon)
            }
            Action::DeleteAddon(d) => format!("Delete add-on {} AND its objects", d.addon),
            Action::DeleteAccessPoint(d) => {
                format!("Delete orphaned access point {}", d.access_point_id)
            }
            Action::AdoptHelm(a) => format!("Adopt {} into Helm release {}", a.addon, a.release),
            Action::Tolerate(t) => format!("Tolerate disruption: {}", t.patch.object.display()),
            Action::DetachVolume(d) => describe_ebs::detach_title(d),
            Action::DeleteVolume(d) => describe_ebs::delete_title(d),
            Action::RefreshInsights(r) => format!("Refresh the EKS insights of {}", r.cluster),
        }
    }

    /// The word on the confirm button.
    pub fn confirm_word(&self) -> &'static str {
        match self {
            Action::DeleteAddon(_) | Action::DeleteAccessPoint(_) | Action::DeleteVolume(_) => {
                "delete"
            }
            Action::DetachVolume(_) => "detach",
            Action::AdoptHelm(_) | Action::Tolerate(_) => "patch",
            Action::RefreshInsights(_) => "refresh",
        }
    }

    /// One line for the status bar while it runs and after.
    pub fn summary(&self) -> String {
        match self {
            Action::DeleteAddon(d) => {
                format!("delete add-on {} (preserve={})", d.addon, d.preserve)
            }
            Action::DeleteAccessPoint(d) => format!("delete access point {}", d.access_point_id),
            Action::AdoptHelm(a) => {
                format!("adopt {} objects of {} into Helm", a.patches.len(), a.addon)
            }
            Action::Tolerate(t) => format!("add toleration to {}", t.patch.object.display()),
            Action::DetachVolume(d) => format!(
                "detach {} from {} (Force={})",
                d.volume_id, d.instance_id, d.force
            ),
            Action::DeleteVolume(d) if d.snapshot_first => {
                format!("snapshot then delete {}", d.volume_id)
            }
            Action::DeleteVolume(d) => format!("delete {} without a snapshot", d.volume_id),
            Action::RefreshInsights(r) => format!("refresh the EKS insights of {}", r.cluster),
        }
    }

    /// The dialog body: the exact requests, what they change, the reads that verify it
    /// again right before sending, and the findings about it.
    pub fn lines(&self) -> Vec<String> {
        let mut out = match self {
            Action::DeleteAddon(d) => delete_addon(d),
            Action::DeleteAccessPoint(d) => delete_access_point(d),
            Action::AdoptHelm(a) => adopt(a),
            Action::Tolerate(t) => tolerate(t),
            Action::DetachVolume(d) => describe_ebs::detach(d),
            Action::DeleteVolume(d) => describe_ebs::delete(d),
            Action::RefreshInsights(r) => r.lines(),
        };
        out.extend(self.precondition_lines());
        let findings = match self {
            Action::DeleteAddon(d) => &d.findings,
            Action::DeleteAccessPoint(d) => &d.findings,
            Action::AdoptHelm(a) => &a.findings,
            Action::Tolerate(t) => &t.findings,
            Action::DetachVolume(d) => &d.findings,
            Action::DeleteVolume(d) => &d.findings,
            Action::RefreshInsights(r) => &r.findings,
        };
        if !findings.is_empty() {
            out.push(String::new());
            out.push("Findings:".into());
            out.extend(findings.iter().map(|f| format!("  {f}")));
        }
        out
    }
}

impl Action {
    /// The precondition reads, each with what it must find.
    fn precondition_lines(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "Checked again right before sending, with fresh reads (not what this screen shows); \
             if anything changed, nothing is sent and the refusal says what:"
                .to_string(),
        ];
        for r in self.reads() {
            out.push(format!("  {}  must find: {}", r.line(), r.expects));
        }
        if matches!(self, Action::AdoptHelm(_) | Action::Tolerate(_)) {
            out.push(RV_PRECONDITION.into());
        }
        out
    }
}

fn objects(list: &[KubeObject]) -> impl Iterator<Item = String> + '_ {
    list.iter().map(|o| format!("  {}", o.display()))
}

fn delete_addon(d: &DeleteAddon) -> Vec<String> {
    let mut out = vec![
        format!(
            "EKS DeleteAddon  cluster {}  add-on {}  preserve={}",
            d.cluster, d.addon, d.preserve
        ),
        format!("  DELETE {}", d.path_and_query()),
        String::new(),
    ];
    if d.preserve {
        out.push(format!(
            "Kept in the cluster ({} objects), no longer managed by EKS:",
            d.objects.len()
        ));
        out.extend(objects(&d.objects));
        out.push(String::new());
        out.push(
            "What changes: EKS stops managing the add-on; nobody updates or repairs these \
             objects until another owner adopts them."
                .into(),
        );
    } else {
        out.push(format!(
            "DELETED from the cluster with the add-on ({} objects):",
            d.objects.len()
        ));
        out.extend(objects(&d.objects));
        if let Some(driver) = d.csi_driver() {
            out.push(format!(
                "Without the CSIDriver {}, volumes of this driver can no longer be mounted.",
                driver.name
            ));
        }
    }
    out.push(match &d.role_arn {
        Some(arn) => format!("The IAM role {arn} is untouched."),
        None => "No IAM role is attached to the add-on; none is touched.".into(),
    });
    out
}

fn delete_access_point(d: &DeleteAccessPoint) -> Vec<String> {
    let root = d.root_path.as_deref().unwrap_or("/");
    vec![
        format!(
            "EFS DeleteAccessPoint  {}  file system {}",
            d.access_point_id, d.file_system_id
        ),
        format!("  DELETE {}", d.path()),
        String::new(),
        format!(
            "No PersistentVolume uses it (client token {}).",
            d.client_token.as_deref().unwrap_or("-")
        ),
        format!(
            "The data under its root directory {root} stays on file system {}: only the access \
             point goes, and nothing deletes those files.",
            d.file_system_id
        ),
        "Existing mounts through it keep working until they reconnect (a remount, a new pod); \
         then they fail."
            .into(),
    ]
}

fn adopt(a: &AdoptHelm) -> Vec<String> {
    let mut out = vec![
        format!(
            "{} merge patches (field manager stordeck), so Helm release {} in {} can adopt them:",
            a.patches.len(),
            a.release,
            a.namespace
        ),
        String::new(),
    ];
    for p in &a.patches {
        out.push(p.object.display());
        out.push(format!(
            "  PATCH {}",
            p.path_and_query().unwrap_or_default()
        ));
        out.push(format!("  {}", p.shown_body_text()));
    }
    out.push(String::new());
    out.push("Nothing else changes; `helm upgrade` can then take these objects over.".into());
    out
}

fn tolerate(t: &Tolerate) -> Vec<String> {
    let how = if t.creates_list {
        "It has no tolerations: the patch creates the list."
    } else {
        "The toleration is appended; the existing ones stay."
    };
    vec![
        format!(
            "JSON patch (field manager stordeck) to {}:",
            t.patch.object.display()
        ),
        format!("  PATCH {}", t.patch.path_and_query().unwrap_or_default()),
        format!("  {}", t.patch.shown_body_text()),
        String::new(),
        how.into(),
        "Its pods then stay on nodes Karpenter is draining, so volumes get unmounted; the \
         DaemonSet rolls its pods to apply it."
            .into(),
    ]
}
