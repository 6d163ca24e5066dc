//! AWS objects as YAML for the detail view: the record stordeck last received.

use super::World;

pub fn aws_yaml(world: &World, kind: &str, id: &str) -> Result<String, String> {
    let value = match kind {
        "EKS add-on" => world.addons.get(&id.to_string()).map(serde_json::to_value),
        "EFS file system" => world
            .file_systems
            .get(&id.to_string())
            .map(serde_json::to_value),
        "EFS access point" => world.access_points.get(id).map(serde_json::to_value),
        "EFS mount target" => world
            .mount_targets
            .get(&id.to_string())
            .map(serde_json::to_value),
        "EBS volume" => world.ebs_volumes.get(id).map(serde_json::to_value),
        _ => None,
    };
    match value {
        Some(Ok(v)) => serde_saphyr::to_string(&v).map_err(|e| e.to_string()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err(format!("{kind} {id} is not (or no longer) known")),
    }
}
