//! Who the credentials belong to, for the audit log: the AWS principal (STS
//! GetCallerIdentity) and the Kubernetes user (a SelfSubjectReview). Both are questions that
//! change nothing. `$USER` says who sat at the keyboard; these say whom the cluster and the
//! account saw act, which can differ (a shared jump host, an assumed role, a kubeconfig
//! borrowed from someone else).

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, PostParams};

/// Long enough for a slow STS or API server, short enough that an unreachable one does not
/// hold the first action back for long.
pub const TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The caller's ARN, or why it is not known.
    pub aws: Result<String, String>,
    pub kube: Result<KubeUser, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeUser {
    pub username: String,
    pub groups: Vec<String>,
}

/// Asks both at once; each gives up after `limit`. Never fails: what could not be learnt
/// is an `Err` with the reason.
pub async fn who(kube: &kube::Client, sts: &aws_sdk_sts::Client, limit: Duration) -> Identity {
    let (aws, kube) = futures::join!(aws_caller(sts, limit), kube_user(kube, limit));
    Identity { aws, kube }
}

async fn aws_caller(sts: &aws_sdk_sts::Client, limit: Duration) -> Result<String, String> {
    let answer = tokio::time::timeout(limit, sts.get_caller_identity().send())
        .await
        .map_err(|_| format!("STS did not answer GetCallerIdentity within {limit:?}"))?;
    let out = answer.map_err(|e| match (e.code(), e.message()) {
        (Some(code), msg) => format!("STS GetCallerIdentity: {code}: {}", msg.unwrap_or("")),
        (None, _) => format!(
            "GetCallerIdentity did not reach STS: {}",
            DisplayErrorContext(&e)
        ),
    })?;
    out.arn()
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .ok_or_else(|| "STS GetCallerIdentity answered without an ARN".into())
}

async fn kube_user(kube: &kube::Client, limit: Duration) -> Result<KubeUser, String> {
    let api: Api<SelfSubjectReview> = Api::all(kube.clone());
    let review = SelfSubjectReview::default();
    let answer = tokio::time::timeout(limit, api.create(&PostParams::default(), &review))
        .await
        .map_err(|_| {
            format!("the API server did not answer a SelfSubjectReview within {limit:?}")
        })?;
    let review = answer.map_err(|e| match e {
        kube::Error::Api(s) => format!(
            "SelfSubjectReview: the API server answered {} {}: {}",
            s.code, s.reason, s.message
        ),
        other => format!(
            "SelfSubjectReview did not reach the API server: {}",
            chain(&other)
        ),
    })?;
    let info = review.status.and_then(|s| s.user_info).unwrap_or_default();
    match info.username.filter(|u| !u.is_empty()) {
        Some(username) => Ok(KubeUser {
            username,
            groups: info.groups.unwrap_or_default(),
        }),
        None => Err("the SelfSubjectReview came back without a username".into()),
    }
}

/// The error and every cause under it: a bare "error trying to connect" says too little.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}

/// An identity being looked up in the background, asked for by every audit line and
/// resolved once. Cheap to clone.
#[derive(Clone)]
pub struct Pending(Shared<BoxFuture<'static, Arc<Identity>>>);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.peek() {
            Some(id) => f.debug_tuple("Pending").field(id).finish(),
            None => f.write_str("Pending(..)"),
        }
    }
}

impl Pending {
    /// Starts both questions now, on the runtime, so that they are usually answered by
    /// the time the first action is confirmed.
    pub fn start(kube: kube::Client, sts: aws_sdk_sts::Client, limit: Duration) -> Pending {
        let fut = async move { Arc::new(who(&kube, &sts, limit).await) }
            .boxed()
            .shared();
        tokio::spawn(fut.clone());
        Pending(fut)
    }

    pub fn known(id: Identity) -> Pending {
        let id = Arc::new(id);
        Pending(async move { id }.boxed().shared())
    }

    /// Waits at most the lookup's own limit.
    pub async fn get(&self) -> Arc<Identity> {
        self.0.clone().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port that takes connections and never answers: the worst case, a firewall that
    /// drops instead of refusing.
    async fn silent_endpoint() -> (String, tokio::task::JoinHandle<()>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", l.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                held.push(s);
            }
        });
        (url, task)
    }

    fn clients(url: &str) -> (kube::Client, aws_sdk_sts::Client) {
        let kube = kube::Client::try_from(kube::Config::new(url.parse().expect("url")))
            .expect("kube client");
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .endpoint_url(url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "x", "x", None, None, "test",
            ))
            .build();
        (kube, aws_sdk_sts::Client::from_conf(conf))
    }

    #[tokio::test]
    async fn identity_lookup_gives_up_on_a_silent_endpoint_with_the_reason() {
        let (url, task) = silent_endpoint().await;
        let (kube, sts) = clients(&url);
        let limit = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let id = Pending::start(kube, sts, limit).get().await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "bounded by the limit"
        );
        let aws = id.aws.clone().expect_err("no ARN from a silent STS");
        assert!(aws.contains("did not answer GetCallerIdentity"), "{aws}");
        let kube = id
            .kube
            .clone()
            .expect_err("no user from a silent API server");
        assert!(kube.contains("SelfSubjectReview"), "{kube}");
        task.abort();
    }

    #[tokio::test]
    async fn identity_lookup_says_why_when_nothing_listens() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let (kube, sts) = clients(&format!("http://127.0.0.1:{port}"));
        let id = who(&kube, &sts, Duration::from_secs(10)).await;
        let aws = id.aws.expect_err("nothing listens");
        assert!(
            aws.starts_with("GetCallerIdentity did not reach STS"),
            "{aws}"
        );
        let kube = id.kube.expect_err("nothing listens");
        assert!(kube.contains("did not reach the API server"), "{kube}");
    }
}
