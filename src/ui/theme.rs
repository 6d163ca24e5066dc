//! Semantic colour slots, loaded from TOML. Built-ins are embedded; a user themes dir is
//! searched first so a user can shadow `dark` itself. Every failure names the file, and
//! where it can, the line and column.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

const BUILTINS: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
    ("nord", include_str!("../../themes/nord.toml")),
];

/// The built-in themes' names, for `:theme` completion and the unknown-name message.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(n, _)| *n)
}

/// Every theme a name can pick: the built-ins, then the user's `<dir>/*.toml`.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = builtin_names().map(str::to_string).collect();
    let mut user: Vec<String> = user_dir
        .and_then(|d| std::fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .filter(|n| !names.contains(n))
        .collect();
    user.sort();
    names.extend(user);
    names
}

macro_rules! slots {
    ($($slot:ident),* $(,)?) => {
        /// Colours by meaning, never by hue: panes ask for `warn`, not yellow.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            pub name: String,
            $(pub $slot: Color,)*
        }

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ThemeFile {
            /// The built-in theme the slots left out come from (`dark` if none).
            extends: Option<Spanned<String>>,
            $($slot: Option<Spanned<String>>,)*
        }

        impl Theme {
            fn overlay(mut self, f: ThemeFile, src: &Source<'_>) -> Result<Self, ThemeError> {
                $(if let Some(v) = f.$slot {
                    self.$slot = parse_colour(stringify!($slot), &v, src)?;
                })*
                Ok(self)
            }
        }
    };
}

slots!(
    fg,
    bg,
    muted,
    accent,
    header_bg,
    selected_bg,
    ok,
    warn,
    error,
    critical,
    info,
    stale,
    badge_readonly,
    border,
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeError {
    /// The file is not valid TOML, or has a key that is not a slot.
    Parse {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    UnknownColour {
        file: PathBuf,
        line: usize,
        column: usize,
        key: String,
        value: String,
    },
    Io {
        file: PathBuf,
        message: String,
    },
    NotFound {
        name: String,
        searched: Option<PathBuf>,
    },
    /// A name that is a path: themes are picked by name from the theme directories, and a
    /// file elsewhere only through `--theme-file`.
    NotAName {
        name: String,
    },
}

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThemeError::Parse {
                file,
                line,
                column,
                message,
            } => write!(f, "{}:{line}:{column}: {message}", file.display()),
            ThemeError::UnknownColour {
                file,
                line,
                column,
                key,
                value,
            } => write!(
                f,
                "{}:{line}:{column}: unknown colour {value:?} for `{key}` \
                 (use a name such as \"red\" or \"darkgray\", or \"#rrggbb\")",
                file.display()
            ),
            ThemeError::Io { file, message } => write!(f, "{}: {message}", file.display()),
            ThemeError::NotAName { name } => write!(
                f,
                "{name:?} is not a theme name (letters, digits, '-' and '_'); \
                 to load a theme file from elsewhere, use --theme-file PATH"
            ),
            ThemeError::NotFound { name, searched } => {
                let names = available(searched.as_deref());
                write!(
                    f,
                    "no theme named {name:?}; available: {}",
                    names.join(", ")
                )?;
                if let Some(dir) = searched {
                    write!(
                        f,
                        "; also looked for {}",
                        dir.join(format!("{name}.toml")).display()
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ThemeError {}

/// Where a theme's text came from, for error positions.
struct Source<'a> {
    file: PathBuf,
    text: &'a str,
}

impl Source<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

fn parse_colour(key: &str, v: &Spanned<String>, src: &Source<'_>) -> Result<Color, ThemeError> {
    let value = v.get_ref().trim();
    // Colour::from_str also takes bare palette indices; only names and #rrggbb are
    // documented, so a number is more likely a mistake than a wish.
    let looks_numeric = value.chars().all(|c| c.is_ascii_digit());
    match Color::from_str(value) {
        Ok(c) if !looks_numeric => Ok(c),
        _ => {
            let (line, column) = src.position(v.span().start);
            Err(ThemeError::UnknownColour {
                file: src.file.clone(),
                line,
                column,
                key: key.to_string(),
                value: value.to_string(),
            })
        }
    }
}

impl Theme {
    /// Loads `name`: `<user_dir>/<name>.toml` if it exists, else the built-in of that name.
    /// Any file only needs the slots it changes; the rest come from the built-in `dark`.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !is_name {
            return Err(ThemeError::NotAName { name: name.into() });
        }
        if let Some(dir) = user_dir {
            let file = dir.join(format!("{name}.toml"));
            match std::fs::read_to_string(&file) {
                Ok(text) => return Theme::from_toml(name, &file, &text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ThemeError::Io {
                        file,
                        message: e.to_string(),
                    });
                }
            }
        }
        match BUILTINS.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => {
                Theme::from_toml(n, Path::new(&format!("<built-in>/{n}.toml")), text)
            }
            None => Err(ThemeError::NotFound {
                name: name.to_string(),
                searched: user_dir.map(Path::to_path_buf),
            }),
        }
    }

    /// A theme file the user named explicitly (`--theme-file`), wherever it is.
    pub fn load_file(file: &Path) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(file).map_err(|e| ThemeError::Io {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
        let name = file
            .file_stem()
            .map_or_else(|| "custom".into(), |s| s.to_string_lossy().into_owned());
        Theme::from_toml(&name, file, &text)
    }

    /// Parses theme TOML; `file` is only used to name it in errors.
    pub fn from_toml(name: &str, file: &Path, text: &str) -> Result<Theme, ThemeError> {
        Theme::parse_over(Theme::builtin_dark(), name, file, text)
    }

    /// The embedded dark theme, complete on its own, as the base of every other theme.
    fn builtin_dark() -> Theme {
        let text = BUILTINS[0].1;
        Theme::parse_over(
            Theme::fallback(),
            "dark",
            Path::new("<built-in>/dark.toml"),
            text,
        )
        .unwrap_or_else(|_| Theme::fallback())
    }

    fn parse_over(base: Theme, name: &str, file: &Path, text: &str) -> Result<Theme, ThemeError> {
        let src = Source {
            file: file.to_path_buf(),
            text,
        };
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| {
            let (line, column) = src.position(e.span().map_or(0, |s| s.start));
            ThemeError::Parse {
                file: src.file.clone(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        let mut base = match &parsed.extends {
            None => base,
            Some(b) => match BUILTINS.iter().find(|(n, _)| n == b.get_ref()) {
                // Built-ins extend only `dark` (or nothing), so this cannot recurse.
                Some((n, text)) if *n != name => Theme::parse_over(
                    Theme::builtin_dark(),
                    n,
                    Path::new(&format!("<built-in>/{n}.toml")),
                    text,
                )?,
                _ => {
                    let (line, column) = src.position(b.span().start);
                    let names: Vec<&str> = builtin_names().collect();
                    return Err(ThemeError::Parse {
                        file: src.file.clone(),
                        line,
                        column,
                        message: format!(
                            "`extends` names a built-in theme ({}), not {:?}",
                            names.join(", "),
                            b.get_ref()
                        ),
                    });
                }
            },
        };
        base.name = name.to_string();
        base.overlay(parsed, &src)
    }

    pub fn dark() -> Theme {
        Theme::builtin_dark()
    }

    /// No colour at all (`NO_COLOR`, no-color.org): the terminal's own colours, with the
    /// selection shown reversed and titles bold, so nothing depends on a hue.
    pub fn no_color() -> Theme {
        let mut t = Theme::fallback();
        t.name = "no-color".into();
        for c in [
            &mut t.muted,
            &mut t.accent,
            &mut t.selected_bg,
            &mut t.ok,
            &mut t.warn,
            &mut t.error,
            &mut t.critical,
            &mut t.info,
            &mut t.stale,
            &mut t.badge_readonly,
            &mut t.border,
        ] {
            *c = Color::Reset;
        }
        t
    }

    /// Plain terminal colours: the floor under every theme, and what is used if even the
    /// embedded dark theme failed to parse (a build-time mistake the tests catch).
    fn fallback() -> Theme {
        Theme {
            name: "fallback".into(),
            fg: Color::Reset,
            bg: Color::Reset,
            muted: Color::DarkGray,
            accent: Color::Cyan,
            header_bg: Color::Reset,
            selected_bg: Color::Blue,
            ok: Color::Green,
            warn: Color::Yellow,
            error: Color::Red,
            critical: Color::Magenta,
            info: Color::Cyan,
            stale: Color::Magenta,
            badge_readonly: Color::Yellow,
            border: Color::DarkGray,
        }
    }

    pub fn base(&self) -> Style {
        Style::new().fg(self.fg).bg(self.bg)
    }

    pub fn fg(&self, c: Color) -> Style {
        Style::new().fg(c)
    }

    pub fn title(&self) -> Style {
        Style::new().fg(self.accent).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        let s = Style::new()
            .bg(self.selected_bg)
            .add_modifier(Modifier::BOLD);
        // Without a colour of its own the selection must still show.
        if self.selected_bg == Color::Reset {
            s.add_modifier(Modifier::REVERSED)
        } else {
            s
        }
    }

    pub fn border(&self) -> Style {
        Style::new().fg(self.border)
    }
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod tests;
