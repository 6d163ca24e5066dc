//! Request parameters checked against the constraints in the EFS and EKS API references,
//! refused the way AWS's front end refuses them: HTTP 400 with "N validation error(s)
//! detected: Value 'X' at 'member' failed to satisfy constraint: …".

use std::collections::HashMap;

use axum::http::StatusCode;

use super::errors::{AwsError, Service};

const FS_ID: &str = "^(arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:file-system/fs-[0-9a-f]{8,40}|fs-[0-9a-f]{8,40})$";
const AP_ID: &str = "^(arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:access-point/fsap-[0-9a-f]{8,40}|fsap-[0-9a-f]{8,40})$";
const MT_ID: &str = "^fsmt-[0-9a-f]{8,40}$";
const ANY: &str = ".+";
const CLUSTER_NAME: &str = "^[0-9A-Za-z][A-Za-z0-9\\-_]*";

/// One constrained member: its wire name in the message, lengths, and pattern.
pub struct Rule {
    member: &'static str,
    min: usize,
    max: usize,
    pattern: &'static str,
    matches: fn(&str) -> bool,
}

pub const FILE_SYSTEM_ID: Rule = Rule {
    member: "fileSystemId",
    min: 0,
    max: 128,
    pattern: FS_ID,
    matches: |v| id_or_arn(v, "fs", "file-system"),
};
pub const ACCESS_POINT_ID: Rule = Rule {
    member: "accessPointId",
    min: 0,
    max: 128,
    pattern: AP_ID,
    matches: |v| id_or_arn(v, "fsap", "access-point"),
};
pub const MOUNT_TARGET_ID: Rule = Rule {
    member: "mountTargetId",
    min: 13,
    max: 45,
    pattern: MT_ID,
    matches: |v| hex_id(v, "fsmt"),
};
pub const CREATION_TOKEN: Rule = Rule {
    member: "creationToken",
    min: 1,
    max: 64,
    pattern: ANY,
    matches: |v| !v.is_empty(),
};
pub const MARKER: Rule = Rule {
    member: "marker",
    min: 1,
    max: 128,
    pattern: ANY,
    matches: |v| !v.is_empty(),
};
pub const NEXT_TOKEN: Rule = Rule {
    member: "nextToken",
    min: 1,
    max: 128,
    pattern: ANY,
    matches: |v| !v.is_empty(),
};
pub const CLUSTER: Rule = Rule {
    member: "name",
    min: 1,
    max: 100,
    pattern: CLUSTER_NAME,
    matches: |v| {
        let mut chars = v.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    },
};

/// `<prefix>-` and 8 to 40 lowercase hex digits.
fn hex_id(v: &str, prefix: &str) -> bool {
    v.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|hex| {
            (8..=40).contains(&hex.len())
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The bare id, or its ARN: `arn:aws[-a-z]*:elasticfilesystem:[0-9a-z-:]+:<kind>/<id>`.
fn id_or_arn(v: &str, prefix: &str, kind: &str) -> bool {
    if hex_id(v, prefix) {
        return true;
    }
    let Some(rest) = v.strip_prefix("arn:aws") else {
        return false;
    };
    let Some((partition, rest)) = rest.split_once(':') else {
        return false;
    };
    let Some(rest) = rest.strip_prefix("elasticfilesystem:") else {
        return false;
    };
    let Some((middle, id)) = rest.rsplit_once(&format!(":{kind}/")) else {
        return false;
    };
    partition
        .bytes()
        .all(|b| b == b'-' || b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-' || b == b':')
        && hex_id(id, prefix)
}

fn violations(rule: &Rule, v: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !(rule.matches)(v) {
        out.push(format!(
            "Member must satisfy regular expression pattern: {}",
            rule.pattern
        ));
    }
    if v.chars().count() > rule.max {
        out.push(format!(
            "Member must have length less than or equal to {}",
            rule.max
        ));
    }
    if v.chars().count() < rule.min {
        out.push(format!(
            "Member must have length greater than or equal to {}",
            rule.min
        ));
    }
    out
}

/// Checks each (rule, value) given; one error naming every violation, as AWS lists them.
pub fn check(svc: Service, values: &[(&Rule, Option<&str>)]) -> Result<(), AwsError> {
    let found: Vec<String> = values
        .iter()
        .filter_map(|(rule, v)| Some((rule, (*v)?)))
        .flat_map(|(rule, v)| {
            violations(rule, v).into_iter().map(move |c| {
                format!(
                    "Value '{v}' at '{}' failed to satisfy constraint: {c}",
                    rule.member
                )
            })
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    let n = found.len();
    let noun = if n == 1 { "error" } else { "errors" };
    let message = format!("{n} validation {noun} detected: {}", found.join("; "));
    // EFS answers these as the front end's ValidationException; EKS as its own
    // InvalidParameterException.
    let code = match svc {
        Service::Efs => "ValidationException",
        Service::Eks => "InvalidParameterException",
    };
    Err(AwsError::new(StatusCode::BAD_REQUEST, code, message))
}

/// The query parameter `name`, for `check`.
pub fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_api_reference_patterns() {
        assert!((FILE_SYSTEM_ID.matches)("fs-0a1b2c3d4e5f60718"));
        assert!((FILE_SYSTEM_ID.matches)(
            "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123abcd"
        ));
        assert!(!(FILE_SYSTEM_ID.matches)("fs-1"));
        assert!(!(FILE_SYSTEM_ID.matches)("fs-0A1B2C3D4E"));
        assert!((ACCESS_POINT_ID.matches)("fsap-0123456789abcdef0"));
        assert!(!(ACCESS_POINT_ID.matches)("fsap-0nothere"));
        assert!((MOUNT_TARGET_ID.matches)("fsmt-0123abcd"));
        assert!((CLUSTER.matches)("demo_1-a"));
        assert!(!(CLUSTER.matches)("-demo"));
        assert!(!(CLUSTER.matches)("a/b"));
    }

    #[test]
    fn every_violation_is_listed() {
        let long = format!("fs-{}", "0".repeat(130));
        let err = check(Service::Efs, &[(&FILE_SYSTEM_ID, Some(&long))]).unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected: "));
        assert!(check(Service::Efs, &[(&MARKER, None)]).is_ok());
    }
}
