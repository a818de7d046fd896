//! `cargo xtask modules [--check] [crate-dir]`: the import graph between a
//! crate's top-level modules, and the loops in it.
//!
//! An edge `a -> b` is a `use crate::b…` (or a `crate::b::…` path in code)
//! written anywhere under module `a`; a name the crate root re-exports
//! (`crate::Auth0`) counts as the module that defines it (`client`).
//! Comments and string literals are skipped, so doc links do not count.
//! Submodules fold into their top-level module (`users/export.rs` is
//! `users`). `--check` fails when two modules reach each other.
//!
//! Without a directory it reads `crates/auth0plus-management`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Module name → the modules it imports.
pub(crate) type Graph = BTreeMap<String, BTreeSet<String>>;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    let mut dir = None;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "unknown flag {flag:?}\nusage: cargo xtask modules [--check] [crate-dir]"
                ));
            }
            path => dir = Some(PathBuf::from(path)),
        }
    }
    let dir = dir.unwrap_or_else(|| crate::workspace_root().join("crates/auth0plus-management"));
    let graph = graph_of(&dir.join("src"))?;
    let loops = loops(&graph);
    print!("{}", render(&graph, &loops));
    if check && !loops.is_empty() {
        return Err(format!("{} import loop(s) between modules", loops.len()));
    }
    Ok(())
}

/// The graph as text: one line per module, then the loops.
pub(crate) fn render(graph: &Graph, loops: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (module, imports) in graph {
        let imports: Vec<&str> = imports.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{module} -> {}", imports.join(", "));
    }
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    let _ = writeln!(out, "{} modules, {edges} edges", graph.len());
    if loops.is_empty() {
        let _ = writeln!(out, "no import loop");
    }
    for members in loops {
        let _ = writeln!(out, "loop: {}", members.join(" <-> "));
    }
    out
}

/// The import graph of the crate whose sources are in `src` (`lib.rs` and
/// its modules).
pub(crate) fn graph_of(src: &Path) -> Result<Graph, String> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let lib = code_only(&read(&src.join("lib.rs"))?);
    let (modules, reexports) = root_names(&lib);
    let mut graph = Graph::new();
    for module in &modules {
        let mut files = Vec::new();
        let file = src.join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        collect_rs(&src.join(module), &mut files)?;
        let imports = graph.entry(module.clone()).or_default();
        for file in files {
            for first in crate_paths(&code_only(&read(&file)?)) {
                let target = if modules.contains(&first) {
                    Some(&first)
                } else {
                    reexports.get(&first)
                };
                if let Some(target) = target.filter(|t| *t != module) {
                    imports.insert(target.clone());
                }
            }
        }
    }
    Ok(graph)
}

fn collect_rs(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    if !dir.is_dir() {
        return Ok(());
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_rs(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The modules the crate root declares, and the names it re-exports from
/// them (name → module).
fn root_names(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut modules = BTreeSet::new();
    for statement in lib.split([';', '{', '}']) {
        let words: Vec<&str> = statement.split_whitespace().collect();
        if let Some(at) = words.iter().position(|w| *w == "mod")
            && let Some(name) = words.get(at + 1)
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            modules.insert((*name).to_owned());
        }
    }
    let mut reexports = BTreeMap::new();
    for tree in use_trees(lib) {
        let mut leaves = Vec::new();
        tree_leaves(&tree, &mut Vec::new(), &mut leaves);
        for leaf in leaves {
            if let [module, .., last] = leaf.as_slice()
                && modules.contains(module)
            {
                reexports.insert(last.clone(), module.clone());
            }
        }
    }
    (modules, reexports)
}

/// The text of `use` statements that start with `pub`: what a root
/// re-exports, without the `pub use` and the `;`.
fn use_trees(code: &str) -> Vec<String> {
    let mut trees = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let end = rest.find(';').unwrap_or(rest.len());
        trees.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    trees
}

/// Every path of a use tree (`a::{b, c::d as e}` → `a::b`, `a::c::e`), as
/// segments: the last is the name it is known by.
fn tree_leaves(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(inner) = tree
        .strip_prefix('{')
        .and_then(|t| t.trim_end().strip_suffix('}'))
    {
        for part in split_top(inner) {
            if !part.trim().is_empty() {
                tree_leaves(part, prefix, out);
            }
        }
        return;
    }
    match tree.split_once("::") {
        Some((head, tail)) => {
            prefix.push(head.trim().to_owned());
            tree_leaves(tail, prefix, out);
            prefix.pop();
        }
        None => {
            let name = match tree.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => tree,
            };
            let mut leaf = prefix.clone();
            leaf.push(name.to_owned());
            out.push(leaf);
        }
    }
}

/// `text` split at the commas outside braces.
fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The first segment after every `crate::` in `code` (already stripped of
/// comments and strings), use trees opened: `use crate::{a::X, B}` gives
/// `a` and `B`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while let Some(offset) = code[at..].find("crate::") {
        let start = at + offset;
        at = start + "crate::".len();
        // `$crate::` and `foo_crate::` are not this crate's root.
        if start > 0
            && (bytes[start - 1].is_ascii_alphanumeric() || b"_$".contains(&bytes[start - 1]))
        {
            continue;
        }
        let rest = &code[at..];
        if rest.trim_start().starts_with('{') {
            let end = matching_brace(rest).unwrap_or(rest.len());
            let mut leaves = Vec::new();
            tree_leaves(&rest[..end], &mut Vec::new(), &mut leaves);
            found.extend(
                leaves
                    .into_iter()
                    .filter_map(|leaf| leaf.into_iter().next()),
            );
            at += end;
        } else {
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                found.push(ident);
            }
        }
    }
    found
}

/// The length of `text` up to and with the brace that closes its first `{`.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `source` with comments removed and string and char literals emptied, so
/// that only code is searched.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0usize;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            ('r', Some('#' | '"'))
                if i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') =>
            {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) != Some(&'"') {
                    out.push(c);
                    i += 1;
                    continue;
                }
                i += hashes + 2;
                while i < chars.len() {
                    if chars[i] == '"' && chars[i + 1..].iter().take(hashes).all(|c| *c == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
                out.push_str("\"\"");
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal (`'"'`, `'\n'`); a lifetime (`'a`) is kept.
            ('\'', Some('\\')) => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            }
            ('\'', Some(_)) if chars.get(i + 2) == Some(&'\'') => {
                i += 3;
                out.push_str("' '");
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The loops of `graph`: each group of modules that reach each other
/// (strongly connected, more than one module), sorted.
pub(crate) fn loops(graph: &Graph) -> Vec<Vec<String>> {
    let names: Vec<&String> = graph.keys().collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(module) = todo.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        names.iter().map(|name| (*name, reach(name))).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for name in &names {
        if placed.contains(*name) || !reaches[name].contains(*name) {
            continue;
        }
        let group: Vec<String> = names
            .iter()
            .filter(|other| reaches[name].contains(**other) && reaches[*other].contains(*name))
            .map(|other| (*other).clone())
            .collect();
        placed.extend(group.iter().cloned());
        groups.push(group);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn paths_are_read_from_code_only() {
        let code = code_only(
            r#"
            use crate::query::Query; // crate::nope
            use crate::{Auth0, resource::{Record, kind}, error::Error as E};
            /// [`crate::doc_link`]
            /* crate::block */
            fn f() { let s = "crate::string"; let c = '"'; crate::page::IdText::new(); }
            macro_rules! m { () => { $crate::dollar } }
            "#,
        );
        assert_eq!(
            crate_paths(&code),
            ["query", "Auth0", "resource", "resource", "error", "page"]
        );
    }

    #[test]
    fn the_root_maps_reexported_names_to_their_module() {
        let lib = code_only(
            "mod client;\npub mod users;\n#[cfg(x)]\nmod walk;\n\
             pub use client::{Auth0, Auth0Builder as Builder};\npub use users::model::UserProfile;\n\
             pub use auth0plus_management_api as api;\n",
        );
        let (modules, reexports) = root_names(&lib);
        assert_eq!(modules, set(&["client", "users", "walk"]));
        assert_eq!(reexports.get("Auth0").map(String::as_str), Some("client"));
        assert_eq!(reexports.get("Builder").map(String::as_str), Some("client"));
        assert_eq!(
            reexports.get("UserProfile").map(String::as_str),
            Some("users")
        );
        assert_eq!(reexports.get("api"), None);
    }

    #[test]
    fn loops_are_the_groups_that_reach_each_other() {
        let graph: Graph = [
            ("a", set(&["b"])),
            ("b", set(&["c"])),
            ("c", set(&["a", "d"])),
            ("d", set(&[])),
            ("e", set(&["f"])),
            ("f", set(&["e"])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(
            loops(&graph),
            vec![
                vec!["a".to_owned(), "b".into(), "c".into()],
                vec!["e".to_owned(), "f".into()]
            ]
        );
    }

    /// Issue 21: `auth0plus-management`'s modules import each other in no
    /// loop, so each can be read (and changed) knowing only those below it.
    #[test]
    fn the_management_crate_has_no_import_loop() {
        let src = crate::workspace_root().join("crates/auth0plus-management/src");
        let graph = graph_of(&src).unwrap();
        assert!(graph.len() > 10, "{graph:?}");
        assert!(graph["query"].contains("client"), "{graph:?}");
        let loops = loops(&graph);
        assert!(loops.is_empty(), "{}", render(&graph, &loops));
    }
}
