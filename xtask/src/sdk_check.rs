//! `cargo xtask sdk-check`: the official SDKs' `ManagementClient`s, unchanged but for the
//! domain and the trusted CA, against the fake tenant over HTTPS.
//!
//! Installs npm `auth0` 7.x and `PyPI` `auth0-python` 6.8.0 into `target/sdk-check/` (once;
//! later runs reuse them), starts a fake with `tls(true)` (domain `localhost:PORT`, a
//! throwaway CA), and runs `crates/auth0plus-fake/sdk-check/node_check.cjs` and
//! `auth0_python_check.py`: a tour of users, roles, organizations, logs, connections and
//! clients that prints each call. Node and Python come from the machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use auth0plus::fake::FakeTenant;

const NODE_PACKAGE: &str = "auth0@7";
const PYTHON_PACKAGE: &str = "auth0-python==6.8.0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
}

/// Run a set-up command, failing with its name and status.
fn run(what: &str, cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {status}"))
    }
}

/// A command's trimmed stdout, when it succeeds.
fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `auth0` 7.x in `cache/node/node_modules`; its version.
fn ensure_node(cache: &Path) -> Result<String, String> {
    let prefix = cache.join("node");
    let manifest = prefix.join("node_modules/auth0/package.json");
    let version = || {
        std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_string))
    };
    if !version().is_some_and(|v| v.starts_with("7.")) {
        std::fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
        run(
            "npm install auth0@7",
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(&prefix)
                .arg(NODE_PACKAGE),
        )?;
    }
    version().ok_or_else(|| "npm did not install auth0".to_string())
}

/// `auth0-python` 6.8.0 in a virtualenv at `cache/venv`; its interpreter and version.
fn ensure_python(cache: &Path) -> Result<(PathBuf, String), String> {
    let venv = cache.join("venv");
    let python = venv.join("bin/python");
    let version = || {
        output(Command::new(&python).args([
            "-c",
            "import importlib.metadata as m; print(m.version('auth0-python'))",
        ]))
    };
    if version().as_deref() != Some("6.8.0") {
        if !python.exists() {
            run(
                "python3 -m venv",
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
            )?;
        }
        run(
            "pip install auth0-python==6.8.0",
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                PYTHON_PACKAGE,
            ]),
        )?;
    }
    let v = version().ok_or_else(|| "pip did not install auth0-python".to_string())?;
    Ok((python, v))
}

pub fn run_check(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask sdk-check".into());
    }
    let root = root();
    let cache = root.join("target/sdk-check");
    let scripts = root.join("crates/auth0plus-fake/sdk-check");
    let node_version = output(Command::new("node").arg("--version"))
        .ok_or("sdk-check needs Node (node --version failed)")?;
    let python_version = output(Command::new("python3").arg("--version"))
        .ok_or("sdk-check needs Python 3 (python3 --version failed)")?;
    let started = Instant::now();
    let auth0_node = ensure_node(&cache)?;
    let (python, auth0_python) = ensure_python(&cache)?;
    println!(
        "sdk-check: node {node_version} + auth0 {auth0_node}; {python_version} + auth0-python {auth0_python} (set-up {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    // The fake serves on the runtime's worker threads while the SDKs run as child processes.
    let rt = crate::runtime()?;
    let tenant = rt
        .block_on(FakeTenant::builder().tls(true).start())
        .map_err(|e| format!("cannot start the fake tenant: {e}"))?;
    let ca = tenant
        .ca_pem_path()
        .ok_or("the TLS fake has no CA")?
        .to_path_buf();
    println!(
        "sdk-check: fake tenant at {} (domain {}), CA {}",
        tenant.base_url(),
        tenant.domain(),
        ca.display()
    );
    let with_tenant = |cmd: &mut Command| {
        cmd.env("AUTH0_DOMAIN", tenant.domain())
            .env("AUTH0_CLIENT_ID", tenant.client_id())
            .env("AUTH0_CLIENT_SECRET", tenant.client_secret())
            .env("AUTH0_CONNECTION", tenant.connection());
    };

    let mut failures = Vec::new();
    let t = Instant::now();
    let mut node = Command::new("node");
    node.arg(scripts.join("node_check.cjs"))
        .env("NODE_PATH", cache.join("node/node_modules"))
        .env("NODE_EXTRA_CA_CERTS", &ca);
    with_tenant(&mut node);
    if run("node-auth0 tour", &mut node).is_err() {
        failures.push("node-auth0");
    }
    let node_time = t.elapsed();
    let t = Instant::now();
    let mut py = Command::new(&python);
    py.arg(scripts.join("auth0_python_check.py"))
        .env("SSL_CERT_FILE", &ca);
    with_tenant(&mut py);
    if run("auth0-python tour", &mut py).is_err() {
        failures.push("auth0-python");
    }
    let py_time = t.elapsed();
    drop(tenant);
    println!(
        "sdk-check: node-auth0 {:.1} s, auth0-python {:.1} s, total {:.1} s",
        node_time.as_secs_f64(),
        py_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        println!("sdk-check: both SDKs worked unchanged against the fake tenant");
        Ok(())
    } else {
        Err(format!("sdk-check failed for {}", failures.join(", ")))
    }
}
