//! The users API against the fake tenant: `get_or_create` under a race,
//! round trips that lose nothing, pagination over hundreds of users and the
//! 1,000-result search window, and bad input refused before any request.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use auth0plus::fake::{FakeTenant, Fault, PasswordPolicy, Route};
use auth0plus::management::UserState;
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use wiremock::MockServer;

use auth0plus_tests::{TestResult, fake_client, stored_ids};

fn ids(users: &[User]) -> Vec<String> {
    users
        .iter()
        .filter_map(User::id)
        .map(str::to_owned)
        .collect()
}

async fn collect(query: &UserQuery) -> Result<Vec<User>, Error> {
    query
        .stream()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

// ---------------------------------------------------------------- the race

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_get_or_create_makes_exactly_one_user() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    // Fetch the token first, so that no caller waits for it.
    assert!(users.by_email("nobody@acdc.example").await?.is_empty());
    // Hold the first lookups back so that the callers all look at once and
    // (mostly) miss, then race to create. How many creates Auth0 refuses with
    // 409 varies from run to run; the outcome must not.
    tenant.inject_fault(
        Route::UsersByEmail,
        Fault::Delay(Duration::from_millis(500)),
        10,
    );
    let start = Arc::new(Barrier::new(10));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let users = users.clone();
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                users
                    .get_or_create(
                        [("email", "malcolm@acdc.example")],
                        NewUser::new()
                            .password("ChuckB")
                            .user_metadata(json!({"family_name": "Young"})),
                    )
                    .await
            })
        })
        .collect();
    let mut holders = BTreeSet::new();
    let mut created = 0;
    for task in tasks {
        let (user, was_created) = task.await??;
        holders.insert(user.id().unwrap_or_default().to_owned());
        created += usize::from(was_created);
        assert_eq!(user.email.as_deref(), Some("malcolm@acdc.example"));
        assert!(user.is_fetched());
    }
    assert_eq!(tenant.user_count(), 1);
    let stored = stored_ids(&tenant);
    assert_eq!(holders, stored.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(created, 1, "exactly one caller created the user");
    let counters = tenant.counters();
    assert_eq!(counters.count_status(Route::CreateUser, 201), 1);
    tracing::info!(
        conflicts = counters.count_status(Route::CreateUser, 409),
        "creates refused as duplicates"
    );
    Ok(())
}

// ---------------------------------------------------------- round trips

fn unusual_user(connection: &str) -> Value {
    json!({
        "user_id": "auth0|5f7c8ec7c33c6c004bbafe82",
        "email": "angus@acdc.example",
        "email_verified": true,
        "name": "Angus Young",
        "nickname": "angus",
        "given_name": "Angus",
        "family_name": "Young",
        "picture": "https://s.gravatar.com/avatar/x.png",
        "identities": [{
            "connection": connection, "user_id": "5f7c8ec7c33c6c004bbafe82",
            "provider": "auth0", "isSocial": false, "profileData": {"shoe_size": 8}
        }],
        "user_metadata": {"family_name": "Young", "guitars": ["SG", {"year": 1968}]},
        "app_metadata": {"roles": ["lead"], "plan": "pro"},
        "created_at": "2017-05-09T10:00:00.000Z",
        "updated_at": "2017-05-09T10:00:00.000Z",
        "last_login": "2024-01-01T00:00:00.000Z",
        "last_ip": "10.0.0.1",
        "logins_count": 42,
        "multifactor": ["guardian"],
        "multifactor_last_modified": "2023-01-01T00:00:00.000Z",
        "custom_field": {"x": [1, 2]},
        "a_number": 1.5,
        "a_null": null
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_dict_and_from_dict_lose_nothing() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let id = tenant.insert_user(unusual_user(tenant.connection()));
    let users = fake_client(&tenant).users();
    let fetched = users.get_by_id(&id).await?;
    let dict = fetched.as_dict();
    // Every field the server sent, known or not, is in the dict.
    let server = tenant.users().remove(0);
    let mut expected = server.as_object().cloned().unwrap_or_default();
    expected.remove("a_null"); // kept as received, see below
    for (key, value) in &expected {
        assert_eq!(dict.get(key), Some(value), "{key}");
    }
    assert_eq!(dict["custom_field"], json!({"x": [1, 2]}));
    assert_eq!(dict["multifactor"], json!(["guardian"]));
    assert_eq!(
        dict["identities"][0]["profileData"],
        json!({"shoe_size": 8})
    );
    assert_eq!(fetched.extra["custom_field"], json!({"x": [1, 2]}));
    // No password, connection or client id leaks into the dict.
    for private in ["password", "connection", "client_id"] {
        assert!(!dict.contains_key(private), "{private}");
    }

    let rebuilt = users.from_dict(dict.clone())?;
    assert!(!rebuilt.is_fetched());
    assert_eq!(rebuilt.as_dict(), dict);
    assert_eq!(rebuilt, fetched, "same user_id, same user");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn to_state_serde_restore_save_sends_nothing_when_unchanged() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let id = tenant.insert_user(unusual_user(tenant.connection()));
    let users = fake_client(&tenant).users();
    let mut fetched = users.get_by_id(&id).await?;

    // The pending password is never part of the state.
    fetched.set_password("MoneyTrain");
    let state = fetched.to_state();
    let text = serde_json::to_string(&state)?;
    assert!(!text.contains("MoneyTrain"), "{text}");
    let back: UserState = serde_json::from_str(&text)?;
    assert_eq!(back, state);

    let mut restored = users.restore(back);
    assert!(restored.is_fetched());
    assert_eq!(restored.as_dict(), fetched.as_dict());
    assert!(restored.password().is_err());
    assert!(restored.pending_changes().is_empty());
    tenant.reset_counters();
    restored.save().await?;
    assert_eq!(
        tenant.counters().total(),
        0,
        "nothing changed, nothing sent"
    );

    // One change sends one PATCH, and the unknown fields survive on both sides.
    restored
        .user_metadata
        .insert("retired".into(), json!(false));
    restored.save().await?;
    assert_eq!(tenant.counters().count(Route::UpdateUser), 1);
    assert_eq!(tenant.counters().total(), 1);
    let server = tenant.users().remove(0);
    assert_eq!(server["custom_field"], json!({"x": [1, 2]}));
    assert_eq!(server["multifactor"], json!(["guardian"]));
    assert_eq!(server["user_metadata"]["retired"], json!(false));
    assert_eq!(
        server["user_metadata"]["guitars"],
        json!(["SG", {"year": 1968}])
    );
    assert_eq!(restored.extra["custom_field"], json!({"x": [1, 2]}));
    assert_eq!(restored.user_metadata["retired"], json!(false));

    // Restored again from the state after the save: still nothing to send.
    let again = serde_json::to_string(&restored.to_state())?;
    let mut twice = users.restore(serde_json::from_str(&again)?);
    twice.save().await?;
    assert_eq!(tenant.counters().total(), 1);
    Ok(())
}

// ---------------------------------------------------------- pagination

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slices_pages_streams_and_indexes_over_250_users() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(250).start().await?;
    let expected = stored_ids(&tenant);
    assert_eq!(expected.len(), 250);
    let users = fake_client(&tenant).users();
    let query = users.query().any_connection().per_page(30);

    let slice = query.slice(40..160).await?;
    assert_eq!(ids(&slice), expected[40..160]);

    tenant.reset_counters();
    let all = query.fetch_all().await?;
    assert_eq!(ids(&all), expected);
    // ceil(250 / 30) pages, each once.
    assert_eq!(tenant.counters().count(Route::ListUsers), 9);

    let streamed = collect(&query).await?;
    assert_eq!(ids(&streamed), ids(&all));
    let sequential = collect(&query.clone().prefetch(1)).await?;
    assert_eq!(ids(&sequential), expected);

    for i in [0_u64, 29, 30, 149, 249] {
        let user = query.get(i).await?.expect("inside the results");
        assert_eq!(user.id(), Some(expected[usize::try_from(i)?].as_str()));
    }
    assert!(query.get(250).await?.is_none());
    assert_eq!(ids(&query.slice(240..300).await?), expected[240..]);
    assert!(query.slice(300..400).await?.is_empty());
    assert!(query.slice(10..10).await?.is_empty());
    assert_eq!(ids(&query.slice(..=2).await?), expected[..3]);
    assert_eq!(query.count().await?, 250);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_filter_sort_and_page_on_the_fake() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(250).start().await?;
    let users = fake_client(&tenant).users();
    let stored = tenant.users();

    // The default connection's query (identities.connection) sees everyone.
    let all = users.all().per_page(100).fetch_all().await?;
    assert_eq!(ids(&all), stored_ids(&tenant));

    // Sorted by email.
    let mut emails: Vec<String> = stored
        .iter()
        .filter_map(|u| u["email"].as_str().map(str::to_owned))
        .collect();
    emails.sort();
    let sorted = users
        .all()
        .sort("email", Order::Asc)
        .per_page(40)
        .fetch_all()
        .await?;
    let got: Vec<String> = sorted.iter().filter_map(|u| u.email.clone()).collect();
    assert_eq!(got, emails);

    // A filter: the seed plans cycle free, pro, enterprise.
    let pro: BTreeSet<String> = stored
        .iter()
        .filter(|u| u["app_metadata"]["plan"] == "pro")
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect();
    let query = users
        .query()
        .filter([("app_metadata.plan", "pro")])
        .per_page(25);
    assert_eq!(query.count().await?, pro.len() as u64);
    let found = query.fetch_all().await?;
    assert_eq!(ids(&found).into_iter().collect::<BTreeSet<_>>(), pro);
    assert_eq!(ids(&collect(&query).await?), ids(&found));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_1000_results_is_a_typed_error_not_a_400() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1100).start().await?;
    let users = fake_client(&tenant).users();
    let query = users.query().any_connection().per_page(100);
    assert_eq!(query.count().await?, 1100);

    let err = query.fetch_all().await.expect_err("past the window");
    assert!(
        matches!(err, Error::SearchWindowExceeded { total: 1100 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("export"), "{err}");
    let first = query.stream().next().await.expect("one item");
    assert!(matches!(
        first,
        Err(Error::SearchWindowExceeded { total: 1100 })
    ));
    assert!(matches!(
        query.slice(995..1005).await,
        Err(Error::SearchWindowExceeded { total: 1100 })
    ));
    assert!(matches!(
        query.get(1050).await,
        Err(Error::SearchWindowExceeded { total: 1100 })
    ));

    // Inside the window everything works, up to exactly result 1,000.
    let expected = stored_ids(&tenant);
    assert_eq!(ids(&query.slice(990..1000).await?), expected[990..1000]);
    assert_eq!(
        query
            .get(999)
            .await?
            .and_then(|u| u.id().map(str::to_owned)),
        Some(expected[999].clone())
    );
    let window = query.clone().per_page(30).slice(..1000).await?;
    assert_eq!(ids(&window), expected[..1000]);

    // A narrower search under 1,000 results reads in full.
    let pro = users
        .query()
        .any_connection()
        .filter([("app_metadata.plan", "pro")])
        .per_page(100)
        .fetch_all()
        .await?;
    assert_eq!(pro.len(), 1100 / 3 + usize::from(1100 % 3 > 1));

    // The client never asked the fake for a page past the window.
    assert_eq!(tenant.counters().count_status(Route::ListUsers, 400), 0);
    Ok(())
}

// ---------------------------------------------------------- bad input

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, what: &str) {
    match result {
        Err(Error::InvalidArgument(message)) => assert!(!message.is_empty(), "{what}"),
        other => panic!("{what}: expected InvalidArgument, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let auth0 = Auth0::builder("acme.auth0.com")
        .token("t")
        .base_url(server.uri())
        .default_connection("db")
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client");
    let users = auth0.users();

    for field in [
        "",
        "a b",
        "email)",
        "x:y",
        "user_metadata..x",
        ".a",
        "é",
        "q\"",
    ] {
        let lookup = Lookup::exact(field, "v");
        assert_invalid(lookup.to_query_string(), field);
        assert_invalid(users.query().filter(lookup.clone()).count().await, field);
        assert_invalid(
            users.query().filter(lookup.clone()).fetch_all().await,
            field,
        );
        assert_invalid(users.get(lookup.clone()).await, field);
        assert_invalid(users.get_opt(lookup.clone()).await, field);
        assert_invalid(
            users.get_or_create(lookup.clone(), NewUser::new()).await,
            field,
        );
        let streamed: Vec<_> = users.query().filter(lookup).stream().collect().await;
        assert_eq!(streamed.len(), 1);
        assert!(matches!(streamed[0], Err(Error::InvalidArgument(_))));
        assert_invalid(users.query().fields([field]).fetch_all().await, field);
        assert_invalid(users.query().sort(field, Order::Asc).first().await, field);
    }
    assert_invalid(
        users
            .query()
            .sort("created_at:1", Order::Asc)
            .fetch_all()
            .await,
        "sort with a direction in the name",
    );

    for per_page in [0, 101, 1000] {
        let query = users.query().per_page(per_page);
        assert_invalid(query.count().await, "per_page");
        assert_invalid(query.fetch_all().await, "per_page");
        assert_invalid(query.get(0).await, "per_page");
        assert_invalid(query.slice(0..5).await, "per_page");
        let first = query.stream().next().await.expect("one item");
        assert!(matches!(first, Err(Error::InvalidArgument(_))));
        assert!(
            Auth0::builder("acme.auth0.com")
                .token("t")
                .per_page(per_page)
                .build()
                .is_err()
        );
    }

    for id in ["", ".", ".."] {
        assert_invalid(users.get_by_id(id).await, "id");
        assert_invalid(users.delete(id).await, "id");
    }
    assert_invalid(users.by_email("").await, "email");
    assert_invalid(auth0.tickets().email_verification("").await, "ticket");

    // Nothing above reached the server.
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        0
    );
}

#[tokio::test]
async fn a_domain_that_is_a_url_is_refused_at_build() {
    let server = MockServer::start().await;
    for domain in [
        "https://acme.auth0.com",
        "http://acme.auth0.com/",
        "acme.auth0.com/api/v2",
        "acme.auth0.com:443",
        "user@acme.auth0.com",
        "acme auth0.com",
        "",
    ] {
        let result = Auth0::builder(domain)
            .token("t")
            .base_url(server.uri())
            .default_connection("db")
            .build();
        match result {
            Err(Error::Token(e)) => assert!(!e.to_string().is_empty()),
            other => panic!("{domain:?}: expected a domain error, got {other:?}"),
        }
    }
    let err = Auth0::builder("https://acme.auth0.com")
        .token("t")
        .build()
        .expect_err("a URL is not a domain");
    assert!(err.to_string().contains("https://"), "{err}");
    // Missing or empty credentials and a bad base URL fail at build too.
    assert!(matches!(
        Auth0::builder("acme.auth0.com").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Auth0::builder("acme.auth0.com").token("").build(),
        Err(Error::Config(_))
    ));
    assert!(
        Auth0::builder("acme.auth0.com")
            .token("t")
            .base_url("ftp://127.0.0.1:1")
            .build()
            .is_err()
    );
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_sends_nothing_to_the_fake_either() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    assert_invalid(users.get([("not a field", "x")]).await, "field");
    assert_invalid(users.query().per_page(0).count().await, "per_page");
    assert_invalid(users.get_by_id("").await, "id");
    assert_eq!(tenant.counters().total(), 0, "not even a token request");
    Ok(())
}

// ---------------------------------------------------------- failed saves

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_keeps_the_password_for_the_next_save() -> TestResult {
    let tenant = FakeTenant::builder()
        // Passwords like `pw`: a connection with no policy.
        .password_policy(PasswordPolicy::None)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    tenant.inject_fault(Route::CreateUser, Fault::ServiceUnavailable, 1);
    let mut bon = users.build(
        NewUser::new()
            .email("bon@acdc.example")
            .password("CanISitNextToYouGirl"),
    );
    let err = bon.save().await.expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(!bon.is_fetched());
    assert!(bon.password().is_ok(), "not saved, so still pending");
    // Retrying creates the user (Auth0 refuses a database user without a password).
    bon.save().await?;
    assert!(bon.is_fetched());
    assert!(bon.password().is_err());
    assert_eq!(tenant.user_count(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_split_save_keeps_what_was_not_saved_pending() -> TestResult {
    let tenant = FakeTenant::builder()
        // Passwords like `pw`: a connection with no policy.
        .password_policy(PasswordPolicy::None)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    let created = users
        .create(NewUser::new().email("bon@acdc.example").password("pw-1"))
        .await?;
    let id = created.id().unwrap_or_default().to_owned();
    let stored = |tenant: &FakeTenant| tenant.users().remove(0);

    // The first PATCH (the password) fails: nothing was saved, all stays pending.
    let mut bon = users.get_by_id(&id).await?;
    bon.email = Some("bonscott@acdc.example".into());
    bon.set_password("HighwayToHell");
    tenant.inject_fault(Route::UpdateUser, Fault::InternalError, 1);
    let err = bon.save().await.expect_err("500");
    assert_eq!(err.status(), Some(500));
    assert!(bon.password().is_ok(), "the password was not saved");
    assert_eq!(bon.pending_changes().len(), 2);
    assert!(stored(&tenant).get("last_password_reset").is_none());
    tenant.reset_counters();
    bon.save().await?;
    assert_eq!(tenant.counters().count_status(Route::UpdateUser, 200), 2);
    assert!(bon.password().is_err());
    assert!(stored(&tenant).get("last_password_reset").is_some());
    assert_eq!(stored(&tenant)["email"], "bonscott@acdc.example");

    // The second PATCH (the email) fails: the password is saved, the email pending.
    bon.email = Some("bon.scott@acdc.example".into());
    bon.set_password("pw-3");
    tenant.inject_fault(Route::UpdateUser, Fault::Delay(Duration::ZERO), 1);
    tenant.inject_fault(Route::UpdateUser, Fault::InternalError, 1);
    let err = bon.save().await.expect_err("500");
    assert_eq!(err.status(), Some(500));
    assert!(bon.password().is_err(), "the password went through");
    let pending: Vec<Value> = bon
        .pending_changes()
        .into_iter()
        .map(Value::Object)
        .collect();
    assert_eq!(
        pending,
        [json!({
            "email": "bon.scott@acdc.example",
            "connection": tenant.connection(),
            "client_id": tenant.client_id()
        })]
    );
    tenant.reset_counters();
    bon.save().await?;
    assert_eq!(tenant.counters().count(Route::UpdateUser), 1);
    assert_eq!(stored(&tenant)["email"], "bon.scott@acdc.example");
    Ok(())
}

// ---------------------------------------------------------- email case

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_lookups_ignore_case_like_auth0_search() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        // Searches right after creating: a search that sees every write at once.
        .index_delay(std::time::Duration::ZERO)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    let angus = users
        .create(
            NewUser::new()
                .email("Angus@ACDC.example")
                .password("Jailbreak"),
        )
        .await?;
    // Auth0 databases store the email lowercased.
    assert_eq!(angus.email.as_deref(), Some("angus@acdc.example"));
    // Search matches emails case-insensitively, and so does get().
    let search = users
        .query()
        .filter(Lookup::exact("email", "ANGUS@acdc.EXAMPLE"))
        .count()
        .await?;
    assert_eq!(search, 1);
    let found = users.get([("email", "ANGUS@acdc.EXAMPLE")]).await?;
    assert_eq!(found, angus);
    // get_or_create finds the user instead of failing on Auth0's 409.
    let (same, created) = users
        .get_or_create(
            [("email", "Angus@ACDC.example")],
            NewUser::new().password("Jailbreak"),
        )
        .await?;
    assert!(!created);
    assert_eq!(same, angus);
    assert_eq!(tenant.user_count(), 1);
    Ok(())
}
