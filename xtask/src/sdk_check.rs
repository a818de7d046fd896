//! `cargo xtask sdk-check`: the official SDKs, unchanged but for the domain and the trusted
//! CA, against the fake tenant over HTTPS: their `ManagementClient`s, and their
//! Authentication API clients (auth0-python's `authentication` classes, node-auth0's
//! `AuthenticationClient`/`UserInfoClient` from `auth0/legacy`, and `@auth0/auth0-auth-js`).
//!
//! Installs npm `auth0` 7.x and `@auth0/auth0-auth-js` 1.x and `PyPI` `auth0-python` 6.8.0
//! into `target/sdk-check/` (once; later runs reuse them), starts a fake with `tls(true)`
//! (domain `localhost:PORT`, a throwaway CA), and runs the scripts of
//! `crates/auth0plus-fake/sdk-check/`: a Management tour (users, roles, organizations, logs,
//! connections, clients) and a login tour (sign-up, password login, the ID token checked by
//! the SDK's own verifier against the fake's JWKS, userinfo, refresh, revoke, change
//! password, passwordless, client credentials by `private_key_jwt` with a key the fake
//! checks), each printing its calls. Node and Python come from the machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use auth0plus::fake::FakeTenant;

const NODE_PACKAGE: &str = "auth0@7";
const AUTH_JS_PACKAGE: &str = "@auth0/auth0-auth-js@1";
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
    if !prefix
        .join("node_modules/@auth0/auth0-auth-js/package.json")
        .exists()
    {
        run(
            "npm install @auth0/auth0-auth-js@1",
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(&prefix)
                .arg(AUTH_JS_PACKAGE),
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
    // The login tours need the application's grants, and a registered key for private_key_jwt.
    tenant.allow_grant_types(FakeTenant::all_grant_types());
    let key = auth0plus::fake::ClientKey::generate("RS256")?;
    tenant.add_client_credential(&key.public_pem, "RS256");
    let with_tenant = |cmd: &mut Command| {
        cmd.env("AUTH0_DOMAIN", tenant.domain())
            .env("AUTH0_CLIENT_ID", tenant.client_id())
            .env("AUTH0_CLIENT_SECRET", tenant.client_secret())
            .env("AUTH0_CONNECTION", tenant.connection())
            .env("AUTH0_ASSERTION_KEY", &key.private_pem);
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
    for (script, name) in [
        (
            "node_auth_check.cjs",
            "node-auth0 AuthenticationClient (auth0/legacy)",
        ),
        ("auth_js_check.mjs", "@auth0/auth0-auth-js"),
    ] {
        // ESM resolves packages from the script's own folder up (never NODE_PATH):
        // run a copy placed beside the installed node_modules.
        let copy = cache.join("node").join(script);
        std::fs::copy(scripts.join(script), &copy).map_err(|e| format!("{script}: {e}"))?;
        let mut node = Command::new("node");
        node.arg(&copy)
            .env("NODE_PATH", cache.join("node/node_modules"))
            .env("NODE_EXTRA_CA_CERTS", &ca);
        with_tenant(&mut node);
        if run(name, &mut node).is_err() {
            failures.push(name);
        }
    }
    let node_time = t.elapsed();
    let t = Instant::now();
    for (script, name) in [
        ("auth0_python_check.py", "auth0-python"),
        ("auth0_python_auth_check.py", "auth0-python authentication"),
    ] {
        let mut py = Command::new(&python);
        py.arg(scripts.join(script))
            .env("SSL_CERT_FILE", &ca)
            // The authentication classes use requests, which reads this one.
            .env("REQUESTS_CA_BUNDLE", &ca);
        with_tenant(&mut py);
        if run(name, &mut py).is_err() {
            failures.push(name);
        }
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
        println!("sdk-check: every SDK client worked unchanged against the fake tenant");
        Ok(())
    } else {
        Err(format!("sdk-check failed for {}", failures.join(", ")))
    }
}
