//! The one key map: dispatch, the footer hints and the help overlay all read
//! [`bindings`] (the defaults, [`BINDINGS`], as `keymap.toml` changed them), so what the
//! screen says a key does is what it does.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Refresh,
    Help,
    /// Close help, else close the detail view, else clear the filter.
    Back,
    NextPane,
    PrevPane,
    /// The pane is the digit pressed, counted from 1; 0 is Findings.
    GotoPane,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    StartFilter,
    /// Open the `:` command prompt.
    StartPrompt,
    /// Copy the selected row's identifier to the clipboard.
    Copy,
    /// Show every column, however narrow the terminal.
    Wide,
    /// Sort by the next column; the last goes back to the pane's own order.
    SortNext,
    /// Reverse the sort.
    SortReverse,
    Open,
    FilterKeep,
    FilterClear,
    FilterDelete,
    FilterInsert,
    /// Delete the selected add-on (preserving its objects) or orphaned access point.
    Delete,
    AdoptHelm,
    Tolerate,
    /// Detach the selected EBS volume from a gone or disrupted node's instance.
    Detach,
    /// Ask EKS to run its cluster insights again now.
    RefreshInsights,
    Confirm,
    /// Close the dialog, or step back from switching preserve off.
    Cancel,
    TogglePreserve,
    /// Offer the risky form (Force=true, delete without a snapshot) — asked twice — or back.
    Escalate,
    DialogDelete,
    DialogInsert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character, shift allowed (so `G` matches shift-g).
    Char(char),
    Ctrl(char),
    /// Any printable character without ctrl or alt: typing into the filter.
    AnyChar,
    Code(KeyCode),
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let chordless = !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self, ev.code) {
            (Key::Char(c), KeyCode::Char(got)) => chordless && c == got,
            (Key::Ctrl(c), KeyCode::Char(got)) => {
                ev.modifiers.contains(KeyModifiers::CONTROL) && got.eq_ignore_ascii_case(&c)
            }
            (Key::AnyChar, KeyCode::Char(got)) => chordless && !got.is_control(),
            (Key::Code(code), got) => code == got,
            _ => false,
        }
    }

    pub fn label(self) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("ctrl-{c}"),
            Key::AnyChar => "type".into(),
            Key::Code(code) => match code {
                KeyCode::Down => "↓".into(),
                KeyCode::Up => "↑".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::Home => "Home".into(),
                KeyCode::End => "End".into(),
                KeyCode::Tab => "Tab".into(),
                KeyCode::BackTab => "S-Tab".into(),
                KeyCode::Enter => "Enter".into(),
                KeyCode::Esc => "Esc".into(),
                KeyCode::Backspace => "Bksp".into(),
                other => format!("{other}"),
            },
        }
    }
}

/// When a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Always, even while typing a filter.
    Global,
    /// Browsing a pane, the detail view or help.
    Browse,
    /// While typing a filter.
    Filter,
    /// While a confirmation dialog is open.
    Dialog,
}

#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: Scope,
    /// Short word for the footer; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
    pub help: &'static str,
}

use Key::{Char, Code};

// One binding a line reads as the table it is.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    Binding { keys: &[Key::Ctrl('c')], action: Action::Quit, scope: Scope::Global, hint: None, help: "quit" },
    Binding { keys: &[Char('0'), Char('1'), Char('2'), Char('3'), Char('4'), Char('5'), Char('6'), Char('7')], action: Action::GotoPane, scope: Scope::Browse, hint: Some("panes"), help: "go to pane: findings (0 or 6), drivers, add-ons, volumes, access points, lifecycle, EBS volumes (7)" },
    Binding { keys: &[Code(KeyCode::Tab)], action: Action::NextPane, scope: Scope::Browse, hint: None, help: "next pane" },
    Binding { keys: &[Code(KeyCode::BackTab)], action: Action::PrevPane, scope: Scope::Browse, hint: None, help: "previous pane" },
    Binding { keys: &[Char('j'), Code(KeyCode::Down)], action: Action::Down, scope: Scope::Browse, hint: None, help: "down one row" },
    Binding { keys: &[Char('k'), Code(KeyCode::Up)], action: Action::Up, scope: Scope::Browse, hint: None, help: "up one row" },
    Binding { keys: &[Code(KeyCode::PageDown), Key::Ctrl('f')], action: Action::PageDown, scope: Scope::Browse, hint: None, help: "down one page" },
    Binding { keys: &[Code(KeyCode::PageUp), Key::Ctrl('b')], action: Action::PageUp, scope: Scope::Browse, hint: None, help: "up one page" },
    Binding { keys: &[Char('g'), Code(KeyCode::Home)], action: Action::Top, scope: Scope::Browse, hint: None, help: "first row" },
    Binding { keys: &[Char('G'), Code(KeyCode::End)], action: Action::Bottom, scope: Scope::Browse, hint: None, help: "last row" },
    Binding { keys: &[Char(':')], action: Action::StartPrompt, scope: Scope::Browse, hint: Some("command"), help: "command: :pv :ap :addons :ebs …, :theme NAME, :readonly, :ctx, :q (Tab completes)" },
    Binding { keys: &[Char('c')], action: Action::Copy, scope: Scope::Browse, hint: None, help: "copy the selected row's identifier to the clipboard (OSC 52: works over SSH)" },
    Binding { keys: &[Char('s')], action: Action::SortNext, scope: Scope::Browse, hint: None, help: "sort by the next column (the title says which); after the last, the pane's own order" },
    Binding { keys: &[Char('S')], action: Action::SortReverse, scope: Scope::Browse, hint: None, help: "reverse the sort" },
    Binding { keys: &[Char('w')], action: Action::Wide, scope: Scope::Browse, hint: None, help: "wide: every column, however narrow (else identifiers first, secondary columns dropped)" },
    Binding { keys: &[Char('/')], action: Action::StartFilter, scope: Scope::Browse, hint: Some("filter"), help: "filter rows by their text (case-insensitive)" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Open, scope: Scope::Browse, hint: Some("detail"), help: "open the detail view of the selected row; on a finding, go to its object" },
    Binding { keys: &[Code(KeyCode::Esc)], action: Action::Back, scope: Scope::Browse, hint: Some("back"), help: "close help or detail, else clear the filter" },
    Binding { keys: &[Char('r')], action: Action::Refresh, scope: Scope::Browse, hint: Some("refresh"), help: "refresh now (and re-fetch the open object)" },
    Binding { keys: &[Char('?')], action: Action::Help, scope: Scope::Browse, hint: Some("help"), help: "toggle this help" },
    Binding { keys: &[Char('q')], action: Action::Quit, scope: Scope::Browse, hint: Some("quit"), help: "quit" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::FilterKeep, scope: Scope::Filter, hint: Some("keep"), help: "keep the filter and go back to the rows" },
    Binding { keys: &[Code(KeyCode::Esc)], action: Action::FilterClear, scope: Scope::Filter, hint: Some("clear"), help: "clear the filter" },
    Binding { keys: &[Code(KeyCode::Backspace)], action: Action::FilterDelete, scope: Scope::Filter, hint: None, help: "delete the last character" },
    Binding { keys: &[Key::AnyChar], action: Action::FilterInsert, scope: Scope::Filter, hint: None, help: "edit the filter; rows update as you type" },
    Binding { keys: &[Key::Ctrl('d')], action: Action::Delete, scope: Scope::Browse, hint: None, help: "delete the selected add-on (preserve=true), orphaned access point or EBS volume" },
    Binding { keys: &[Char('a')], action: Action::AdoptHelm, scope: Scope::Browse, hint: None, help: "adopt the selected add-on's objects into Helm (annotate, label)" },
    Binding { keys: &[Char('t')], action: Action::Tolerate, scope: Scope::Browse, hint: None, help: "add the karpenter.sh/disrupted toleration to the driver's or add-on's DaemonSet" },
    Binding { keys: &[Char('x')], action: Action::Detach, scope: Scope::Browse, hint: None, help: "detach the selected EBS volume from a gone or disrupted node's instance" },
    Binding { keys: &[Char('I')], action: Action::RefreshInsights, scope: Scope::Browse, hint: None, help: "on Findings: ask EKS to run its cluster insights again now (StartInsightsRefresh)" },
    Binding { keys: &[Code(KeyCode::Enter)], action: Action::Confirm, scope: Scope::Dialog, hint: Some("confirm"), help: "run exactly what the dialog shows" },
    Binding { keys: &[Code(KeyCode::Esc)], action: Action::Cancel, scope: Scope::Dialog, hint: Some("cancel"), help: "close the dialog (or keep preserve on)" },
    Binding { keys: &[Key::Ctrl('p')], action: Action::TogglePreserve, scope: Scope::Dialog, hint: None, help: "switch preserve off (asks twice) or back on" },
    Binding { keys: &[Key::Ctrl('f')], action: Action::Escalate, scope: Scope::Dialog, hint: None, help: "EBS: offer Force=true / deleting without a snapshot (asks twice), or back to the safe form" },
    Binding { keys: &[Code(KeyCode::Backspace)], action: Action::DialogDelete, scope: Scope::Dialog, hint: None, help: "delete the last character typed" },
    Binding { keys: &[Key::AnyChar], action: Action::DialogInsert, scope: Scope::Dialog, hint: None, help: "type the confirmation the dialog asks for" },
];

/// The key map in force: the defaults, or what `keymap.toml` made of them.
static ACTIVE: std::sync::OnceLock<Vec<Binding>> = std::sync::OnceLock::new();

pub fn bindings() -> &'static [Binding] {
    ACTIVE.get().map_or(BINDINGS, Vec::as_slice)
}

/// Makes `table` the key map for the rest of the process (once; later calls are ignored).
pub fn install(table: Vec<Binding>) {
    let _ = ACTIVE.set(table);
}

/// The binding for a key press in the given mode, and the key that matched it.
pub fn lookup(ev: &KeyEvent, typing_filter: bool) -> Option<(&'static Binding, Key)> {
    let active = |s: Scope| match s {
        Scope::Global => true,
        Scope::Browse => !typing_filter,
        Scope::Filter => typing_filter,
        Scope::Dialog => false,
    };
    bindings()
        .iter()
        .filter(|b| active(b.scope))
        .find_map(|b| b.keys.iter().find(|k| k.matches(ev)).map(|k| (b, *k)))
}

/// The binding for a key press while a confirmation dialog is open.
pub fn lookup_dialog(ev: &KeyEvent) -> Option<(&'static Binding, Key)> {
    bindings()
        .iter()
        .filter(|b| matches!(b.scope, Scope::Global | Scope::Dialog))
        .find_map(|b| b.keys.iter().find(|k| k.matches(ev)).map(|k| (b, *k)))
}

/// The first binding for `action` in `scope`, for screens that name its keys.
pub fn binding_for(action: Action, scope: Scope) -> Option<&'static Binding> {
    bindings()
        .iter()
        .find(|b| b.action == action && b.scope == scope)
}

/// How a binding's keys read on screen; a run of digits collapses to `0-6`.
pub fn keys_label(b: &Binding) -> String {
    let digits: Vec<char> = b
        .keys
        .iter()
        .filter_map(|k| match k {
            Char(c) if c.is_ascii_digit() => Some(*c),
            _ => None,
        })
        .collect();
    if digits.len() > 2 && digits.len() == b.keys.len() {
        return format!("{}-{}", digits[0], digits[digits.len() - 1]);
    }
    b.keys
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("/")
}

/// `(keys, hint)` pairs for the footer in the given mode.
pub fn footer_hints(typing_filter: bool) -> Vec<(String, &'static str)> {
    let scope = if typing_filter {
        Scope::Filter
    } else {
        Scope::Browse
    };
    bindings()
        .iter()
        .filter(|b| b.scope == scope)
        .filter_map(|b| Some((keys_label(b), b.hint?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEvent;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn modes_pick_the_right_binding() {
        let q = ev(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(lookup(&q, false).map(|b| b.0.action), Some(Action::Quit));
        assert_eq!(
            lookup(&q, true).map(|b| b.0.action),
            Some(Action::FilterInsert)
        );
        let cc = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&cc, true).map(|b| b.0.action), Some(Action::Quit));
        let big_g = ev(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(&big_g, false).map(|b| b.0.action),
            Some(Action::Bottom)
        );
        let alt_j = ev(KeyCode::Char('j'), KeyModifiers::ALT);
        assert!(lookup(&alt_j, false).is_none());
    }

    #[test]
    fn labels_and_footer_come_from_the_table() {
        let panes = BINDINGS.iter().find(|b| b.action == Action::GotoPane);
        assert_eq!(panes.map(keys_label).as_deref(), Some("0-7"));
        let hints = footer_hints(false);
        assert!(hints.contains(&("/".to_string(), "filter")));
        assert!(hints.contains(&("Enter".to_string(), "detail")));
        assert_eq!(footer_hints(true)[0], ("Enter".to_string(), "keep"));
    }
}
