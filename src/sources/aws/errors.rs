//! What an AWS SDK failure means for the operator: a reason, what to do next, and whether
//! it was throttling (which slows the poller down rather than counting as an outage).

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error_text;

#[derive(Clone)]
pub struct Failure {
    pub reason: String,
    pub hint: String,
    pub throttled: bool,
    /// Only the operator can fix it (access, credentials): retried slowly.
    pub denied: bool,
    /// The service said this identity may not make the call (not: no credentials).
    pub forbidden: bool,
}

impl Failure {
    pub fn retry(&self) -> crate::sources::backoff::Retry {
        use crate::sources::backoff::Retry;
        match (self.throttled, self.denied) {
            (true, _) => Retry::Throttled,
            (false, true) => Retry::Denied,
            (false, false) => Retry::Outage,
        }
    }
}

const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

pub fn classify<E, R>(
    service: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    // The SDK's own Display says only "dispatch failure"; the cause is at the bottom.
    let full = error_text::root_first(err);
    let lower = full.to_lowercase();
    if THROTTLE_CODES.contains(&code.as_str()) {
        return Failure {
            reason: format!("{service} is throttling requests ({code})"),
            hint: "backing off; if it persists, sweep less often with `[aws] poll_interval` in config.toml".into(),
            throttled: true,
            denied: false,
            forbidden: false,
        };
    }
    if code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation"
    {
        return Failure {
            reason: format!("{service} denied access: {message}"),
            hint: format!("allow this identity the read-only {service} Describe*/List* actions"),
            throttled: false,
            denied: true,
            forbidden: true,
        };
    }
    if code == "ExpiredTokenException" || code == "ExpiredToken" || lower.contains("expired") {
        return Failure {
            reason: format!("AWS credentials expired ({service})"),
            hint: "refresh them, e.g. `aws sso login`, then press r".into(),
            throttled: false,
            denied: true,
            forbidden: false,
        };
    }
    if lower.contains("no credentials")
        || lower.contains("credentials provider")
        || lower.contains("load credentials")
        || lower.contains("loading credentials")
    {
        return Failure {
            reason: "no AWS credentials found".into(),
            hint: "set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `aws sso login`; Kubernetes panes still work".into(),
            throttled: false,
            denied: true,
            forbidden: false,
        };
    }
    if !code.is_empty() {
        return Failure {
            reason: format!("{service} answered {code}: {message}"),
            hint: "retrying with backoff".into(),
            throttled: false,
            denied: false,
            forbidden: false,
        };
    }
    Failure {
        reason: format!("cannot reach {service}: {full}"),
        hint: "check the region, AWS_ENDPOINT_URL and network; retrying with backoff".into(),
        throttled: false,
        denied: false,
        forbidden: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};

    #[test]
    fn missing_credentials_say_how_to_provide_them() {
        type E = aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsError;
        let cause =
            "an error occurred while loading credentials: failed to load IMDS session token";
        let err: SdkError<E, ()> =
            SdkError::dispatch_failure(ConnectorError::other(cause.into(), None));
        let f = classify("EFS", &err);
        assert_eq!(f.reason, "no AWS credentials found");
        assert!(f.hint.contains("AWS_PROFILE") && f.hint.contains("Kubernetes panes still work"));
        assert!(!f.throttled);
        assert!(f.denied, "only the operator can provide credentials");
    }

    #[test]
    fn an_unreachable_endpoint_reads_root_cause_first_without_rust_syntax() {
        type E = aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsError;
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let err: SdkError<E, ()> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)));
        let f = classify("EFS", &err);
        assert!(
            f.reason
                .starts_with("cannot reach EFS: nothing is listening at that address: "),
            "{}",
            f.reason
        );
        assert!(f.reason.contains("dispatch failure"), "{}", f.reason);
        for debug in ["DispatchFailure(", "ConnectorError", "Some(", "{"] {
            assert!(!f.reason.contains(debug), "Debug output in {:?}", f.reason);
        }
    }

    #[test]
    fn throttling_advice_names_a_setting_that_exists() {
        type E = aws_sdk_efs::operation::describe_file_systems::DescribeFileSystemsError;
        let meta = aws_smithy_types::error::ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build();
        let err: SdkError<E, ()> = SdkError::service_error(E::generic(meta), ());
        let f = classify("EFS", &err);
        assert!(f.throttled);
        assert!(f.hint.contains("[aws] poll_interval"), "{}", f.hint);
        let cfg: crate::config::Config =
            toml::from_str("[aws]\npoll_interval = \"2m\"\n").expect("the setting parses");
        assert_eq!(
            cfg.aws.poll_interval().expect("valid"),
            Some(std::time::Duration::from_secs(120))
        );
    }
}
