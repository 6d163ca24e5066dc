//! AWS error and success responses in the shapes the SDKs' restJson1 parsers expect: the
//! error code travels in `x-amzn-ErrorType`, the message in the body (EFS spells it
//! `Message` next to an `ErrorCode`, EKS `message`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Efs,
    Eks,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Efs => "efs",
            Service::Eks => "eks",
        }
    }

    /// The code each service's model gives a 500.
    pub fn internal_error_code(self) -> &'static str {
        match self {
            Service::Efs => "InternalServerError",
            Service::Eks => "ServerException",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Extra body members some errors carry (EKS: `clusterName`, `addonName`).
    pub fields: Vec<(&'static str, String)>,
}

impl AwsError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AwsError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with(mut self, field: &'static str, value: &str) -> Self {
        self.fields.push((field, value.to_string()));
        self
    }

    pub fn bad_request(svc: Service, message: impl Into<String>) -> Self {
        let code = match svc {
            Service::Efs => "BadRequest",
            Service::Eks => "InvalidParameterException",
        };
        AwsError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn into_response(self, svc: Service) -> Response {
        let mut body = Map::new();
        match svc {
            Service::Efs => {
                body.insert("ErrorCode".into(), json!(self.code));
                body.insert("Message".into(), json!(self.message));
            }
            Service::Eks => {
                body.insert("message".into(), json!(self.message));
            }
        }
        for (k, v) in self.fields {
            body.insert(k.into(), json!(v));
        }
        let mut resp = respond(self.status, &Value::Object(body));
        if let Ok(v) = HeaderValue::from_str(self.code) {
            resp.headers_mut().insert("x-amzn-ErrorType", v);
        }
        resp
    }
}

pub type AwsResult = Result<Response, AwsError>;

/// A JSON answer with the request id header real endpoints send.
pub fn respond(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                "5d1c0000-aaaa-4000-8000-000000000000",
            ),
        ],
        bytes,
    )
        .into_response()
}

pub fn ok(body: &Value) -> AwsResult {
    Ok(respond(StatusCode::OK, body))
}

pub fn no_content() -> AwsResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}
