//! Why an action failed, in words an operator can act on.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

pub fn aws<E, R>(service: &str, operation: &str, err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().unwrap_or_default();
    let message = err.message().unwrap_or_default();
    if THROTTLE_CODES.contains(&code) {
        return format!(
            "{service} throttled {operation} ({code}) even after retries; try again in a minute"
        );
    }
    match code {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            format!("{service} denied {operation}: {message}")
        }
        "" => format!(
            "{operation} did not reach {service}: {}",
            crate::error_text::root_first(err)
        ),
        _ => format!("{service} {operation} failed: {code}: {message}"),
    }
}

pub fn kube(what: &str, err: &kube::Error) -> String {
    match err {
        kube::Error::Api(s) => format!(
            "{what}: the API server answered {} {}: {}",
            s.code, s.reason, s.message
        ),
        other => format!("{what}: {}", crate::error_text::root_first(other)),
    }
}
