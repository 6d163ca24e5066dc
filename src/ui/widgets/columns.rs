//! Which columns a table shows and how wide, given its width: identifiers (PV names,
//! volume and access point ids, claims) get the width their visible values need, since
//! they are what people read and copy; on a narrow terminal secondary columns go, least
//! needed first. Wide mode keeps every column, whatever the squeeze.

use ratatui::layout::Constraint;
use ratatui::text::Span;

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
    /// Text depends on the clock (ages): left out of filter matching so a filter's result
    /// does not change while nobody types.
    pub timed: bool,
    /// An identifier people read and copy: as wide as its visible values (`columns`).
    pub ident: bool,
    /// 0: always shown; otherwise dropped on a narrow terminal, highest first.
    pub drop: u8,
}

impl Column {
    pub const fn new(title: &'static str, width: Constraint) -> Self {
        Column {
            title,
            width,
            timed: false,
            ident: false,
            drop: 0,
        }
    }

    pub const fn timed(title: &'static str, width: Constraint) -> Self {
        Column {
            timed: true,
            ..Column::new(title, width)
        }
    }

    pub const fn ident(self) -> Self {
        Column {
            ident: true,
            ..self
        }
    }

    /// May go on a narrow terminal; a higher `rank` goes first.
    pub const fn optional(self, rank: u8) -> Self {
        Column { drop: rank, ..self }
    }
}

/// A name longer than this is cut rather than starve every other column.
const IDENT_MAX: u16 = 64;
/// What a `Fill` column needs to say anything.
const FILL_MIN: u16 = 8;

/// The indexes of the columns to draw, and their widths, for `width` cells across (the
/// highlight mark excluded), `longest(i)` being the widest value of column `i` on screen.
pub fn layout(
    columns: &[Column],
    longest: impl Fn(usize) -> usize,
    width: u16,
    spacing: u16,
    wide: bool,
) -> (Vec<usize>, Vec<Constraint>) {
    let natural = |i: usize| -> u16 {
        let title = Span::raw(columns[i].title).width();
        u16::try_from(longest(i).max(title))
            .unwrap_or(IDENT_MAX)
            .min(IDENT_MAX)
    };
    let mut widths: Vec<Constraint> = (0..columns.len())
        .map(|i| match columns[i] {
            c if c.ident => Constraint::Length(natural(i).max(min_of(c.width))),
            c => c.width,
        })
        .collect();
    let need = |shown: &[usize], widths: &[Constraint]| -> u32 {
        let cols: u32 = shown.iter().map(|&i| u32::from(min_of(widths[i]))).sum();
        cols + u32::from(spacing) * (shown.len().saturating_sub(1) as u32)
    };
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    if !wide {
        while need(&shown, &widths) > u32::from(width) {
            // The most droppable column goes; among equals, the rightmost.
            let Some(pos) = (0..shown.len())
                .filter(|&p| columns[shown[p]].drop > 0)
                .max_by_key(|&p| (columns[shown[p]].drop, p))
            else {
                break;
            };
            shown.remove(pos);
        }
    }
    // Still too wide: identifiers share what is left, the rightmost first, so that the
    // row's own name (the leftmost) is the last to be cut.
    let idents: Vec<usize> = shown
        .iter()
        .copied()
        .filter(|&i| columns[i].ident)
        .collect();
    for &i in idents.iter().skip(1).rev() {
        if need(&shown, &widths) <= u32::from(width) {
            break;
        }
        widths[i] = Constraint::Fill(1);
    }
    let constraints = shown.iter().map(|&i| widths[i]).collect();
    (shown, constraints)
}

/// The least a constraint asks for.
fn min_of(c: Constraint) -> u16 {
    match c {
        Constraint::Length(n) | Constraint::Min(n) | Constraint::Max(n) => n,
        _ => FILL_MIN,
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Constraint::{Fill, Length};

    use super::*;

    const COLS: &[Column] = &[
        Column::new("NAME", Fill(1)).ident(),
        Column::new("MODES", Length(5)).optional(2),
        Column::new("CLASS", Length(9)).optional(1),
        Column::new("STATE", Length(9)),
    ];

    /// One row: a whole PV name, RWX, efs-sc, Bound.
    fn rows(i: usize) -> usize {
        [40, 3, 6, 5][i]
    }

    #[test]
    fn identifiers_keep_their_whole_width_and_secondary_columns_go_first() {
        let (shown, widths) = layout(COLS, rows, 200, 1, false);
        assert_eq!(shown, [0, 1, 2, 3]);
        assert_eq!(widths[0], Length(40), "the PV name whole");

        // 40 + 9 + 9 + 2 spaces: MODES (most droppable) went, CLASS stayed.
        let (shown, _) = layout(COLS, rows, 60, 1, false);
        assert_eq!(shown, [0, 2, 3]);
        let (shown, _) = layout(COLS, rows, 45, 1, false);
        assert_eq!(
            shown,
            [0, 3],
            "never the identifier or a column that cannot go"
        );

        let (shown, _) = layout(COLS, rows, 45, 1, true);
        assert_eq!(shown, [0, 1, 2, 3], "wide mode shows every column");
    }

    #[test]
    fn when_identifiers_alone_are_too_wide_the_first_one_keeps_its_width() {
        const TWO: &[Column] = &[
            Column::new("NAME", Fill(1)).ident(),
            Column::new("CLAIM", Fill(1)).ident(),
        ];
        // A whole PV name and a 28-character claim.
        let row = |i: usize| [40, 28][i];
        let (_, widths) = layout(TWO, row, 60, 1, false);
        assert_eq!(widths, [Length(40), Fill(1)]);
        let (_, widths) = layout(TWO, row, 80, 1, false);
        assert_eq!(widths, [Length(40), Length(28)], "both fit whole");
    }
}
