//! STS, for the one question stordeck asks it: GetCallerIdentity, so the audit log can say
//! which AWS principal acted. STS speaks awsQuery — a form-encoded POST to `/` answered in
//! XML — unlike the restJson1 EFS and EKS endpoints beside it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::sim::{Shared, lock};

const VERSION: &str = "2011-06-15";
const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const REQUEST_ID: &str = "5d1c0000-bbbb-4000-8000-000000000000";
/// The role and session the scenarios' operator is taken to have assumed.
pub const ROLE: &str = "stordeck-operator";
pub const SESSION: &str = "stordeck-demo";

/// Who GetCallerIdentity says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub arn: String,
    pub user_id: String,
}

impl Caller {
    /// The operator role, assumed in the simulated account: what an SSO or CI session
    /// looks like to STS.
    pub fn operator(account_id: &str) -> Caller {
        Caller {
            arn: format!("arn:aws:sts::{account_id}:assumed-role/{ROLE}/{SESSION}"),
            user_id: format!("AROASTORDECKSIM0000001:{SESSION}"),
        }
    }
}

/// STS requests share the one port with the Kubernetes API, which has nothing at `POST /`:
/// a form-encoded POST there, or one signed for the `sts` service, is STS's.
pub fn owns(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    if *method != Method::POST || path != "/" {
        return false;
    }
    let header_has = |name: header::HeaderName, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(needle))
    };
    header_has(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        || header_has(header::AUTHORIZATION, "/sts/aws4_request")
}

pub fn handle(shared: &Shared, body: &Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let st = lock(shared);
    // Only the `forbidden` fault applies: the throttle and failure counters stand for the
    // pollers' EFS and EKS calls, which tests count one by one.
    if st.faults.forbidden.contains("sts") {
        return error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "User is not authorized to perform: sts:GetCallerIdentity (denied by the simulator)",
        );
    }
    let Some(action) = form.get("Action") else {
        return error(
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "Missing Action parameter",
        );
    };
    if action != "GetCallerIdentity" || form.get("Version").map(String::as_str) != Some(VERSION) {
        let version = form.get("Version").map_or("", String::as_str);
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            &format!("Could not find operation {action} for version {version}"),
        );
    }
    let caller = st.aws.caller();
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult>\
         <Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>",
        escape(&caller.arn),
        escape(&caller.user_id),
        escape(&st.aws.account_id),
    );
    xml(StatusCode::OK, body)
}

/// awsQuery's error envelope, which the SDK reads the code and message from.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let kind = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{code}</Code>\
             <Message>{}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>",
            escape(message)
        ),
    )
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/xml"),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                REQUEST_ID,
            ),
        ],
        body,
    )
        .into_response()
}

/// The caller can be set by a test, so it may hold anything.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_posts_to_the_root_that_look_like_sts_are_sts() {
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert!(owns(&Method::POST, "/", &form));
        assert!(!owns(&Method::GET, "/", &form));
        assert!(!owns(&Method::POST, "/api", &form));
        let mut signed = HeaderMap::new();
        signed.insert(
            header::AUTHORIZATION,
            "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/sts/aws4_request"
                .parse()
                .unwrap(),
        );
        assert!(owns(&Method::POST, "/", &signed));
        assert!(!owns(&Method::POST, "/", &HeaderMap::new()));
    }

    #[test]
    fn escapes_what_xml_would_misread() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
