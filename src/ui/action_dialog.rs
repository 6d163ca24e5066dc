//! Confirmation dialogs: opening one for the selected row, typing the confirmation,
//! switching preserve off or an EBS action to its risky form (only when asked twice), and
//! handing the app the confirmed value — the very value the dialog showed — as
//! `UiCommand::Execute`.

use crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Action as Key, Scope, binding_for, keys_label, lookup_dialog};
use super::panes;
use super::state::UiState;
pub(crate) use super::state::dialog::{ActionUi, Pending, Status};
use super::widgets::table::Tone;
use super::{PaneId, UiCommand};
use crate::actions::{Action, Outcome, plan};
use crate::model::World;
use crate::model::findings::Findings;

/// The actions each pane offers, with the word the action bar gives them.
pub fn pane_actions(pane: PaneId) -> &'static [(Key, &'static str)] {
    match pane {
        PaneId::Drivers => &[(Key::Tolerate, "tolerate disruption")],
        PaneId::Addons => &[
            (Key::Delete, "delete (preserve)"),
            (Key::AdoptHelm, "adopt into Helm"),
            (Key::Tolerate, "tolerate disruption"),
        ],
        PaneId::AccessPoints => &[(Key::Delete, "delete orphan")],
        PaneId::Volumes => &[(Key::Detach, "detach EBS volume")],
        PaneId::EbsVolumes => &[
            (Key::Detach, "detach"),
            (Key::Delete, "snapshot, then delete"),
        ],
        PaneId::Findings => &[(Key::RefreshInsights, "refresh EKS insights")],
        _ => &[],
    }
}

/// The keys of a browse-scope action, as the key map labels them.
pub fn key_label(action: Key, scope: Scope) -> String {
    binding_for(action, scope).map_or_else(|| "?".into(), keys_label)
}

/// Plans the action for the selected row and opens its dialog, or says why there is none.
pub fn open(ui: &mut UiState, world: &World, findings: &Findings, key: Key) -> Vec<UiCommand> {
    let pane = ui.pane();
    if !pane_actions(pane).iter().any(|(k, _)| *k == key) {
        let label = key_label(key, Scope::Browse);
        ui.actions.status = Some(Status::Message(
            format!("{label}: no such action on the {} pane", pane.title()),
            Tone::Muted,
        ));
        return Vec::new();
    }
    // About the cluster, not a row.
    if key == Key::RefreshInsights {
        show(ui, findings, plan::refresh_insights(world));
        return Vec::new();
    }
    let Some(sel) = panes::selected_ref(world, findings, ui) else {
        ui.actions.status = Some(Status::Message("no row selected".into(), Tone::Muted));
        return Vec::new();
    };
    let planned = match (pane, key) {
        (PaneId::Addons, Key::Delete) => plan::delete_addon(world, &sel.name),
        (PaneId::AccessPoints, Key::Delete) => plan::delete_access_point(world, &sel.name),
        (PaneId::Addons, Key::AdoptHelm) => plan::adopt_helm(world, &sel.name),
        (PaneId::Addons, Key::Tolerate) => plan::tolerate_for_addon(world, &sel.name),
        (PaneId::Drivers, Key::Tolerate) => plan::tolerate_for_driver(world, &sel.name),
        (PaneId::EbsVolumes, Key::Detach | Key::Delete) => {
            return open_for_ebs_volume(ui, world, findings, key, &sel.name);
        }
        // The PV's EBS volume, through the same door the EBS pane uses.
        (PaneId::Volumes, Key::Detach) => match ebs_volume_of_pv(world, &sel.name) {
            Ok(v) => return open_for_ebs_volume(ui, world, findings, key, &v),
            Err(why) => Err(why),
        },
        _ => Err("no such action here".into()),
    };
    show(ui, findings, planned);
    Vec::new()
}

/// The EBS volume a PV's volumeHandle names.
fn ebs_volume_of_pv(world: &World, pv: &str) -> Result<String, String> {
    let row = world
        .pvs
        .get(pv)
        .ok_or_else(|| format!("PV {pv} is not (or no longer) known"))?;
    row.ebs_volume_id()
        .map(String::from)
        .ok_or_else(|| format!("PV {pv} is not an EBS volume (no ebs.csi.aws.com vol- handle)"))
}

/// For a pane whose rows are EBS volumes: `Detach` force-detaches the volume (Force=false
/// first), `Delete` snapshots then deletes an orphan. Opens the dialog, or says why not.
pub fn open_for_ebs_volume(
    ui: &mut UiState,
    world: &World,
    findings: &Findings,
    key: Key,
    volume_id: &str,
) -> Vec<UiCommand> {
    let planned = match key {
        Key::Detach => plan::force_detach(world, volume_id),
        Key::Delete => plan::delete_ebs_volume(world, volume_id),
        _ => Err(format!(
            "{}: no such action on an EBS volume",
            key_label(key, Scope::Browse)
        )),
    };
    show(ui, findings, planned);
    Vec::new()
}

fn show(ui: &mut UiState, findings: &Findings, planned: Result<Action, String>) {
    match planned.map(|a| a.with_findings(findings)) {
        Ok(action) => {
            ui.actions.pending = Some(Pending {
                action,
                typed: String::new(),
                arming: false,
                note: None,
            });
        }
        Err(why) => ui.actions.status = Some(Status::Message(why, Tone::Warn)),
    }
}

/// Keys while a dialog is open.
pub fn handle_key(ui: &mut UiState, key: KeyEvent) -> Vec<UiCommand> {
    let Some((binding, _)) = lookup_dialog(&key) else {
        return Vec::new();
    };
    let act = &mut ui.actions;
    let Some(p) = act.pending.as_mut() else {
        return Vec::new();
    };
    match binding.action {
        Key::Quit => return vec![UiCommand::Quit],
        Key::Cancel if p.arming => {
            p.arming = false;
            p.note = Some(match p.action {
                Action::DeleteAddon(_) => "preserve stays on".into(),
                _ => "the safe form stays".into(),
            });
        }
        Key::Cancel => act.pending = None,
        Key::DialogDelete => {
            p.typed.pop();
        }
        Key::DialogInsert => {
            if let KeyCode::Char(c) = key.code {
                p.typed.push(c);
            }
        }
        Key::TogglePreserve => toggle_preserve(p),
        Key::Escalate => escalate(p),
        Key::Confirm => return confirm(act),
        _ => {}
    }
    Vec::new()
}

/// Off takes two asks; back on takes one. The typed name is cleared either way, so a
/// confirmation typed for one request never confirms another.
fn toggle_preserve(p: &mut Pending) {
    let Action::DeleteAddon(d) = &mut p.action else {
        p.note = Some("preserve applies only to deleting an add-on".into());
        return;
    };
    p.note = None;
    if !d.preserve {
        d.preserve = true;
        p.typed.clear();
    } else if p.arming {
        d.preserve = false;
        p.arming = false;
        p.typed.clear();
    } else {
        p.arming = true;
    }
}

/// The risky form takes two asks; the safe form back takes one. As with preserve, the typed
/// confirmation is cleared either way.
fn escalate(p: &mut Pending) {
    let (Some(risky), Some(safe)) = (p.action.escalated(true), p.action.escalated(false)) else {
        p.note = Some("this action has no Force or snapshot choice".into());
        return;
    };
    p.note = None;
    if p.action.is_escalated() {
        p.action = safe;
        p.typed.clear();
    } else if p.arming {
        p.action = risky;
        p.arming = false;
        p.typed.clear();
    } else {
        p.arming = true;
    }
}

fn confirm(act: &mut ActionUi) -> Vec<UiCommand> {
    let Some(p) = act.pending.as_mut() else {
        return Vec::new();
    };
    let refusal = if let Some(why) = &act.disabled {
        Some(format!("{why}; nothing runs"))
    } else if !act.shown_whole.get() {
        Some("enlarge the terminal until the whole request shows, then confirm".into())
    } else if p.arming {
        Some(match p.action {
            Action::DeleteAddon(_) => {
                "press ctrl-p again to switch preserve off, or Esc to keep it".into()
            }
            _ => format!(
                "press {} again to switch, or Esc to keep the safe form",
                key_label(Key::Escalate, Scope::Dialog)
            ),
        })
    } else {
        match p.action.typed_confirmation() {
            Some(name) if p.typed != name => Some(format!("type {name} exactly to confirm")),
            _ => None,
        }
    };
    if let Some(why) = refusal {
        p.note = Some(why);
        return Vec::new();
    }
    let Some(p) = act.pending.take() else {
        return Vec::new();
    };
    act.status = Some(Status::Message(
        format!("running: {}…", p.action.summary()),
        Tone::Info,
    ));
    vec![UiCommand::Execute(p.action)]
}

impl UiState {
    /// Actions cannot run in this session; dialogs still open and say why.
    pub fn disable_actions(&mut self, why: impl Into<String>) {
        self.actions.disabled = Some(why.into());
    }

    /// Shows what came of an action; a deleted add-on is then followed until it is gone.
    pub fn action_finished(&mut self, outcome: Outcome) {
        self.actions.status = Some(match (outcome.result, outcome.action) {
            (Ok(_), Action::DeleteAddon(d)) => Status::Following(d),
            (Ok(msg), _) => Status::Message(format!("✓ {msg}"), Tone::Ok),
            // A refusal after the re-check says "refused: …" itself.
            (Err(why), a) if why.starts_with("refused: ") => {
                Status::Message(format!("✗ {} {why}", a.summary()), Tone::Error)
            }
            (Err(why), a) => {
                Status::Message(format!("✗ {} failed: {why}", a.summary()), Tone::Error)
            }
        });
    }

    pub fn is_dialog_open(&self) -> bool {
        self.actions.pending.is_some()
    }

    /// The value the open dialog shows, which is what confirming it runs.
    pub fn dialog_action(&self) -> Option<&Action> {
        self.actions.pending.as_ref().map(|p| &p.action)
    }
}

#[cfg(test)]
#[path = "action_dialog_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "action_dialog_ebs_tests.rs"]
mod ebs_tests;
