//! An action dialog's state: what is asked, what was typed, and the last outcome. The
//! dialog's keys and drawing (`action_dialog`, `action_bar`) read and change it.

use std::cell::Cell;

use crate::actions::{Action, DeleteAddon};
use crate::ui::widgets::table::Tone;

pub(crate) struct ActionUi {
    pub pending: Option<Pending>,
    /// Why no action can run in this session (read-only, no audit log).
    pub disabled: Option<String>,
    pub status: Option<Status>,
    /// Whether the open dialog fitted on screen at the last render; only render knows.
    pub shown_whole: Cell<bool>,
}

pub(crate) struct Pending {
    pub action: Action,
    pub typed: String,
    /// Asked once to switch preserve off; the second ask switches it.
    pub arming: bool,
    pub note: Option<String>,
}

pub(crate) enum Status {
    Message(String, Tone),
    /// A delete add-on that ran: followed until EKS no longer lists it.
    Following(DeleteAddon),
}

pub const READ_ONLY: &str = "read-only: actions are disabled";

impl ActionUi {
    pub fn new(read_only: bool) -> Self {
        ActionUi {
            pending: None,
            disabled: read_only.then(|| READ_ONLY.to_string()),
            status: None,
            shown_whole: Cell::new(false),
        }
    }
}
