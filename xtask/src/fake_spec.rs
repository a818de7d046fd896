//! `cargo xtask fake-spec [--check]`: the fake tenant's copy of the vendored Management API
//! spec.
//!
//! The fake is packaged alone, so it cannot read `spec/` at the workspace root: it embeds
//! `crates/auth0plus-fake/spec/management-api.json.gz`, the vendored document with the SDK
//! additions merged in (`spec_doc::load`), minified (key order kept) and gzipped. This task
//! writes it; `--check` fails when the embedded copy no longer says what `spec/` says.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use crate::spec_doc::{ADDITIONS, SPEC};

/// The fake's derived copy, relative to the workspace root.
const DERIVED: &str = "crates/auth0plus-fake/spec/management-api.json.gz";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// The minified document the fake embeds.
fn minified() -> Result<Vec<u8>, String> {
    let doc = crate::spec_doc::load(&root())?;
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

pub fn run(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask fake-spec [--check]".into()),
    };
    let want = minified()?;
    let out = root().join(DERIVED);
    if check {
        let gz = std::fs::read(&out).map_err(|e| {
            format!("cannot read {DERIVED} ({e}); run `cargo xtask fake-spec` to write it")
        })?;
        let mut have = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut have)
            .map_err(|e| format!("{DERIVED} is not gzip: {e}"))?;
        if have != want {
            return Err(format!(
                "{DERIVED} does not match {SPEC} + {ADDITIONS}; run `cargo xtask fake-spec` and commit it"
            ));
        }
        println!("fake-spec: {DERIVED} matches {SPEC} + {ADDITIONS}");
        return Ok(());
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&want).map_err(|e| e.to_string())?;
    let gz = enc.finish().map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&out, &gz).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "fake-spec: wrote {DERIVED} ({} bytes, from {} bytes of minified spec)",
        gz.len(),
        want.len()
    );
    Ok(())
}
