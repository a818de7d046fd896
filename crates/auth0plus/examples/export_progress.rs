//! Export every user of a tenant and count them, with a progress bar.
//!
//! Auth0 search stops at 1,000 results; the export job reads them all. This
//! example starts an in-process fake tenant with 3,000 users and a 2-second
//! export, runs `users().export()`, draws the job's `percentage_done` as an
//! [`indicatif`](https://docs.rs/indicatif) bar on stderr while it runs (the
//! export reports once per percent moved, not per poll), then streams the
//! gzipped NDJSON file one user at a time, counting on a second bar, and
//! counts the users per plan.
//!
//! ```console
//! $ cargo run -p auth0plus --features fake --example export_progress
//! ```
//!
//! Against a real tenant, build the client with your domain and credentials
//! instead (scope `read:users`); everything else is the same.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use auth0plus::Auth0;
use auth0plus::fake::FakeTenant;
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};

const USERS: usize = 3000;

/// A bar on stderr for `len` steps, with `template`'s layout.
fn bar(len: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    // The templates are constants of this file: a typo is a bug to see at once.
    bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
    bar
}

/// Export every user of `auth0`'s tenant, with the job's progress and the
/// users read as bars on stderr; the count and the users per plan
/// (`app_metadata.plan`). `expected` sizes the second bar.
///
/// # Errors
/// What the export job answers.
pub async fn count_by_plan(
    auth0: &Auth0,
    expected: u64,
) -> Result<(u64, BTreeMap<String, u64>), auth0plus::Error> {
    let job = bar(100, "export {msg:<10} [{bar:40}] {pos:>3}% {elapsed}");
    let on_progress = job.clone();
    let export = auth0
        .users()
        .export()
        .fields(["user_id", "email", "app_metadata"])
        .poll_interval(Duration::from_millis(100), Duration::from_millis(250))
        .timeout(Duration::from_secs(60))
        .on_progress(move |status| {
            let percent = if status.is_completed() {
                100
            } else {
                status.percentage_done.unwrap_or(0)
            };
            on_progress.set_message(status.status.clone());
            on_progress.set_position(percent);
        });

    let mut users = export.stream();
    let read = bar(expected, "read   {pos:>5}/{len} users [{bar:40}] {per_sec}");
    let mut count = 0_u64;
    let mut by_plan: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(user) = users.try_next().await? {
        if count == 0 {
            job.finish(); // the file is downloading: the job is done
        }
        count += 1;
        read.inc(1);
        let plan = user
            .app_metadata
            .get("plan")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("none");
        *by_plan.entry(plan.to_owned()).or_default() += 1;
    }
    read.finish();
    Ok((count, by_plan))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = FakeTenant::builder()
        .seed_users(USERS)
        .export_duration(Duration::from_secs(2))
        .start()
        .await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .base_url(tenant.base_url())
        .default_connection(tenant.connection())
        .build()?;
    eprintln!(
        "fake tenant at {} with {USERS} users; exporting them",
        tenant.base_url()
    );

    let started = Instant::now();
    let (count, by_plan) = count_by_plan(&auth0, USERS as u64).await?;
    println!(
        "exported {count} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (plan, n) in &by_plan {
        println!("  {plan:<12} {n}");
    }
    Ok(())
}
