//! A kubeconfig that points any Kubernetes client at the simulator. The cluster entry is
//! named with the EKS cluster ARN, as `aws eks update-kubeconfig` names it, so that
//! stordeck's live mode infers the cluster name and region from it exactly as on EKS.

use serde_json::json;

pub fn render(server_url: &str, cluster: &str, region: &str, account: &str) -> String {
    let arn = format!("arn:aws:eks:{region}:{account}:cluster/{cluster}");
    let cfg = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": arn, "cluster": {"server": server_url}}],
        "users": [{"name": arn, "user": {"token": "stordeck-sim"}}],
        "contexts": [{"name": arn, "context": {"cluster": arn, "user": arn}}],
        "current-context": arn,
        "preferences": {},
    });
    serde_saphyr::to_string(&cfg).unwrap_or_else(|_| cfg.to_string())
}

pub fn write(
    path: &std::path::Path,
    server_url: &str,
    cluster: &str,
    region: &str,
    account: &str,
) -> std::io::Result<()> {
    std::fs::write(path, render(server_url, cluster, region, account))
}
