//! Load: 32 concurrent tasks doing mixed CRUD for 20 s against a rate-limited fake tenant
//! (50 requests/s, burst 10). The retry layer absorbs every 429, so the caller sees no
//! error, and every user is accounted for: created − deleted = what the fake holds.

use std::time::{Duration, Instant};

use auth0plus::transport::RetryPolicy;
use auth0plus::{Auth0, Error, NewUser};
use auth0plus_fake::Route;

const TASKS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(20);
/// Upper bound on iterations per task, whatever the speed.
const MAX_ROUNDS: usize = 200;
/// Hard stop for the whole test.
const DEADLINE: Duration = Duration::from_secs(120);

#[derive(Debug, Default)]
struct Tally {
    created: usize,
    deleted: usize,
    requests: usize,
    errors: Vec<String>,
}

async fn worker(auth0: Auth0, task: usize, stop_at: Instant) -> Tally {
    let users = auth0.users();
    let mut tally = Tally::default();
    let note = |tally: &mut Tally, what: &str, result: Result<(), Error>| {
        tally.requests += 1;
        if let Err(e) = result {
            tally
                .errors
                .push(format!("task {task} {what}: {e} ({e:?})"));
        }
    };
    for round in 0..MAX_ROUNDS {
        if Instant::now() >= stop_at {
            break;
        }
        let email = format!("load.{task}.{round}@example.com");
        let created = users
            .create(NewUser::new().email(&email).password("L0ad-Test-Passw0rd!"))
            .await;
        let mut user = match created {
            Ok(user) => {
                tally.created += 1;
                note(&mut tally, "create", Ok(()));
                user
            }
            Err(e) => {
                note(&mut tally, "create", Err(e));
                continue;
            }
        };
        let id = user.id().unwrap_or_default().to_owned();
        let got = users.get_by_id(&id).await.map(|u| {
            assert_eq!(u.email.as_deref(), Some(email.as_str()));
        });
        note(&mut tally, "get", got);
        user.given_name = Some(format!("round {round}"));
        note(&mut tally, "save", user.save().await);
        let by_email = users.by_email(&email).await.map(|found| {
            assert_eq!(found.len(), 1, "{email}");
        });
        note(&mut tally, "by_email", by_email);
        if round % 4 == 0 {
            let page = users.query().any_connection().per_page(5).slice(0..5).await;
            note(&mut tally, "search page", page.map(drop));
        }
        // Keep two of every three users.
        if round % 3 == 0 {
            match user.delete().await {
                Ok(()) => {
                    tally.deleted += 1;
                    note(&mut tally, "delete", Ok(()));
                }
                Err(e) => note(&mut tally, "delete", Err(e)),
            }
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_crud_under_a_rate_limit_surfaces_no_errors() {
    let tenant = auth0plus_tests::tenant_at_50_rps().await;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .retry_policy(RetryPolicy::patient())
        .build()
        .unwrap();

    let started = Instant::now();
    let stop_at = started + RUN_FOR;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| tokio::spawn(worker(auth0.clone(), task, stop_at)))
        .collect();
    let tallies = tokio::time::timeout(DEADLINE, futures::future::join_all(tasks))
        .await
        .expect("the load test stops by itself");
    let elapsed = started.elapsed();

    let mut total = Tally::default();
    for tally in tallies {
        let tally = tally.expect("no task panicked");
        total.created += tally.created;
        total.deleted += tally.deleted;
        total.requests += tally.requests;
        total.errors.extend(tally.errors);
    }
    let counters = tenant.counters();
    println!(
        "{TASKS} tasks, {:.1} s: {} operations, {} created, {} deleted, {} held; \
         fake answered {} requests, {} of them 429 ({:.0} ok/s)",
        elapsed.as_secs_f64(),
        total.requests,
        total.created,
        total.deleted,
        tenant.user_count(),
        counters.total(),
        counters.status(429),
        (counters.total() - counters.status(429)) as f64 / elapsed.as_secs_f64(),
    );
    assert!(
        total.errors.is_empty(),
        "{} errors reached the caller, first: {:?}",
        total.errors.len(),
        total.errors.iter().take(5).collect::<Vec<_>>()
    );
    assert!(total.created > 0);
    assert_eq!(
        tenant.user_count(),
        total.created - total.deleted,
        "created − deleted = what the fake holds"
    );
    // Exactly one successful create per user created: nothing was created twice.
    assert_eq!(
        counters.count_status(Route::CreateUser, 201),
        total.created as u64
    );
}
