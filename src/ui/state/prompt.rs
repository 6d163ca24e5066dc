//! The `:` command prompt's state: what is typed, where Tab completion stands, where ↑/↓
//! are in the history. The prompt's keys and commands live in `ui::prompt`.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prompt {
    pub text: String,
    /// The completions Tab offered for the text as it was, and which one is shown.
    pub completing: Option<(Vec<String>, usize)>,
    /// Position in the history while ↑/↓ walk it (0 is the newest).
    pub history_at: Option<usize>,
}
