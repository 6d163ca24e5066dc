//! The re-check right before an action sends: fresh reads from the APIs, never the World,
//! verify what the plan assumed. `Err` is the refusal, saying what changed; then nothing
//! mutating is sent.

mod access_point;
mod ebs_volume;
mod kube_read;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use super::{DeleteAddon, KubePatch, errors};

pub use access_point::verify as access_point;
pub use ebs_volume::{delete_volume, delete_volume_reads, detach, detach_reads};

pub async fn addon(eks: &aws_sdk_eks::Client, d: &DeleteAddon) -> Result<(), String> {
    let out = eks
        .describe_addon()
        .cluster_name(&d.cluster)
        .addon_name(&d.addon)
        .send()
        .await;
    let gone = |detail: &str| {
        format!(
            "add-on {} no longer exists on cluster {} ({detail}): someone deleted it since \
             the dialog opened",
            d.addon, d.cluster
        )
    };
    match out {
        Ok(out) => match out.addon().and_then(|a| a.status()) {
            Some(s) if s.as_str() == "DELETING" => Err(format!(
                "add-on {} is DELETING now: someone else started deleting it since the dialog \
                 opened",
                d.addon
            )),
            _ if out.addon().is_none() => Err(gone("DescribeAddon returned no add-on")),
            _ => Ok(()),
        },
        Err(e) if e.code() == Some("ResourceNotFoundException") => Err(gone(&format!(
            "EKS DescribeAddon: ResourceNotFoundException: {}",
            e.message().unwrap_or_default()
        ))),
        Err(e) => Err(format!(
            "add-on {} could not be checked again: {}",
            d.addon,
            errors::aws("EKS", "DescribeAddon", &e)
        )),
    }
}

/// A fresh GET of every object, all before the first is patched, so that a change to any
/// refuses the whole action with nothing applied. Returns each object's resourceVersion,
/// which its PATCH then carries as a precondition.
pub async fn objects(kube: &kube::Client, patches: &[KubePatch]) -> Result<Vec<String>, String> {
    let mut rvs = Vec::with_capacity(patches.len());
    for p in patches {
        let what = p.object.display();
        let path = p
            .object
            .path()
            .ok_or_else(|| format!("{what}: stordeck has no API path for this kind"))?;
        let live: Value = kube_read::get(kube, &path)
            .await
            .map_err(|e| format!("{what} could not be checked again: {e}"))?
            .ok_or_else(|| format!("{what} no longer exists"))?;
        for e in &p.expect {
            e.check(&live).map_err(|why| format!("{what}: {why}"))?;
        }
        let rv = live["metadata"]["resourceVersion"]
            .as_str()
            .filter(|rv| !rv.is_empty())
            .ok_or_else(|| {
                format!(
                    "{what} came back without a resourceVersion to make the patch conditional on"
                )
            })?;
        rvs.push(rv.to_string());
    }
    Ok(rvs)
}
