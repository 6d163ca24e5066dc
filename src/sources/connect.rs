//! Building the real clients: for live mode from the kubeconfig and the AWS default
//! credential chain, for the demo and tests from a simulator URL. Read-only bundles refuse
//! every non-GET request inside the clients themselves, but for the two identity questions
//! (see `actions::guard`).

use aws_config::{BehaviorVersion, Region};
use aws_sdk_efs::Client as Efs;
use aws_sdk_eks::Client as Eks;
use aws_sdk_sts::Client as Sts;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::aws::AwsSources;
use super::preflight;
use crate::actions::guard::{ReadOnlyInterceptor, ReadOnlyLayer};
pub use crate::model::input::Target;

pub struct Connection {
    pub kube: kube::Client,
    pub aws: AwsSources,
    /// Asked only who the credentials belong to, for the audit log (`sources::identity`).
    pub sts: Sts,
    pub target: Target,
    /// The clients refuse anything but GET, and no `actions::Executor` can be built.
    pub read_only: bool,
}

fn kube_client(config: kube::Config, read_only: bool) -> anyhow::Result<kube::Client> {
    let builder = kube::client::ClientBuilder::try_from(config)?;
    Ok(if read_only {
        builder.with_layer(&ReadOnlyLayer).build()
    } else {
        builder.build()
    })
}

/// All three from the one SdkConfig, so STS gets the same credentials, region and
/// endpoint override (the simulator, `AWS_ENDPOINT_URL`) as the clients that act.
struct Clients {
    efs: Efs,
    eks: Eks,
    ec2: aws_sdk_ec2::Client,
    sts: Sts,
}

fn aws_clients(sdk: &aws_config::SdkConfig, read_only: bool) -> Clients {
    let mut efs = aws_sdk_efs::config::Builder::from(sdk);
    let mut ec2 = aws_sdk_ec2::config::Builder::from(sdk);
    let mut eks = aws_sdk_eks::config::Builder::from(sdk);
    let mut sts = aws_sdk_sts::config::Builder::from(sdk);
    if read_only {
        efs = efs.interceptor(ReadOnlyInterceptor);
        eks = eks.interceptor(ReadOnlyInterceptor);
        ec2 = ec2.interceptor(ReadOnlyInterceptor);
        sts = sts.interceptor(ReadOnlyInterceptor);
    }
    Clients {
        efs: Efs::from_conf(efs.build()),
        eks: Eks::from_conf(eks.build()),
        ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
        sts: Sts::from_conf(sts.build()),
    }
}

#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// Connects through the kubeconfig (`KUBECONFIG` or ~/.kube/config) and the AWS default
/// credential chain; `AWS_ENDPOINT_URL` is honoured by the SDK's own config loader.
pub async fn live(opts: &LiveOptions, read_only: bool) -> anyhow::Result<Connection> {
    let kubeconfig =
        Kubeconfig::read().map_err(|e| anyhow::anyhow!("cannot read the kubeconfig: {e}"))?;
    preflight::check_context(&kubeconfig, opts.context.as_deref())?;
    let inferred = infer_eks(&kubeconfig, opts.context.as_deref());
    let profile = opts
        .profile
        .clone()
        .or_else(|| exec_profile(&kubeconfig, opts.context.as_deref()));
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &kopts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot use the kubeconfig context: {e}"))?;
    let kube = kube_client(config, read_only)?;
    let target = Target {
        cluster: opts.cluster.clone().or(inferred.cluster),
        region: opts.region.clone().or(inferred.region),
        account: inferred.account,
        context: inferred.context,
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &target.region {
        preflight::check_region(Some(r))?;
        loader = loader.region(Region::new(r.clone()));
    }
    let sdk = loader.load().await;
    let region = target
        .region
        .clone()
        .or_else(|| sdk.region().map(|r| r.to_string()));
    preflight::check_region(region.as_deref())?;
    let target = Target { region, ..target };
    let Clients { efs, eks, ec2, sts } = aws_clients(&sdk, read_only);
    let aws = AwsSources {
        efs,
        eks,
        ec2,
        cluster: target.cluster.clone(),
        steady: super::aws::STEADY_INTERVAL,
        insights: true,
    };
    Ok(Connection {
        kube,
        aws,
        sts,
        target,
        read_only,
    })
}

/// Connects the real clients to a simulator (the demo, tests, benchmarks).
pub async fn simulator(
    url: &str,
    cluster: &str,
    region: &str,
    account: &str,
    read_only: bool,
) -> anyhow::Result<Connection> {
    let kube = kube_client(kube::Config::new(url.parse()?), read_only)?;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(region.to_string()))
        .credentials_provider(aws_sdk_efs::config::Credentials::new(
            "stordeck-sim",
            "stordeck-sim",
            None,
            None,
            "simulator",
        ))
        .load()
        .await;
    let Clients { efs, eks, ec2, sts } = aws_clients(&sdk, read_only);
    Ok(Connection {
        kube,
        aws: AwsSources {
            efs,
            eks,
            ec2,
            cluster: Some(cluster.to_string()),
            steady: super::aws::STEADY_INTERVAL,
            insights: true,
        },
        sts,
        target: Target {
            cluster: Some(cluster.to_string()),
            region: Some(region.to_string()),
            account: Some(account.to_string()),
            context: Some("stordeck-sim".into()),
        },
        read_only,
    })
}

/// The EKS cluster a kubeconfig context points at: from the cluster's ARN name, as
/// `aws eks update-kubeconfig` writes it, else from the exec plugin's arguments.
pub fn infer_eks(cfg: &Kubeconfig, context: Option<&str>) -> Target {
    let ctx_name = context
        .map(str::to_string)
        .or_else(|| cfg.current_context.clone());
    let ctx = ctx_name
        .as_ref()
        .and_then(|n| cfg.contexts.iter().find(|c| &c.name == n))
        .and_then(|c| c.context.as_ref());
    let mut t = Target {
        context: ctx_name.clone(),
        ..Default::default()
    };
    let Some(ctx) = ctx else { return t };
    if let Some((region, account, name)) = parse_eks_arn(&ctx.cluster) {
        t.region = Some(region);
        t.account = Some(account);
        t.cluster = Some(name);
    }
    let exec = exec_of(cfg, ctx);
    if let Some(args) = exec.and_then(|e| e.args.as_ref()) {
        for pair in args.windows(2) {
            match pair[0].as_str() {
                "--cluster-name" | "-i" | "--cluster-id" if t.cluster.is_none() => {
                    t.cluster = Some(pair[1].clone())
                }
                "--region" if t.region.is_none() => t.region = Some(pair[1].clone()),
                _ => {}
            }
        }
    }
    t
}

/// The exec credential plugin of a context's user, as `aws eks update-kubeconfig` writes.
fn exec_of<'a>(
    cfg: &'a Kubeconfig,
    ctx: &kube::config::Context,
) -> Option<&'a kube::config::ExecConfig> {
    ctx.user
        .as_ref()
        .and_then(|u| cfg.auth_infos.iter().find(|a| &a.name == u))
        .and_then(|a| a.auth_info.as_ref())
        .and_then(|a| a.exec.as_ref())
}

/// The AWS profile a context's `aws eks get-token` runs with (`update-kubeconfig
/// --profile P` puts `AWS_PROFILE=P` in the plugin's env): the cluster's own account,
/// where the default profile may be another.
pub fn exec_profile(cfg: &Kubeconfig, context: Option<&str>) -> Option<String> {
    let name = context
        .map(str::to_string)
        .or_else(|| cfg.current_context.clone())?;
    let ctx = cfg
        .contexts
        .iter()
        .find(|c| c.name == name)?
        .context
        .as_ref()?;
    exec_of(cfg, ctx)?
        .env
        .as_ref()?
        .iter()
        .find(|e| e.get("name").map(String::as_str) == Some("AWS_PROFILE"))
        .and_then(|e| e.get("value").cloned())
}

/// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME` → (region, account, name).
fn parse_eks_arn(s: &str) -> Option<(String, String, String)> {
    let rest = s.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("cluster/")?;
    (service == "eks" && !region.is_empty() && !name.is_empty())
        .then(|| (region.into(), account.into(), name.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_cluster_and_region_from_arn_and_exec_args() {
        let cfg: Kubeconfig = serde_saphyr::from_str(
            r#"
apiVersion: v1
kind: Config
current-context: arn-ctx
clusters:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/prod
  cluster: {server: "https://x"}
- name: plain
  cluster: {server: "https://y"}
contexts:
- name: arn-ctx
  context: {cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/prod", user: u1}
- name: exec-ctx
  context: {cluster: plain, user: u2}
users:
- name: u1
  user: {token: t}
- name: u2
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, staging, --region, us-west-2]
      env: [{name: AWS_PROFILE, value: staging-admin}]
"#,
        )
        .expect("kubeconfig parses");
        let t = infer_eks(&cfg, None);
        assert_eq!(
            (
                t.cluster.as_deref(),
                t.region.as_deref(),
                t.account.as_deref()
            ),
            (Some("prod"), Some("eu-west-1"), Some("123456789012"))
        );
        let t = infer_eks(&cfg, Some("exec-ctx"));
        assert_eq!(
            (t.cluster.as_deref(), t.region.as_deref()),
            (Some("staging"), Some("us-west-2"))
        );
        assert_eq!(infer_eks(&cfg, Some("missing")).cluster, None);
        assert_eq!(parse_eks_arn("arn:aws:iam::1:role/x"), None);
        assert_eq!(
            exec_profile(&cfg, Some("exec-ctx")).as_deref(),
            Some("staging-admin")
        );
        assert_eq!(
            exec_profile(&cfg, None),
            None,
            "a token user has no profile"
        );
    }
}
