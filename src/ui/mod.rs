//! The terminal UI: renders a `World` and a `UiState` into a frame, and turns key presses
//! into state changes and commands for the app loop. It never mutates the model, never
//! blocks, and every string from outside reaches the terminal through `sanitize`.

mod action_bar;
mod action_dialog;
pub mod format;
mod input;
pub mod keymap;
pub mod keymap_file;
pub mod kinds;
pub mod panes;
mod prompt;
pub mod sanitize;
mod state;
pub mod svg;
pub mod theme;
mod view;
pub mod widgets;

pub use crate::model::findings::Findings;
pub use input::{handle_key, handle_mouse};
pub use state::{Overlay, UiState};
pub use theme::{Theme, ThemeError};
pub use view::render;

/// What the UI asks the app loop to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiCommand {
    Quit,
    Refresh,
    /// Fetch the whole object and hand it back through `UiState::set_detail_yaml`.
    FetchObject(ObjectRef),
    /// Run this action — the value the confirmation dialog showed — and report back
    /// through `UiState::action_finished`.
    Execute(crate::actions::Action),
    /// Load the theme of this name (user dir first, then the built-ins) and use it, or
    /// say why not through `UiState::notice`.
    SetTheme(String),
    /// Drop the clients that could change anything, for the rest of the session.
    ReadOnly,
    /// Put this text on the terminal's clipboard (OSC 52, which works over SSH).
    Copy(String),
    /// Tear every source down and connect to this kubeconfig context.
    SwitchContext(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Pv,
    Pvc,
    CsiDriver,
    StorageClass,
    DaemonSet,
    Node,
    AckFileSystem,
    Addon,
    FileSystem,
    AccessPoint,
    MountTarget,
    EbsVolume,
}

impl ObjectKind {
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Pv => "PersistentVolume",
            ObjectKind::Pvc => "PersistentVolumeClaim",
            ObjectKind::CsiDriver => "CSIDriver",
            ObjectKind::StorageClass => "StorageClass",
            ObjectKind::DaemonSet => "DaemonSet",
            ObjectKind::Node => "Node",
            ObjectKind::AckFileSystem => "FileSystem (ACK)",
            ObjectKind::Addon => "EKS add-on",
            ObjectKind::FileSystem => "EFS file system",
            ObjectKind::AccessPoint => "EFS access point",
            ObjectKind::MountTarget => "EFS mount target",
            ObjectKind::EbsVolume => "EBS volume",
        }
    }
}

/// Names one object, in Kubernetes or AWS, for the detail view and for fetching it whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn cluster(kind: ObjectKind, name: impl Into<String>) -> Self {
        ObjectRef {
            kind,
            namespace: None,
            name: name.into(),
        }
    }

    /// `ns/name` or `name`, as kubectl prints it.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// The panes, in key order (`1`..`7`; `0` is also Findings). EBS volumes came after
/// Findings had its key, and take the next one rather than move it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaneId {
    Drivers,
    Addons,
    Volumes,
    AccessPoints,
    Lifecycle,
    Findings,
    EbsVolumes,
}

impl PaneId {
    pub const ALL: [PaneId; 7] = [
        PaneId::Drivers,
        PaneId::Addons,
        PaneId::Volumes,
        PaneId::AccessPoints,
        PaneId::Lifecycle,
        PaneId::Findings,
        PaneId::EbsVolumes,
    ];

    /// The pane a digit key selects: `1`..`7` in order, `0` for Findings.
    pub fn for_digit(d: u32) -> Option<PaneId> {
        match d {
            0 => Some(PaneId::Findings),
            d => Self::ALL
                .get(usize::try_from(d).ok()?.checked_sub(1)?)
                .copied(),
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Drivers => "CSI drivers",
            PaneId::Addons => "Add-ons",
            PaneId::Volumes => "Volumes",
            PaneId::AccessPoints => "Access points",
            PaneId::Lifecycle => "Lifecycle",
            PaneId::Findings => "Findings",
            PaneId::EbsVolumes => "EBS volumes",
        }
    }

    fn step(self, by: isize) -> PaneId {
        let n = Self::ALL.len() as isize;
        Self::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}
