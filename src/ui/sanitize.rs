//! The one gate between text from the cluster or AWS and the terminal. Anything that could
//! move the cursor, change modes, retitle the window or reorder what the eye reads is
//! removed or replaced with a visible mark, so a hostile object name cannot forge or hide
//! what the operator sees, nor pass for another name through characters that take no
//! width.

use std::borrow::Cow;

/// Shown in place of a control character or bidi override, so tampering stays visible.
pub const REPLACEMENT: char = '\u{FFFD}';

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// C1 string terminator; C1 CSI, OSC and the other string introducers.
const ST: char = '\u{9c}';
const CSI: char = '\u{9b}';
const C1_STRINGS: [char; 5] = ['\u{90}', '\u{98}', '\u{9d}', '\u{9e}', '\u{9f}'];

/// Text safe to hand to the terminal: no C0/C1 controls, no escape sequences, no bidi
/// controls. Whole escape sequences are dropped (their parameters are noise); any other
/// control becomes [`REPLACEMENT`]; tabs and line breaks become a space so a cell stays one
/// line. Borrows when the input is already clean, which it nearly always is.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_work) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            ESC => match it.next() {
                Some('[') => skip_csi(&mut it),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut it),
                // Two- or three-byte sequences (ESC ( B, ESC 7, …): drop the intermediates
                // and the final byte.
                Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
                    while it.next_if(|c| ('\u{20}'..='\u{2f}').contains(c)).is_some() {}
                    it.next();
                }
                Some(_) | None => {}
            },
            CSI => skip_csi(&mut it),
            c if C1_STRINGS.contains(&c) => skip_string(&mut it),
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push(' '),
            c if needs_work(c) => out.push(REPLACEMENT),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`], returning an owned string (for building cells).
pub fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

fn needs_work(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Characters that take no width: a name holding one looks exactly like the name without
/// it (`efs-sc` and `efs\u{200b}-sc`), so they are marked like controls, everywhere.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' | '\u{180e}')
}

/// Bidi embeddings, overrides, isolates and marks: they reorder what is displayed
/// ("Trojan Source") without being visible themselves.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// CSI: parameter and intermediate bytes up to and including a final byte in `@`..`~`.
fn skip_csi(it: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in it.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        // A stray control inside a sequence ends it; anything after is shown, sanitized.
        if !('\u{20}'..='\u{3f}').contains(&c) {
            return;
        }
    }
}

/// OSC, DCS, SOS, PM, APC: everything up to BEL, ST or ESC \.
fn skip_string(it: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = it.next() {
        match c {
            BEL | ST => return,
            ESC => {
                it.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(sanitize("pvc-12 ünïcødé 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn csi_sequences_are_dropped() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(sanitize("x\u{1b}[2J\u{1b}[1;1Hy"), "xy");
        assert_eq!(sanitize("c1\u{9b}31mz"), "c1z");
    }

    #[test]
    fn osc_and_other_strings_are_dropped() {
        assert_eq!(sanitize("t\u{1b}]0;pwned\u{7}x"), "tx");
        assert_eq!(sanitize("t\u{1b}]8;;http://e\u{1b}\\link"), "tlink");
        assert_eq!(sanitize("d\u{1b}Pq#0\u{1b}\\e"), "de");
        assert_eq!(sanitize("o\u{9d}title\u{9c}k"), "ok");
        assert_eq!(sanitize("unterminated\u{1b}]0;forever"), "unterminated");
    }

    #[test]
    fn short_escapes_and_lone_esc() {
        assert_eq!(sanitize("a\u{1b}(Bb"), "ab");
        assert_eq!(sanitize("a\u{1b}7b"), "ab");
        assert_eq!(sanitize("end\u{1b}"), "end");
    }

    #[test]
    fn other_controls_are_replaced_visibly() {
        assert_eq!(sanitize("a\u{0}b\u{7f}c\u{85}d"), "a\u{FFFD}b\u{FFFD}c d");
        assert_eq!(sanitize("bell\u{7}"), "bell\u{FFFD}");
        assert_eq!(sanitize("l1\nl2\tx\r"), "l1 l2 x ");
    }

    #[test]
    fn bidi_overrides_are_replaced() {
        assert_eq!(sanitize("adm\u{202e}nig"), "adm\u{FFFD}nig");
        assert_eq!(sanitize("\u{2066}x\u{2069}"), "\u{FFFD}x\u{FFFD}");
        assert_eq!(sanitize("\u{200f}"), "\u{FFFD}");
    }

    #[test]
    fn zero_width_characters_are_marked_not_dropped() {
        assert_eq!(sanitize("efs\u{200b}-sc"), "efs\u{FFFD}-sc");
        assert_eq!(
            sanitize("a\u{200d}b\u{feff}c\u{2060}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(sanitize("soft\u{ad}hyphen"), "soft\u{FFFD}hyphen");
    }

    #[test]
    fn output_never_contains_controls() {
        let nasty: String = (0u32..0x3000)
            .filter_map(char::from_u32)
            .collect::<String>();
        let out = sanitize(&nasty);
        assert!(!out.chars().any(needs_work), "{out:?}");
    }
}
