//! `keymap.toml` in the config directory: `action = "key"` or `action = ["key", …]`
//! rebinds an action; help and footer follow, since they read the same table. An entry
//! that cannot be used (unknown action or key, a key another action in reach already
//! has) is reported at its line and column, and that action keeps its default keys.

use std::path::Path;

use crossterm::event::KeyCode;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::keymap::{Action, BINDINGS, Binding, Key, Scope};

/// The actions a user may rebind, by the name `keymap.toml` gives them.
const NAMES: &[(&str, Action)] = &[
    ("quit", Action::Quit),
    ("refresh", Action::Refresh),
    ("help", Action::Help),
    ("back", Action::Back),
    ("next-pane", Action::NextPane),
    ("prev-pane", Action::PrevPane),
    ("down", Action::Down),
    ("up", Action::Up),
    ("page-down", Action::PageDown),
    ("page-up", Action::PageUp),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("filter", Action::StartFilter),
    ("command", Action::StartPrompt),
    ("copy", Action::Copy),
    ("wide", Action::Wide),
    ("sort", Action::SortNext),
    ("sort-reverse", Action::SortReverse),
    ("open", Action::Open),
    ("delete", Action::Delete),
    ("adopt-helm", Action::AdoptHelm),
    ("tolerate", Action::Tolerate),
    ("detach", Action::Detach),
    ("refresh-insights", Action::RefreshInsights),
    ("confirm", Action::Confirm),
    ("cancel", Action::Cancel),
    ("toggle-preserve", Action::TogglePreserve),
    ("escalate", Action::Escalate),
];

/// The binding table with `text`'s entries applied, and what could not be applied as
/// `file:line:column: why`.
pub fn apply(file: &Path, text: &str) -> (Vec<Binding>, Vec<String>) {
    let mut table: Vec<Binding> = BINDINGS.to_vec();
    let at = |offset: usize, why: String| {
        let (line, column) = crate::config::line_col(text, offset);
        format!("{}:{line}:{column}: {why}", file.display())
    };
    let doc = match DeTable::parse(text) {
        Ok(d) => d.into_inner(),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            return (table, vec![at(offset, e.message().trim().to_string())]);
        }
    };
    // In the file's order, so that what is reported reads top to bottom.
    let mut entries: Vec<_> = doc.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut errors = Vec::new();
    for (name, value) in entries {
        let Some(action) = NAMES
            .iter()
            .find(|(n, _)| *n == name.get_ref().as_ref())
            .map(|(_, a)| *a)
        else {
            let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
            errors.push(at(
                name.span().start,
                format!(
                    "unknown action `{}`; actions are: {}",
                    name.get_ref(),
                    names.join(", ")
                ),
            ));
            continue;
        };
        match keys(&value).and_then(|k| rebind(&table, action, k)) {
            Ok((i, keys)) => table[i].keys = Box::leak(keys.into_boxed_slice()),
            Err((offset, why)) => errors.push(at(
                offset.unwrap_or(value.span().start),
                format!("{why}; `{}` keeps its default keys", name.get_ref()),
            )),
        }
    }
    (table, errors)
}

type Bad = (Option<usize>, String);

/// The keys a value names: one string or a list of them.
fn keys(value: &Spanned<DeValue<'_>>) -> Result<Vec<Key>, Bad> {
    let one = |v: &Spanned<DeValue<'_>>| match v.get_ref() {
        DeValue::String(s) => parse_key(s).map_err(|why| (Some(v.span().start), why)),
        _ => Err((
            Some(v.span().start),
            "a key is a string, such as \"x\" or \"ctrl-d\"".into(),
        )),
    };
    match value.get_ref() {
        DeValue::Array(items) if items.is_empty() => Err((
            None,
            "an empty list would leave the action without a key".into(),
        )),
        DeValue::Array(items) => items.iter().map(one).collect(),
        _ => one(value).map(|k| vec![k]),
    }
}

/// Which binding `action`'s keys live in, if `keys` clash with nothing else in reach.
fn rebind(table: &[Binding], action: Action, keys: Vec<Key>) -> Result<(usize, Vec<Key>), Bad> {
    // Quit is also ctrl-c everywhere; that one stays.
    let i = table
        .iter()
        .position(|b| b.action == action && b.scope != Scope::Global)
        .ok_or((None, "that action has no key to rebind".to_string()))?;
    let scope = table[i].scope;
    let overlaps = |s: Scope| s == scope || s == Scope::Global || scope == Scope::Global;
    for k in &keys {
        if let Some(other) = table
            .iter()
            .enumerate()
            .find(|(j, b)| *j != i && overlaps(b.scope) && b.keys.contains(k))
        {
            return Err((
                None,
                format!(
                    "`{}` is already {}",
                    k.label(),
                    other.1.help.split(':').next().unwrap_or(other.1.help)
                ),
            ));
        }
    }
    Ok((i, keys))
}

/// `x`, `G`, `ctrl-d`, `enter`, `esc`, `tab`, `space`, `pgdn`, `f5`…
pub fn parse_key(s: &str) -> Result<Key, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(c) = lower
        .strip_prefix("ctrl-")
        .or_else(|| lower.strip_prefix("c-"))
    {
        let mut chars = c.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Ok(Key::Ctrl(c)),
            _ => Err(format!("`{s}`: ctrl- takes one letter, as in \"ctrl-d\"")),
        };
    }
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return if c.is_control() {
            Err(format!("`{s}` is not a key"))
        } else {
            Ok(Key::Char(c))
        };
    }
    let code = match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "space" => return Ok(Key::Char(' ')),
        f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        _ => {
            return Err(format!(
                "unknown key `{s}`: use a character, ctrl-LETTER, or enter, esc, tab, \
                 backtab, backspace, up, down, left, right, home, end, pgup, pgdn, delete, \
                 insert, space, f1–f12"
            ));
        }
    };
    Ok(Key::Code(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(table: &[Binding], action: Action) -> Vec<Key> {
        table
            .iter()
            .find(|b| b.action == action && b.scope != Scope::Global)
            .map(|b| b.keys.to_vec())
            .unwrap_or_default()
    }

    #[test]
    fn entries_rebind_actions_by_name() {
        let (t, errors) = apply(
            Path::new("keymap.toml"),
            "delete = \"ctrl-x\"\ndown = [\"j\", \"down\", \"ctrl-n\"]\nhelp = \"f1\"\n",
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(keys_of(&t, Action::Delete), [Key::Ctrl('x')]);
        assert_eq!(
            keys_of(&t, Action::Down),
            [Key::Char('j'), Key::Code(KeyCode::Down), Key::Ctrl('n')]
        );
        assert_eq!(keys_of(&t, Action::Help), [Key::Code(KeyCode::F(1))]);
    }

    #[test]
    fn bad_entries_say_where_and_keep_the_defaults() {
        let text = "delet = \"x\"\ncopy = \"y\"\nhelp = \"hyper-q\"\ndetach = \"q\"\nwide = []\n";
        let (t, errors) = apply(Path::new("k.toml"), text);
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].starts_with("k.toml:1:1: unknown action `delet`"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("k.toml:3:8: unknown key `hyper-q`"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("k.toml:4:10: `q` is already quit")
                && errors[2].contains("`detach` keeps"),
            "{}",
            errors[2]
        );
        assert!(errors[3].starts_with("k.toml:5:8:"), "{}", errors[3]);
        assert_eq!(
            keys_of(&t, Action::Copy),
            [Key::Char('y')],
            "good entries apply"
        );
        assert_eq!(
            keys_of(&t, Action::Detach),
            [Key::Char('x')],
            "the default kept"
        );
        assert_eq!(keys_of(&t, Action::Help), [Key::Char('?')]);
    }

    #[test]
    fn malformed_toml_is_one_error_and_every_default() {
        let (t, errors) = apply(Path::new("k.toml"), "delete = \n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("k.toml:1:"), "{}", errors[0]);
        assert_eq!(keys_of(&t, Action::Delete), [Key::Ctrl('d')]);
    }
}
