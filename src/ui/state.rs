//! What the UI remembers between frames: which pane, where in it, what filter, which
//! overlay. The model is never stored here; everything shown is derived from the `World`
//! at render time.

use std::cell::{Cell, RefCell};

use jiff::tz::TimeZone;

pub(crate) mod caches;
pub(crate) mod dialog;
pub(crate) mod prompt;

use caches::{ApOrder, FilterCache, LifeOrder, Sort, SortCache};
use dialog::ActionUi;

use super::theme::Theme;
use super::{ObjectRef, PaneId};

/// Where the cursor is in one pane, and that pane's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Nav {
    pub selected: usize,
    /// First row shown; kept between frames so moving inside the window does not scroll.
    pub offset: usize,
    pub filter: String,
    /// `None`: the pane's own order (Findings: severity, then age).
    pub sort: Option<Sort>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detail {
    pub target: ObjectRef,
    /// `None` until the app delivers the object.
    pub yaml: Option<Result<String, String>>,
    pub scroll: usize,
}

/// The top-most thing covering the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Detail,
}

pub struct UiState {
    pub theme: Theme,
    pub read_only: bool,
    /// Zone for wall-clock times ("stale since 14:02:11"); the system zone by default.
    pub time_zone: TimeZone,
    pub(crate) pane: PaneId,
    pub(crate) nav: [Nav; PaneId::ALL.len()],
    pub(crate) typing_filter: bool,
    pub(crate) help: bool,
    pub(crate) detail: Option<Detail>,
    /// Body rows the active table had at the last render: the page size for PgUp/PgDn.
    /// Render is the only place that knows it, hence a `Cell`.
    pub(crate) viewport: Cell<usize>,
    /// Where the active table's body rows were drawn and the row drawn first, so that a
    /// click can be mapped to a row; only render knows.
    pub(crate) table_body: Cell<ratatui::layout::Rect>,
    pub(crate) table_first: Cell<usize>,
    /// Mouse events are handled (`mouse = true` in config.toml).
    pub mouse: bool,
    /// Rows of the active pane that match its filter, kept so that typing and redraws
    /// do not re-format every row of a large table each time.
    pub(crate) filter_cache: RefCell<Option<FilterCache>>,
    pub(crate) sort_cache: RefCell<Option<SortCache>>,
    /// Display orders that differ from their tables' key order, rebuilt only when those
    /// tables change.
    pub(crate) ap_order: RefCell<Option<ApOrder>>,
    pub(crate) life_order: RefCell<Option<LifeOrder>>,
    /// The open confirmation dialog, the last action's outcome, and whether actions can run.
    pub(crate) actions: ActionUi,
    /// First help line shown, and the height help last had (only render knows it).
    pub(crate) help_scroll: usize,
    pub(crate) help_height: Cell<u16>,
    /// The `:` prompt, while open.
    pub(crate) prompt: Option<prompt::Prompt>,
    /// Commands run at the prompt, newest first.
    pub(crate) history: Vec<String>,
    /// What the last command had to say (an error, a list); cleared by the next key.
    pub notice: Option<String>,
    /// Names `:theme` completes; the app fills them in.
    pub theme_names: Vec<String>,
    /// The kubeconfig's contexts, and the one in use, for `:ctx`.
    pub contexts: Vec<String>,
    pub context: Option<String>,
    /// What `:ctx` says of each context: its inferred cluster and region, read-only.
    pub context_about: std::collections::HashMap<String, String>,
    /// The header's colour for this context, from its `[[context]]` entry.
    pub context_color: Option<ratatui::style::Color>,
    /// `--write` lifted a read-only the config asked for; the header says so.
    pub write_override: bool,
    /// Tables show every column (`w`), not only what fits.
    pub wide: bool,
}

impl UiState {
    pub fn new(theme: Theme, read_only: bool) -> Self {
        UiState {
            theme,
            read_only,
            time_zone: TimeZone::system(),
            pane: PaneId::Drivers,
            nav: Default::default(),
            typing_filter: false,
            help: false,
            detail: None,
            viewport: Cell::new(20),
            table_body: Cell::new(ratatui::layout::Rect::default()),
            table_first: Cell::new(0),
            mouse: false,
            filter_cache: RefCell::new(None),
            sort_cache: RefCell::new(None),
            ap_order: RefCell::new(None),
            life_order: RefCell::new(None),
            actions: ActionUi::new(read_only),
            help_scroll: 0,
            help_height: Cell::new(u16::MAX),
            prompt: None,
            history: Vec::new(),
            notice: None,
            theme_names: super::theme::builtin_names().map(str::to_string).collect(),
            contexts: Vec::new(),
            context: None,
            context_about: Default::default(),
            context_color: None,
            write_override: false,
            wide: false,
        }
    }

    /// Another cluster is about to be shown: nothing remembered about the old one's rows
    /// may survive. The caches are keyed by World versions, which a new World repeats.
    pub fn forget_cluster(&mut self) {
        self.detail = None;
        self.typing_filter = false;
        for nav in &mut self.nav {
            nav.selected = 0;
            nav.offset = 0;
        }
        *self.filter_cache.borrow_mut() = None;
        *self.sort_cache.borrow_mut() = None;
        *self.ap_order.borrow_mut() = None;
        *self.life_order.borrow_mut() = None;
        self.actions.pending = None;
        self.actions.status = None;
        self.write_override = false;
    }

    /// Read-only from now on; there is no way back while stordeck runs.
    pub fn set_read_only(&mut self) {
        self.read_only = true;
        self.actions.pending = None;
        self.actions.disabled = Some(dialog::READ_ONLY.to_string());
    }

    pub fn is_prompt_open(&self) -> bool {
        self.prompt.is_some()
    }

    /// The text typed at the `:` prompt, while it is open.
    pub fn prompt_text(&self) -> Option<&str> {
        self.prompt.as_ref().map(|p| p.text.as_str())
    }

    /// Delivers the object the detail view asked for. Ignored if the view has since been
    /// closed or moved to another object, so a slow answer never lands on the wrong one.
    pub fn set_detail_yaml(&mut self, target: &ObjectRef, yaml: Result<String, String>) {
        if let Some(d) = self.detail.as_mut().filter(|d| &d.target == target) {
            d.yaml = Some(yaml);
        }
    }

    pub fn pane(&self) -> PaneId {
        self.pane
    }

    /// Selected row of the active pane, counted in its filtered rows.
    pub fn selection(&self) -> usize {
        self.nav().selected
    }

    pub fn filter(&self) -> &str {
        &self.nav().filter
    }

    pub fn is_typing_filter(&self) -> bool {
        self.typing_filter
    }

    pub fn overlay(&self) -> Overlay {
        if self.help {
            Overlay::Help
        } else if self.detail.is_some() {
            Overlay::Detail
        } else {
            Overlay::None
        }
    }

    pub fn detail_target(&self) -> Option<&ObjectRef> {
        self.detail.as_ref().map(|d| &d.target)
    }

    pub(crate) fn nav(&self) -> &Nav {
        &self.nav[self.pane.index()]
    }

    pub(crate) fn nav_mut(&mut self) -> &mut Nav {
        &mut self.nav[self.pane.index()]
    }

    pub(crate) fn page(&self) -> usize {
        self.viewport.get().max(1)
    }
}
