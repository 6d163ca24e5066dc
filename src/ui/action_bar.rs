//! Drawing actions: the confirmation dialog, the action bar (what the pane offers, what is
//! running, how a delete is going) and the footer while a dialog is open.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::action_dialog::{Status, key_label, pane_actions};
use super::keymap::{Action as Key, Scope, bindings, keys_label};
use super::sanitize::clean;
use super::state::UiState;
use super::widgets::dialog::Dialog;
use super::widgets::table::Tone;
use crate::actions::follow::{Verdict, progress};
use crate::model::World;

/// What the pane under the cursor offers; nothing while the detail view covers it.
fn offers(ui: &UiState) -> &'static [(Key, &'static str)] {
    if ui.detail.is_some() {
        return &[];
    }
    pane_actions(ui.pane())
}

/// One line when the pane offers actions or there is something to report, else none.
pub fn height(ui: &UiState) -> u16 {
    u16::from(!offers(ui).is_empty() || ui.actions.status.is_some())
}

pub fn render_bar(area: Rect, buf: &mut Buffer, world: &World, ui: &UiState) {
    let t = &ui.theme;
    let mut spans = Vec::new();
    let status = match &ui.actions.status {
        Some(Status::Message(text, tone)) => Some((text.clone(), *tone)),
        Some(Status::Following(d)) => {
            let (text, verdict) = progress(world, d);
            let tone = match verdict {
                Verdict::Running => Tone::Info,
                Verdict::AsRequested => Tone::Ok,
                Verdict::Lost => Tone::Error,
            };
            Some((text, tone))
        }
        None => None,
    };
    if let Some((text, tone)) = status {
        spans.push(Span::styled(format!(" {}", clean(&text)), tone.style(t)));
        spans.push(Span::styled("  │", Style::new().fg(t.border)));
    }
    let offers = offers(ui);
    match &ui.actions.disabled {
        Some(why) if !offers.is_empty() => {
            spans.push(Span::styled(
                format!(" {}", clean(why)),
                Tone::Muted.style(t),
            ));
        }
        _ => {
            for (key, label) in offers {
                spans.push(Span::styled(
                    format!(" <{}>", key_label(*key, Scope::Browse)),
                    Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
                ));
                spans.push(Span::styled(format!(" {label}"), Style::new().fg(t.muted)));
            }
        }
    }
    Paragraph::new(Line::from(spans))
        .style(t.base())
        .render(area, buf);
}

pub fn render_dialog(area: Rect, buf: &mut Buffer, world: &crate::model::World, ui: &UiState) {
    let Some(p) = &ui.actions.pending else {
        return;
    };
    // With several clusters a keystroke away, every dialog says which one it acts on.
    let mut body = vec![on_cluster(world, ui), String::new()];
    body.extend(p.action.lines());
    if let Some(name) = p.action.typed_confirmation() {
        body.push(String::new());
        let mark = if p.typed == name { "  ✓" } else { "" };
        body.push(format!("Type {name} to confirm: {}▏{mark}", p.typed));
    }
    if p.arming {
        body.push(String::new());
        body.push(arming_question(&p.action));
    }
    if let Some(note) = &p.note {
        body.push(String::new());
        body.push(format!("» {note}"));
    }
    let mut extra = Vec::new();
    if let crate::actions::Action::DeleteAddon(d) = &p.action {
        let what = if d.preserve {
            "switch preserve off"
        } else {
            "preserve again"
        };
        extra.push((
            key_label(Key::TogglePreserve, Scope::Dialog),
            what.to_string(),
        ));
    }
    if let Some(what) = escalation_offer(&p.action) {
        extra.push((key_label(Key::Escalate, Scope::Dialog), what.to_string()));
    }
    let title = p.action.title();
    let confirm_key = key_label(Key::Confirm, Scope::Dialog);
    let dialog = Dialog {
        title: &title,
        body: &body,
        confirm: p.action.confirm_word(),
        dangerous: p.action.dangerous(),
        disabled: ui.actions.disabled.as_deref(),
        confirm_key: &confirm_key,
        extra: &extra,
    };
    let fits = dialog.render(area, buf, &ui.theme);
    ui.actions.shown_whole.set(fits);
}

/// "On cluster demo · account 111122223333 · us-east-1 · context prod".
fn on_cluster(world: &crate::model::World, ui: &UiState) -> String {
    let t = &world.target;
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let account = world
        .cluster
        .as_ref()
        .and_then(|c| c.arn.as_deref())
        .and_then(crate::ui::format::arn_region_account)
        .map(|(_, a)| a.to_string())
        .or_else(|| t.account.clone());
    format!(
        "On cluster {} · account {} · {} · context {}",
        dash(&t.cluster),
        dash(&account),
        dash(&t.region),
        dash(&ui.context),
    )
}

/// The second ask before the risky form, saying what it risks.
fn arming_question(a: &crate::actions::Action) -> String {
    use crate::actions::Action;
    let (key, question) = match a {
        Action::DetachVolume(_) => (
            Key::Escalate,
            "⚠ Detach with Force=true? AWS warns it can lose data or corrupt the file system.",
        ),
        Action::DeleteVolume(_) => (
            Key::Escalate,
            "⚠ Delete WITHOUT a snapshot? The volume's data would be gone for good.",
        ),
        _ => (
            Key::TogglePreserve,
            "⚠ Switch preserve OFF? EKS would then delete the objects listed above from the \
             cluster.",
        ),
    };
    format!(
        "{question} Press {} again to switch; Esc keeps the safe form.",
        key_label(key, Scope::Dialog)
    )
}

/// The dialog's offer to switch an EBS action to its risky form or back.
fn escalation_offer(a: &crate::actions::Action) -> Option<&'static str> {
    use crate::actions::Action;
    Some(match (a, a.is_escalated()) {
        (Action::DetachVolume(_), false) => "Force=true…",
        (Action::DetachVolume(_), true) => "back to Force=false",
        (Action::DeleteVolume(_), false) => "delete without snapshot…",
        (Action::DeleteVolume(_), true) => "snapshot first again",
        _ => return None,
    })
}

/// The footer while a dialog is open: its keys, from the key map (without confirm when
/// actions are disabled).
pub fn render_footer(area: Rect, buf: &mut Buffer, ui: &UiState) {
    let t = &ui.theme;
    let mut spans = Vec::new();
    let disabled = ui.actions.disabled.is_some();
    let shown = bindings()
        .iter()
        .filter(|b| b.scope == Scope::Dialog && !(disabled && b.action == Key::Confirm));
    for (keys, hint) in shown.filter_map(|b| Some((keys_label(b), b.hint?))) {
        spans.push(Span::styled(
            format!(" <{keys}>"),
            Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!(" {hint}"), Style::new().fg(t.muted)));
    }
    Paragraph::new(Line::from(spans))
        .style(t.base())
        .render(area, buf);
}
