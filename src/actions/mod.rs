//! Actions change the cluster or the account. Each is a value that holds the exact requests
//! it will send: the confirmation dialog renders that value and the executor sends that
//! value, so what the operator confirmed is what runs. Only [`Executor`] can send anything,
//! and it is built only when stordeck is not read-only.

pub mod audit;
mod describe;
mod describe_ebs;
pub mod ebs;
mod errors;
pub mod executor;
#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
pub(crate) mod fixture_ebs;
pub mod follow;
pub mod guard;
pub mod insights;
mod kube_object;
pub mod plan;
mod plan_ebs;
#[cfg(test)]
mod plan_ebs_tests;
pub mod reads;
mod recheck;
mod run_ebs;

use crate::model::findings::{Finding, Findings, Kind};
pub use audit::AuditLog;
pub use ebs::{DeleteVolume, DetachVolume};
pub use executor::{BeforeSend, Executor, Outcome};
pub use insights::RefreshInsights;
pub use kube_object::{
    Expect, FIELD_MANAGER, KubeObject, KubePatch, PatchType, RV_PLACEHOLDER, toleration_text,
};
pub use run_ebs::SnapshotWait;

/// The taint Karpenter puts on a node it is about to remove (story 4).
pub const DISRUPTED_TAINT: &str = "karpenter.sh/disrupted";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    DeleteAddon(DeleteAddon),
    DeleteAccessPoint(DeleteAccessPoint),
    AdoptHelm(AdoptHelm),
    Tolerate(Tolerate),
    DetachVolume(DetachVolume),
    DeleteVolume(DeleteVolume),
    RefreshInsights(RefreshInsights),
}

/// EKS `DeleteAddon`, by default with `preserve=true` so the add-on's objects stay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAddon {
    pub cluster: String,
    pub addon: String,
    pub preserve: bool,
    /// The add-on's objects as the cluster had them when the dialog opened: kept with
    /// `preserve`, deleted without it.
    pub objects: Vec<KubeObject>,
    pub role_arn: Option<String>,
    pub findings: Vec<String>,
}

/// EFS `DeleteAccessPoint` of an access point no PV uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAccessPoint {
    pub access_point_id: String,
    pub file_system_id: String,
    pub client_token: Option<String>,
    pub root_path: Option<String>,
    pub findings: Vec<String>,
}

/// Helm's release annotations and managed-by label on an add-on's objects (story 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptHelm {
    pub addon: String,
    pub release: String,
    pub namespace: String,
    pub patches: Vec<KubePatch>,
    pub findings: Vec<String>,
}

/// The `karpenter.sh/disrupted` toleration on a DaemonSet (story 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tolerate {
    pub patch: KubePatch,
    /// The DaemonSet had no tolerations when the dialog opened, so the patch creates the
    /// list; the patch's [`Expect::Tolerations`] makes the executor refuse if that is no
    /// longer so rather than replace a list.
    pub creates_list: bool,
    pub findings: Vec<String>,
}

impl Action {
    /// The objects the findings about this action are about, as findings name them. A
    /// detach concerns the volume and, when one names it, the PV: a finding about either
    /// is one the operator should read before detaching.
    pub fn subjects(&self) -> Vec<(Kind, Option<String>, String)> {
        match self {
            Action::DeleteAddon(d) => vec![(Kind::Addon, None, d.addon.clone())],
            Action::DeleteAccessPoint(d) => {
                vec![(Kind::AccessPoint, None, d.access_point_id.clone())]
            }
            Action::AdoptHelm(a) => vec![(Kind::Addon, None, a.addon.clone())],
            Action::Tolerate(t) => vec![(
                Kind::DaemonSet,
                t.patch.object.namespace.clone(),
                t.patch.object.name.clone(),
            )],
            Action::DetachVolume(d) => {
                std::iter::once((Kind::EbsVolume, None, d.volume_id.clone()))
                    .chain(d.pv.clone().map(|pv| (Kind::PersistentVolume, None, pv)))
                    .collect()
            }
            Action::DeleteVolume(d) => vec![(Kind::EbsVolume, None, d.volume_id.clone())],
            Action::RefreshInsights(_) => Vec::new(),
        }
    }

    /// Fills the dialog's findings section from the findings naming its subjects, each
    /// once (a stranded volume's finding names both the volume and its PV).
    pub fn with_findings(mut self, findings: &Findings) -> Self {
        let mut seen: Vec<&Finding> = Vec::new();
        for (kind, ns, name) in self.subjects() {
            for f in findings.naming(kind, ns.as_deref(), &name) {
                if !seen.iter().any(|s| std::ptr::eq(*s, f)) {
                    seen.push(f);
                }
            }
        }
        let lines: Vec<String> = seen
            .iter()
            .map(|f| format!("{} {}: {}", f.severity.label(), f.id, f.title))
            .collect();
        match &mut self {
            Action::DeleteAddon(d) => d.findings = lines,
            Action::DeleteAccessPoint(d) => d.findings = lines,
            Action::AdoptHelm(a) => a.findings = lines,
            Action::Tolerate(t) => t.findings = lines,
            Action::DetachVolume(d) => d.findings = lines,
            Action::DeleteVolume(d) => d.findings = lines,
            Action::RefreshInsights(r) => r.findings = lines,
        }
        self
    }

    /// Short machine name, as the audit log records it.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::DeleteAddon(_) => "delete-addon",
            Action::DeleteAccessPoint(_) => "delete-access-point",
            Action::AdoptHelm(_) => "adopt-helm",
            Action::Tolerate(_) => "tolerate-disruption",
            Action::DetachVolume(d) if d.force => "force-detach-volume",
            Action::DetachVolume(_) => "detach-volume",
            Action::DeleteVolume(d) if d.snapshot_first => "snapshot-delete-volume",
            Action::DeleteVolume(_) => "delete-volume-without-snapshot",
            Action::RefreshInsights(_) => "refresh-insights",
        }
    }

    /// What the action is done to, as the audit log records it.
    pub fn target(&self) -> String {
        match self {
            Action::DeleteAddon(d) => format!("addon {}/{}", d.cluster, d.addon),
            Action::DeleteAccessPoint(d) => {
                format!("access point {} ({})", d.access_point_id, d.file_system_id)
            }
            Action::AdoptHelm(a) => format!("addon {} objects", a.addon),
            Action::Tolerate(t) => t.patch.object.display(),
            Action::DetachVolume(d) => {
                format!("EBS volume {} on instance {}", d.volume_id, d.instance_id)
            }
            Action::DeleteVolume(d) => format!("EBS volume {}", d.volume_id),
            Action::RefreshInsights(r) => format!("insights of cluster {}", r.cluster),
        }
    }

    /// The exact requests, one a line: what the dialog shows and the audit log keeps.
    pub fn requests(&self) -> Vec<String> {
        match self {
            Action::DeleteAddon(d) => vec![format!("DELETE {}", d.path_and_query())],
            Action::DeleteAccessPoint(d) => vec![format!("DELETE {}", d.path())],
            Action::AdoptHelm(a) => a.patches.iter().map(KubePatch::request_line).collect(),
            Action::Tolerate(t) => vec![t.patch.request_line()],
            Action::DetachVolume(d) => vec![d.request_line()],
            Action::DeleteVolume(d) => d.request_lines(),
            Action::RefreshInsights(r) => vec![r.request_line()],
        }
    }

    /// Deletes and other hard-to-undo acts are drawn in the critical colour.
    pub fn dangerous(&self) -> bool {
        match self {
            Action::DeleteAddon(_) | Action::DeleteAccessPoint(_) | Action::DeleteVolume(_) => true,
            Action::DetachVolume(d) => d.force,
            Action::AdoptHelm(_) | Action::Tolerate(_) | Action::RefreshInsights(_) => false,
        }
    }

    /// What the operator must type before the action may run, if anything.
    pub fn typed_confirmation(&self) -> Option<&str> {
        match self {
            Action::DeleteAddon(d) => Some(&d.addon),
            Action::DeleteVolume(d) => Some(&d.volume_id),
            Action::DetachVolume(d) if d.force => Some(&d.volume_id),
            _ => None,
        }
    }

    pub fn findings_mut(&mut self) -> &mut Vec<String> {
        match self {
            Action::DeleteAddon(d) => &mut d.findings,
            Action::DeleteAccessPoint(d) => &mut d.findings,
            Action::AdoptHelm(a) => &mut a.findings,
            Action::Tolerate(t) => &mut t.findings,
            Action::DetachVolume(d) => &mut d.findings,
            Action::DeleteVolume(d) => &mut d.findings,
            Action::RefreshInsights(r) => &mut r.findings,
        }
    }

    /// The risky form a second, explicit confirmation turns on (`Force=true`, a delete
    /// without a snapshot) or back off; `None` for actions that have none but preserve.
    pub fn escalated(&self, on: bool) -> Option<Action> {
        match self {
            Action::DetachVolume(d) => Some(Action::DetachVolume(DetachVolume {
                force: on,
                ..d.clone()
            })),
            Action::DeleteVolume(d) => Some(Action::DeleteVolume(DeleteVolume {
                snapshot_first: !on,
                ..d.clone()
            })),
            _ => None,
        }
    }

    /// Whether the risky form is on.
    pub fn is_escalated(&self) -> bool {
        match self {
            Action::DetachVolume(d) => d.force,
            Action::DeleteVolume(d) => !d.snapshot_first,
            _ => false,
        }
    }
}

impl DeleteAddon {
    /// The REST path the EKS SDK sends DeleteAddon to.
    pub fn path_and_query(&self) -> String {
        format!(
            "/clusters/{}/addons/{}?preserve={}",
            self.cluster, self.addon, self.preserve
        )
    }

    pub fn csi_driver(&self) -> Option<&KubeObject> {
        self.objects.iter().find(|o| o.kind == "CSIDriver")
    }
}

impl DeleteAccessPoint {
    /// The REST path the EFS SDK sends DeleteAccessPoint to.
    pub fn path(&self) -> String {
        format!("/2015-02-01/access-points/{}", self.access_point_id)
    }
}
