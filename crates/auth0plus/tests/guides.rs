//! The README stays short and maps every guide, and every guide is compiled:
//! each `docs/*.md` is linked from the README's map and included as doctests
//! by the facade (`src/lib.rs`, `mod guides`), so a guide added without
//! either, or a README grown past what people finish, fails here.

use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The file names of `docs/*.md`, sorted.
fn guides() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_readme_is_at_most_300_lines() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move a section into docs/"
    );
}

#[test]
fn every_guide_is_linked_from_the_readme_and_compiled_as_doctests() {
    let guides = guides();
    assert!(guides.len() >= 12, "docs/ lost guides: {guides:?}");
    let readme = read("README.md");
    let facade = read("crates/auth0plus/src/lib.rs");
    for guide in &guides {
        assert!(
            readme.contains(&format!("](docs/{guide})")),
            "README.md does not link docs/{guide}"
        );
        assert!(
            facade.contains(&format!("= \"{guide}\";")),
            "crates/auth0plus/src/lib.rs does not include docs/{guide} as doctests"
        );
    }
}

#[test]
fn links_between_guides_name_files_that_exist() {
    for guide in guides() {
        let text = read(&format!("docs/{guide}"));
        for link in text.split("](").skip(1) {
            let target = link.split([')', '#']).next().unwrap_or_default();
            if target.is_empty() || target.starts_with("http") {
                continue;
            }
            let path = workspace().join("docs").join(target);
            assert!(
                path.exists(),
                "docs/{guide} links to {target}, which does not exist"
            );
        }
    }
}
