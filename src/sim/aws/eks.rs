//! EKS (`/clusters…`, restJson1 with camelCase members): clusters, add-ons (with
//! DeleteAddon's `preserve`), Fargate profiles, node groups and, through
//! `eks_insights`, cluster insights.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::eks_insights as insights;
use super::errors::{AwsError, AwsResult, Service, ok};
use super::paging::{page, page_size, resume_key};
use super::state::{Addon, Cluster, FargateProfile, PendingDelete};
use super::validate::{CLUSTER as CLUSTER_NAME, check};
use super::{AwsState, epoch, segments};
use crate::sim::SimState;

const SVC: Service = Service::Eks;

pub fn route(
    st: &mut SimState,
    method: &Method,
    path: &str,
    q: &HashMap<String, String>,
    body: &[u8],
) -> AwsResult {
    let now = st.now();
    let aws = &mut st.aws;
    let decoded = segments(SVC, path)?;
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    if let ["clusters", name, ..] = segs.as_slice() {
        check(SVC, &[(&CLUSTER_NAME, Some(*name))])?;
    }
    match (method, segs.as_slice()) {
        (&Method::GET, ["clusters"]) => list_clusters(aws, q),
        (&Method::GET, ["clusters", c]) => ok(&json!({"cluster": cluster_json(cluster(aws, c)?)})),
        (&Method::GET, ["clusters", c, "addons"]) => list_addons(cluster(aws, c)?, q),
        (&Method::GET, ["clusters", c, "addons", a]) => {
            ok(&json!({"addon": addon_json(aws, c, addon(aws, c, a)?)}))
        }
        (&Method::DELETE, ["clusters", c, "addons", a]) => delete_addon(aws, c, a, q, now),
        (&Method::POST, ["clusters", c, "insights"]) => insights::list(cluster(aws, c)?, body),
        (&Method::GET, ["clusters", c, "insights", id]) => insights::describe(cluster(aws, c)?, id),
        (&Method::POST, ["clusters", c, "insights-refresh"]) => {
            cluster(aws, c)?;
            let cl = aws.clusters.get_mut(*c).expect("checked just above");
            insights::start_refresh(cl, now)
        }
        (&Method::GET, ["clusters", c, "insights-refresh"]) => {
            insights::describe_refresh(cluster(aws, c)?)
        }
        (&Method::GET, ["clusters", c, "fargate-profiles"]) => {
            list_fargate_profiles(cluster(aws, c)?, q)
        }
        (&Method::GET, ["clusters", c, "fargate-profiles", p]) => {
            let cl = cluster(aws, c)?;
            let fp = cl.fargate_profiles.get(*p).ok_or_else(|| {
                not_found(format!("No Fargate Profile found with name: {p}."))
                    .with("clusterName", c)
                    .with("fargateProfileName", p)
            })?;
            ok(&json!({"fargateProfile": fargate_profile_json(cl, fp)}))
        }
        (&Method::GET, ["clusters", c, "node-groups"]) => {
            let cl = cluster(aws, c)?;
            page_size(SVC, q, "maxResults", 100, 100)?;
            ok(&json!({"nodegroups": cl.nodegroups}))
        }
        (&Method::GET, ["clusters", c, "node-groups", n]) => {
            let cl = cluster(aws, c)?;
            Err(not_found(format!("No node group found for name: {n}."))
                .with("clusterName", &cl.name)
                .with("nodegroupName", n))
        }
        _ => Err(AwsError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("the simulator does not serve {method} {path}"),
        )),
    }
}

fn not_found(message: String) -> AwsError {
    AwsError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
}

fn cluster<'a>(aws: &'a AwsState, name: &str) -> Result<&'a Cluster, AwsError> {
    aws.clusters.get(name).ok_or_else(|| {
        not_found(format!("No cluster found for name: {name}.")).with("clusterName", name)
    })
}

fn addon_not_found(c: &str, a: &str) -> AwsError {
    not_found(format!("No addon: {a} found in cluster: {c}"))
        .with("clusterName", c)
        .with("addonName", a)
}

fn addon<'a>(aws: &'a AwsState, c: &str, a: &str) -> Result<&'a Addon, AwsError> {
    cluster(aws, c)?
        .addons
        .get(a)
        .ok_or_else(|| addon_not_found(c, a))
}

fn names_page<V>(
    map: &std::collections::BTreeMap<String, V>,
    q: &HashMap<String, String>,
    member: &str,
) -> AwsResult {
    let limit = page_size(SVC, q, "maxResults", 100, 100)?;
    let after = resume_key(SVC, q, "nextToken")?;
    let p = page(map, after.as_deref(), limit, |_| true);
    let names: Vec<&str> = p.items.iter().map(|(k, _)| *k).collect();
    let mut body = json!({ member: names });
    if let Some(n) = p.next {
        body["nextToken"] = json!(n);
    }
    ok(&body)
}

fn list_clusters(aws: &AwsState, q: &HashMap<String, String>) -> AwsResult {
    names_page(&aws.clusters, q, "clusters")
}

fn list_addons(cl: &Cluster, q: &HashMap<String, String>) -> AwsResult {
    names_page(&cl.addons, q, "addons")
}

fn list_fargate_profiles(cl: &Cluster, q: &HashMap<String, String>) -> AwsResult {
    names_page(&cl.fargate_profiles, q, "fargateProfileNames")
}

fn delete_addon(
    aws: &mut AwsState,
    c: &str,
    a: &str,
    q: &HashMap<String, String>,
    now: Timestamp,
) -> AwsResult {
    let preserve = match q.get("preserve").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(AwsError::bad_request(
                SVC,
                format!("preserve must be true or false, not {other}"),
            ));
        }
    };
    let ad = aws
        .clusters
        .get_mut(c)
        .ok_or_else(|| not_found(format!("No cluster found for name: {c}.")))?
        .addons
        .get_mut(a)
        .ok_or_else(|| addon_not_found(c, a))?;
    if ad.deleting.is_some() || ad.status == "DELETING" {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestException",
            format!("Addon {a} cannot be deleted while it is in DELETING state"),
        )
        .with("clusterName", c)
        .with("addonName", a));
    }
    ad.status = "DELETING".into();
    ad.modified_at = now;
    ad.deleting = Some(PendingDelete {
        requested: now,
        preserve,
    });
    let ad = ad.clone();
    ok(&json!({"addon": addon_json(aws, c, &ad)}))
}

pub fn cluster_json(cl: &Cluster) -> Value {
    json!({
        "name": cl.name,
        "arn": cl.arn,
        "createdAt": epoch(cl.created_at),
        "version": cl.version,
        "endpoint": cl.endpoint,
        "roleArn": cl.role_arn,
        "status": cl.status,
        "platformVersion": cl.platform_version,
        "resourcesVpcConfig": {
            "subnetIds": cl.subnet_ids,
            "securityGroupIds": [],
            "vpcId": cl.vpc_id,
            "endpointPublicAccess": true,
            "endpointPrivateAccess": true,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "health": {"issues": []},
        "tags": {},
    })
}

pub fn addon_json(aws: &AwsState, cluster: &str, ad: &Addon) -> Value {
    let issues: Vec<Value> = ad
        .health_issues
        .iter()
        .map(|i| json!({"code": i.code, "message": i.message, "resourceIds": i.resource_ids}))
        .collect();
    let mut v = json!({
        "addonName": ad.name,
        "clusterName": cluster,
        "status": ad.status,
        "addonVersion": ad.version,
        "health": {"issues": issues},
        "addonArn": aws.addon_arn(cluster, &ad.name),
        "createdAt": epoch(ad.created_at),
        "modifiedAt": epoch(ad.modified_at),
        "owner": ad.owner,
        "publisher": ad.publisher,
        "tags": {},
        "podIdentityAssociations": [],
    });
    if let Some(r) = &ad.service_account_role_arn {
        v["serviceAccountRoleArn"] = json!(r);
    }
    if let Some(c) = &ad.configuration_values {
        v["configurationValues"] = json!(c);
    }
    v
}

fn fargate_profile_json(cl: &Cluster, fp: &FargateProfile) -> Value {
    let selectors: Vec<Value> = fp
        .selectors
        .iter()
        .map(|s| json!({"namespace": s.namespace, "labels": s.labels}))
        .collect();
    json!({
        "fargateProfileName": fp.name,
        "fargateProfileArn": fp.arn,
        "clusterName": cl.name,
        "createdAt": epoch(fp.created_at),
        "podExecutionRoleArn": fp.pod_execution_role_arn,
        "subnets": fp.subnets,
        "selectors": selectors,
        "status": fp.status,
        "tags": {},
        "health": {"issues": []},
    })
}
