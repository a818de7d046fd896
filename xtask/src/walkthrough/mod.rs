//! `cargo xtask walkthrough [--story original|teams] [--live]`: a story told
//! in Rust and run step by step against the embedded fake tenant (or, with
//! `--live`, the tenant in `.env`, deleting everything it made even when a
//! step fails).
//!
//! - `original` (the default): the original auth0plus README, with its band.
//! - `teams`: an organization onboarding, from an empty tenant to a leaver.
//! - `login`: the Authentication API, from sign-up to revocation, and the
//!   management client on `private_key_jwt`.

mod login;
mod original;
mod teams;

use std::error::Error as StdError;
use std::fmt::Display;
use std::time::{Duration, Instant};

use auth0plus::fake::{FakeTenant, PasswordPolicy, TestTenant};
use auth0plus::prelude::*;
use auth0plus::{ApiError, Method, Query};

type StepResult<T = ()> = Result<T, Box<dyn StdError>>;

/// Prints a story as numbered steps: the code, then what it gave.
struct Narrator {
    step: usize,
}

impl Narrator {
    fn step(&mut self, title: &str, code: &str) {
        self.step += 1;
        println!("\n{:>2}. {title}", self.step);
        for line in code.lines() {
            println!("      {line}");
        }
    }

    fn shows(&self, what: impl Display) {
        for (i, line) in what.to_string().lines().enumerate() {
            println!("      {} {line}", if i == 0 { "→" } else { " " });
        }
    }
}

/// What a story made on the tenant, deleted at the end of a live run:
/// organizations first, then roles, then users.
#[derive(Debug, Default)]
struct Made {
    organizations: Vec<String>,
    roles: Vec<String>,
    users: Vec<String>,
}

impl Made {
    fn user(&mut self, id: Option<&str>) {
        self.users.extend(id.map(str::to_owned));
    }

    fn is_empty(&self) -> bool {
        self.organizations.is_empty() && self.roles.is_empty() && self.users.is_empty()
    }
}

/// The stories `--story` chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    Original,
    Teams,
    Login,
}

impl Story {
    fn title(self) -> &'static str {
        match self {
            Self::Original => "the original auth0plus README, in Rust",
            Self::Teams => "teams: an organization onboarding, from an empty tenant to a leaver",
            Self::Login => "login: sign up, log in, verify, refresh, revoke, and private_key_jwt",
        }
    }
}

/// `--live` and `--story NAME`; anything else is an error.
fn flags(args: &[String]) -> Result<(bool, Story), String> {
    let mut live = false;
    let mut story = Story::Original;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--live" => live = true,
            "--story" => {
                story = match args.next().map(String::as_str) {
                    Some("original") => Story::Original,
                    Some("teams") => Story::Teams,
                    Some("login") => Story::Login,
                    other => {
                        return Err(format!(
                            "--story takes `original`, `teams` or `login`, not {other:?}\n{}",
                            crate::USAGE
                        ));
                    }
                }
            }
            other => return Err(format!("unknown flag {other:?}\n{}", crate::USAGE)),
        }
    }
    Ok((live, story))
}

pub async fn run(args: &[String]) -> Result<(), String> {
    let (live, story) = flags(args)?;
    let tenant = if live {
        let vars = crate::dotenv::live_vars()?;
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        TestTenant::live(
            get("DOMAIN"),
            get("CLIENT_ID"),
            get("CLIENT_SECRET"),
            get("CONNECTION"),
        )
    } else {
        // A little search-index lag, as on a real tenant, so the stories show
        // why they wait before searching; and the original tenant's password
        // policy, which took its 6-character `ChuckB`.
        // The original story's client has exactly the scopes its README grants.
        let mut builder = FakeTenant::builder()
            .index_delay(Duration::from_millis(300))
            .password_policy(PasswordPolicy::Low);
        if story == Story::Original {
            builder = builder.scopes(
                original::README_SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            );
        }
        let fake = builder
            .start()
            .await
            .map_err(|e| format!("cannot start the fake tenant: {e}"))?;
        TestTenant::fake(fake)
    };
    println!("auth0plus walkthrough — {}", story.title());
    match tenant.fake_tenant() {
        Some(fake) if story == Story::Original => println!(
            "tenant: the embedded fake tenant at {} (no set-up needed); the client holds the README's scopes: {}",
            fake.base_url(),
            original::README_SCOPES.join(" ")
        ),
        Some(fake) => println!(
            "tenant: the embedded fake tenant at {} (no set-up needed)",
            fake.base_url()
        ),
        None => println!(
            "tenant: {} (live, from .env); everything made here is deleted at the end",
            tenant.domain
        ),
    }
    let started = Instant::now();
    let mut made = Made::default();
    let outcome = match story {
        Story::Original => original::scenario(&tenant, &mut made).await,
        Story::Teams => teams::scenario(&tenant, &mut made).await,
        Story::Login => login::scenario(&tenant, &mut made).await,
    };
    let cleanup = if tenant.is_live() {
        clean_up(&tenant, &made).await
    } else {
        Ok(())
    };
    match (outcome, cleanup) {
        (Ok(steps), Ok(())) => {
            println!(
                "\nAll {steps} steps passed in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            if let Some(fake) = tenant.fake_tenant() {
                let counters = fake.counters();
                println!("The fake tenant answered {} requests.", counters.total());
            }
            Ok(())
        }
        (Err(e), cleanup) => Err(format!(
            "the walkthrough failed: {e}{}",
            cleanup
                .err()
                .map(|c| format!("\nand cleaning up failed too: {c}"))
                .unwrap_or_default()
        )),
        (Ok(_), Err(c)) => Err(format!("cleaning up failed: {c}")),
    }
}

/// Waits until a search sees `expected` users: Auth0's search index lags
/// behind writes (the original slept 5 s).
async fn settle(query: &UserQuery, expected: u64) -> StepResult<Duration> {
    let (_, waited) = wait_for(query, |n| n == expected, &format!("{expected} users")).await?;
    Ok(waited)
}

/// Counts `query` every 100 ms until `done` says yes, for at most a minute
/// (a live tenant's search index and logs lag behind writes): the last count
/// and how long it took.
async fn wait_for<T: Send + 'static>(
    query: &Query<T>,
    done: impl Fn(u64) -> bool,
    what: &str,
) -> StepResult<(u64, Duration)> {
    let started = Instant::now();
    loop {
        let count = query.count().await?;
        if done(count) {
            return Ok((count, started.elapsed()));
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("the tenant did not show {what} within 60 s").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn expect_err<T>(result: Result<T, Error>, what: &str) -> StepResult<Error> {
    match result {
        Ok(_) => Err(format!("expected an error: {what}").into()),
        Err(e) => Ok(e),
    }
}

fn check(ok: bool, what: &str) -> StepResult {
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected result: {what}").into())
    }
}

/// A client of the tenant's own, for cleaning up after a failed story.
fn admin_client(tenant: &TestTenant) -> Result<Auth0, String> {
    Auth0::builder(&tenant.domain)
        .client_credentials(&tenant.client_id, tenant.client_secret.as_str())
        .base_url(&tenant.base_url)
        .build()
        .map_err(|e| e.to_string())
}

/// Deletes everything a story made (deleting what is already gone succeeds
/// or answers 404, which counts as done).
async fn clean_up(tenant: &TestTenant, made: &Made) -> Result<(), String> {
    if made.is_empty() {
        return Ok(());
    }
    let auth0 = admin_client(tenant)?;
    let mut failures = Vec::new();
    let mut deleted = 0;
    let groups = [
        ("organizations", &made.organizations),
        ("roles", &made.roles),
        ("users", &made.users),
    ];
    for (collection, ids) in groups {
        for id in ids {
            match auth0.request(Method::DELETE, [collection, id]).send().await {
                Ok(_) => deleted += 1,
                Err(e) if e.api().is_some_and(ApiError::is_not_found) => deleted += 1,
                Err(e) => failures.push(format!("{collection}/{id}: {e}")),
            }
        }
    }
    println!("cleaned up {deleted} object(s)");
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}
