//! Export every user of a tenant and count them, with a progress bar.
//!
//! Auth0 search stops at 1,000 results; the export job reads them all. This
//! example starts an in-process fake tenant with 3,000 users and a 2-second
//! export, runs `users().export()`, draws the job's `percentage_done` as a
//! text bar on stderr while it runs, then streams the gzipped NDJSON file one
//! user at a time and counts the users per plan.
//!
//! ```console
//! $ cargo run -p auth0plus --features fake --example export_progress
//! ```
//!
//! Against a real tenant, build the client with your domain and credentials
//! instead (scope `read:users`); everything else is the same.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use auth0plus::Auth0;
use auth0plus::fake::FakeTenant;
use futures::TryStreamExt;

const USERS: usize = 3000;
const BAR_WIDTH: usize = 40;

/// One `\r`-updated line: `[#######.........]  42% processing (2 s left)`.
fn draw(status: &str, percent: u64, left: Option<u64>) {
    let filled = usize::try_from(percent.min(100)).unwrap_or(100) * BAR_WIDTH / 100;
    let left = left.map(|s| format!(" ({s} s left)")).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    // Progress output is best effort: a closed stderr must not stop the export.
    let _ = write!(
        err,
        "\r[{}{}] {percent:>3}% {status:<10}{left:<14}",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
    );
    let _ = err.flush();
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
    let export = auth0
        .users()
        .export()
        .fields(["user_id", "email", "app_metadata"])
        .poll_interval(Duration::from_millis(100), Duration::from_millis(250))
        .timeout(Duration::from_secs(60))
        .on_progress(|job| {
            let percent = if job.is_completed() {
                100
            } else {
                job.percentage_done.unwrap_or(0)
            };
            draw(&job.status, percent, job.time_left_seconds);
        });

    let mut users = export.stream();
    let mut count = 0_u64;
    let mut by_plan: BTreeMap<String, u64> = BTreeMap::new();
    while let Some(user) = users.try_next().await? {
        count += 1;
        let plan = user
            .app_metadata
            .get("plan")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("none");
        *by_plan.entry(plan.to_owned()).or_default() += 1;
    }
    eprintln!();
    println!(
        "exported {count} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (plan, n) in &by_plan {
        println!("  {plan:<12} {n}");
    }
    Ok(())
}
