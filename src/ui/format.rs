//! Small, pure formatting rules shared by panes, so "age" or "RWX" reads the same everywhere.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// k9s-style age: `45s`, `12m`, `3h`, `200d`; `-` when unknown. A timestamp in the future
/// (clock skew between cluster and us) reads as `0s`, never as a negative age.
pub fn age(since: Option<Timestamp>, now: Timestamp) -> String {
    since.map_or_else(
        || "-".to_string(),
        |t| duration(now.duration_since(t).as_secs()),
    )
}

/// A duration in seconds in the same style as [`age`].
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h", s / 3_600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Wall-clock `HH:MM:SS` in the operator's time zone.
pub fn clock(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

/// kubectl's short forms for access modes.
pub fn access_modes<S: AsRef<str>>(modes: impl IntoIterator<Item = S>) -> String {
    let modes: Vec<S> = modes.into_iter().collect();
    if modes.is_empty() {
        return "-".into();
    }
    modes
        .iter()
        .map(|m| match m.as_ref() {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The resource part of an ARN (`…:role/path/name` → `name`): what a column has room for.
pub fn arn_short(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// `(region, account)` from any ARN (`arn:partition:service:region:account:resource`).
pub fn arn_region_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    (parts.next()? == "arn").then_some(())?;
    let (_partition, _service) = (parts.next()?, parts.next()?);
    let region = parts.next()?;
    let account = parts.next()?;
    parts.next()?;
    Some((region, account))
}

pub fn opt(s: Option<&str>) -> &str {
    s.filter(|s| !s.is_empty()).unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_k9s_style() {
        let now: Timestamp = "2025-06-01T12:00:00Z".parse().expect("ts");
        let ago = |s: i64| Some(now - jiff::SignedDuration::from_secs(s));
        assert_eq!(age(ago(45), now), "45s");
        assert_eq!(age(ago(12 * 60 + 5), now), "12m");
        assert_eq!(age(ago(3 * 3600 + 59), now), "3h");
        assert_eq!(age(ago(200 * 86_400), now), "200d");
        assert_eq!(age(ago(-30), now), "0s");
        assert_eq!(age(None, now), "-");
    }

    #[test]
    fn modes_numbers_arns() {
        let m = |v: &[&str]| access_modes(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(m(&["ReadWriteMany", "ReadOnlyMany"]), "RWX,ROX");
        assert_eq!(m(&["ReadWriteOnce"]), "RWO");
        assert_eq!(m(&[]), "-");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod";
        assert_eq!(arn_region_account(arn), Some(("eu-west-1", "123456789012")));
        assert_eq!(arn_region_account("nonsense"), None);
        assert_eq!(arn_short("arn:aws:iam::1:role/x/efs-csi"), "efs-csi");
    }
}
