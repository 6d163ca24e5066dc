//! Widgets shared by the panes: the virtual table, row badges, header, tabs, footer, help,
//! dialogs and gauges.

pub mod badge;
pub mod columns;
pub mod dialog;
pub mod footer;
pub mod gauge;
pub mod header;
pub mod help;
pub mod table;
pub mod tabs;

use ratatui::layout::Rect;

/// A `width`×`height` box centred in `area`, shrunk to fit.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
