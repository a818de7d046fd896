//! Project tasks, run as `cargo xtask <task>`:
//!
//! - `walkthrough [--story original|teams|login] [--live]`: the original auth0plus README (or the
//!   teams onboarding), step by step.
//! - `doctest [--live]`: the README's, the `docs/` guides' and the rustdoc examples.
//! - `fake-tenant [flags]`: a standalone fake Auth0 tenant.
//! - `bench [--quick] [--only N]`: the performance table; `bench-worker` is
//!   one process of its fleet line (7), started by it.
//! - `codegen [--check]`: the generated Management API crate from `spec/`.
//! - `publish-check`, `package`, `msrv`: readiness of every publishable crate
//!   for crates.io and docs.rs (see `publish.rs`).
//! - `fake-spec [--check]`: the fake tenant's embedded copy of the vendored spec.
//! - `sdk-check`: the official node and python SDKs against the fake over HTTPS.
//! - `sdk-wire`: node-auth0's own wire tests replayed against the fake (vendored, no network).
//! - `modules [--check] [crate-dir]`: the import graph between a crate's
//!   top-level modules (default `auth0plus-management`), and its loops.

mod bench;
mod codegen;
mod dotenv;
mod fake_spec;
mod fleet;
mod modules;
mod publish;
mod sdk_check;
mod sdk_wire;
mod spec_doc;
mod walkthrough;

use std::process::ExitCode;

/// Counts heap bytes so `bench` can report peak memory.
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

pub(crate) const USAGE: &str = "usage: cargo xtask <walkthrough [--story original|teams|login] [--live] | doctest [--live] | fake-tenant [flags] | bench [--quick] [--only N] | codegen [--check] | publish-check | package [cargo package flags] | msrv | fake-spec [--check] | sdk-check | sdk-wire | modules [--check] [crate-dir]>";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(task) = args.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    let result = match task.as_str() {
        "walkthrough" => runtime().and_then(|rt| rt.block_on(walkthrough::run(&rest))),
        "doctest" => doctest(&rest),
        "fake-tenant" => runtime().and_then(|rt| rt.block_on(auth0plus::fake::cli::run(rest))),
        "bench" => bench::run(&rest),
        "codegen" => codegen::run(&rest),
        "publish-check" => publish::check().map(drop),
        "package" => publish::package(&rest),
        "msrv" => publish::msrv(),
        "fake-spec" => fake_spec::run(&rest),
        "sdk-check" => sdk_check::run_check(&rest),
        "sdk-wire" => sdk_wire::run(&rest),
        "modules" => modules::run(&rest),
        "bench-worker" => fleet::worker(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Whether `--live` was given; any other flag is an error.
fn live_flag(args: &[String]) -> Result<bool, String> {
    let mut live = false;
    for arg in args {
        match arg.as_str() {
            "--live" => live = true,
            other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
        }
    }
    Ok(live)
}

/// `cargo test --doc` over the facade (README and `docs/` guides included) and the library
/// crates, against the fake tenant or, with `--live`, the `.env` tenant.
fn doctest(args: &[String]) -> Result<(), String> {
    let live = live_flag(args)?;
    let mut command = cargo();
    command.args([
        "test",
        "--doc",
        "-p",
        "auth0plus",
        "-p",
        "auth0plus-management",
        "-p",
        "auth0plus-oauth",
        "-p",
        "auth0plus-transport",
    ]);
    if live {
        for (name, value) in dotenv::live_vars()? {
            command.env(name, value);
        }
        command.env(auth0plus::fake::LIVE_VAR, "1");
        println!("running the doctests against the live tenant from .env");
    }
    run(&mut command)
}

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The cargo that runs this task, in the workspace root.
fn cargo() -> std::process::Command {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// Runs `command`; an error names it and its exit status.
fn run(command: &mut std::process::Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}
