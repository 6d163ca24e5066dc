//! The layers DESIGN.md draws, checked on the source: no module of `ui/` or `sources/`
//! imports, directly or through others, a module that imports it back. Reads the `use`
//! declarations only (tests excluded); a module path resolves to the longest module that
//! exists, so `use super::state::UiState` is an edge to `ui::state`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`ui::panes::chain`) → its file's text, for every module under `dir`.
fn modules(dir: &Path, prefix: &[String], out: &mut Modules) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if p.is_dir() {
            let mut sub = prefix.to_vec();
            sub.push(name.to_string());
            modules(&p, &sub, out);
        } else if p.extension().is_some_and(|e| e == "rs")
            && !name.ends_with("_tests")
            && name != "tests"
        {
            let is_mod = name == "mod";
            let mut path = prefix.to_vec();
            if !is_mod {
                path.push(name.to_string());
            }
            let text = std::fs::read_to_string(&p).expect("read source");
            out.insert(path, (text, is_mod));
        }
    }
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(u: &str) -> Vec<String> {
    let Some(open) = u.find('{') else {
        return vec![u.to_string()];
    };
    let (pre, inner) = (&u[..open], &u[open + 1..u.len() - 1]);
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in inner.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{pre}{p}")))
        .collect()
}

/// The `use` paths of a file's non-test code, whitespace removed.
fn uses(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let lead = rest[line_start..at].trim();
        let is_decl = lead.is_empty() || lead.starts_with("pub");
        let end = rest[at..].find(';').map_or(rest.len(), |i| at + i);
        if is_decl {
            let path: String = rest[at + 4..end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            out.extend(expand(&path));
        }
        rest = &rest[end.min(rest.len() - 1) + 1..];
    }
    out
}

fn resolve(from: &[String], is_mod: bool, path: &str, mods: &Modules) -> Option<Vec<String>> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match parts.first()? {
        &"crate" => Vec::new(),
        &"self" | &"super" => {
            let mut b = from.to_vec();
            if !is_mod {
                b.pop();
            }
            b
        }
        _ => return None,
    };
    if parts[0] == "crate" || parts[0] == "self" {
        parts.remove(0);
    }
    while parts.first() == Some(&"super") {
        parts.remove(0);
        if parts.first() == Some(&"super") {
            base.pop();
        }
    }
    let full: Vec<String> = base
        .into_iter()
        .chain(parts.iter().map(|s| s.to_string()))
        .collect();
    (1..=full.len())
        .rev()
        .map(|i| full[..i].to_vec())
        .find(|m| mods.contains_key(m))
}

fn cycle_in(layer: &str) -> Option<Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut mods = BTreeMap::new();
    modules(&src.join(layer), &[layer.to_string()], &mut mods);
    cycle(&mods)
}

type Modules = BTreeMap<Vec<String>, (String, bool)>;

fn cycle(mods: &Modules) -> Option<Vec<String>> {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, (text, is_mod)) in mods {
        for u in uses(text) {
            if let Some(t) = resolve(m, *is_mod, &u, mods)
                && &t != m
                && !m.starts_with(&t)
            {
                edges.entry(m.clone()).or_default().insert(t);
            }
        }
    }
    // Depth-first search for a back edge; the path to it is the cycle.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        done: &mut BTreeSet<Vec<String>>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut c: Vec<String> = stack[i..].iter().map(|s| s.join("::")).collect();
            c.push(m.join("::"));
            return Some(c);
        }
        if !done.insert(m.clone()) {
            return None;
        }
        stack.push(m.clone());
        for t in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(t, edges, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    mods.keys()
        .find_map(|m| visit(m, &edges, &mut done, &mut Vec::new()))
}

#[test]
fn ui_has_no_import_circles() {
    assert_eq!(cycle_in("ui"), None);
}

#[test]
fn sources_have_no_import_circles() {
    assert_eq!(cycle_in("sources"), None);
}

#[test]
fn the_checker_finds_a_circle_and_only_a_circle() {
    let text = "use super::b::X;\nuse crate::ui::{c::Y, d};\n#[cfg(test)]\nuse super::z;";
    assert_eq!(
        uses(text),
        ["super::b::X", "crate::ui::c::Y", "crate::ui::d"]
    );
    let build = |files: &[(&str, &str)]| -> Modules {
        files
            .iter()
            .map(|(m, t)| {
                (
                    vec!["ui".to_string(), m.to_string()],
                    (t.to_string(), false),
                )
            })
            .collect()
    };
    let circle = build(&[
        ("a", "use super::b::X;"),
        ("b", "use crate::ui::{a::f, c};"),
        ("c", ""),
    ]);
    assert_eq!(
        cycle(&circle),
        Some(vec!["ui::a".into(), "ui::b".into(), "ui::a".into()])
    );
    let line = build(&[("a", "use super::b::X;"), ("b", "use super::c;"), ("c", "")]);
    assert_eq!(cycle(&line), None);
}
