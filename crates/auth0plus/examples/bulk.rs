//! Bulk work at the tenant's rate: `cargo run -p auth0plus --features fake --example bulk`.
//!
//! Creates and then deletes 200 users with 16 concurrent tasks against a fake
//! tenant limited to 50 requests/s with a burst of 10 (Auth0's enterprise
//! non-production shape is 2/s with a burst of 10; adjust to taste). The
//! client's throttle reads `x-ratelimit-*` and paces every clone of the client,
//! so the work runs at the limit with few 429s; the retry policy absorbs those.

use std::time::Instant;

use auth0plus::fake::{FakeTenant, RateLimit};
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use futures::{StreamExt, TryStreamExt};

const USERS: usize = 200;
const TASKS: usize = 16;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = FakeTenant::builder()
        .rate_limit(RateLimit {
            per_second: 50.0,
            burst: 10,
        })
        .start()
        .await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        // Bulk jobs may wait as long as Auth0 asks.
        .retry_policy(RetryPolicy::patient())
        .build()?;
    let users = auth0.users();

    let started = Instant::now();
    let created: Vec<User> = futures::stream::iter(0..USERS)
        .map(|i| {
            let users = users.clone();
            async move {
                users
                    .create(
                        NewUser::new()
                            .email(format!("roadie{i:03}@example.com"))
                            .password("Sw0rdfish!"),
                    )
                    .await
            }
        })
        .buffer_unordered(TASKS)
        .try_collect()
        .await?;
    let created_in = started.elapsed();

    let started = Instant::now();
    futures::stream::iter(created)
        .map(|mut user| async move { user.delete().await })
        .buffer_unordered(TASKS)
        .try_collect::<Vec<()>>()
        .await?;
    let deleted_in = started.elapsed();

    let counters = tenant.counters();
    let requests = counters.total();
    let limited = counters.status(429);
    println!(
        "created {USERS} users in {:.2} s and deleted them in {:.2} s with {TASKS} tasks",
        created_in.as_secs_f64(),
        deleted_in.as_secs_f64()
    );
    println!(
        "at 50 requests/s the floor is {:.2} s each way",
        (USERS as f64 - 10.0) / 50.0
    );
    println!(
        "{requests} requests reached the tenant; {limited} were answered 429 and retried; users left: {}",
        tenant.user_count()
    );
    Ok(())
}
