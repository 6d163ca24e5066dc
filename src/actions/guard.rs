//! Read-only clients, as defence in depth behind "no executor is built": in read-only mode
//! the kube client's service stack and the AWS SDK clients refuse any request that is not a
//! GET before it leaves the process — but for the reads their protocol makes POSTs:
//! STS GetCallerIdentity (awsQuery is POST-only in the SDK) and creating a
//! SelfSubjectReview (a create that stores nothing and only says who the caller is), both
//! asking who the credentials belong to, for the audit log; EC2's Describe* reads; and
//! EKS ListInsights, whose filter travels in a POST body. Anything else is refused. The
//! exemption is by exact operation and exact path, not by service or API group, so it
//! cannot be stretched to STS AssumeRole, EKS StartInsightsRefresh or a
//! SelfSubjectAccessReview, let alone a write.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError as AwsBoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use tower::{BoxError, Layer, Service};

#[derive(Debug, thiserror::Error)]
#[error("read-only: refused {method} {target}")]
pub struct Refused {
    pub method: String,
    pub target: String,
}

/// Tower layer for the kube client: every non-GET request fails without being sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOnlyLayer;

impl<S> Layer<S> for ReadOnlyLayer {
    type Service = ReadOnlyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadOnlyService { inner }
    }
}

#[derive(Clone, Debug)]
pub struct ReadOnlyService<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for ReadOnlyService<S>
where
    S: Service<http::Request<B>>,
    S::Response: Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<Result<S::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.method() != http::Method::GET && !is_self_subject_review(req.method(), req.uri()) {
            let refused = Refused {
                method: req.method().to_string(),
                target: req.uri().to_string(),
            };
            return Box::pin(std::future::ready(Err(refused.into())));
        }
        let fut = self.inner.call(req);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

/// The layer sits outside kube's base-URI layer, so it sees the path as the client built
/// it: exactly the collection, with no query (kube-rs sends an empty one) — a subresource,
/// a proxy path or a dry-run flag is not this question.
fn is_self_subject_review(method: &http::Method, uri: &http::Uri) -> bool {
    *method == http::Method::POST
        && uri.path() == SELF_SUBJECT_REVIEWS
        && uri.query().is_none_or(str::is_empty)
}

const SELF_SUBJECT_REVIEWS: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

/// GetCallerIdentity's whole body: it takes no parameters, so any other body is some
/// other operation, whatever the metadata says.
const GET_CALLER_IDENTITY_BODY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

/// The EC2 reads stordeck makes. EC2's query protocol sends every call as a POST with its
/// operation in the form body, reads and writes alike.
const EC2_READS: &[&str] = &["DescribeVolumes", "DescribeInstances", "DescribeSnapshots"];

/// ListInsights' path is `/clusters/{name}/insights`, nothing under it and no query: the
/// refresh is `/clusters/{name}/insights-refresh`.
fn is_list_insights(uri: &str) -> bool {
    let Ok(uri) = uri.parse::<http::Uri>() else {
        return false;
    };
    let segs: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    uri.query().is_none_or(str::is_empty)
        && matches!(segs.as_slice(), ["clusters", name, "insights"] if !name.is_empty())
}

/// Whether a form body names exactly one `Action`, and that is `op`.
fn body_action_is(body: Option<&[u8]>, op: &str) -> bool {
    let Some(body) = body else { return false };
    let mut actions = url::form_urlencoded::parse(body).filter(|(k, _)| k == "Action");
    matches!((actions.next(), actions.next()), (Some((_, a)), None) if a == op)
}

/// AWS SDK interceptor: every non-GET request fails just before it would be sent. EFS and
/// EKS are REST APIs whose Describe/List calls are all GETs; STS GetCallerIdentity and
/// EC2's Describe* reads are let through when both the SDK's operation metadata and the
/// body say they are those.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOnlyInterceptor;

impl Intercept for ReadOnlyInterceptor {
    fn name(&self) -> &'static str {
        "stordeck-read-only"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), AwsBoxError> {
        let req = context.request();
        if req.method() == "GET" {
            return Ok(());
        }
        let operation = cfg.load::<Metadata>();
        if req.method() == "POST"
            && operation.is_some_and(|m| m.service() == "STS" && m.name() == "GetCallerIdentity")
            && req.body().bytes() == Some(GET_CALLER_IDENTITY_BODY)
        {
            return Ok(());
        }
        if req.method() == "POST"
            && operation.is_some_and(|m| m.service() == "EKS" && m.name() == "ListInsights")
            && is_list_insights(req.uri())
        {
            return Ok(());
        }
        if req.method() == "POST"
            && let Some(m) = operation.filter(|m| m.service() == "EC2")
            && EC2_READS.contains(&m.name())
            && body_action_is(req.body().bytes(), m.name())
        {
            return Ok(());
        }
        Err(Box::new(Refused {
            method: req.method().to_string(),
            target: req.uri().to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ec2_body_must_name_the_read_once() {
        let ok = |b: &[u8]| body_action_is(Some(b), "DescribeVolumes");
        assert!(ok(
            b"Action=DescribeVolumes&Version=2016-11-15&MaxResults=500"
        ));
        assert!(!ok(b"Action=DetachVolume&Version=2016-11-15"));
        assert!(!ok(b"Action=DescribeVolumes&Action=DeleteVolume"));
        assert!(!ok(b"Version=2016-11-15"));
        assert!(!body_action_is(None, "DescribeVolumes"));
    }

    #[test]
    fn only_the_list_insights_path_passes_as_list_insights() {
        assert!(is_list_insights(
            "https://eks.us-east-1.amazonaws.com/clusters/prod/insights"
        ));
        assert!(is_list_insights(
            "http://127.0.0.1:9/clusters/prod/insights"
        ));
        for refused in [
            "https://eks.x.amazonaws.com/clusters/prod/insights-refresh",
            "https://eks.x.amazonaws.com/clusters/prod/insights/abc",
            "https://eks.x.amazonaws.com/clusters/prod/addons",
            "https://eks.x.amazonaws.com/clusters//insights",
            "https://eks.x.amazonaws.com/clusters/prod/insights?x=1",
        ] {
            assert!(!is_list_insights(refused), "{refused}");
        }
    }

    #[test]
    fn read_only_kube_lets_through_only_the_self_subject_review() {
        let ok = |m: http::Method, u: &str| is_self_subject_review(&m, &u.parse().expect("uri"));
        assert!(ok(http::Method::POST, SELF_SUBJECT_REVIEWS));
        assert!(ok(http::Method::POST, &format!("{SELF_SUBJECT_REVIEWS}?")));
        for refused in [
            format!("{SELF_SUBJECT_REVIEWS}?dryRun=All"),
            format!("{SELF_SUBJECT_REVIEWS}/x"),
            format!("{SELF_SUBJECT_REVIEWS}/"),
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(),
            "/apis/authentication.k8s.io/v1/tokenreviews".into(),
            format!("/api/v1/namespaces/x/services/y/proxy{SELF_SUBJECT_REVIEWS}"),
            format!("/k8s/clusters/c{SELF_SUBJECT_REVIEWS}"),
        ] {
            assert!(!ok(http::Method::POST, &refused), "{refused}");
        }
        for m in [http::Method::PUT, http::Method::PATCH, http::Method::DELETE] {
            assert!(!ok(m, SELF_SUBJECT_REVIEWS));
        }
    }
}
