//! The standalone server: `cargo run -p auth0plus-fake -- --addr 127.0.0.1:PORT ...`.
//!
//! Defaults are Auth0's: a rate limit ([`crate::DEFAULT_RATE_LIMIT`]), a search index
//! delay ([`crate::DEFAULT_INDEX_DELAY`]), the `good` password policy.
//!
//! Flags: `--addr 127.0.0.1:PORT [--latency-ms N] [--rate-limit RPS,BURST] [--no-rate-limit]
//! [--password-policy P]
//! [--index-delay-ms N] [--seed-users N] [--token-ttl S] [--export-duration-ms N] [--import-rate N]
//! [--client-id X] [--client-secret Y] [--connection Z] [--domain D] [--requires-username] [--tls]
//! [--token-quota PER_HOUR,PER_DAY] [--scopes "read:users create:users"]` (`--scopes`: the
//! tenant's own client's grant; default every scope).
//! The first line on stdout is one JSON object
//! `{"base_url","domain","client_id","client_secret","connection"}` (plus `connection_id`,
//! `audience` and `ca_pem_path`, the CA to trust with `--tls`, else null); the server then
//! runs until ctrl-c or until killed.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::{FakeTenant, FakeTenantBuilder, PasswordPolicy, RateLimit, TokenQuota};

const USAGE: &str = "usage: auth0plus-fake [--addr 127.0.0.1:PORT] [--latency-ms N] [--rate-limit RPS,BURST] \
[--index-delay-ms N] [--seed-users N] [--token-ttl S] [--export-duration-ms N] [--import-rate N] [--client-id X] \
[--client-secret Y] [--connection Z] [--domain D] [--requires-username] [--tls] [--no-rate-limit] \
[--password-policy none|low|fair|good|excellent] [--token-quota PER_HOUR,PER_DAY] \
[--scopes \"read:users create:users …\"]";

fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: not a number: {v}\n{USAGE}"))
}

/// Parse the flags into a builder (exposed for tests).
///
/// # Errors
/// A message with the usage text for an unknown flag or a bad value.
pub fn parse_args(args: &[String]) -> Result<FakeTenantBuilder, String> {
    let mut b = FakeTenant::builder();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--requires-username" {
            b = b.requires_username(true);
            continue;
        }
        if flag == "--tls" {
            b = b.tls(true);
            continue;
        }
        if flag == "--no-rate-limit" {
            b = b.no_rate_limit();
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        let Some(v) = it.next() else {
            return Err(format!("{flag}: missing value\n{USAGE}"));
        };
        b = match flag.as_str() {
            "--addr" => b.addr(
                v.parse::<SocketAddr>()
                    .map_err(|_| format!("--addr: not an address: {v}\n{USAGE}"))?,
            ),
            "--latency-ms" => b.latency(Duration::from_millis(num(flag, v)?)),
            "--index-delay-ms" => b.index_delay(Duration::from_millis(num(flag, v)?)),
            "--export-duration-ms" => b.export_duration(Duration::from_millis(num(flag, v)?)),
            // Users per second each import job processes.
            "--import-rate" => b.import_users_per_second(num(flag, v)?),
            "--seed-users" => b.seed_users(num(flag, v)?),
            "--token-ttl" => b.token_ttl(Duration::from_secs(num(flag, v)?)),
            "--client-id" => b.client_id(v),
            "--client-secret" => b.client_secret(v),
            "--connection" => b.connection(v),
            "--domain" => b.domain(v),
            // The scopes of the tenant's own client's grant (space- or comma-separated).
            "--scopes" => b.scopes(
                v.split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            "--password-policy" => {
                b.password_policy(PasswordPolicy::from_name(v).ok_or_else(|| {
                    format!(
                        "--password-policy: none, low, fair, good or excellent, not {v}\n{USAGE}"
                    )
                })?)
            }
            // M2M token quotas: tokens per UTC hour and day (either may be empty).
            "--token-quota" => b.token_quota(
                TokenQuota::parse(v).map_err(|e| format!("--token-quota: {e}\n{USAGE}"))?,
            ),
            "--rate-limit" => {
                let (rps, burst) = v
                    .split_once(',')
                    .ok_or_else(|| format!("--rate-limit: expected RPS,BURST\n{USAGE}"))?;
                b.rate_limit(RateLimit {
                    per_second: num(flag, rps)?,
                    burst: num(flag, burst)?,
                })
            }
            other => return Err(format!("unknown flag: {other}\n{USAGE}")),
        };
    }
    Ok(b)
}

/// Run the standalone server: parse flags, print the JSON line, serve until ctrl-c.
///
/// # Errors
/// A message for bad flags or when the address cannot be bound.
pub async fn run(args: Vec<String>) -> Result<(), String> {
    let tenant = parse_args(&args)?
        .start()
        .await
        .map_err(|e| e.to_string())?;
    // The handlers are in place before the line is out: whoever reads it may stop us at once.
    let stop = Stop::listen()?;
    let line = serde_json::json!({
        "base_url": tenant.base_url(),
        "domain": tenant.domain(),
        "client_id": tenant.client_id(),
        "client_secret": tenant.client_secret(),
        "connection": tenant.connection(),
        "connection_id": tenant.connection_id(),
        "audience": tenant.audience(),
        "ca_pem_path": tenant.ca_pem_path(),
    });
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    stop.wait().await?;
    // Dropping the tenant removes its TLS CA folder.
    drop(tenant);
    Ok(())
}

/// Ctrl-c or, on Unix, SIGTERM (what `kill`, CI runners and process managers
/// send): either way the tenant is dropped and cleans up. Listening starts when
/// the value is made, so a signal sent right after the JSON line is not lost.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    fn listen() -> Result<Stop, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                interrupt: signal(SignalKind::interrupt()).map_err(|e| e.to_string())?,
                terminate: signal(SignalKind::terminate()).map_err(|e| e.to_string())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Stop {})
        }
    }

    async fn wait(self) -> Result<(), String> {
        #[cfg(unix)]
        {
            let Stop {
                mut interrupt,
                mut terminate,
            } = self;
            tokio::select! {
                _ = interrupt.recv() => Ok(()),
                _ = terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.map_err(|e| e.to_string())
        }
    }
}
