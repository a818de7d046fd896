//! The tracing guide's table (`docs/tracing.md`) lists exactly the spans and events the crates
//! emit: each `tracing::<level>!` and `tracing::<level>_span!` call in
//! `crates/*/src`, with its target (the module path), level, message or span
//! name, and field names. Adding, removing or changing one without the guide
//! fails here, with the row to write.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One span or event: target, level, message (or `span <name>`), field names.
type Row = (String, String, String, Vec<String>);

const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crates/auth0plus-oauth/src/credentials.rs` → `auth0plus_oauth::credentials`.
fn module_path(src: &Path, file: &Path, krate: &str) -> String {
    let mut parts = vec![krate.replace('-', "_")];
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    for part in relative.iter() {
        let part = part.to_str().unwrap();
        if !matches!(part, "lib" | "main" | "mod") {
            parts.push(part.to_owned());
        }
    }
    parts.join("::")
}

/// The text between the `(` that `text` starts with and its matching `)`.
fn call_arguments(text: &str) -> &str {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced macro call: {text:.80}")
}

/// Splits macro arguments at top-level commas.
fn split_arguments(args: &str) -> Vec<String> {
    let (mut parts, mut current) = (Vec::new(), String::new());
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for c in args.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                parts.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_owned());
    parts.retain(|p| !p.is_empty());
    parts
}

/// `%method` → `method`; `wait_ms = wait.as_millis()` → `wait_ms`.
fn field_name(argument: &str) -> String {
    let name = match argument.split_once('=') {
        Some((name, _)) => name,
        None => argument,
    };
    name.trim().trim_start_matches(['%', '?']).to_owned()
}

fn emitted() -> BTreeSet<Row> {
    let mut rows = BTreeSet::new();
    let crates = workspace().join("crates");
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let krate = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let src = dir.join("src");
        let mut files = Vec::new();
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let shown = file
                .strip_prefix(workspace())
                .unwrap()
                .display()
                .to_string();
            for forbidden in [
                "#[instrument",
                "tracing::instrument",
                "tracing::event!",
                "tracing::span!",
                "use tracing::{",
            ] {
                assert!(
                    !text.contains(forbidden),
                    "{shown} uses `{forbidden}`: call `tracing::<level>!` or \
                     `tracing::<level>_span!` so this test (and the tracing guide's table) sees it"
                );
            }
            for level in LEVELS {
                assert!(
                    !text.contains(&format!("use tracing::{level}")),
                    "{shown}: write `tracing::{level}!` in full so this test sees it"
                );
            }
            let target = module_path(&src, &file, &krate);
            for (at, _) in text.match_indices("tracing::") {
                let after = &text[at + "tracing::".len()..];
                let Some(bang) = after.find('!') else {
                    continue;
                };
                let name = &after[..bang];
                let (level, span) = match name.strip_suffix("_span") {
                    Some(level) => (level, true),
                    None => (name, false),
                };
                if !LEVELS.contains(&level) || !after[bang + 1..].starts_with('(') {
                    continue;
                }
                let mut arguments = split_arguments(call_arguments(&after[bang + 1..]));
                let literal = |a: &String| a.starts_with('"');
                let message = if span {
                    let name = arguments.remove(0);
                    assert!(literal(&name), "{shown}: a span name must be a literal");
                    format!("span {}", name.trim_matches('"'))
                } else {
                    let message = arguments.pop().unwrap_or_default();
                    assert!(
                        literal(&message),
                        "{shown}: an event's message must be its last argument, a literal"
                    );
                    message.trim_matches('"').to_owned()
                };
                let fields = arguments.iter().map(|a| field_name(a)).collect();
                rows.insert((target.clone(), level.to_uppercase(), message, fields));
            }
        }
    }
    rows
}

/// The rows of the table in `docs/tracing.md` (the tracing guide; the
/// README links to it), up to the guide's next section.
fn documented() -> BTreeSet<Row> {
    let guide = std::fs::read_to_string(workspace().join("docs/tracing.md")).unwrap();
    let start = guide
        .find("\n| target | level |")
        .expect("docs/tracing.md has the table of spans and events");
    let section = &guide[start + 1..];
    let section = &section[..section.find("\n## ").map_or(section.len(), |e| e)];
    let unquote = |cell: &str| cell.trim().trim_matches('`').to_owned();
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 4, "docs/tracing.md row: {line}");
            let what = cells[2].trim();
            let message = match what.strip_prefix("span ") {
                Some(name) => format!("span {}", unquote(name)),
                // "`http attempt` (answered)": the remark is for the reader.
                None => unquote(what.split(" (").next().unwrap_or(what)),
            };
            let fields = cells[3]
                .split(',')
                .map(unquote)
                .filter(|f| !f.is_empty())
                .collect();
            (unquote(cells[0]), unquote(cells[1]), message, fields)
        })
        .collect()
}

fn show(row: &Row) -> String {
    let (target, level, message, fields) = row;
    let fields: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    let message = match message.strip_prefix("span ") {
        Some(name) => format!("span `{name}`"),
        None => format!("`{message}`"),
    };
    format!(
        "| `{target}` | `{level}` | {message} | {} |",
        fields.join(", ")
    )
}

#[test]
fn the_tracing_guide_lists_exactly_the_spans_and_events_that_exist() {
    let emitted = emitted();
    let documented = documented();
    assert!(
        emitted
            .iter()
            .any(|(_, _, m, _)| m == "span auth0plus.request"),
        "the request span was not found: is this test still reading the sources?"
    );
    let missing: Vec<String> = emitted.difference(&documented).map(show).collect();
    let stale: Vec<String> = documented.difference(&emitted).map(show).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/tracing.md is out of date.\nadd:\n{}\nremove:\n{}",
        missing.join("\n"),
        stale.join("\n")
    );
}

#[test]
fn macro_arguments_are_read_as_written() {
    let call = r#"(%method, %path, attempt, status = response.status().as_u16(), ?verdict, "http, (attempt)") trailing"#;
    let arguments = split_arguments(call_arguments(call));
    assert_eq!(arguments.last().unwrap(), r#""http, (attempt)""#);
    let fields: Vec<String> = arguments[..arguments.len() - 1]
        .iter()
        .map(|a| field_name(a))
        .collect();
    assert_eq!(fields, ["method", "path", "attempt", "status", "verdict"]);
    assert_eq!(
        module_path(
            Path::new("/w/src"),
            Path::new("/w/src/users/export.rs"),
            "auth0plus-management"
        ),
        "auth0plus_management::users::export"
    );
}
