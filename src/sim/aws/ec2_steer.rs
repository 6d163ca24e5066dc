//! `POST /_sim/aws/ec2/…`: put EBS attachments and instances into the states story 4 is
//! about, which the real API cannot reach on demand — a detach that hangs, an attachment
//! left `attached` to a terminated instance, an instance stopped under its volumes.
//!
//! - `attachment?volume_id=&instance_id=&state=[&device=]`: sets (or creates) the
//!   attachment's state; `detached` removes it, as AWS lists detached volumes.
//! - `attachment/stuck?volume_id=&instance_id=[&stuck=false]`: its detach hangs in
//!   `detaching` until DetachVolume is sent with `Force=true` (or `stuck=false`).
//! - `instances/{id}/state?state=`: `terminated` also detaches the instance's volumes.
//! - `volumes/{id}/state?state=`: forces a volume's state.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::ec2_state::{ATTACHMENT_STATES, INSTANCE_STATES, Instance, VOLUME_STATES, Volume};
use super::errors::respond;
use super::steer::{Steered, one_of, required};
use crate::sim::SimState;

pub fn run(st: &mut SimState, rest: &str, q: &HashMap<String, String>) -> Response {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let result = match segs.as_slice() {
        ["attachment"] => set_attachment(st, q),
        ["attachment", "stuck"] => set_stuck(st, q),
        ["instances", id, "state"] => set_instance_state(st, id, q),
        ["volumes", id, "state"] => set_volume_state(st, id, q),
        _ => Err((
            StatusCode::NOT_FOUND,
            format!(
                "unknown control path /_sim/aws/ec2/{rest}; known: attachment?volume_id=\
                 &instance_id=&state=, attachment/stuck?volume_id=&instance_id=, \
                 instances/{{id}}/state?state=, volumes/{{id}}/state?state="
            ),
        )),
    };
    match result {
        Ok(v) => respond(StatusCode::OK, &v),
        Err((code, message)) => respond(code, &json!({"message": message})),
    }
}

fn volume_json(v: &Volume) -> Value {
    let attachments: Vec<Value> = v
        .attachments
        .iter()
        .map(|a| {
            json!({"instance_id": a.instance_id, "device": a.device, "state": a.state,
                   "stuck": a.stuck, "attach_time": a.attach_time.to_string()})
        })
        .collect();
    json!({"volume_id": v.id, "state": v.state, "attachments": attachments})
}

fn instance_json(i: &Instance) -> Value {
    json!({"instance_id": i.id, "state": i.state, "availability_zone": i.availability_zone,
           "private_dns_name": i.private_dns_name})
}

fn not_found(what: &str, id: &str) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no {what} {id}"))
}

fn set_attachment(st: &mut SimState, q: &HashMap<String, String>) -> Steered {
    let now = st.now();
    let (vol_id, inst_id) = (required(q, "volume_id")?, required(q, "instance_id")?);
    let state = required(q, "state")?;
    one_of(state, ATTACHMENT_STATES)?;
    let ec2 = &mut st.aws.ec2;
    if !ec2.instances.contains_key(inst_id) {
        return Err(not_found("instance", inst_id));
    }
    if ec2
        .volumes
        .get(vol_id)
        .is_some_and(|v| v.attachment_to(inst_id).is_none())
    {
        let device = q.get("device").map_or("/dev/xvdba", String::as_str);
        ec2.attach(vol_id, inst_id, device, now);
    }
    let vol = ec2
        .volumes
        .get_mut(vol_id)
        .ok_or_else(|| not_found("volume", vol_id))?;
    if state == "detached" {
        vol.attachments.retain(|a| a.instance_id != inst_id);
    } else if let Some(a) = vol
        .attachments
        .iter_mut()
        .find(|a| a.instance_id == inst_id)
    {
        a.state = state.into();
        a.since = now;
    }
    let in_use = !vol.attachments.is_empty();
    if matches!(vol.state.as_str(), "available" | "in-use") {
        vol.state = if in_use { "in-use" } else { "available" }.into();
    }
    Ok(volume_json(vol))
}

fn set_stuck(st: &mut SimState, q: &HashMap<String, String>) -> Steered {
    let (vol_id, inst_id) = (required(q, "volume_id")?, required(q, "instance_id")?);
    let stuck = q.get("stuck").is_none_or(|v| v != "false");
    let vol = st
        .aws
        .ec2
        .volumes
        .get_mut(vol_id)
        .ok_or_else(|| not_found("volume", vol_id))?;
    let a = vol
        .attachments
        .iter_mut()
        .find(|a| a.instance_id == inst_id)
        .ok_or_else(|| not_found("attachment to", inst_id))?;
    a.stuck = stuck;
    Ok(volume_json(vol))
}

fn set_instance_state(st: &mut SimState, id: &str, q: &HashMap<String, String>) -> Steered {
    let now = st.now();
    let state = required(q, "state")?;
    one_of(state, INSTANCE_STATES)?;
    let ec2 = &mut st.aws.ec2;
    let inst = ec2
        .instances
        .get_mut(id)
        .ok_or_else(|| not_found("instance", id))?;
    inst.state = state.into();
    let out = instance_json(inst);
    if state == "terminated" {
        let attached: Vec<String> = ec2
            .volumes
            .values()
            .filter(|v| v.attachment_to(id).is_some())
            .map(|v| v.id.clone())
            .collect();
        for vol in attached {
            ec2.begin_detach(&vol, id, true, now);
        }
    }
    Ok(out)
}

fn set_volume_state(st: &mut SimState, id: &str, q: &HashMap<String, String>) -> Steered {
    let now = st.now();
    let state = required(q, "state")?;
    one_of(state, VOLUME_STATES)?;
    let vol = st
        .aws
        .ec2
        .volumes
        .get_mut(id)
        .ok_or_else(|| not_found("volume", id))?;
    vol.state = state.into();
    vol.state_since = now;
    Ok(volume_json(vol))
}
