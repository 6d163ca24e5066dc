//! `[[context]]` entries: settings for the kubeconfig contexts whose names match a glob.
//! EKS context names are cluster ARNs, full of `:` and `/`, so `*` matches those too.
//!
//! `context` in config.toml is either the default context's name (`context = "prod"`) or
//! a list of entries; a hand-written visitor tells the two apart so that a mistake inside
//! an entry is still reported at its own line and column.

use std::fmt;

use ratatui::style::Color;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One `[[context]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContextEntry {
    /// A glob over context names.
    pub name: Spanned<String>,
    /// The context opens read-only; only `--write` on the command line lifts it.
    #[serde(default)]
    pub read_only: bool,
    pub theme: Option<String>,
    /// The header's colour for this context: a name (`red`) or `#rrggbb`.
    pub color: Option<Spanned<String>>,
    /// The AWS profile, cluster name and region to use, when the context does not say.
    pub profile: Option<String>,
    pub cluster: Option<String>,
    pub region: Option<String>,
}

/// What `context =` held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextSetting {
    /// `context = "NAME"`: the context to use without `--context`.
    pub default: Option<String>,
    /// `[[context]]` entries, in file order.
    pub entries: Vec<ContextEntry>,
}

impl<'de> Deserialize<'de> for ContextSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ContextSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a context name, or [[context]] entries with a `name` glob")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ContextSetting {
                    default: Some(v.to_string()),
                    entries: Vec::new(),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(e) = seq.next_element::<ContextEntry>()? {
                    entries.push(e);
                }
                Ok(ContextSetting {
                    default: None,
                    entries,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// What the entries matching one context ask for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContextRules {
    /// Some matching entry says `read_only = true`: the strictest wins.
    pub read_only: bool,
    /// The first matching entry that sets each of these.
    pub theme: Option<String>,
    #[serde(skip)]
    pub color: Option<Color>,
    pub profile: Option<String>,
    pub cluster: Option<String>,
    pub region: Option<String>,
    /// The globs that matched, for `:ctx` and the README's examples.
    pub matched: Vec<String>,
}

type Bad = (std::ops::Range<usize>, String);

impl ContextSetting {
    /// Every glob and colour is usable; a bad one comes back with where it is.
    pub fn validate(&self) -> Result<(), Bad> {
        for e in &self.entries {
            glob(&e.name)?;
            if let Some(c) = &e.color {
                colour(c)?;
            }
        }
        Ok(())
    }

    /// The rules for `context` (validated already: an entry that would not parse is
    /// skipped, never half-applied).
    pub fn rules_for(&self, context: &str) -> ContextRules {
        let mut r = ContextRules::default();
        for e in &self.entries {
            let Ok(g) = glob(&e.name) else { continue };
            if !g.is_match(context) {
                continue;
            }
            r.read_only |= e.read_only;
            r.theme = r.theme.take().or_else(|| e.theme.clone());
            r.color = r
                .color
                .or_else(|| e.color.as_ref().and_then(|c| colour(c).ok()));
            r.profile = r.profile.take().or_else(|| e.profile.clone());
            r.cluster = r.cluster.take().or_else(|| e.cluster.clone());
            r.region = r.region.take().or_else(|| e.region.clone());
            r.matched.push(e.name.get_ref().clone());
        }
        r
    }
}

fn glob(g: &Spanned<String>) -> Result<globset::GlobMatcher, Bad> {
    globset::Glob::new(g.get_ref())
        .map(|g| g.compile_matcher())
        .map_err(|e| (g.span(), format!("bad glob: {e}")))
}

fn colour(c: &Spanned<String>) -> Result<Color, Bad> {
    let v = c.get_ref().trim();
    // Bare numbers parse as palette indices, which nobody means here.
    match v.parse::<Color>() {
        Ok(col) if !v.chars().all(|ch| ch.is_ascii_digit()) => Ok(col),
        _ => Err((
            c.span(),
            format!("`{v}` is not a colour: use a name such as \"red\" or \"#rrggbb\""),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::parse;

    const ARN: &str = "arn:aws:eks:eu-west-1:111122223333:cluster/prod-eu";

    #[test]
    fn entries_match_arns_by_glob_and_the_strictest_read_only_wins() {
        let cfg = parse(
            Path::new("c.toml"),
            r##"
[[context]]
name = "arn:aws:eks:*:111122223333:cluster/prod-*"
read_only = true
color = "red"

[[context]]
name = "*"
theme = "light"
color = "#00ff00"
profile = "ops"
"##,
        )
        .expect("valid");
        let prod = cfg.context.rules_for(ARN);
        assert!(prod.read_only);
        assert_eq!(prod.color, Some(ratatui::style::Color::Red));
        assert_eq!(prod.theme.as_deref(), Some("light"));
        assert_eq!(prod.profile.as_deref(), Some("ops"));
        assert_eq!(prod.matched.len(), 2);

        let staging = cfg.context.rules_for("staging");
        assert!(!staging.read_only);
        assert_eq!(staging.color, Some(ratatui::style::Color::Rgb(0, 255, 0)));
    }

    #[test]
    fn a_plain_string_is_still_the_default_context() {
        let cfg = parse(Path::new("c.toml"), "context = \"dev\"\n").expect("valid");
        assert_eq!(cfg.context.default.as_deref(), Some("dev"));
        assert!(cfg.context.entries.is_empty());
    }

    #[test]
    fn bad_entries_are_reported_where_they_are() {
        let err = parse(
            Path::new("c.toml"),
            "[[context]]\nname = \"prod\"\ncolor = \"reddish\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml:3:9:") && err.contains("not a colour"),
            "{err}"
        );
        let err = parse(
            Path::new("c.toml"),
            "[[context]]\nname = \"prod\"\nreadonly = true\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("c.toml:3:1:") && err.contains("readonly"),
            "{err}"
        );
        let err = parse(Path::new("c.toml"), "[[context]]\nname = \"[prod\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml:2:8:") && err.contains("glob"), "{err}");
    }
}
