//! The `:` command prompt, in the k9s way: pane names and aliases (`:pv`, `:ap`,
//! `:addons`, `:csi`, `:lifecycle`, `:findings`, `:ebs`), `:theme NAME`, `:readonly`,
//! `:ctx`, `:help`, `:q`. Tab completes, ↑/↓ walk the history, and a command that is not
//! one says which it could have been.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::UiState;
use super::state::prompt::Prompt;
use super::{PaneId, UiCommand};

/// Every command word, the pane aliases first; the first word of each line is the name
/// completion offers.
const PANES: &[(&[&str], PaneId)] = &[
    (&["drivers", "csi", "csidrivers"], PaneId::Drivers),
    (&["addons", "addon", "ad"], PaneId::Addons),
    (&["pv", "pvs", "volumes", "vol"], PaneId::Volumes),
    (&["ap", "aps", "accesspoints"], PaneId::AccessPoints),
    (&["lifecycle", "life", "lc"], PaneId::Lifecycle),
    (&["findings", "fi", "f"], PaneId::Findings),
    (&["ebs", "ebsvolumes", "ev"], PaneId::EbsVolumes),
];
const OTHERS: &[&str] = &["theme", "readonly", "ctx", "help", "quit", "q"];

/// How much history is kept: enough for a session, never unbounded.
const HISTORY: usize = 100;

fn words() -> impl Iterator<Item = &'static str> {
    PANES
        .iter()
        .flat_map(|(w, _)| w.iter().copied())
        .chain(OTHERS.iter().copied())
}

pub(crate) fn open(ui: &mut UiState) {
    ui.prompt = Some(Prompt::default());
    ui.notice = None;
}

pub(crate) fn handle_key(ui: &mut UiState, key: KeyEvent) -> Vec<UiCommand> {
    let Some(p) = ui.prompt.as_mut() else {
        return Vec::new();
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        if key.code == KeyCode::Char('c') {
            return vec![UiCommand::Quit];
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => ui.prompt = None,
        KeyCode::Enter => {
            let line = p.text.trim().to_string();
            ui.prompt = None;
            if line.is_empty() {
                return Vec::new();
            }
            ui.history.retain(|h| h != &line);
            ui.history.insert(0, line.clone());
            ui.history.truncate(HISTORY);
            return run(ui, &line);
        }
        KeyCode::Tab => {
            let (list, at) = match p.completing.take() {
                Some((list, at)) => {
                    let next = (at + 1) % list.len().max(1);
                    (list, next)
                }
                None => (completions(&p.text, &ui.theme_names, &ui.contexts), 0),
            };
            if let Some(c) = list.get(at) {
                p.text = c.clone();
            }
            if !list.is_empty() {
                p.completing = Some((list, at));
            }
        }
        KeyCode::Up | KeyCode::Down => {
            let at = match (key.code, p.history_at) {
                (KeyCode::Up, None) => Some(0),
                (KeyCode::Up, Some(i)) => Some((i + 1).min(ui.history.len().saturating_sub(1))),
                (_, Some(0) | None) => None,
                (_, Some(i)) => Some(i - 1),
            };
            p.history_at = at.filter(|i| *i < ui.history.len());
            p.text = p
                .history_at
                .map_or_else(String::new, |i| ui.history[i].clone());
            p.completing = None;
        }
        KeyCode::Backspace => {
            p.text.pop();
            p.completing = None;
        }
        KeyCode::Char(c) if !c.is_control() => {
            p.text.push(c);
            p.completing = None;
        }
        _ => {}
    }
    Vec::new()
}

/// What Tab offers for `text`: command words while the first word is typed, then theme
/// or context names.
pub(crate) fn completions(text: &str, themes: &[String], contexts: &[String]) -> Vec<String> {
    match text.split_once(' ') {
        None => words()
            .filter(|w| w.starts_with(text))
            .map(str::to_string)
            .collect(),
        Some((cmd, arg)) => {
            let names = match cmd {
                "theme" => themes,
                "ctx" => contexts,
                _ => return Vec::new(),
            };
            names
                .iter()
                .filter(|n| n.starts_with(arg.trim_start()))
                .map(|n| format!("{cmd} {n}"))
                .collect()
        }
    }
}

fn run(ui: &mut UiState, line: &str) -> Vec<UiCommand> {
    let (cmd, arg) = match line.split_once(' ') {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    if let Some((_, pane)) = PANES.iter().find(|(w, _)| w.contains(&cmd)) {
        ui.help = false;
        ui.detail = None;
        ui.pane = *pane;
        return Vec::new();
    }
    match cmd {
        "q" | "quit" | "q!" => return vec![UiCommand::Quit],
        "help" => ui.help = true,
        "readonly" => {
            if ui.read_only {
                ui.notice = Some("already read-only".into());
            } else {
                ui.set_read_only();
                ui.notice = Some(
                    "read-only for the rest of this session: the clients that could change \
                     anything are dropped, and nothing lifts it"
                        .into(),
                );
                return vec![UiCommand::ReadOnly];
            }
        }
        "theme" if arg.is_empty() => {
            ui.notice = Some(format!("themes: {}", ui.theme_names.join(", ")));
        }
        "theme" => return vec![UiCommand::SetTheme(arg.to_string())],
        "ctx" if arg.is_empty() || Some(arg) == ui.context.as_deref() => {
            ui.notice = Some(contexts_text(ui));
        }
        "ctx" if !ui.contexts.iter().any(|c| c == arg) => {
            ui.notice = Some(format!(
                "no context {arg:?} in the kubeconfig; {}",
                contexts_text(ui)
            ));
        }
        "ctx" => return vec![UiCommand::SwitchContext(arg.to_string())],
        _ => ui.notice = Some(unknown(cmd)),
    }
    Vec::new()
}

fn contexts_text(ui: &UiState) -> String {
    if ui.contexts.is_empty() {
        return "the kubeconfig lists no contexts".into();
    }
    let list: Vec<String> = ui
        .contexts
        .iter()
        .map(|c| {
            let mark = if Some(c.as_str()) == ui.context.as_deref() {
                "*"
            } else {
                ""
            };
            match ui.context_about.get(c) {
                Some(about) => format!("{mark}{c} ({about})"),
                None => format!("{mark}{c}"),
            }
        })
        .collect();
    format!("contexts: {}", list.join(", "))
}

/// "unknown command `pvv`; did you mean `pv`?", from the nearest command words.
fn unknown(cmd: &str) -> String {
    let mut near: Vec<(f64, &str)> = words()
        .map(|w| (strsim::jaro_winkler(cmd, w), w))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0));
    let names: Vec<String> = near.iter().take(3).map(|(_, w)| format!(":{w}")).collect();
    if names.is_empty() {
        format!(
            "unknown command :{cmd}; commands: {}",
            words()
                .map(|w| format!(":{w}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    } else {
        format!(
            "unknown command :{cmd}; did you mean {}?",
            names.join(" or ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::Theme;

    fn ui() -> UiState {
        let mut ui = UiState::new(Theme::dark(), false);
        ui.theme_names = vec!["dark".into(), "light".into(), "high-contrast".into()];
        ui.contexts = vec!["prod".into(), "staging".into()];
        ui.context_about
            .insert("staging".into(), "cluster stg, us-west-2, read-only".into());
        ui.context = Some("prod".into());
        ui
    }

    fn typed(ui: &mut UiState, s: &str) -> Vec<UiCommand> {
        open(ui);
        let mut out = Vec::new();
        for c in s.chars() {
            out.extend(handle_key(ui, KeyEvent::from(KeyCode::Char(c))));
        }
        out.extend(handle_key(ui, KeyEvent::from(KeyCode::Enter)));
        out
    }

    #[test]
    fn aliases_go_to_their_panes_and_q_quits() {
        let mut u = ui();
        typed(&mut u, "pv");
        assert_eq!(u.pane, PaneId::Volumes);
        typed(&mut u, "ap");
        assert_eq!(u.pane, PaneId::AccessPoints);
        typed(&mut u, "csi");
        assert_eq!(u.pane, PaneId::Drivers);
        assert_eq!(typed(&mut u, "q"), vec![UiCommand::Quit]);
    }

    #[test]
    fn tab_completes_and_cycles_and_history_walks_back() {
        let mut u = ui();
        open(&mut u);
        for c in "th".chars() {
            handle_key(&mut u, KeyEvent::from(KeyCode::Char(c)));
        }
        handle_key(&mut u, KeyEvent::from(KeyCode::Tab));
        assert_eq!(u.prompt.as_ref().unwrap().text, "theme");
        handle_key(&mut u, KeyEvent::from(KeyCode::Char(' ')));
        handle_key(&mut u, KeyEvent::from(KeyCode::Char('l')));
        handle_key(&mut u, KeyEvent::from(KeyCode::Tab));
        assert_eq!(u.prompt.as_ref().unwrap().text, "theme light");
        assert_eq!(
            handle_key(&mut u, KeyEvent::from(KeyCode::Enter)),
            vec![UiCommand::SetTheme("light".into())]
        );
        typed(&mut u, "ebs");
        open(&mut u);
        handle_key(&mut u, KeyEvent::from(KeyCode::Up));
        assert_eq!(u.prompt.as_ref().unwrap().text, "ebs");
        handle_key(&mut u, KeyEvent::from(KeyCode::Up));
        assert_eq!(u.prompt.as_ref().unwrap().text, "theme light");
        handle_key(&mut u, KeyEvent::from(KeyCode::Down));
        assert_eq!(u.prompt.as_ref().unwrap().text, "ebs");
        assert_eq!(completions("ctx s", &[], &u.contexts), ["ctx staging"]);
    }

    #[test]
    fn unknown_commands_say_what_they_could_have_been() {
        let mut u = ui();
        typed(&mut u, "pvv");
        let n = u.notice.clone().unwrap();
        assert!(n.contains("did you mean :pv"), "{n}");
        typed(&mut u, "zzzzzz");
        assert!(u.notice.clone().unwrap().contains("commands: :drivers"));
    }

    #[test]
    fn readonly_is_one_way_and_contexts_are_listed() {
        let mut u = ui();
        assert_eq!(typed(&mut u, "readonly"), vec![UiCommand::ReadOnly]);
        assert!(u.read_only);
        assert!(typed(&mut u, "readonly").is_empty());
        typed(&mut u, "ctx");
        assert_eq!(
            u.notice.as_deref(),
            Some("contexts: *prod, staging (cluster stg, us-west-2, read-only)")
        );
        typed(&mut u, "ctx nope");
        assert!(u.notice.clone().unwrap().contains("no context \"nope\""));
        assert_eq!(
            typed(&mut u, "ctx staging"),
            vec![UiCommand::SwitchContext("staging".into())]
        );
    }
}
