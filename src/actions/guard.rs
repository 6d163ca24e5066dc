//! Read-only clients, as defence in depth behind "no executor is built": in read-only mode
//! the kube client's service stack and the AWS SDK clients refuse any request that is not a
//! GET before it leaves the process.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError as AwsBoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
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
        if req.method() != http::Method::GET {
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

/// AWS SDK interceptor: every non-GET request fails just before it would be sent. EFS and
/// EKS are REST APIs whose Describe/List calls are all GETs.
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
        _cfg: &mut ConfigBag,
    ) -> Result<(), AwsBoxError> {
        let req = context.request();
        if req.method() == "GET" {
            return Ok(());
        }
        Err(Box::new(Refused {
            method: req.method().to_string(),
            target: req.uri().to_string(),
        }))
    }
}
