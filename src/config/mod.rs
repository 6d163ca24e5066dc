//! The config file and where stordeck keeps things, from the `directories` crate, each
//! overridable by an environment variable (`STORDECK_CONFIG_DIR`, `STORDECK_DATA_DIR`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::model::findings::{Graces, Policy, Silence, rule_ids};

pub mod contexts;
pub use contexts::{ContextRules, ContextSetting};

/// `config.toml`. Command-line flags win over it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Start in read-only mode: no component that can mutate is constructed.
    #[serde(default)]
    pub read_only: bool,
    /// Theme name: a built-in (`dark`, `light`) or a file in the themes directory.
    pub theme: Option<String>,
    /// Handle the mouse: the wheel scrolls, a click selects a row or a tab. Off by
    /// default, since it takes over the terminal's own text selection.
    #[serde(default)]
    pub mouse: bool,
    /// `context = "NAME"` (the default context), or `[[context]]` entries.
    #[serde(default)]
    pub context: ContextSetting,
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Graces, rules turned off, and findings the user accepts.
    #[serde(default)]
    pub findings: FindingsConfig,
    #[serde(default)]
    pub aws: AwsConfig,
}

/// `[aws]`: how hard stordeck leans on the AWS APIs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// The steady time between sweeps (`"30s"` by default). Sweeps of large accounts
    /// stretch it further on their own; a refresh (`r`) still sweeps at once.
    pub poll_interval: Option<Spanned<String>>,
    /// Read EKS's cluster insights (on unless `false`): an identity without
    /// eks:ListInsights can turn them off rather than see the source fail.
    pub insights: Option<bool>,
}

/// The shortest poll interval accepted: below it a large account is throttled.
pub const MIN_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

impl AwsConfig {
    pub fn poll_interval(&self) -> Result<Option<std::time::Duration>, Bad> {
        let Some(v) = &self.poll_interval else {
            return Ok(None);
        };
        let bad = |why: &str| (v.span(), format!("`{}` {why}", v.get_ref()));
        let d = v
            .get_ref()
            .parse::<jiff::SignedDuration>()
            .map_err(|_| bad("is not a duration such as \"30s\" or \"2m\""))?;
        let d = std::time::Duration::try_from(d).map_err(|_| bad("is negative"))?;
        if d < MIN_POLL_INTERVAL {
            return Err(bad(
                "is too short: AWS would throttle; the least is \"10s\"",
            ));
        }
        Ok(Some(d))
    }
}

/// `[findings]`: durations are written like `"30s"`, `"5m"`, `"2h"`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FindingsConfig {
    /// Rule ids that are not evaluated at all.
    #[serde(default)]
    pub disabled: Vec<Spanned<String>>,
    pub driver_delete_grace: Option<Spanned<String>>,
    pub agent_settle_grace: Option<Spanned<String>>,
    pub stranded_grace: Option<Spanned<String>>,
    pub addon_degraded_grace: Option<Spanned<String>>,
    pub access_point_creating_grace: Option<Spanned<String>>,
    pub detach_stuck_grace: Option<Spanned<String>>,
    pub attachment_drift_grace: Option<Spanned<String>>,
    pub orphaned_ebs_grace: Option<Spanned<String>>,
    pub unexplained_symptom_grace: Option<Spanned<String>>,
    pub driver_lost_grace: Option<Spanned<String>>,
    #[serde(default)]
    pub silence: Vec<SilenceConfig>,
}

/// `[[findings.silence]]`: a rule (or `"*"`) for objects whose name matches `name` (a
/// glob) and/or that carry `label` (`key=value`), with the reason shown beside them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SilenceConfig {
    pub rule: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub label: Option<Spanned<String>>,
    pub reason: String,
}

type Bad = (std::ops::Range<usize>, String);

impl FindingsConfig {
    /// The policy this section asks for; a bad value comes back with where it is.
    pub fn policy(&self) -> Result<Policy, Bad> {
        let known = |r: &Spanned<String>, star: bool| -> Result<String, Bad> {
            let id = r.get_ref();
            if (star && id == "*") || rule_ids().any(|k| k == id) {
                Ok(id.clone())
            } else {
                let ids: Vec<&str> = rule_ids().collect();
                Err((
                    r.span(),
                    format!("unknown rule `{id}`; rules are: {}", ids.join(", ")),
                ))
            }
        };
        let mut graces = Graces::default();
        for (value, slot) in [
            (&self.driver_delete_grace, &mut graces.driver_delete),
            (&self.agent_settle_grace, &mut graces.agent_settle),
            (&self.stranded_grace, &mut graces.stranded),
            (&self.addon_degraded_grace, &mut graces.addon_degraded),
            (
                &self.access_point_creating_grace,
                &mut graces.access_point_creating,
            ),
            (&self.detach_stuck_grace, &mut graces.detach_stuck),
            (&self.attachment_drift_grace, &mut graces.attachment_drift),
            (&self.orphaned_ebs_grace, &mut graces.orphaned_ebs),
            (
                &self.unexplained_symptom_grace,
                &mut graces.unexplained_symptom,
            ),
            (&self.driver_lost_grace, &mut graces.driver_lost),
        ] {
            if let Some(v) = value {
                *slot = v
                    .get_ref()
                    .parse::<jiff::SignedDuration>()
                    .ok()
                    .filter(|d| !d.is_negative())
                    .ok_or_else(|| {
                        (
                            v.span(),
                            format!(
                                "`{}` is not a duration such as \"30s\" or \"5m\"",
                                v.get_ref()
                            ),
                        )
                    })?;
            }
        }
        let disabled = self
            .disabled
            .iter()
            .map(|r| known(r, false))
            .collect::<Result<_, _>>()?;
        let mut silences = Vec::new();
        for s in &self.silence {
            let rule = known(&s.rule, true)?;
            let name = match &s.name {
                Some(g) => Some(
                    globset::Glob::new(g.get_ref())
                        .map_err(|e| (g.span(), format!("bad glob: {e}")))?
                        .compile_matcher(),
                ),
                None => None,
            };
            let label = match &s.label {
                Some(l) => Some(
                    l.get_ref()
                        .split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| (l.span(), "a label is written key=value".to_string()))?,
                ),
                None => None,
            };
            silences.push(Silence {
                rule,
                name,
                label,
                reason: s.reason.clone(),
            });
        }
        Ok(Policy {
            graces,
            disabled,
            silences,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}:{line}:{column}: {message}")]
    Malformed {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot read {file}: {source}")]
    Unreadable {
        file: PathBuf,
        source: std::io::Error,
    },
}

pub fn config_dir() -> Option<PathBuf> {
    dir_from_env("STORDECK_CONFIG_DIR").or_else(|| project().map(|p| p.config_dir().to_path_buf()))
}

pub fn data_dir() -> Option<PathBuf> {
    dir_from_env("STORDECK_DATA_DIR").or_else(|| project().map(|p| p.data_dir().to_path_buf()))
}

pub fn themes_dir() -> Option<PathBuf> {
    config_dir().map(|d| d.join("themes"))
}

fn dir_from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "stordeck")
}

/// Loads `config.toml` from the config dir; a missing file is the default config.
pub fn load() -> Result<Config, ConfigError> {
    match config_dir() {
        Some(dir) => load_from(&dir.join("config.toml")),
        None => Ok(Config::default()),
    }
}

pub fn load_from(file: &Path) -> Result<Config, ConfigError> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(file, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(source) => Err(ConfigError::Unreadable {
            file: file.to_path_buf(),
            source,
        }),
    }
}

pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
    let malformed = |start: usize, message: String| {
        let (line, column) = line_col(text, start);
        ConfigError::Malformed {
            file: file.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let cfg: Config = toml::from_str(text).map_err(|e| {
        malformed(
            e.span().map_or(0, |s| s.start),
            e.message().trim().to_string(),
        )
    })?;
    cfg.findings
        .policy()
        .map_err(|(span, message)| malformed(span.start, message))?;
    cfg.aws
        .poll_interval()
        .map_err(|(span, message)| malformed(span.start, message))?;
    cfg.context
        .validate()
        .map_err(|(span, message)| malformed(span.start, message))?;
    Ok(cfg)
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_file_line_and_column() {
        let ok =
            parse(Path::new("c.toml"), "read_only = true\ntheme = \"light\"\n").expect("valid");
        assert!(ok.read_only);
        assert_eq!(ok.theme.as_deref(), Some("light"));

        let err = parse(
            Path::new("/x/config.toml"),
            "theme = \"dark\"\nread_only = maybe\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/x/config.toml:2:13:"), "{err}");

        let err = parse(Path::new("c.toml"), "\n\nreadonly = true\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:3:1:") && err.contains("readonly"),
            "{err}"
        );
    }

    #[test]
    fn insights_are_on_unless_turned_off_and_must_be_a_bool() {
        let off = parse(Path::new("c.toml"), "[aws]\ninsights = false\n").expect("valid");
        assert_eq!(off.aws.insights, Some(false));
        assert_eq!(
            parse(Path::new("c.toml"), "").expect("valid").aws.insights,
            None
        );
        let err = parse(Path::new("c.toml"), "[aws]\ninsights = \"no\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2:"), "{err}");
    }

    #[test]
    fn poll_interval_is_a_duration_of_at_least_ten_seconds() {
        let ok = parse(Path::new("c.toml"), "[aws]\npoll_interval = \"45s\"\n").expect("valid");
        assert_eq!(
            ok.aws.poll_interval().expect("valid"),
            Some(std::time::Duration::from_secs(45))
        );
        let err = parse(Path::new("c.toml"), "[aws]\npoll_interval = \"1s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2:17:") && err.contains("too short"),
            "{err}"
        );
        let err = parse(Path::new("c.toml"), "[aws]\npoll_interval = \"often\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a duration"), "{err}");
    }

    #[test]
    fn missing_file_is_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            load_from(&dir.path().join("none.toml")).expect("default"),
            Config::default()
        );
    }
}
