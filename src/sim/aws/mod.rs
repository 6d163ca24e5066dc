//! The simulated account: EFS, EKS and EC2 state, their endpoints (EFS and EKS
//! REST-JSON, EC2's query protocol), STS's GetCallerIdentity, and the state machines
//! (add-on deletion, detaches, snapshots) that the clock drives.

mod ec2;
mod ec2_ops;
mod ec2_query;
pub mod ec2_state;
mod ec2_steer;
mod ec2_xml;
mod efs;
mod eks;
pub mod eks_insights;
mod errors;
mod paging;
pub mod state;
mod steer;
pub mod sts;
mod validate;

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};

use super::kube_api::parse_query;
use super::{Shared, SimState, lock};
use errors::{AwsError, Service};
pub use state::{
    AccessPoint, Addon, AddonIssue, Cluster, FargateProfile, FargateSelector, FileSystem,
    ManagedObject, MountTarget, PendingDelete,
};

/// How long EKS takes to finish a DeleteAddon, in scenario time.
pub const ADDON_DELETE_SECONDS: i64 = 5;

#[derive(Debug, Default)]
pub struct AwsState {
    pub account_id: String,
    pub region: String,
    pub clusters: BTreeMap<String, Cluster>,
    pub file_systems: BTreeMap<String, FileSystem>,
    /// By access point id; paging walks this order.
    pub access_points: BTreeMap<String, AccessPoint>,
    pub mount_targets: BTreeMap<String, MountTarget>,
    /// EBS volumes, instances and snapshots.
    pub ec2: ec2_state::Ec2State,
    /// Seed of the next generated resource id.
    pub id_seq: u64,
    /// Who STS says is calling; `None`: the operator role in this account.
    pub caller: Option<sts::Caller>,
}

impl AwsState {
    pub fn new(account_id: &str, region: &str) -> Self {
        AwsState {
            account_id: account_id.into(),
            region: region.into(),
            ..Default::default()
        }
    }

    pub fn caller(&self) -> sts::Caller {
        self.caller
            .clone()
            .unwrap_or_else(|| sts::Caller::operator(&self.account_id))
    }

    /// A fresh AWS-looking id (`fsap-0…`); distinct for every call.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.id_seq += 1;
        state::hex_id(prefix, self.id_seq)
    }

    pub fn file_system_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:elasticfilesystem:{}:{}:file-system/{id}",
            self.region, self.account_id
        )
    }

    pub fn access_point_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:elasticfilesystem:{}:{}:access-point/{id}",
            self.region, self.account_id
        )
    }

    pub fn addon_arn(&self, cluster: &str, addon: &str) -> String {
        let suffix = state::uuid_like(state::name_seed(&format!("{cluster}/{addon}")));
        format!(
            "arn:aws:eks:{}:{}:addon/{cluster}/{addon}/{suffix}",
            self.region, self.account_id
        )
    }

    /// Creates an access point the way the EFS CSI driver does for a PV: root directory
    /// `/dynamic_provisioning/<pv>`, owned by the allocated uid/gid.
    pub fn provision_access_point(
        &mut self,
        file_system_id: &str,
        client_token: &str,
        gid: i64,
        permissions: &str,
    ) -> AccessPoint {
        let id = self.next_id("fsap");
        self.provision_access_point_as(&id, file_system_id, client_token, gid, permissions)
    }

    /// `provision_access_point` with an id reserved beforehand, for a driver whose
    /// CreateAccessPoint runs later than the id must be known.
    pub fn provision_access_point_as(
        &mut self,
        id: &str,
        file_system_id: &str,
        client_token: &str,
        gid: i64,
        permissions: &str,
    ) -> AccessPoint {
        let ap = AccessPoint {
            id: id.into(),
            file_system_id: file_system_id.into(),
            client_token: client_token.into(),
            name: None,
            uid: gid,
            gid,
            root_path: format!("/dynamic_provisioning/{client_token}"),
            permissions: permissions.into(),
            life_cycle_state: "available".into(),
            tags: vec![("efs.csi.aws.com/cluster".into(), "true".into())],
        };
        self.access_points.insert(ap.id.clone(), ap.clone());
        ap
    }
}

/// A path's segments, percent-decoded once, as the Kubernetes API decodes them.
fn segments(svc: Service, path: &str) -> Result<Vec<String>, AwsError> {
    super::validate::path_segments(path)
        .ok_or_else(|| AwsError::bad_request(svc, format!("invalid URL escape in {path:?}")))
}

/// Wire timestamps: restJson1 defaults to epoch seconds.
pub fn epoch(t: Timestamp) -> i64 {
    t.as_second()
}

/// True for the paths the EFS and EKS endpoints serve.
pub fn owns_path(path: &str) -> bool {
    path.starts_with(efs::PREFIX) || path == "/clusters" || path.starts_with("/clusters/")
}

/// True for the requests an AWS endpoint answers: EFS and EKS by path, STS by its POST.
pub fn owns(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    owns_path(path) || sts::owns(method, path, headers)
}

pub fn handle(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let path = uri.path();
    if sts::owns(method, path, headers) {
        // EC2 shares STS's form POST to `/`; its signature or API version tells them apart.
        if ec2::owns(headers, body) {
            return ec2::handle(shared, body);
        }
        return sts::handle(shared, body);
    }
    let svc = if path.starts_with(efs::PREFIX) {
        Service::Efs
    } else {
        Service::Eks
    };
    let q = parse_query(uri.query().unwrap_or_default());
    let mut st = lock(shared);
    let result = match injected_fault(&mut st, svc) {
        Some(err) => Err(err),
        None => match svc {
            Service::Efs => efs::route(&mut st, method, path, &q),
            Service::Eks => eks::route(&mut st, method, path, &q, body),
        },
    };
    drop(st);
    result.unwrap_or_else(|e| e.into_response(svc))
}

/// A fault the control API queued, before each protocol words it in its own error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    Throttle,
    Fail,
    Forbidden,
}

/// Takes the next injected fault for service `name` (`efs`, `eks`, `ec2`), if any: the
/// throttle and failure counters are shared by every polled service, `forbidden` is per
/// service.
pub fn take_fault(st: &mut SimState, name: &str) -> Option<Injected> {
    let f = &mut st.faults;
    if f.aws_throttle > 0 {
        f.aws_throttle -= 1;
        return Some(Injected::Throttle);
    }
    if f.aws_fail > 0 {
        f.aws_fail -= 1;
        return Some(Injected::Fail);
    }
    f.forbidden.contains(name).then_some(Injected::Forbidden)
}

/// Faults apply before routing, as AWS's front door answers before the service does.
fn injected_fault(st: &mut SimState, svc: Service) -> Option<AwsError> {
    Some(match take_fault(st, svc.name())? {
        Injected::Throttle => AwsError::new(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            "Rate exceeded",
        ),
        Injected::Fail => AwsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            svc.internal_error_code(),
            "An internal error occurred (injected by the simulator).",
        ),
        Injected::Forbidden => AwsError::new(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            format!(
                "User: {} is not authorized to perform {}:* (denied by the simulator)",
                st.aws.caller().arn,
                svc.name()
            ),
        ),
    })
}

/// Finishes add-on deletions that have run their course. Without `preserve`, EKS removes
/// every object the add-on manages — adopted ones such as a pre-existing CSIDriver too.
pub fn tick(st: &mut SimState, now: Timestamp) {
    let due = SignedDuration::from_secs(ADDON_DELETE_SECONDS);
    let mut doomed: Vec<ManagedObject> = Vec::new();
    for cl in st.aws.clusters.values_mut() {
        cl.addons.retain(|_, ad| match ad.deleting {
            Some(d) if now.duration_since(d.requested) >= due => {
                if !d.preserve {
                    doomed.extend(ad.managed.iter().cloned());
                }
                false
            }
            _ => true,
        });
    }
    for m in doomed {
        st.store.delete(&m.resource, &m.namespace, &m.name);
    }
    st.aws.ec2.tick(now);
    eks_insights::tick(&mut st.aws, now);
}

pub fn control(
    shared: &Shared,
    rest: &str,
    q: &HashMap<String, String>,
    _body: &Bytes,
) -> Response {
    let mut st = lock(shared);
    if let Some(ec2_rest) = rest.strip_prefix("ec2/") {
        return ec2_steer::run(&mut st, ec2_rest, q);
    }
    steer::run(&mut st, rest, q)
}
