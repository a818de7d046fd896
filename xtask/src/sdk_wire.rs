//! `cargo xtask sdk-wire`: node-auth0's own wire tests replayed against the fake tenant.
//!
//! The replay is a test of `auth0plus-fake` (`src/sdk_wire.rs`, which reads the private
//! spec and schema code to make placeholder values valid); its input is vendored at
//! `crates/auth0plus-fake/sdk-wire/node-auth0-wire.json`, so it needs no network. This task
//! runs that one test and shows its report: the match rate per group, every difference and
//! why, what was seeded and what was repaired.

use std::process::Command;

/// Entry point.
pub fn run(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask sdk-wire".into());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "test",
            "-p",
            "auth0plus-fake",
            "--lib",
            "--",
            "--exact",
            "sdk_wire::node_auth0_wire_tests_replayed_against_the_fake",
            "--nocapture",
        ])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("sdk-wire: the replay failed ({status})"))
    }
}
