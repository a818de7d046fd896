//! Readiness for crates.io and docs.rs, for every workspace crate that can be
//! published (`publish` not `false`), found through `cargo metadata`, so a new
//! crate is covered the day it is added:
//!
//! - `publish-check`: the metadata crates.io and docs.rs need (see [`problems`]);
//! - `package`: that check, then `cargo package` (which builds each packaged
//!   crate on its own, as a user would get it);
//! - `msrv`: `cargo check` of the whole workspace, tests and benches included,
//!   with the declared `rust-version`, the toolchain installed through rustup.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::{cargo, run, workspace_root};

/// crates.io's category slugs, from `src/boot/categories.toml` in
/// rust-lang/crates.io; crates.io drops a slug it does not know, with only a
/// warning at publish time.
const CATEGORIES: &[&str] = &[
    "algorithms",
    "api-bindings",
    "asynchronous",
    "authentication",
    "caching",
    "command-line-interface",
    "command-line-utilities",
    "compression",
    "computer-vision",
    "concurrency",
    "config",
    "cryptography",
    "cryptography::cryptocurrencies",
    "data-structures",
    "database",
    "database-implementations",
    "date-and-time",
    "development-tools",
    "development-tools::build-utils",
    "development-tools::cargo-plugins",
    "development-tools::debugging",
    "development-tools::ffi",
    "development-tools::procedural-macro-helpers",
    "development-tools::profiling",
    "development-tools::testing",
    "email",
    "embedded",
    "emulators",
    "encoding",
    "external-ffi-bindings",
    "filesystem",
    "game-development",
    "game-engines",
    "games",
    "graphics",
    "gui",
    "hardware-support",
    "internationalization",
    "localization",
    "mathematics",
    "memory-management",
    "multimedia",
    "multimedia::audio",
    "multimedia::encoding",
    "multimedia::images",
    "multimedia::video",
    "network-programming",
    "no-std",
    "os",
    "os::linux-apis",
    "os::macos-apis",
    "os::unix-apis",
    "os::windows-apis",
    "parser-implementations",
    "parsing",
    "rendering",
    "rendering::data-formats",
    "rendering::engine",
    "rendering::graphics-api",
    "rust-patterns",
    "science",
    "science::robotics",
    "simulation",
    "template-engine",
    "text-editors",
    "text-processing",
    "value-formatting",
    "visualization",
    "wasm",
    "web-programming",
    "web-programming::http-client",
    "web-programming::http-server",
    "web-programming::websocket",
];

/// Features that need a system library (OpenSSL headers) to build. None of
/// our code is behind them (they only switch reqwest's TLS stack), so the
/// MSRV check leaves them out and needs nothing but rustup.
const SYSTEM_LIBRARY_FEATURES: &[&str] = &["native-tls"];

/// One workspace crate that can be published, as `cargo metadata` reports it.
#[derive(Debug)]
pub struct Crate {
    name: String,
    manifest: PathBuf,
    package: Value,
}

impl Crate {
    fn dir(&self) -> &Path {
        self.manifest.parent().unwrap_or(Path::new("."))
    }

    fn str_field(&self, field: &str) -> Option<&str> {
        self.package[field]
            .as_str()
            .filter(|s| !s.trim().is_empty())
    }

    fn list_field(&self, field: &str) -> Vec<&str> {
        self.package[field]
            .as_array()
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Feature names, `default` left out.
    fn features(&self) -> Vec<&str> {
        self.package["features"]
            .as_object()
            .map(|features| {
                features
                    .keys()
                    .map(String::as_str)
                    .filter(|f| *f != "default")
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lib_source(&self) -> Option<PathBuf> {
        self.package["targets"]
            .as_array()?
            .iter()
            .find_map(|target| {
                let kinds = target["kind"].as_array()?;
                kinds
                    .iter()
                    .any(|k| k == "lib")
                    .then(|| target["src_path"].as_str().map(PathBuf::from))?
            })
    }
}

/// The workspace's publishable crates, in `cargo metadata` order.
///
/// # Errors
/// When `cargo metadata` cannot run or answers something unexpected.
pub fn publishable_crates() -> Result<Vec<Crate>, String> {
    let output = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no packages")?;
    Ok(packages
        .iter()
        // `publish = false` is reported as an empty list of registries.
        .filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty()))
        .filter_map(|p| {
            Some(Crate {
                name: p["name"].as_str()?.to_owned(),
                manifest: PathBuf::from(p["manifest_path"].as_str()?),
                package: p.clone(),
            })
        })
        .collect())
}

/// What crates.io and docs.rs would miss in one crate; empty when ready.
///
/// A publishable crate carries a description, `license`, `repository` and
/// `rust-version`; a `LICENSE` file beside its `Cargo.toml` (a symlink to the
/// workspace's: ISC wants the notice in every copy, and cargo packages only
/// what is in the crate's directory); 1–5 keywords crates.io accepts; 1–5 known category slugs;
/// a `readme` that exists and links to the main README (the repository URL);
/// `[package.metadata.docs.rs]` with `all-features = true` and
/// `rustdoc-args = ["--cfg", "docsrs"]`; and, when it has features, a `## `
/// comment above each one in `Cargo.toml`, rendered in its docs by
/// `document_features!()`, with `doc_cfg` turned on under `docsrs`.
#[must_use]
pub fn problems(krate: &Crate) -> Vec<String> {
    let mut problems = Vec::new();
    for field in ["description", "license", "repository", "rust_version"] {
        if krate.str_field(field).is_none() {
            problems.push(format!("no `{}`", field.replace('_', "-")));
        }
    }
    if !krate.dir().join("LICENSE").is_file() {
        problems.push("no LICENSE file (symlink ../../LICENSE)".into());
    }
    problems.extend(one_to_five(
        krate,
        "keywords",
        valid_keyword,
        "is not one crates.io accepts",
    ));
    problems.extend(one_to_five(
        krate,
        "categories",
        |c| CATEGORIES.contains(&c),
        "is not a crates.io slug",
    ));
    problems.extend(readme_problems(krate));
    let docs_rs = &krate.package["metadata"]["docs"]["rs"];
    if docs_rs["all-features"] != Value::Bool(true) {
        problems.push("no `all-features = true` in [package.metadata.docs.rs]".into());
    }
    let rustdoc_args: Vec<&str> = docs_rs["rustdoc-args"]
        .as_array()
        .map(|args| args.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !rustdoc_args.windows(2).any(|w| w == ["--cfg", "docsrs"]) {
        problems.push(
            "no `rustdoc-args = [\"--cfg\", \"docsrs\"]` in [package.metadata.docs.rs]".into(),
        );
    }
    problems.extend(feature_doc_problems(krate));
    problems
}

/// crates.io takes 1 to 5 keywords and 1 to 5 categories.
fn one_to_five(
    krate: &Crate,
    field: &str,
    valid: impl Fn(&str) -> bool,
    invalid: &str,
) -> Vec<String> {
    let values = krate.list_field(field);
    let mut problems = Vec::new();
    if !(1..=5).contains(&values.len()) {
        problems.push(format!("{} {field} (1 to 5 wanted)", values.len()));
    }
    problems.extend(
        values
            .iter()
            .filter(|v| !valid(v))
            .map(|v| format!("{field}: {v:?} {invalid}")),
    );
    problems
}

/// crates.io: at most 20 characters, ASCII letters, digits, `_`, `-` or `+`,
/// starting with a letter or digit.
fn valid_keyword(keyword: &str) -> bool {
    keyword.len() <= 20
        && keyword
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && keyword
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
}

fn readme_problems(krate: &Crate) -> Vec<String> {
    let Some(readme) = krate.str_field("readme") else {
        return vec!["no `readme`".into()];
    };
    let path = krate.dir().join(readme);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return vec![format!("readme {readme:?} does not exist")];
    };
    let repository = krate.str_field("repository").unwrap_or("?");
    let mut problems = Vec::new();
    if !text.contains(repository) {
        problems.push(format!(
            "readme {readme:?} does not link to the main README ({repository})"
        ));
    }
    if !text.contains(&format!("# {}", krate.name)) {
        problems.push(format!(
            "readme {readme:?} is not titled `# {}`",
            krate.name
        ));
    }
    problems
}

fn feature_doc_problems(krate: &Crate) -> Vec<String> {
    let features = krate.features();
    if features.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let manifest = std::fs::read_to_string(&krate.manifest).unwrap_or_default();
    let lines: Vec<&str> = manifest.lines().map(str::trim).collect();
    for feature in features {
        let documented = lines.iter().enumerate().any(|(i, line)| {
            line.strip_prefix(feature)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                && i > 0
                && lines[i - 1].starts_with("## ")
        });
        if !documented {
            problems.push(format!(
                "feature `{feature}` has no `## ` comment above it in Cargo.toml"
            ));
        }
    }
    let lib = krate
        .lib_source()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    if !lib.contains("document_features::document_features!()") {
        problems.push("the crate docs do not render `document_features!()`".into());
    }
    if !lib.contains("#![cfg_attr(docsrs, feature(doc_cfg))]") {
        problems.push("no `#![cfg_attr(docsrs, feature(doc_cfg))]` in lib.rs".into());
    }
    problems
}

/// `cargo xtask publish-check`.
///
/// # Errors
/// Lists every problem of every crate.
pub fn check() -> Result<Vec<Crate>, String> {
    let crates = publishable_crates()?;
    if crates.is_empty() {
        return Err("no publishable crate in the workspace".into());
    }
    let mut report = String::new();
    for krate in &crates {
        for problem in problems(krate) {
            report.push_str(&format!("\n  {}: {problem}", krate.name));
        }
    }
    let versions: std::collections::BTreeSet<_> = crates
        .iter()
        .filter_map(|c| c.str_field("rust_version"))
        .collect();
    if versions.len() > 1 {
        report.push_str(&format!(
            "\n  the publishable crates declare different rust-versions: {versions:?}"
        ));
    }
    if !report.is_empty() {
        return Err(format!("not ready for crates.io / docs.rs:{report}"));
    }
    println!(
        "publish-check: {} publishable crates ready: {}",
        crates.len(),
        names(&crates).join(", ")
    );
    Ok(crates)
}

/// `cargo xtask package`: the check, then `cargo package` of every
/// publishable crate, each built on its own from its `.crate` file.
///
/// # Errors
/// When the check or `cargo package` fails.
pub fn package(args: &[String]) -> Result<(), String> {
    let crates = check()?;
    let started = Instant::now();
    forget_unpacked_packages(&crates)?;
    let mut command = cargo();
    command.args(["package", "--locked"]).args(args);
    for name in names(&crates) {
        command.args(["-p", name]);
    }
    run(&mut command)?;
    println!(
        "cargo package: {} crates packaged and verified in {:.0} s",
        crates.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask msrv`: installs the declared `rust-version` through rustup
/// (minimal profile) and type-checks the whole workspace with it, every target
/// (tests, examples, benches) and every feature of the publishable crates but
/// [`SYSTEM_LIBRARY_FEATURES`], in `target/msrv`.
///
/// # Errors
/// When the toolchain cannot be installed or a crate does not build with it.
pub fn msrv() -> Result<(), String> {
    let crates = check()?;
    let version = crates
        .iter()
        .find_map(|c| c.str_field("rust_version"))
        .ok_or("no rust-version declared")?
        .to_owned();
    let started = Instant::now();
    // Only a missing toolchain needs the network.
    let installed = Command::new("rustup")
        .args(["run", &version, "rustc", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !installed {
        let fetched = run(Command::new("rustup").args([
            "toolchain",
            "install",
            &version,
            "--profile",
            "minimal",
        ]));
        if let Err(e) = fetched {
            // A machine that cannot reach the toolchain server must not turn
            // every CI run red; it says loudly that this run proved nothing.
            eprintln!(
                "msrv: WARNING: rust {version} could not be installed ({e}); \
                 the declared rust-version is NOT verified by this run"
            );
            return Ok(());
        }
    }
    let mut command = Command::new("rustup");
    command.args([
        "run",
        &version,
        "cargo",
        "check",
        "--locked",
        "--workspace",
        "--all-targets",
    ]);
    for krate in &crates {
        for feature in krate.features() {
            if !SYSTEM_LIBRARY_FEATURES.contains(&feature) {
                command.args(["--features", &format!("{}/{feature}", krate.name)]);
            }
        }
    }
    // The outer cargo's settings must not leak into the other toolchain's run.
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "RUSTC_WRAPPER",
    ] {
        command.env_remove(var);
    }
    command.env("CARGO_TARGET_DIR", workspace_root().join("target/msrv"));
    run(&mut command)?;
    println!(
        "msrv: the workspace builds with rust {version} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Removes what an earlier `cargo package` of this workspace unpacked into
/// `$CARGO_HOME/registry/src`, so the verify builds compile today's sources.
///
/// Packaging several crates at once puts their `.crate` files in a local
/// registry under `target/package` and unpacks each one, for the crates that
/// depend on it, into `registry/src/-<hash of that path>/<name>-<version>`.
/// Cargo unpacks a package only once (its `.cargo-ok` marks it done), so a
/// second run from the same checkout path at the same version built the
/// dependents against the *first* run's sources: CI failed with "no
/// `Relation` in the root" for a re-export that exists. Only directories of
/// local registries (their name starts with `-`; crates.io's never does) and
/// only our crates at their current version are removed.
fn forget_unpacked_packages(crates: &[Crate]) -> Result<(), String> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let packages: Vec<String> = crates
        .iter()
        .filter_map(|c| Some(format!("{}-{}", c.name, c.str_field("version")?)))
        .collect();
    remove_unpacked(&home.join("registry").join("src"), &packages)
}

/// [`forget_unpacked_packages`] for one `registry/src` directory.
fn remove_unpacked(sources: &Path, packages: &[String]) -> Result<(), String> {
    let Ok(registries) = std::fs::read_dir(sources) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for package in packages {
            let unpacked = registry.path().join(package);
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .map_err(|e| format!("cannot remove {}: {e}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

fn names(crates: &[Crate]) -> Vec<&str> {
    crates.iter().map(|c| c.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_our_packages_unpacked_from_local_registries_are_removed() {
        let sources = std::env::temp_dir().join(format!("xtask-unpacked-{}", std::process::id()));
        let dirs = [
            "-0123abcd/auth0plus-management-0.1.0/src",
            "-0123abcd/auth0plus-management-0.0.9/src",
            "-0123abcd/serde-1.0.0/src",
            "index.crates.io-1949cf8c6b5b557f/auth0plus-management-0.1.0/src",
        ];
        for dir in dirs {
            std::fs::create_dir_all(sources.join(dir)).unwrap();
        }
        remove_unpacked(&sources, &["auth0plus-management-0.1.0".to_owned()]).unwrap();
        let exists = |dir: &str| sources.join(dir).exists();
        assert!(!exists("-0123abcd/auth0plus-management-0.1.0"));
        assert!(exists("-0123abcd/auth0plus-management-0.0.9"));
        assert!(exists("-0123abcd/serde-1.0.0"));
        assert!(exists(
            "index.crates.io-1949cf8c6b5b557f/auth0plus-management-0.1.0"
        ));
        std::fs::remove_dir_all(&sources).unwrap();
        // A CARGO_HOME without a registry yet is fine.
        remove_unpacked(&sources, &[]).unwrap();
    }

    fn krate(package: Value) -> Crate {
        Crate {
            name: package["name"].as_str().unwrap_or("x").to_owned(),
            manifest: PathBuf::from("/nonexistent/Cargo.toml"),
            package,
        }
    }

    #[test]
    fn keywords_follow_the_crates_io_rules() {
        assert!(valid_keyword("auth0"));
        assert!(valid_keyword("client-credentials"));
        assert!(valid_keyword("c++"));
        assert!(!valid_keyword("-leading-dash"));
        assert!(!valid_keyword("has space"));
        assert!(!valid_keyword("twenty-one-characters"));
        assert!(!valid_keyword(""));
    }

    #[test]
    fn an_empty_manifest_lists_every_missing_field() {
        let found = problems(&krate(json!({"name": "auth0plus-new", "features": {}})));
        for expected in [
            "no `description`",
            "no `license`",
            "no `repository`",
            "no `rust-version`",
            "no LICENSE file (symlink ../../LICENSE)",
            "0 keywords (1 to 5 wanted)",
            "0 categories (1 to 5 wanted)",
            "no `readme`",
            "no `all-features = true` in [package.metadata.docs.rs]",
        ] {
            assert!(
                found.iter().any(|p| p == expected),
                "{expected:?} not in {found:?}"
            );
        }
    }

    #[test]
    fn a_made_up_category_and_a_missing_readme_are_caught() {
        let found = problems(&krate(json!({
            "name": "auth0plus-new",
            "categories": ["auth0"],
            "readme": "README.md",
            "metadata": {"docs": {"rs": {"all-features": true, "rustdoc-args": ["--cfg", "docsrs"]}}},
        })));
        assert!(found.contains(&"categories: \"auth0\" is not a crates.io slug".to_owned()));
        assert!(found.contains(&"readme \"README.md\" does not exist".to_owned()));
        assert!(!found.iter().any(|p| p.contains("docs.rs")), "{found:?}");
    }

    #[test]
    fn every_crate_of_this_workspace_is_ready() {
        let crates = publishable_crates().unwrap();
        assert!(crates.iter().any(|c| c.name == "auth0plus"));
        assert!(
            !crates
                .iter()
                .any(|c| c.name == "xtask" || c.name == "auth0plus-tests")
        );
        for krate in &crates {
            assert_eq!(problems(krate), Vec::<String>::new(), "{}", krate.name);
        }
    }
}
