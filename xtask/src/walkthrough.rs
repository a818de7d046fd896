//! `cargo xtask walkthrough`: the original auth0plus README, told in Rust and
//! run step by step against the embedded fake tenant (or, with `--live`, the
//! tenant in `.env`, cleaning up every user it made even when a step fails).

use std::error::Error as StdError;
use std::fmt::Display;
use std::time::{Duration, Instant};

use auth0plus::fake::{FakeTenant, TestTenant};
use auth0plus::oauth::ClientCredentials;
use auth0plus::prelude::*;
use serde_json::json;

type StepResult<T = ()> = Result<T, Box<dyn StdError>>;

const ANGUS: &str = "angus.young@example.com";
const MALCOLM: &str = "malcolm.young@example.com";
const BON: &str = "bon.scott@example.com";
const BON_NEW: &str = "bon@example.com";
const BRIAN: &str = "brian.johnson@example.com";

/// Prints the walkthrough as numbered steps: the code, then what it gave.
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

pub async fn run(args: &[String]) -> Result<(), String> {
    let live = crate::live_flag(args)?;
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
        // A little search-index lag, as on a real tenant, so the walkthrough
        // shows why it waits before searching.
        let fake = FakeTenant::builder()
            .index_delay(Duration::from_millis(300))
            .start()
            .await
            .map_err(|e| format!("cannot start the fake tenant: {e}"))?;
        TestTenant::fake(fake)
    };
    println!("auth0plus walkthrough — the original auth0plus README, in Rust");
    match tenant.fake_tenant() {
        Some(fake) => println!(
            "tenant: the embedded fake tenant at {} (no set-up needed)",
            fake.base_url()
        ),
        None => println!(
            "tenant: {} (live, from .env); every user made here is deleted at the end",
            tenant.domain
        ),
    }
    let started = Instant::now();
    let mut made = Vec::new();
    let outcome = scenario(&tenant, &mut made).await;
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
    let started = Instant::now();
    loop {
        if query.count().await? == expected {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(
                format!("the search index did not show {expected} users within 60 s").into(),
            );
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

#[allow(clippy::too_many_lines, reason = "one story, told in order")]
async fn scenario(tenant: &TestTenant, made: &mut Vec<String>) -> StepResult<usize> {
    let mut n = Narrator { step: 0 };
    let (domain, client_id, client_secret, connection) = (
        &tenant.domain,
        &tenant.client_id,
        tenant.client_secret.as_str(),
        &tenant.connection,
    );

    n.step(
        "Get the 24-hour token (the original's get_token)",
        "let token = get_token(&domain, &client_id, &client_secret).await?;",
    );
    let token = ClientCredentials::new(domain.as_str(), client_id, client_secret)?
        .base_url(&tenant.base_url)?
        .request_token()
        .await?;
    n.shows(format_args!(
        "token_type {}, expires_in {} s, access_token {:?} (secrets never print)",
        token.token_type, token.expires_in, token.access_token
    ));

    n.step(
        "Create the lazy connection: no request is made here",
        "let auth0 = Auth0::builder(&domain)\n    .token(token.access_token)\n    .client_id(&client_id)\n    .default_connection(&connection)\n    .build()?;\nlet users = auth0.users();",
    );
    let auth0 = Auth0::builder(domain)
        .token(token.access_token.clone())
        .client_id(client_id)
        .default_connection(connection)
        .base_url(&tenant.base_url)
        .build()?;
    let users = auth0.users();
    n.shows(format_args!("{auth0:?}"));

    n.step("An empty user instance", "let user = users.new_user();");
    let user = users.new_user();
    n.shows(format_args!("{user}  is_fetched: {}", user.is_fetched()));

    n.step(
        "Create Angus in one step",
        "let angus = users.create(NewUser::new()\n    .email(\"angus.young@example.com\").email_verified(true)\n    .password(\"Jailbreak\").user_metadata(json!({\"family_name\": \"Young\"}))).await?;",
    );
    let angus = users
        .create(
            NewUser::new()
                .email(ANGUS)
                .email_verified(true)
                .password("Jailbreak")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    made.extend(angus.id().map(str::to_owned));
    n.shows(&angus);
    check(
        angus.id().is_some_and(|id| id.starts_with("auth0|")),
        "Angus has an auth0| id",
    )?;

    n.step(
        "Malcolm, with get_or_create (Django's)",
        "let (malcolm, created) = users.get_or_create(\n    [(\"email\", \"malcolm.young@example.com\")],\n    NewUser::new().email_verified(true).password(\"ChuckB\")\n        .user_metadata(json!({\"family_name\": \"Young\"}))).await?;",
    );
    let (malcolm, created) = users
        .get_or_create(
            [("email", MALCOLM)],
            NewUser::new()
                .email_verified(true)
                .password("ChuckB")
                .user_metadata(json!({"family_name": "Young"})),
        )
        .await?;
    made.extend(malcolm.id().map(str::to_owned));
    n.shows(format_args!(
        "created: {created}\nmalcolm.user_metadata: {}\nmalcolm.picture: {}",
        serde_json::Value::Object(malcolm.user_metadata.clone()),
        malcolm.picture.as_deref().unwrap_or("-")
    ));
    check(
        created && malcolm.user_metadata.get("family_name") == Some(&json!("Young")),
        "Malcolm created",
    )?;

    n.step(
        "Bon the singer, in two steps: build, then save",
        "let mut singer = users.build(NewUser::new()\n    .email(\"bon.scott@example.com\").email_verified(true).password(\"CanISitNextToYouGirl\"));\nprintln!(\"{:?}\", singer.user_id);\nsinger.save().await?;",
    );
    let mut singer = users.build(
        NewUser::new()
            .email(BON)
            .email_verified(true)
            .password("CanISitNextToYouGirl"),
    );
    let before = format!("{:?}", singer.user_id);
    singer.save().await?;
    made.extend(singer.id().map(str::to_owned));
    n.shows(format_args!(
        "before save: {before}\nafter save:  {:?}",
        singer.user_id
    ));

    n.step(
        "Save also updates, in as many PATCHes as Auth0 needs",
        "singer.email = Some(\"bon@example.com\".into());\nsinger.set_password(\"HighwayToHell\");\nsinger.pending_changes()  // what save() will send\nsinger.save().await?;",
    );
    singer.email = Some(BON_NEW.into());
    singer.set_password("HighwayToHell");
    let plan = singer.pending_changes();
    n.shows(
        plan.iter()
            .enumerate()
            .map(|(i, body)| {
                format!(
                    "PATCH {}: {}",
                    i + 1,
                    serde_json::Value::Object(body.clone())
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    check(plan.len() == 2, "password and email go in two PATCHes")?;
    singer.save().await?;
    n.shows(format_args!(
        "saved: email is now {}",
        singer.email.as_deref().unwrap_or("-")
    ));

    n.step(
        "The password is not available once it's saved",
        "singer.password()",
    );
    let err = expect_err(singer.password().map(|_| ()), "the password is write-only")?;
    n.shows(format_args!("Err({err})"));
    check(
        err.to_string() == "'User' object does not have a new password",
        "the original's message",
    )?;

    n.step(
        "Fetched or created locally? (the original's _fetched)",
        "singer.is_fetched()",
    );
    n.shows(singer.is_fetched());

    n.step(
        "get() returns one user, or DoesNotExist",
        "match users.get([(\"email\", \"brian.johnson@example.com\")]).await {\n    Err(err @ Error::DoesNotExist { .. }) => println!(\"{err}\"),\n    ..\n}",
    );
    let err = expect_err(
        users.get([("email", BRIAN)]).await,
        "Brian is not there yet",
    )?;
    n.shows(&err);
    check(
        matches!(err, Error::DoesNotExist { .. }) && err.to_string() == "User Does Not Exist",
        "DoesNotExist",
    )?;

    n.step(
        "So get_or_create Brian",
        "let (brian, created) = users.get_or_create([(\"email\", \"brian.johnson@example.com\")],\n    NewUser::new().email_verified(true).password(\"BackInBlack\")).await?;",
    );
    let (brian, created) = users
        .get_or_create(
            [("email", BRIAN)],
            NewUser::new().email_verified(true).password("BackInBlack"),
        )
        .await?;
    made.extend(brian.id().map(str::to_owned));
    n.shows(format_args!("{brian}, created: {created}"));

    n.step(
        "Search lags behind writes: wait for the index (the original slept 5 s)",
        "let singers = users.query().filter([(\"email\", \"b*\")]);\nwhile singers.count().await? != 2 { sleep(100 ms) }",
    );
    let singers = users.query().filter([("email__startswith", "b")]);
    let waited = settle(&singers, 2).await?;
    n.shows(format_args!("indexed after {} ms", waited.as_millis()));

    n.step(
        "get() with a wildcard that matches two users",
        "users.get([(\"email\", \"b*\")]).await  // a trailing * means \"starts with\"",
    );
    let err = expect_err(
        users.get([("email__startswith", "b")]).await,
        "two users start with b",
    )?;
    n.shows(&err);
    check(
        err.to_string() == "User.get returned multiple users",
        "MultipleObjectsReturned",
    )?;

    n.step(
        "query() is lazy and reusable; count() uses Auth0's total",
        "singers.to_query_string()?\nsingers.count().await?\nsingers.fetch_all().await?   // the original's singers[:]",
    );
    let count = singers.count().await?;
    let all = singers.fetch_all().await?;
    n.shows(format_args!(
        "q = {}\ncount: {count}\n[{}]",
        singers.to_query_string()?,
        all.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    check(count == 2 && all.len() == 2, "two singers")?;

    n.step(
        "Your own q, with fields (combined with the connection filter, not replacing it)",
        "let brothers = users.query()\n    .q(r#\"user_metadata.family_name:\"Young\"\"#)\n    .fields([\"user_id\", \"email\"]);\nbrothers.count().await?",
    );
    let brothers = users
        .query()
        .q(r#"user_metadata.family_name:"Young""#)
        .fields(["user_id", "email"]);
    let count = brothers.count().await?;
    n.shows(format_args!(
        "q = {}\ncount: {count}",
        brothers.to_query_string()?
    ));
    check(count == 2, "the Young brothers")?;

    n.step(
        "as_dict is your friend",
        "let serialized = brothers.get(0).await?.unwrap().as_dict();",
    );
    let first = brothers.get(0).await?.ok_or("the first brother")?;
    let serialized = first.as_dict();
    n.shows(serde_json::Value::Object(serialized.clone()));

    n.step(
        "Rebuilt from a dict, a user is not fetched, so save() creates — and Auth0 refuses the duplicate",
        "let mut new_angus = users.from_dict(serialized)?;\nnew_angus.set_password(\"MoneyTrain\");\nnew_angus.save().await",
    );
    let mut new_angus = users.from_dict(serialized)?;
    new_angus.set_password("MoneyTrain");
    let err = expect_err(new_angus.save().await, "the user already exists")?;
    n.shows(format_args!("Err({err})"));
    check(
        err.is_conflict() && err.to_string() == "409: The user already exists.",
        "409 conflict",
    )?;

    n.step(
        "Delete through the instance or the endpoint",
        "singer.delete().await?;            // remove Bon Scott\nusers.delete(brian.id().unwrap()).await?;",
    );
    singer.delete().await?;
    users.delete(brian.id().ok_or("brian has an id")?).await?;
    n.shows("deleted Bon and Brian");

    n.step(
        "All the remaining band members (and delete them). Sorry Angus, it's time to retire.",
        "let band = users.all();\nband.count().await?\nfor mut member in band.fetch_all().await? { member.delete().await? }",
    );
    let band = users.all();
    settle(&band, 2).await?;
    let members = band.fetch_all().await?;
    n.shows(format_args!(
        "count: {}  [{}]",
        members.len(),
        members
            .iter()
            .map(|m| m.email.clone().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for mut member in members {
        member.delete().await?;
    }
    let waited = settle(&band, 0).await?;
    n.shows(format_args!(
        "band.count() is 0 after {} ms",
        waited.as_millis()
    ));
    made.clear();
    Ok(n.step)
}

/// Deletes every user the walkthrough made (deleting a missing user succeeds).
async fn clean_up(tenant: &TestTenant, made: &[String]) -> Result<(), String> {
    if made.is_empty() {
        return Ok(());
    }
    let auth0 = Auth0::builder(&tenant.domain)
        .client_credentials(&tenant.client_id, tenant.client_secret.as_str())
        .base_url(&tenant.base_url)
        .build()
        .map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for id in made {
        if let Err(e) = auth0.users().delete(id).await {
            failures.push(format!("{id}: {e}"));
        }
    }
    println!("cleaned up {} user(s)", made.len() - failures.len());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}
