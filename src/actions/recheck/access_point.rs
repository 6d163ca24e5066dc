//! Before DeleteAccessPoint: the access point still exists, is available and was made by
//! the EFS CSI driver, and no PV or PVC refers to it — all from fresh reads.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::kube_read::{Pv, Pvc, find_in_list, get};
use crate::actions::DeleteAccessPoint;
use crate::actions::errors;
use crate::actions::reads::{PVCS, PVS, access_point_path, claim_uid_in, list_path, pv_named_by};
use crate::model::input::AccessPointRec;
use crate::model::volume_handle;
use crate::sources::aws::convert as aws_convert;

/// `Err` says what changed (or why it could not be told).
pub async fn verify(
    efs: &aws_sdk_efs::Client,
    kube: &kube::Client,
    d: &DeleteAccessPoint,
) -> Result<(), String> {
    let ap = describe(efs, &d.access_point_id).await?;
    as_planned(&ap, d)?;
    let id = &d.access_point_id;
    let token = d.client_token.as_deref();
    if let Some(name) = token.and_then(pv_named_by)
        && let Some(pv) = get::<Pv>(kube, &format!("{PVS}/{name}")).await?
    {
        return Err(format!(
            "PV {name} exists now, and its name is {id}'s ClientToken: it was provisioned \
             with this access point{}",
            handle_note(&pv)
        ));
    }
    let user = find_in_list::<Pv, _>(kube, &list_path(PVS), |pv| {
        let handle = &pv.spec.csi.as_ref()?.volume_handle;
        let parsed = volume_handle::parse(handle)?;
        (parsed.access_point_id.as_deref() == Some(id.as_str())).then(|| {
            format!(
                "PV {} uses {id} now (volumeHandle {handle})",
                pv.metadata.name
            )
        })
    })
    .await?;
    if let Some(why) = user {
        return Err(why);
    }
    let Some(token) = token else {
        return Ok(());
    };
    let claim = find_in_list::<Pvc, _>(kube, &list_path(PVCS), |c| claim_of(c, token)).await?;
    match claim {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

async fn describe(efs: &aws_sdk_efs::Client, id: &str) -> Result<AccessPointRec, String> {
    let out = match efs
        .describe_access_points()
        .access_point_id(id)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if e.code() == Some("AccessPointNotFound") => {
            return Err(format!(
                "access point {id} no longer exists (EFS DescribeAccessPoints: \
                 AccessPointNotFound): someone deleted it since the dialog opened"
            ));
        }
        Err(e) => {
            return Err(format!(
                "{id} could not be checked again: {}",
                errors::aws("EFS", "DescribeAccessPoints", &e)
            ));
        }
    };
    out.access_points()
        .iter()
        .find(|a| a.access_point_id() == Some(id))
        .map(aws_convert::access_point)
        .ok_or_else(|| {
            format!(
                "access point {id} no longer exists (GET {} did not list it)",
                access_point_path(id)
            )
        })
}

fn as_planned(ap: &AccessPointRec, d: &DeleteAccessPoint) -> Result<(), String> {
    let id = &ap.id;
    if ap.life_cycle_state != "available" {
        return Err(format!(
            "access point {id} is {} now, not available",
            ap.life_cycle_state
        ));
    }
    if ap.file_system_id != d.file_system_id
        || ap.client_token.as_deref() != d.client_token.as_deref()
    {
        return Err(format!(
            "access point {id} is not the one the dialog showed: it belongs to {} with \
             ClientToken {}, the dialog said {} with {}",
            ap.file_system_id,
            ap.client_token.as_deref().unwrap_or("-"),
            d.file_system_id,
            d.client_token.as_deref().unwrap_or("-")
        ));
    }
    if !ap.made_by_csi_driver() {
        return Err(format!(
            "access point {id} no longer looks made by the EFS CSI driver (its \
             efs.csi.aws.com/ tags are gone), so another consumer may use it"
        ));
    }
    Ok(())
}

fn handle_note(pv: &Pv) -> String {
    pv.spec
        .csi
        .as_ref()
        .map(|c| format!(" (volumeHandle {})", c.volume_handle))
        .unwrap_or_default()
}

/// A claim whose uid is the token's `pvc-<uid>` is being (or was) provisioned into this
/// access point; one bound to the token's PV name uses it.
fn claim_of(c: &Pvc, token: &str) -> Option<String> {
    let name = match &c.metadata.namespace {
        Some(ns) => format!("{ns}/{}", c.metadata.name),
        None => c.metadata.name.clone(),
    };
    let phase = c.status.phase.as_deref().unwrap_or("no phase");
    if let Some(uid) = claim_uid_in(token)
        && c.metadata.uid.as_deref() == Some(uid)
    {
        return Some(format!(
            "PVC {name} ({phase}) has uid {uid}, which the access point's ClientToken {token} \
             names: provisioning is in flight, so the access point is about to be used"
        ));
    }
    (c.spec.volume_name.as_deref() == Some(token))
        .then(|| format!("PVC {name} ({phase}) is bound to PV {token}, which uses it"))
}
