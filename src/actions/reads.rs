//! The reads an action makes right before it sends anything, to verify again, with fresh
//! answers from the APIs, what its plan took from the World. The dialog lists them from here
//! and the executor sends exactly these requests, so the operator sees every precondition.

use super::{Action, DeleteAccessPoint, DeleteAddon, KubePatch};

/// Items a page of the fresh LISTs asks for.
pub const PAGE_LIMIT: usize = 500;
pub const PVS: &str = "/api/v1/persistentvolumes";
pub const PVCS: &str = "/api/v1/persistentvolumeclaims";

/// One precondition read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// `GET`, or `POST ec2` for EC2's reads, which its query protocol sends as POSTs.
    pub via: &'static str,
    /// `path?query` as sent (a paged LIST then follows its continue tokens), or the EC2
    /// operation and its parameters.
    pub request: String,
    /// What it must find for the action to go ahead.
    pub expects: String,
}

impl Read {
    pub fn line(&self) -> String {
        format!("{} {}", self.via, self.request)
    }
}

/// The path the EFS SDK sends DescribeAccessPoints for one access point to.
pub fn access_point_path(id: &str) -> String {
    format!("/2015-02-01/access-points?AccessPointId={id}")
}

/// The path the EKS SDK sends DescribeAddon to.
pub fn addon_path(cluster: &str, addon: &str) -> String {
    format!("/clusters/{cluster}/addons/{addon}")
}

/// The first page of a paged LIST.
pub fn list_path(base: &str) -> String {
    format!("{base}?limit={PAGE_LIMIT}")
}

/// The PV an access point's ClientToken names: the EFS CSI driver passes the CSI volume
/// name, which is the PV's name. `None` when the token cannot be an object name at all
/// (DNS-1123 subdomain), so that no PV can carry it.
pub fn pv_named_by(token: &str) -> Option<&str> {
    let ok_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.';
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let bytes = token.as_bytes();
    (token.len() <= 253
        && bytes.iter().all(|b| ok_char(*b))
        && edge(bytes.first())
        && edge(bytes.last()))
    .then_some(token)
}

/// The claim uid in a dynamically provisioned PV's name, `pvc-<uid>`.
pub fn claim_uid_in(token: &str) -> Option<&str> {
    token.strip_prefix("pvc-").filter(|u| !u.is_empty())
}

impl Action {
    /// Every read the executor makes before it sends, in order.
    pub fn reads(&self) -> Vec<Read> {
        match self {
            Action::DeleteAddon(d) => addon_reads(d),
            Action::DeleteAccessPoint(d) => access_point_reads(d),
            Action::AdoptHelm(a) => a.patches.iter().map(object_read).collect(),
            Action::Tolerate(t) => vec![object_read(&t.patch)],
            Action::DetachVolume(d) => super::recheck::detach_reads(d),
            Action::DeleteVolume(d) => super::recheck::delete_volume_reads(d),
            Action::RefreshInsights(r) => r.reads(),
        }
    }

    /// The reads as one line each, as the audit log keeps them.
    pub fn read_lines(&self) -> Vec<String> {
        self.reads().into_iter().map(|r| r.line()).collect()
    }
}

fn addon_reads(d: &DeleteAddon) -> Vec<Read> {
    vec![Read {
        via: "GET",
        request: addon_path(&d.cluster, &d.addon),
        expects: "the add-on still exists and is not DELETING".into(),
    }]
}

fn access_point_reads(d: &DeleteAccessPoint) -> Vec<Read> {
    let id = &d.access_point_id;
    let mut out = vec![Read {
        via: "GET",
        request: access_point_path(id),
        expects: "it still exists, is available, and was made by the EFS CSI driver".into(),
    }];
    let token = d.client_token.as_deref();
    if let Some(name) = token.and_then(pv_named_by) {
        out.push(Read {
            via: "GET",
            request: format!("{PVS}/{name}"),
            expects: "404: no PV has the name its ClientToken gives".into(),
        });
    }
    out.push(Read {
        via: "GET",
        request: list_path(PVS),
        expects: format!("on every page, no PV whose spec.csi.volumeHandle names {id}"),
    });
    if let Some(token) = token {
        let claim = match claim_uid_in(token) {
            Some(uid) => format!(
                "no claim with uid {uid} (that would be a provisioning in flight) and none \
                 bound to {token}"
            ),
            None => format!("no claim bound to {token}"),
        };
        out.push(Read {
            via: "GET",
            request: list_path(PVCS),
            expects: format!("on every page, {claim}"),
        });
    }
    out
}

/// Its resourceVersion becomes the PATCH's precondition; the dialog says so once for all.
fn object_read(p: &KubePatch) -> Read {
    let seen: Vec<String> = p.expect.iter().map(|e| e.describe()).collect();
    Read {
        via: "GET",
        request: p
            .object
            .path()
            .unwrap_or_else(|| format!("<no API path for {}>", p.object.kind)),
        expects: if seen.is_empty() {
            "it still exists".into()
        } else {
            seen.join("; ")
        },
    }
}
