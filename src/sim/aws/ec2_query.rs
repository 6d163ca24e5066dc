//! EC2's query protocol on the wire: the form-encoded request (`Action=…&Version=…`, lists
//! as `Name.N`, filters as `Filter.N.Name` / `Filter.N.Value.M`), the XML answer, and the
//! `<Response><Errors>…` envelope the SDK reads error codes from.

use std::collections::HashMap;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::paging;

pub const VERSION: &str = "2016-11-15";
const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const REQUEST_ID: &str = "5d1c0000-cccc-4000-8000-000000000000";

#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Error {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Ec2Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Ec2Error {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Ec2Error::new("InvalidParameterValue", message)
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn into_response(self) -> Response {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code>\
             <Message>{}</Message></Error></Errors><RequestID>{REQUEST_ID}</RequestID></Response>",
            self.code,
            escape(&self.message)
        );
        xml(self.status, body)
    }
}

pub type Ec2Result = Result<Response, Ec2Error>;

/// One `Filter.N`: its name and the values any of which may match (`*` and `?` wildcards).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl Filter {
    pub fn matches(&self, value: &str) -> bool {
        self.values.iter().any(|p| glob(p, value))
    }
}

/// The decoded form body. Repeated keys keep the last value, as a map does.
#[derive(Debug, Default)]
pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn required(&self, key: &str) -> Result<&str, Ec2Error> {
        self.get(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            Ec2Error::new(
                "MissingParameter",
                format!("The request must contain the parameter {key}"),
            )
        })
    }

    /// `prefix.1`, `prefix.2`, … in index order; gaps are allowed, as EC2 allows them.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, &String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((n, v))
            })
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Every `Filter.N`, in order; a filter with no name or no value is the client's error.
    pub fn filters(&self) -> Result<Vec<Filter>, Ec2Error> {
        let mut indexes: Vec<u32> = self
            .0
            .keys()
            .filter_map(|k| {
                let rest = k.strip_prefix("Filter.")?;
                rest.split('.').next()?.parse().ok()
            })
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
            .into_iter()
            .map(|n| {
                let name = self.get(&format!("Filter.{n}.Name")).unwrap_or_default();
                let values = self.list(&format!("Filter.{n}.Value"));
                if name.is_empty() || values.is_empty() {
                    return Err(Ec2Error::invalid(format!(
                        "The filter Filter.{n} needs a Name and at least one Value"
                    )));
                }
                Ok(Filter {
                    name: name.into(),
                    values,
                })
            })
            .collect()
    }

    /// `true`/`false`, absent as `false`; anything else is refused.
    pub fn flag(&self, key: &str) -> Result<bool, Ec2Error> {
        match self.get(key) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(Ec2Error::invalid(format!(
                "Value ({v}) for parameter {key} is invalid. Expected a boolean."
            ))),
        }
    }

    /// `MaxResults` within `min..=max`, `None` when absent.
    pub fn max_results(&self, min: usize, max: usize) -> Result<Option<usize>, Ec2Error> {
        let Some(v) = self.get("MaxResults") else {
            return Ok(None);
        };
        v.parse::<usize>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| {
                Ec2Error::invalid(format!(
                    "Value ( {v} ) for parameter maxResults is invalid. Expecting a value \
                     between {min} and {max}."
                ))
            })
    }

    /// The key to resume after, from `NextToken`.
    pub fn resume_key(&self) -> Result<Option<String>, Ec2Error> {
        match self.get("NextToken").filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => paging::decode_token(t)
                .map(Some)
                .ok_or_else(|| Ec2Error::invalid(format!("Invalid value '{t}' for nextToken"))),
        }
    }
}

/// EC2's filter wildcards: `*` any run, `?` any one character.
pub fn glob(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Builds the XML body of an answer, escaping every text it is given.
#[derive(Debug, Default)]
pub struct Xml(String);

impl Xml {
    pub fn text(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        let v = escape(&value.to_string());
        self.0.push_str(&format!("<{name}>{v}</{name}>"));
        self
    }

    pub fn opt(&mut self, name: &str, value: Option<impl std::fmt::Display>) -> &mut Self {
        if let Some(v) = value {
            self.text(name, v);
        }
        self
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.0.push_str(&format!("<{name}>"));
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.0.push_str(&format!("</{name}>"));
        self
    }

    /// `<tagSet>` with one `<item><key/><value/></item>` a tag.
    pub fn tags(&mut self, tags: &[(String, String)]) -> &mut Self {
        self.open("tagSet");
        for (k, v) in tags {
            self.open("item")
                .text("key", k)
                .text("value", v)
                .close("item");
        }
        self.close("tagSet")
    }

    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

/// `<{action}Response xmlns=…><requestId/>{inner}</{action}Response>`, HTTP 200.
pub fn answer(action: &str, inner: &str) -> Ec2Result {
    Ok(xml(
        StatusCode::OK,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\">\
             <requestId>{REQUEST_ID}</requestId>{inner}</{action}Response>"
        ),
    ))
}

/// EC2 timestamps: ISO 8601 with milliseconds, in UTC.
pub fn time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/xml;charset=UTF-8"),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                REQUEST_ID,
            ),
        ],
        body,
    )
        .into_response()
}

/// Request data and test-set tags may hold anything.
pub fn escape(s: &str) -> String {
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
    fn lists_and_filters_come_back_in_index_order() {
        let f = Form::parse(
            b"VolumeId.2=vol-b&VolumeId.1=vol-a&Filter.1.Name=tag%3ACSIVolumeName\
              &Filter.1.Value.2=y&Filter.1.Value.1=x&Filter.10.Name=status&Filter.10.Value.1=in-use",
        );
        assert_eq!(f.list("VolumeId"), ["vol-a", "vol-b"]);
        let filters = f.filters().unwrap();
        assert_eq!(filters[0].name, "tag:CSIVolumeName");
        assert_eq!(filters[0].values, ["x", "y"]);
        assert_eq!(filters[1].name, "status");
        assert!(Form::parse(b"Filter.1.Name=status").filters().is_err());
        assert!(Form::parse(b"Force=maybe").flag("Force").is_err());
        assert!(Form::parse(b"MaxResults=4").max_results(5, 500).is_err());
        assert!(Form::parse(b"NextToken=%ff").resume_key().is_err());
    }

    #[test]
    fn wildcards_match_as_ec2_documents_them() {
        assert!(glob("pvc-*", "pvc-123"));
        assert!(glob("*", ""));
        assert!(glob("i-?b", "i-ab"));
        assert!(!glob("i-?b", "i-abb"));
        assert!(glob("*a*b", "xxaxxb"));
        assert!(!glob("a", "b"));
    }
}
