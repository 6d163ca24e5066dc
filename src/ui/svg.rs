//! A rendered frame as an SVG picture, for `screenshots/`: the same buffer the terminal
//! shows, cell by cell, with its colours.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const DEFAULT_FG: &str = "#d0d0d0";
const DEFAULT_BG: &str = "#1c1c1c";

pub fn to_svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        f32::from(w) * CELL_W,
        f32::from(h) * CELL_H
    );
    let _ = write!(
        out,
        r#"<rect width="100%" height="100%" fill="{DEFAULT_BG}"/>"#
    );
    for y in 0..h {
        for x in 0..w {
            let cell = &buf[(x, y)];
            if let Some(bg) = hex(cell.bg).filter(|c| c != DEFAULT_BG) {
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{CELL_W:.1}" height="{CELL_H:.1}" fill="{bg}"/>"#,
                    f32::from(x) * CELL_W,
                    f32::from(y) * CELL_H
                );
            }
        }
        let mut x = 0;
        while x < w {
            let cell = &buf[(x, y)];
            if cell.symbol().trim().is_empty() {
                x += 1;
                continue;
            }
            // One <text> per run of same-styled cells keeps the file small.
            let (fg, bold) = (cell.fg, cell.modifier.contains(Modifier::BOLD));
            let start = x;
            let mut text = String::new();
            while x < w
                && buf[(x, y)].fg == fg
                && buf[(x, y)].modifier.contains(Modifier::BOLD) == bold
            {
                text.push_str(buf[(x, y)].symbol());
                x += 1;
            }
            let weight = if bold { r#" font-weight="bold""# } else { "" };
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{}"{weight} xml:space="preserve" textLength="{:.1}">{}</text>"#,
                f32::from(start) * CELL_W,
                f32::from(y) * CELL_H + CELL_H * 0.75,
                hex(fg).unwrap_or_else(|| DEFAULT_FG.into()),
                f32::from(x - start) * CELL_W,
                escape(text.trim_end())
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The xterm palette for named and indexed colours; `None` for the terminal default.
fn hex(c: Color) -> Option<String> {
    let rgb = match c {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed(i),
        Color::Black => (0, 0, 0),
        Color::Red => (205, 49, 49),
        Color::Green => (13, 188, 121),
        Color::Yellow => (229, 229, 16),
        Color::Blue => (36, 114, 200),
        Color::Magenta => (188, 63, 188),
        Color::Cyan => (17, 168, 205),
        Color::Gray => (229, 229, 229),
        Color::DarkGray => (102, 102, 102),
        Color::LightRed => (241, 76, 76),
        Color::LightGreen => (35, 209, 139),
        Color::LightYellow => (245, 245, 67),
        Color::LightBlue => (59, 142, 234),
        Color::LightMagenta => (214, 112, 214),
        Color::LightCyan => (41, 184, 219),
        Color::White => (255, 255, 255),
    };
    Some(format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2))
}

fn indexed(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => {
            let base = [
                (0, 0, 0),
                (205, 49, 49),
                (13, 188, 121),
                (229, 229, 16),
                (36, 114, 200),
                (188, 63, 188),
                (17, 168, 205),
                (229, 229, 229),
                (102, 102, 102),
                (241, 76, 76),
                (35, 209, 139),
                (245, 245, 67),
                (59, 142, 234),
                (214, 112, 214),
                (41, 184, 219),
                (255, 255, 255),
            ];
            base[usize::from(i)]
        }
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(n / 36), level((n / 6) % 6), level(n % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_text_and_rects_with_escaping() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
        buf.set_string(0, 0, "a<b", Style::new().fg(Color::Red).bg(Color::Blue));
        let svg = to_svg(&buf);
        assert!(svg.contains(">a&lt;b</text>"), "{svg}");
        assert!(svg.contains(r##"fill="#cd3131""##) && svg.contains(r##"fill="#2472c8""##));
        assert_eq!(indexed(196), (255, 0, 0));
    }
}
