//! Real paging over ordered maps: a page resumes after the last key the previous page
//! returned, so a sweep of n items costs O(n) in total however it is cut.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use aws_smithy_types::base64;

use super::errors::{AwsError, Service};

const TOKEN_PREFIX: &str = "stordeck-sim/1:";

/// Opaque to clients, as AWS's are; only this module reads them.
pub fn encode_token(key: &str) -> String {
    base64::encode(format!("{TOKEN_PREFIX}{key}"))
}

pub fn decode_token(token: &str) -> Option<String> {
    let bytes = base64::decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(TOKEN_PREFIX).map(str::to_string)
}

/// The key to resume after, from the request's token parameter.
pub fn resume_key(
    svc: Service,
    q: &HashMap<String, String>,
    param: &str,
) -> Result<Option<String>, AwsError> {
    match q.get(param).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => decode_token(t)
            .map(Some)
            .ok_or_else(|| AwsError::bad_request(svc, format!("Invalid {param}: {t}"))),
    }
}

/// The page size from `param`, `default` when absent; out-of-range values are the
/// client's error, as with AWS.
pub fn page_size(
    svc: Service,
    q: &HashMap<String, String>,
    param: &str,
    default: usize,
    max: usize,
) -> Result<usize, AwsError> {
    match q.get(param) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                AwsError::bad_request(svc, format!("{param} must be between 1 and {max}"))
            }),
    }
}

pub struct Page<'a, V> {
    /// (key, value) pairs in key order.
    pub items: Vec<(&'a str, &'a V)>,
    /// Token for the next page, when more items match.
    pub next: Option<String>,
}

pub fn page<'a, V>(
    map: &'a BTreeMap<String, V>,
    after: Option<&str>,
    limit: usize,
    keep: impl Fn(&V) -> bool,
) -> Page<'a, V> {
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    let mut matching = map
        .range::<str, _>((start, Bound::Unbounded))
        .filter(|(_, v)| keep(v));
    let mut items = Vec::new();
    let mut last = None;
    for (k, v) in matching.by_ref() {
        items.push((k.as_str(), v));
        last = Some(k);
        if items.len() == limit {
            break;
        }
    }
    let more = items.len() == limit && matching.next().is_some();
    Page {
        items,
        next: last.filter(|_| more).map(|k| encode_token(k)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_everything_once_and_stop() {
        let map: BTreeMap<String, u32> = (0..25).map(|i| (format!("k{i:03}"), i)).collect();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = page(&map, after.as_deref(), 10, |v| v % 2 == 0);
            seen.extend(p.items.iter().map(|(_, v)| **v));
            match p.next {
                Some(t) => after = decode_token(&t),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).filter(|v| v % 2 == 0).collect::<Vec<_>>());
    }

    #[test]
    fn a_full_last_page_has_no_next_token() {
        let map: BTreeMap<String, u32> = (0..10).map(|i| (format!("k{i}"), i)).collect();
        assert!(page(&map, None, 10, |_| true).next.is_none());
        assert!(decode_token("not a token").is_none());
    }
}
