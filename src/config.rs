//! The config file and where stordeck keeps things, from the `directories` crate, each
//! overridable by an environment variable (`STORDECK_CONFIG_DIR`, `STORDECK_DATA_DIR`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `config.toml`. Command-line flags win over it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Start in read-only mode: no component that can mutate is constructed.
    #[serde(default)]
    pub read_only: bool,
    /// Theme name: a built-in (`dark`, `light`) or a file in the themes directory.
    pub theme: Option<String>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
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
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ConfigError::Malformed {
            file: file.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })
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
    fn missing_file_is_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            load_from(&dir.path().join("none.toml")).expect("default"),
            Config::default()
        );
    }
}
