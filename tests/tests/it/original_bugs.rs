//! One test per bug of the original auth0plus 0.3.0 (`original-auth0plus.md`
//! §9) that applies to this port, showing that it is gone. Test names start
//! with the bug's number. Bug 19 (`six` an undeclared dependency) cannot
//! happen with Cargo and has no test.

use std::collections::BTreeSet;

use auth0plus::fake::{FakeTenant, Fault, PasswordPolicy, Route};
use auth0plus::prelude::*;
use futures::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use auth0plus_tests::{TestResult, answer, fake_client};

use auth0plus_tests::wire_client;

async fn bodies(server: &MockServer, verb: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == verb)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

fn bon() -> Value {
    json!({
        "user_id": "auth0|1",
        "email": "bon@acdc.example",
        "email_verified": false,
        "name": "bon@acdc.example",
        "nickname": "bon",
        "identities": [{"connection": "db", "user_id": "1", "provider": "auth0", "isSocial": false}],
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-01-01T00:00:00.000Z",
        "user_metadata": {"band": "AC/DC"}
    })
}

/// A user in `connection` for `insert_user`.
fn stored(id: &str, connection: &str, extra: &Value) -> Value {
    let mut user = json!({
        "user_id": id,
        "identities": [{"connection": connection, "user_id": id.split('|').nth(1).unwrap_or(id), "provider": "auth0", "isSocial": false}],
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-01-01T00:00:00.000Z",
    });
    if let (Some(map), Some(more)) = (user.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    user
}

fn id_set(users: &[User]) -> BTreeSet<String> {
    users
        .iter()
        .filter_map(User::id)
        .map(str::to_owned)
        .collect()
}

/// Bug 1: `Auth0` wrote its config into global class attributes; the last
/// instance won. Two clients for two tenants share nothing here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug01_two_clients_for_two_tenants_share_nothing() -> TestResult {
    let a = FakeTenant::builder()
        .password_policy(PasswordPolicy::Low)
        // Counts right after creating: a search that sees every write at once.
        .index_delay(std::time::Duration::ZERO)
        .connection("db-a")
        .start()
        .await?;
    let b = FakeTenant::builder()
        .password_policy(PasswordPolicy::Low)
        // Counts right after creating: a search that sees every write at once.
        .index_delay(std::time::Duration::ZERO)
        .connection("db-b")
        .start()
        .await?;
    let auth_a = fake_client(&a);
    let auth_b = fake_client(&b);
    // Built second, b does not overwrite a's defaults.
    assert_eq!(auth_a.default_connection(), Some("db-a"));
    assert_eq!(auth_b.default_connection(), Some("db-b"));
    assert_eq!(
        auth_a.users().all().to_query_string()?,
        r#"identities.connection:"db-a""#
    );
    let angus = auth_a
        .users()
        .create(
            NewUser::new()
                .email("angus@acdc.example")
                .password("Jailbreak"),
        )
        .await?;
    let brian = auth_b
        .users()
        .create(
            NewUser::new()
                .email("brian@acdc.example")
                .password("BackInBlack"),
        )
        .await?;
    assert_eq!((a.user_count(), b.user_count()), (1, 1));
    assert_eq!(angus.connection(), Some("db-a"));
    assert_eq!(brian.connection(), Some("db-b"));
    assert_eq!(a.users()[0]["identities"][0]["connection"], "db-a");
    assert_eq!(b.users()[0]["identities"][0]["connection"], "db-b");
    // Each found only its own user, and each fetched its own token once.
    assert_eq!(auth_a.users().all().count().await?, 1);
    assert_eq!(
        auth_b.users().by_email("angus@acdc.example").await?.len(),
        0
    );
    assert_eq!(a.counters().count(Route::Token), 1);
    assert_eq!(b.counters().count(Route::Token), 1);
    // A user from a saves back to a.
    let mut angus = angus;
    angus.nickname = Some("Angus Young".into());
    angus.save().await?;
    assert_eq!(a.counters().count(Route::UpdateUser), 1);
    assert_eq!(b.counters().count(Route::UpdateUser), 0);
    Ok(())
}

/// Bug 2: `query()`, `all()` and `get(**lookup)` sent a GET on construction.
/// Building queries sends nothing, not even a token request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug02_building_a_query_sends_no_request() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    let query = users
        .query()
        .filter([("email__startswith", "b")])
        .q(r#"user_metadata.family_name:"Young""#)
        .fields(["user_id", "email"])
        .sort("created_at", Order::Asc)
        .per_page(10)
        .connection("other");
    let copy = query.clone().any_connection();
    let _all = users.all();
    let _stream = copy.stream(); // a stream does nothing until polled
    let _ = query.to_query_string()?;
    drop(query);
    assert_eq!(tenant.counters().total(), 0);
    Ok(())
}

/// Bug 3: the `QuerySet` was a single-pass iterator, and slices fetched one
/// record too many. Queries can be run any number of times, and a slice asks
/// for exactly its pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug03_a_query_can_be_run_twice_and_slices_do_not_overfetch() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(7).start().await?;
    let users = fake_client(&tenant).users();
    let query = users.query().any_connection().per_page(3);
    let first = query.fetch_all().await?;
    let second = query.fetch_all().await?;
    assert_eq!(first.len(), 7);
    assert_eq!(first, second);
    let streamed: Vec<User> = query
        .stream()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let streamed_again: Vec<User> = query
        .stream()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    assert_eq!(streamed, first);
    assert_eq!(streamed_again, first);
    assert_eq!(query.count().await?, 7);

    tenant.reset_counters();
    let three = query.slice(..3).await?;
    assert_eq!(three, first[..3]);
    assert_eq!(tenant.counters().count(Route::ListUsers), 1);
    Ok(())
}

/// Bug 4: without totals, `count()` returned what was left in the buffer.
/// `count()` is always the server's total, in one request, however much of
/// the query was consumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug04_count_is_the_servers_total() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(120).start().await?;
    let users = fake_client(&tenant).users();
    let query = users.query().any_connection().per_page(10);
    tenant.reset_counters();
    assert_eq!(query.count().await?, 120);
    assert_eq!(tenant.counters().count(Route::ListUsers), 1);
    let mut stream = query.stream();
    for _ in 0..5 {
        stream.next().await.transpose()?;
    }
    drop(stream);
    assert_eq!(query.count().await?, 120);
    Ok(())
}

/// Bug 5: a server cap on `per_page` silently truncated iteration. Pages
/// over 100 are refused before sending, and iteration reads every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug05_page_size_is_checked_and_iteration_is_complete() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(250).start().await?;
    let users = fake_client(&tenant).users();
    tenant.reset_counters();
    let err = users
        .query()
        .any_connection()
        .per_page(500)
        .fetch_all()
        .await
        .expect_err("per_page over 100");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(tenant.counters().total(), 0);
    let all = users
        .query()
        .any_connection()
        .per_page(100)
        .fetch_all()
        .await?;
    assert_eq!(all.len(), 250);
    assert_eq!(id_set(&all).len(), 250);
    Ok(())
}

/// Bug 6: lucene values were pasted unescaped, `*` anywhere meant wildcard,
/// and non-string values crashed. Every value is escaped and matches
/// literally on the fake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug06_values_are_escaped_and_match_literally() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let conn = tenant.connection().to_owned();
    let weird = r#"Bon "The Singer" Scott AND x:y*\z"#;
    tenant.insert_user(stored(
        "auth0|weird",
        &conn,
        &json!({"email": "weird@acdc.example", "name": weird, "nickname": "b*", "logins_count": 5}),
    ));
    tenant.insert_user(stored(
        "auth0|bon",
        &conn,
        &json!({"email": "bon@acdc.example", "name": "Bon", "nickname": "bon", "logins_count": 6}),
    ));
    tenant.insert_user(stored(
        "auth0|x",
        &conn,
        &json!({"email": "x@acdc.example", "name": "x", "nickname": "x:y", "logins_count": 5}),
    ));
    let users = fake_client(&tenant).users();

    let lookup = Lookup::exact("name", weird);
    assert_eq!(
        lookup.to_query_string()?,
        r#"name:"Bon \"The Singer\" Scott AND x:y*\\z""#
    );
    let found = users.query().filter(lookup).fetch_all().await?;
    assert_eq!(
        found.iter().filter_map(User::id).collect::<Vec<_>>(),
        ["auth0|weird"]
    );

    // An exact `*` is a star, not a wildcard: only the literal "b*" matches.
    let star = users.get(Lookup::exact("nickname", "b*")).await?;
    assert_eq!(star.id(), Some("auth0|weird"));
    // A prefix with special characters stays one literal term.
    let colon = Lookup::prefix("nickname", "x:");
    assert_eq!(colon.to_query_string()?, r"nickname:x\:*");
    assert_eq!(
        users.get(colon).await?.id(),
        Some("auth0|x"),
        "the prefix x: matches x:y only"
    );
    // An attempt to break out of the quotes matches nobody.
    let injection = Lookup::exact("email", r#"x" OR email:*"#);
    assert_eq!(users.query().filter(injection).count().await?, 0);
    // Numbers and booleans are values like any other.
    assert_eq!(
        users
            .query()
            .filter(Lookup::exact("logins_count", 5))
            .count()
            .await?,
        2
    );
    assert_eq!(
        Lookup::exact("email_verified", true).to_query_string()?,
        r#"email_verified:"true""#
    );
    Ok(())
}

/// Bug 7: a custom `q` silently dropped the lookups and the connection
/// filter. They are all joined with `AND` in the final `q`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug07_raw_q_keeps_lookups_and_connection() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let conn = tenant.connection().to_owned();
    let young = json!({"family_name": "Young"});
    tenant.insert_user(stored(
        "auth0|angus",
        &conn,
        &json!({"nickname": "angus", "user_metadata": young}),
    ));
    tenant.insert_user(stored(
        "auth0|malcolm",
        &conn,
        &json!({"nickname": "malcolm", "user_metadata": young}),
    ));
    tenant.insert_user(stored(
        "auth0|other-angus",
        "other-db",
        &json!({"nickname": "angus", "user_metadata": young}),
    ));
    let users = fake_client(&tenant).users();
    let query = users
        .query()
        .filter([("nickname", "angus")])
        .q(r#"user_metadata.family_name:"Young""#);
    assert_eq!(
        query.to_query_string()?,
        format!(
            r#"nickname:"angus" AND (user_metadata.family_name:"Young") AND identities.connection:"{conn}""#
        )
    );
    let found = query.fetch_all().await?;
    assert_eq!(
        found.iter().filter_map(User::id).collect::<Vec<_>>(),
        ["auth0|angus"]
    );
    // The raw q alone still keeps the default connection.
    assert_eq!(
        users
            .query()
            .q(r#"user_metadata.family_name:"Young""#)
            .count()
            .await?,
        2
    );
    // An explicit connection replaces the default one.
    assert_eq!(
        users
            .query()
            .q(r#"user_metadata.family_name:"Young""#)
            .connection("other-db")
            .fetch_all()
            .await?
            .iter()
            .filter_map(User::id)
            .collect::<Vec<_>>(),
        ["auth0|other-angus"]
    );
    Ok(())
}

/// Bugs 8 and 9: no `search_engine` was sent without a connection or `q`
/// (and v2 is gone), and v1 mode overwrote page, `per_page`, sort and fields.
/// Every search says `search_engine=v3` and keeps the caller's options.
#[tokio::test]
async fn bug08_09_always_v3_and_options_are_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"start": 0, "limit": 5, "length": 0, "users": [], "total": 0}),
            ),
        )
        .mount(&server)
        .await;
    let no_default = Auth0::builder("acme.auth0.com")
        .token("t")
        .base_url(server.uri())
        .build()
        .expect("client");
    no_default
        .users()
        .query()
        .per_page(5)
        .sort("email", Order::Desc)
        .fields(["email"])
        .fetch_all()
        .await
        .expect("searched");
    no_default
        .users()
        .query()
        .filter([("email", "x@y.z")])
        .count()
        .await
        .expect("counted");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2);
    let pairs = |i: usize| -> Vec<(String, String)> {
        requests[i]
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let first = pairs(0);
    for expected in [
        ("search_engine", "v3"),
        ("per_page", "5"),
        ("page", "0"),
        ("sort", "email:-1"),
        ("fields", "email"),
        ("include_fields", "true"),
    ] {
        assert!(
            first.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing from {first:?}"
        );
    }
    assert!(!first.iter().any(|(k, _)| k == "q" || k == "connection"));
    let second = pairs(1);
    assert!(second.contains(&("search_engine".to_owned(), "v3".to_owned())));
    assert!(second.contains(&("q".to_owned(), r#"email:"x@y.z""#.to_owned())));
}

/// Bug 10: `get(id)` of a missing user raised a raw 404 `Auth0Error`, not
/// `DoesNotExist`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug10_get_by_id_404_is_does_not_exist() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    let err = users
        .get_by_id("auth0|000000000000000000000000")
        .await
        .expect_err("no such user");
    assert!(matches!(err, Error::DoesNotExist { .. }), "{err:?}");
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "User Does Not Exist");
    assert_eq!(tenant.counters().count_status(Route::GetUser, 404), 1);
    // get_or_create with an id-like lookup creates nothing on a 404 either.
    assert_eq!(tenant.user_count(), 0);
    Ok(())
}

/// Bug 11: the first save of a fetched user re-sent every updatable field.
/// A fetched user saved unchanged sends nothing; one change sends only it —
/// whether it came from `get_by_id` or from a search.
#[tokio::test]
async fn bug11_first_save_of_a_fetched_user_sends_only_changes() {
    let server = MockServer::start().await;
    answer(&server, "GET", "/api/v2/users/auth0%7C1", 200, bon()).await;
    answer(
        &server,
        "GET",
        "/api/v2/users",
        200,
        json!({"start": 0, "limit": 50, "length": 1, "users": [bon()], "total": 1}),
    )
    .await;
    answer(&server, "PATCH", "/api/v2/users/auth0%7C1", 200, bon()).await;
    let users = wire_client(&server).users();

    let mut by_id = users.get_by_id("auth0|1").await.expect("fetched");
    let mut searched = users.query().first().await.expect("searched").expect("one");
    let before = request_count(&server).await;
    by_id.save().await.expect("saved");
    searched.save().await.expect("saved");
    assert_eq!(request_count(&server).await, before, "nothing changed");

    by_id
        .user_metadata
        .insert("band".into(), json!("AC/DC live"));
    by_id.save().await.expect("saved");
    searched.nickname = Some("bonny".into());
    searched.save().await.expect("saved");
    assert_eq!(
        bodies(&server, "PATCH").await,
        [
            json!({"user_metadata": {"band": "AC/DC live"}}),
            json!({"nickname": "bonny"})
        ]
    );
}

/// Bug 12: on create, fields outside the PATCH list (`given_name`,
/// `family_name`, `name`, `nickname`, `picture`) were silently not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug12_create_sends_every_given_field() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    let bon = users
        .create(
            NewUser::new()
                .email("bon@acdc.example")
                .password("HighwayToHell")
                .given_name("Ronald")
                .family_name("Scott")
                .name("Bon Scott")
                .nickname("Bon")
                .picture("https://acdc.example/bon.png")
                .blocked(false)
                .app_metadata(json!({"role": "singer"})),
        )
        .await?;
    let stored = users.get_by_id(bon.id().unwrap_or_default()).await?;
    assert_eq!(stored.given_name.as_deref(), Some("Ronald"));
    assert_eq!(stored.family_name.as_deref(), Some("Scott"));
    assert_eq!(stored.name.as_deref(), Some("Bon Scott"));
    assert_eq!(stored.nickname.as_deref(), Some("Bon"));
    assert_eq!(
        stored.picture.as_deref(),
        Some("https://acdc.example/bon.png")
    );
    assert_eq!(stored.blocked, Some(false));
    assert_eq!(stored.app_metadata.get("role"), Some(&json!("singer")));
    Ok(())
}

/// Bug 13: PATCH responses were ignored, so the record was stale. The
/// record is what the server answered.
#[tokio::test]
async fn bug13_the_patch_response_is_applied() {
    let server = MockServer::start().await;
    answer(&server, "GET", "/api/v2/users/auth0%7C1", 200, bon()).await;
    let mut patched = bon();
    patched["email"] = json!("bonscott@acdc.example");
    patched["email_verified"] = json!(false);
    patched["updated_at"] = json!("2025-06-01T12:00:00.000Z");
    patched["last_password_reset"] = json!("2025-06-01T12:00:00.000Z");
    patched["user_metadata"] = json!({"band": "AC/DC", "merged": "by the server"});
    answer(
        &server,
        "PATCH",
        "/api/v2/users/auth0%7C1",
        200,
        patched.clone(),
    )
    .await;
    let users = wire_client(&server).users();
    let mut user = users.get_by_id("auth0|1").await.expect("fetched");
    user.email = Some("BonScott@ACDC.example".into());
    user.set_password("HighwayToHell");
    user.save().await.expect("saved");
    assert_eq!(user.email.as_deref(), Some("bonscott@acdc.example"));
    let stamp = |t: Option<auth0plus::management::Timestamp>| t.map(|t| t.to_string());
    assert_eq!(
        stamp(user.updated_at).as_deref(),
        Some("2025-06-01T12:00:00.000Z")
    );
    assert_eq!(
        stamp(user.last_password_reset).as_deref(),
        Some("2025-06-01T12:00:00.000Z")
    );
    assert_eq!(
        user.user_metadata.get("merged"),
        Some(&json!("by the server"))
    );
    // The server's answer is the new baseline: saving again sends nothing.
    let before = request_count(&server).await;
    user.save().await.expect("saved");
    assert_eq!(request_count(&server).await, before);
}

/// Bug 14: `get_or_create` mutated the caller's `defaults`. Defaults are
/// taken by value; a clone reused for another user is unchanged and does not
/// carry the first user's lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug14_defaults_are_not_mutated() -> TestResult {
    let tenant = FakeTenant::builder()
        // The original's passwords (AC/DC): its tenant took 6+ characters.
        .password_policy(PasswordPolicy::Low)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    let defaults = NewUser::new()
        .email_verified(true)
        .password("ChuckB")
        .user_metadata(json!({"family_name": "Young"}));
    let pristine = defaults.clone();
    let (angus, created) = users
        .get_or_create([("email", "angus@acdc.example")], defaults.clone())
        .await?;
    assert!(created);
    assert_eq!(defaults, pristine);
    assert_eq!(defaults.profile().email, None);
    let (malcolm, created) = users
        .get_or_create([("email", "malcolm@acdc.example")], defaults.clone())
        .await?;
    assert!(created);
    assert_eq!(malcolm.email.as_deref(), Some("malcolm@acdc.example"));
    assert_eq!(angus.email.as_deref(), Some("angus@acdc.example"));
    assert_eq!(
        Value::Object(malcolm.user_metadata.clone()),
        json!({"family_name": "Young"})
    );
    assert_eq!(defaults, pristine);
    Ok(())
}

/// Bug 15: the generic create path raised `TypeError` and the update path
/// `KeyError`. Here the impossible cases are typed errors, before sending.
#[tokio::test]
async fn bug15_save_and_delete_without_what_they_need_are_typed_errors() {
    let server = MockServer::start().await;
    let no_connection = Auth0::builder("acme.auth0.com")
        .token("t")
        .base_url(server.uri())
        .build()
        .expect("client");
    let users = no_connection.users();
    let err = users
        .create(NewUser::new().email("a@b.c"))
        .await
        .expect_err("no connection");
    assert!(matches!(err, Error::MissingConnection), "{err:?}");
    let mut unsaved = users.new_user();
    let err = unsaved.delete().await.expect_err("no id");
    assert!(matches!(err, Error::MissingId), "{err:?}");
    let err = users
        .create(NewUser::new().user_metadata(json!(["not", "an", "object"])))
        .await
        .expect_err("metadata must be an object");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert_eq!(request_count(&server).await, 0);
}

/// Bug 16: `delete` did not URL-quote the id. Ids with `|`, `/` and spaces
/// reach the right user on the fake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug16_delete_encodes_the_id() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let conn = tenant.connection().to_owned();
    let ids = ["samlp|acme/bob", "auth0|a b", "oauth2|x?y#z%"];
    for id in ids {
        tenant.insert_user(stored(id, &conn, &json!({"email": "x@acdc.example"})));
    }
    tenant.insert_user(stored("samlp|acme", &conn, &json!({})));
    let users = fake_client(&tenant).users();
    for id in ids {
        let mut user = users.get_by_id(id).await?;
        assert_eq!(user.id(), Some(id));
        user.delete().await?;
        assert!(matches!(
            users.get_by_id(id).await,
            Err(Error::DoesNotExist { .. })
        ));
    }
    // `samlp|acme/bob` was one segment: its neighbour `samlp|acme` is intact.
    assert_eq!(tenant.user_count(), 1);
    users.delete("samlp|acme").await?;
    assert_eq!(tenant.user_count(), 0);
    Ok(())
}

/// Bug 17: HTTP status codes were ignored and non-JSON bodies crashed. Every
/// error status is a typed `Error::Api`; an HTML gateway page keeps its body.
#[tokio::test]
async fn bug17_error_statuses_and_non_json_bodies_are_typed_errors() {
    let cases: [(u16, Value, &str, Option<&str>); 6] = [
        (
            400,
            json!({"statusCode": 400, "error": "Bad Request", "message": "Payload validation error: 'x'.", "errorCode": "invalid_body"}),
            "400: Payload validation error: 'x'.",
            Some("invalid_body"),
        ),
        (
            403,
            json!({"statusCode": 403, "error": "Forbidden", "message": "Insufficient scope, expected any of: read:users", "errorCode": "insufficient_scope"}),
            "403: Insufficient scope, expected any of: read:users",
            Some("insufficient_scope"),
        ),
        (
            409,
            json!({"statusCode": 409, "error": "Conflict", "message": "The user already exists.", "errorCode": "auth0_idp_error"}),
            "409: The user already exists.",
            Some("auth0_idp_error"),
        ),
        (
            429,
            json!({"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached", "errorCode": "too_many_requests"}),
            "429: Global limit has been reached",
            Some("too_many_requests"),
        ),
        (
            500,
            json!({"statusCode": 500, "error": "Internal Server Error", "message": "boom"}),
            "500: boom",
            None,
        ),
        (
            503,
            json!({"statusCode": 503, "error": "Service Unavailable", "message": "The query exceeded the timeout."}),
            "503: The query exceeded the timeout.",
            None,
        ),
    ];
    for (status, body, display, code) in cases {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let err = wire_client(&server)
            .users()
            .create(NewUser::new().email("a@b.c"))
            .await
            .expect_err("an error status");
        let api = err.api().expect("Error::Api");
        assert_eq!(api.status, status);
        assert_eq!(api.error_code.as_deref(), code);
        assert_eq!(err.to_string(), display);
        assert_eq!(err.status(), Some(status));
    }

    // An HTML 502 from a gateway, and a truncated JSON 500.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body><h1>502 Bad Gateway</h1></body></html>"),
        )
        .mount(&server)
        .await;
    let err = wire_client(&server)
        .users()
        .get_by_id("auth0|1")
        .await
        .expect_err("502");
    let api = err.api().expect("Error::Api");
    assert_eq!(api.status, 502);
    assert!(
        api.raw_body
            .as_deref()
            .is_some_and(|b| b.contains("502 Bad Gateway"))
    );
    assert_eq!(request_count(&server).await, 1, "RetryPolicy::never");

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string(r#"{"statusCode":500,"mess"#))
        .mount(&server)
        .await;
    let err = wire_client(&server)
        .users()
        .delete("auth0|1")
        .await
        .expect_err("500");
    assert_eq!(err.status(), Some(500));
    assert!(err.api().is_some());

    // A 200 that is not JSON is a decode error, not a panic.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    let err = wire_client(&server)
        .users()
        .get_by_id("auth0|1")
        .await
        .expect_err("not JSON");
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

/// Bug 17 on the fake: its HTML 502 fault is a typed error too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug17_the_fakes_html_502_is_a_typed_error() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let users = fake_client(&tenant).users();
    tenant.inject_fault(Route::CreateUser, Fault::BadGatewayHtml, 1);
    let err = users
        .create(NewUser::new().email("bon@acdc.example").password("pw"))
        .await
        .expect_err("502");
    let api = err.api().expect("Error::Api");
    assert_eq!(api.status, 502);
    assert!(api.raw_body.as_deref().is_some_and(|b| b.contains('<')));
    assert_eq!(tenant.user_count(), 0);
    Ok(())
}

/// Bug 18: two objects without an id were equal. Users without an id are
/// never equal; users with the same id are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bug18_users_without_ids_are_not_equal() -> TestResult {
    let tenant = FakeTenant::builder()
        // Passwords like `pw`: a connection with no policy.
        .password_policy(PasswordPolicy::None)
        .start()
        .await?;
    let users = fake_client(&tenant).users();
    assert_ne!(users.new_user(), users.new_user());
    let one = users.build(NewUser::new().email("same@acdc.example"));
    let two = users.build(NewUser::new().email("same@acdc.example"));
    assert_ne!(one, two);
    let created = users
        .create(NewUser::new().email("same@acdc.example").password("pw"))
        .await?;
    let fetched = users.get_by_id(created.id().unwrap_or_default()).await?;
    assert_eq!(created, fetched);
    assert_ne!(created, one);
    Ok(())
}
