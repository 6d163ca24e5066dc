//! The terminal UI: renders a `World` and a `UiState` into a frame, and turns key presses
//! into state changes and commands for the app loop. It never mutates the model, never
//! blocks, and every string from outside reaches the terminal through `sanitize`.

pub mod format;
pub mod sanitize;
pub mod theme;

pub use theme::{Theme, ThemeError};
