//! What the API server checks before it stores an object — the name rule of each kind and
//! label values — with apimachinery's messages, and request-path decoding.
//!
//! Only requests through the Kubernetes API are checked: scenarios and the control API
//! seed the store directly, so they can still build states a real server would refuse.

use std::fmt;

use serde_json::Value;

use super::resources::ResourceDef;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

/// One `field.Invalid` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub value: String,
    pub detail: String,
}

impl FieldError {
    /// What apimachinery's `ErrorBody` prints: the cause message without the field.
    pub fn body(&self) -> String {
        format!("Invalid value: {}: {}", go_quote(&self.value), self.detail)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// How a kind's `metadata.name` is checked (`NameIsDNSSubdomain`, `NameIsDNSLabel`,
/// `path.ValidatePathSegmentName` in the API server's validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameRule {
    Subdomain,
    Label,
    PathSegment,
}

fn rule_for(def: &ResourceDef) -> NameRule {
    match def.plural {
        "namespaces" => NameRule::Label,
        // RBAC names hold colons (system:controller:…), so only path safety applies.
        "clusterroles" | "clusterrolebindings" => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

/// Errors for an object about to be written. The name is checked on create only: an
/// update can only address a name that is already stored, and seeding may have stored
/// one the API would refuse.
pub fn object(def: &ResourceDef, obj: &Value, creating: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if creating && let Some(name) = obj["metadata"]["name"].as_str() {
        let msgs = match rule_for(def) {
            NameRule::Subdomain => dns1123_subdomain(name),
            NameRule::Label => dns1123_label(name),
            NameRule::PathSegment => path_segment_name(name),
        };
        errs.extend(msgs.into_iter().map(|detail| FieldError {
            field: "metadata.name",
            value: name.to_string(),
            detail,
        }));
    }
    if let Some(labels) = obj["metadata"]["labels"].as_object() {
        for v in labels.values().filter_map(Value::as_str) {
            errs.extend(label_value(v).into_iter().map(|detail| FieldError {
                field: "metadata.labels",
                value: v.to_string(),
                detail,
            }));
        }
    }
    errs
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// apimachinery's `RegexError`, double space after each example included.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{fmt}')"));
    out
}

fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && b.iter().all(|c| alnum(c) || *c == b'-')
        }
        _ => false,
    }
}

fn is_dns1123_subdomain(s: &str) -> bool {
    s.split('.').all(is_dns1123_label)
}

pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !is_dns1123_subdomain(s) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \
             '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !is_dns1123_label(s) {
        if is_dns1123_subdomain(s) {
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters \
                 or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn path_segment_name(s: &str) -> Vec<String> {
    if s == "." || s == ".." {
        return vec![format!("may not be '{s}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| s.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    let b = s.as_bytes();
    let ends = |c: &u8| c.is_ascii_alphanumeric();
    let ok = b.is_empty()
        || (b.first().is_some_and(ends)
            && b.last().is_some_and(ends)
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')));
    if !ok {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', \
             '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Go's `%q`, which the API server's messages use: a control character reads `\x1b`, not
/// JSON's `\u001b`, so a message a client matches on is the one a real server sends.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Close to Go's `unicode.IsPrint`: no controls, no spaces but ' ', no invisible format
/// characters.
fn go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

/// The path's segments, each percent-decoded exactly once, so that `a%2Fb` names `a/b`
/// for every verb and `%252F` stays `%2F`. None for a malformed escape or non-UTF-8.
pub fn path_segments(path: &str) -> Option<Vec<String>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect()
}

fn decode_segment(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = (*b.get(i + 1)? as char).to_digit(16)?;
            let lo = (*b.get(i + 2)? as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_apimachinery() {
        assert!(dns1123_subdomain("pvc-0a.b-c").is_empty());
        assert_eq!(dns1123_subdomain("a/b").len(), 1);
        assert_eq!(dns1123_subdomain(&"a".repeat(254)).len(), 1);
        assert_eq!(dns1123_label("a.b"), ["must not contain dots"]);
        assert!(dns1123_label("a_b")[0].starts_with("a lowercase RFC 1123 label"));
        assert!(path_segment_name("system:kube-proxy").is_empty());
        assert_eq!(path_segment_name(".."), ["may not be '..'"]);
        assert_eq!(path_segment_name("a/%").len(), 2);
        assert!(label_value("").is_empty());
        assert!(label_value("My_value.1").is_empty());
        assert_eq!(label_value("_x").len(), 1);
    }

    #[test]
    fn quoting_is_gos() {
        assert_eq!(go_quote("a\u{1b}[0m\"\\"), r#""a\x1b[0m\"\\""#);
        assert_eq!(go_quote("é\u{200b}\n"), "\"é\\u200b\\n\"");
    }

    #[test]
    fn segments_decode_once() {
        assert_eq!(
            path_segments("/api/v1/pv/a%2Fb%252F/").unwrap(),
            ["api", "v1", "pv", "a/b%2F"]
        );
        assert!(path_segments("/x/%zz").is_none());
        assert!(path_segments("/x/%+1").is_none());
        assert!(path_segments("/x/%ff").is_none());
    }
}
