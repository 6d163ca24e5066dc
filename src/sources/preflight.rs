//! Checks made before any client is built, so a wrong context or region gets a message
//! that says what to type instead of an SDK-internal one retried forever.

use kube::config::Kubeconfig;

/// The context asked for exists; otherwise the error lists those that do.
pub fn check_context(cfg: &Kubeconfig, wanted: Option<&str>) -> anyhow::Result<()> {
    let names: Vec<&str> = cfg.contexts.iter().map(|c| c.name.as_str()).collect();
    match wanted {
        Some(w) if !names.contains(&w) => {
            let have = if names.is_empty() {
                "the kubeconfig has no contexts (aws eks update-kubeconfig --name CLUSTER adds one)"
                    .to_string()
            } else {
                format!("contexts in the kubeconfig: {}", names.join(", "))
            };
            anyhow::bail!("no kubeconfig context named {w:?}; {have}")
        }
        None if cfg.current_context.is_none() && names.len() > 1 => anyhow::bail!(
            "the kubeconfig sets no current context; pick one with --context: {}",
            names.join(", ")
        ),
        _ => Ok(()),
    }
}

/// Whether `r` is shaped like an AWS region name (`eu-west-1`, `us-gov-west-1`,
/// `eu-isoe-west-1`): lowercase words and a number, joined by dashes. Whether the region
/// exists is for AWS (or the endpoint override) to say.
pub fn region_shaped(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let Some((last, rest)) = parts.split_last() else {
        return false;
    };
    rest.first().is_some_and(|p| p.len() >= 2)
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// A region that is given must look like one; none at all is an error too, since every
/// AWS call would fail.
pub fn check_region(r: Option<&str>) -> anyhow::Result<&str> {
    const WHERE: &str =
        "give --region (e.g. eu-west-1), set region in config.toml, or set AWS_REGION";
    match r {
        Some(r) if region_shaped(r) => Ok(r),
        Some(r) => anyhow::bail!("{r:?} is not an AWS region name; {WHERE}"),
        None => anyhow::bail!(
            "no AWS region: the kubeconfig context does not name one and the AWS config has none; {WHERE}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked_by_shape() {
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "eu-isoe-west-1",
            "ap-southeast-5",
            "nosuch-1",
        ] {
            assert!(region_shaped(ok), "{ok}");
        }
        for bad in [
            "",
            "us east 1!",
            "US-EAST-1",
            "us-east",
            "useast1",
            "-1",
            "us--1",
            "us-east-123",
        ] {
            assert!(!region_shaped(bad), "{bad:?}");
        }
        let e = check_region(Some("us east 1!")).unwrap_err().to_string();
        assert!(
            e.contains("\"us east 1!\" is not an AWS region name") && e.contains("--region"),
            "{e}"
        );
        assert!(check_region(None).is_err());
    }

    #[test]
    fn a_missing_context_lists_the_ones_there_are() {
        let cfg = Kubeconfig::from_yaml(
            "contexts:\n- name: prod\n  context: {cluster: c, user: u}\n- name: staging\n  context: {cluster: c, user: u}\n",
        )
        .expect("kubeconfig");
        let e = check_context(&cfg, Some("nosuch")).unwrap_err().to_string();
        assert_eq!(
            e,
            "no kubeconfig context named \"nosuch\"; contexts in the kubeconfig: prod, staging"
        );
        assert!(check_context(&cfg, Some("prod")).is_ok());
        let e = check_context(&cfg, None).unwrap_err().to_string();
        assert!(e.contains("pick one with --context: prod, staging"), "{e}");
    }
}
