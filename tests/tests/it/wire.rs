//! Exact-wire tests of the users API: for every call, the method, the
//! percent-encoded path, the query pairs, the headers and the JSON body that
//! reach the server (a wiremock `MockServer` standing in for Auth0).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use auth0plus::management::{EmailVerificationTicket, PasswordChangeTicket};
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use auth0plus_tests::{Seen, answer, pairs, seen};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn client(server: &MockServer) -> Auth0 {
    Auth0::builder("acme.auth0.com")
        .token("t")
        .base_url(server.uri())
        .default_connection("db")
        .client_id("cid")
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid client")
}

/// A user as Auth0 returns it.
fn bon() -> Value {
    json!({
        "user_id": "auth0|1",
        "email": "bon@acdc.example",
        "email_verified": false,
        "name": "bon@acdc.example",
        "nickname": "bon",
        "picture": "https://s.gravatar.com/avatar/abc?s=480&r=pg&d=x",
        "identities": [{"connection": "db", "user_id": "1", "provider": "auth0", "isSocial": false}],
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-01-01T00:00:00.000Z",
        "user_metadata": {"band": "AC/DC", "family_name": "Scott", "address": {"city": "Adelaide", "zip": "5000"}},
        "app_metadata": {"plan": "pro"}
    })
}

fn envelope(users: &[Value], total: usize, page: usize, per_page: usize) -> Value {
    json!({"start": page * per_page, "limit": per_page, "length": users.len(), "users": users, "total": total})
}

fn assert_auth_headers(s: &Seen) {
    assert_eq!(s.authorization.as_deref(), Some("Bearer t"), "{s:?}");
    assert!(
        s.telemetry.as_deref().is_some_and(|t| !t.is_empty()),
        "auth0-client missing: {s:?}"
    );
}

#[tokio::test]
async fn create_posts_exactly_the_given_fields() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/api/v2/users", 201, bon()).await;
    let users = client(&server).users();
    let user = users
        .create(
            NewUser::new()
                .email("bon@acdc.example")
                .email_verified(true)
                .verify_email(false)
                .password("CanISitNextToYouGirl")
                .username("bon")
                .phone_number("+15551234")
                .phone_verified(false)
                .given_name("Bon")
                .family_name("Scott")
                .name("Bon Scott")
                .nickname("bonny")
                .picture("https://example.com/bon.png")
                .blocked(false)
                .user_id("1")
                .user_metadata(json!({"band": "AC/DC"}))
                .app_metadata(json!({"plan": "pro"})),
        )
        .await
        .expect("created");
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("POST", "/api/v2/users")
    );
    assert!(s.query.is_empty());
    assert_auth_headers(s);
    assert_eq!(s.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        s.body,
        Some(json!({
            "connection": "db",
            "email": "bon@acdc.example",
            "email_verified": true,
            "verify_email": false,
            "password": "CanISitNextToYouGirl",
            "username": "bon",
            "phone_number": "+15551234",
            "phone_verified": false,
            "given_name": "Bon",
            "family_name": "Scott",
            "name": "Bon Scott",
            "nickname": "bonny",
            "picture": "https://example.com/bon.png",
            "blocked": false,
            "user_id": "1",
            "user_metadata": {"band": "AC/DC"},
            "app_metadata": {"plan": "pro"}
        }))
    );
    // The record is the server's answer, fetched, and the password is gone.
    assert_eq!(user.id(), Some("auth0|1"));
    assert!(user.is_fetched());
    assert!(user.password().is_err());
    assert_eq!(user.nickname.as_deref(), Some("bon"));
}

#[tokio::test]
async fn create_minimal_body_and_named_connection() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/api/v2/users", 201, bon()).await;
    let users = client(&server).users();
    users
        .create(NewUser::new().email("a@x.example").password("pw"))
        .await
        .expect("created");
    users
        .create(NewUser::new().email("a@x.example").connection("other"))
        .await
        .expect("created");
    let seen = seen(&server).await;
    assert_eq!(
        seen[0].body,
        Some(json!({"connection": "db", "email": "a@x.example", "password": "pw"}))
    );
    assert_eq!(
        seen[1].body,
        Some(json!({"connection": "other", "email": "a@x.example"}))
    );
}

#[tokio::test]
async fn ids_are_percent_encoded_as_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v2/users/[^/]+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bon()))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"^/api/v2/users/[^/]+$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let users = client(&server).users();
    let cases = [
        ("auth0|1", "/api/v2/users/auth0%7C1"),
        ("samlp|acme/bob", "/api/v2/users/samlp%7Cacme%2Fbob"),
        ("oidc|a b?c#d%e", "/api/v2/users/oidc%7Ca%20b%3Fc%23d%25e"),
        ("auth0|bön", "/api/v2/users/auth0%7Cb%C3%B6n"),
    ];
    for (id, _) in cases {
        users.get_by_id(id).await.expect("fetched");
        users.delete(id).await.expect("deleted");
    }
    let mut fetched = users.get_by_id("auth0|1").await.expect("fetched");
    fetched.delete().await.expect("deleted");
    let seen = seen(&server).await;
    assert_eq!(seen.len(), cases.len() * 2 + 2);
    for (i, (_, expected)) in cases.iter().enumerate() {
        for (s, verb) in [(&seen[2 * i], "GET"), (&seen[2 * i + 1], "DELETE")] {
            assert_eq!(s.method, verb);
            assert_eq!(s.path, *expected);
            assert!(s.query.is_empty(), "{s:?}");
            assert_eq!(s.body, None);
            assert_auth_headers(s);
        }
    }
    assert_eq!(seen[seen.len() - 1].method, "DELETE");
    assert_eq!(seen[seen.len() - 1].path, "/api/v2/users/auth0%7C1");
}

#[tokio::test]
async fn a_search_sends_the_exact_query() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users",
        200,
        envelope(&[bon(), bon()], 2, 0, 25),
    )
    .await;
    let users = client(&server).users();
    let found = users
        .query()
        .filter([("email__startswith", "b")])
        .fields(["user_id", "email"])
        .sort("created_at", Order::Asc)
        .per_page(25)
        .fetch_all()
        .await
        .expect("searched");
    assert_eq!(found.len(), 2);
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].query,
        pairs(&[
            ("q", r#"email:b* AND identities.connection:"db""#),
            ("search_engine", "v3"),
            ("page", "0"),
            ("per_page", "25"),
            ("include_totals", "true"),
            ("sort", "created_at:1"),
            ("fields", "user_id,email"),
            ("include_fields", "true"),
        ])
    );
    // Spaces are %20, and the whole value is encoded.
    assert_eq!(
        seen[0].raw_query.as_deref().map(|q| q.split('&').next()),
        Some(Some(
            "q=email%3Ab%2A%20AND%20identities.connection%3A%22db%22"
        ))
    );
    assert_auth_headers(&seen[0]);
    assert_eq!(seen[0].body, None);
}

#[tokio::test]
async fn descending_sort_excluded_fields_and_other_connections() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users",
        200,
        envelope(&[], 0, 0, 50),
    )
    .await;
    let users = client(&server).users();
    users
        .query()
        .exclude_fields(["identities"])
        .sort("email", Order::Desc)
        .connection("google-oauth2")
        .fetch_all()
        .await
        .expect("searched");
    users
        .query()
        .any_connection()
        .fetch_all()
        .await
        .expect("searched");
    let seen = seen(&server).await;
    assert_eq!(
        seen[0].query,
        pairs(&[
            ("q", r#"identities.connection:"google-oauth2""#),
            ("search_engine", "v3"),
            ("page", "0"),
            ("per_page", "50"),
            ("include_totals", "true"),
            ("sort", "email:-1"),
            ("fields", "identities"),
            ("include_fields", "false"),
        ])
    );
    // No condition at all: no `q`, but still engine v3.
    assert_eq!(
        seen[1].query,
        pairs(&[
            ("search_engine", "v3"),
            ("page", "0"),
            ("per_page", "50"),
            ("include_totals", "true"),
        ])
    );
}

#[tokio::test]
async fn count_is_one_small_request_using_the_total() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users",
        200,
        envelope(&[bon()], 42, 0, 1),
    )
    .await;
    let users = client(&server).users();
    let n = users
        .query()
        .filter([("email__startswith", "b")])
        .count()
        .await
        .expect("counted");
    assert_eq!(n, 42);
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].query,
        pairs(&[
            ("q", r#"email:b* AND identities.connection:"db""#),
            ("search_engine", "v3"),
            ("page", "0"),
            ("per_page", "1"),
            ("include_totals", "true"),
            ("fields", "user_id"),
            ("include_fields", "true"),
        ])
    );
}

/// Answers `GET /users` pages from `total` numbered users.
fn pager(total: usize) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |request: &Request| {
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let page = param("page").unwrap_or(0);
        let per_page = param("per_page").unwrap_or(50);
        let users: Vec<Value> = (page * per_page..((page + 1) * per_page).min(total))
            .map(|i| json!({"user_id": format!("auth0|{i}"), "email": format!("u{i}@x.example")}))
            .collect();
        ResponseTemplate::new(200).set_body_json(envelope(&users, total, page, per_page))
    }
}

#[tokio::test]
async fn pages_are_requested_once_each_in_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(pager(5))
        .mount(&server)
        .await;
    let users = client(&server).users();
    let found = users
        .query()
        .per_page(2)
        .fetch_all()
        .await
        .expect("fetched");
    let got: Vec<&str> = found.iter().filter_map(User::id).collect();
    assert_eq!(got, ["auth0|0", "auth0|1", "auth0|2", "auth0|3", "auth0|4"]);
    let seen = seen(&server).await;
    let mut pages: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.param("page"), s.param("per_page")))
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        pairs(&[("0", "2"), ("1", "2"), ("2", "2")]),
        "every page once"
    );
    for s in &seen {
        assert!(s.query.contains(&("search_engine".into(), "v3".into())));
        assert!(s.query.contains(&("include_totals".into(), "true".into())));
    }
}

#[tokio::test]
async fn get_by_index_and_slices_ask_only_for_what_they_need() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(pager(500))
        .mount(&server)
        .await;
    let users = client(&server).users();
    let q = users.query().any_connection().per_page(10);
    let third = q.get(3).await.expect("fetched").expect("exists");
    assert_eq!(third.id(), Some("auth0|3"));
    let slice = q.slice(15..25).await.expect("fetched");
    let got: Vec<&str> = slice.iter().filter_map(User::id).collect();
    let expected: Vec<String> = (15..25).map(|i| format!("auth0|{i}")).collect();
    assert_eq!(got, expected);
    let seen = seen(&server).await;
    let pages: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.param("page"), s.param("per_page")))
        .collect();
    // get(3): one user at position 3; slice(15..25): pages 1 and 2 of 10.
    assert_eq!(pages, pairs(&[("3", "1"), ("1", "10"), ("2", "10")]));
}

#[tokio::test]
async fn users_by_email_sends_only_the_email() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users-by-email",
        200,
        json!([bon()]),
    )
    .await;
    let users = client(&server).users();
    let found = users.by_email("bön+1@acdc.example").await.expect("found");
    assert_eq!(found.len(), 1);
    assert!(found[0].is_fetched());
    let one = users
        .get([("email", "bon@acdc.example")])
        .await
        .expect("exactly one");
    assert_eq!(one.id(), Some("auth0|1"));
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/api/v2/users-by-email");
    assert_eq!(seen[0].query, pairs(&[("email", "bön+1@acdc.example")]));
    assert_eq!(
        seen[0].raw_query.as_deref(),
        Some("email=b%C3%B6n%2B1%40acdc.example")
    );
    assert_eq!(seen[1].query, pairs(&[("email", "bon@acdc.example")]));
    assert_auth_headers(&seen[1]);
}

#[tokio::test]
async fn get_with_other_lookups_searches() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users",
        200,
        envelope(&[bon()], 1, 0, 2),
    )
    .await;
    let users = client(&server).users();
    let one = users
        .get([
            ("email", "bon@acdc.example"),
            ("user_metadata.band", "AC/DC"),
        ])
        .await
        .expect("one");
    assert_eq!(one.id(), Some("auth0|1"));
    let seen = seen(&server).await;
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(s.path, "/api/v2/users");
        assert_eq!(
            s.query[0],
            (
                "q".to_owned(),
                r#"(email:"bon@acdc.example" AND user_metadata.band:"AC/DC") AND identities.connection:"db""#
                    .to_owned()
            )
        );
    }
}

#[tokio::test]
async fn get_or_create_looks_up_by_email_then_posts_defaults_and_lookup() {
    let server = MockServer::start().await;
    answer(&server, "GET", "/api/v2/users-by-email", 200, json!([])).await;
    answer(&server, "POST", "/api/v2/users", 201, bon()).await;
    let users = client(&server).users();
    let (user, created) = users
        .get_or_create(
            [("email", "bon@acdc.example")],
            NewUser::new()
                .email_verified(true)
                .password("BackInBlack")
                .user_metadata(json!({"band": "AC/DC"})),
        )
        .await
        .expect("created");
    assert!(created);
    assert_eq!(user.id(), Some("auth0|1"));
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/api/v2/users-by-email")
    );
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path.as_str()),
        ("POST", "/api/v2/users")
    );
    assert_eq!(
        seen[1].body,
        Some(json!({
            "connection": "db",
            "email": "bon@acdc.example",
            "email_verified": true,
            "password": "BackInBlack",
            "user_metadata": {"band": "AC/DC"}
        }))
    );
}

#[tokio::test]
async fn get_or_create_answers_a_409_with_the_existing_user() {
    let server = MockServer::start().await;
    let lookups = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&lookups);
    Mock::given(method("GET"))
        .and(path("/api/v2/users-by-email"))
        .respond_with(move |_: &Request| {
            // Nobody at first; the user a concurrent caller created afterwards.
            if counter.fetch_add(1, AtomicOrdering::SeqCst) == 0 {
                ResponseTemplate::new(200).set_body_json(json!([]))
            } else {
                ResponseTemplate::new(200).set_body_json(json!([bon()]))
            }
        })
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/api/v2/users",
        409,
        json!({
            "statusCode": 409, "error": "Conflict",
            "message": "The user already exists.", "errorCode": "auth0_idp_error"
        }),
    )
    .await;
    let users = client(&server).users();
    let (user, created) = users
        .get_or_create([("email", "bon@acdc.example")], NewUser::new())
        .await
        .expect("the existing user");
    assert!(!created);
    assert_eq!(user.id(), Some("auth0|1"));
    let seen = seen(&server).await;
    let route: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        route,
        [
            ("GET", "/api/v2/users-by-email"),
            ("POST", "/api/v2/users"),
            ("GET", "/api/v2/users-by-email")
        ]
    );
}

/// A server holding one user (`bon()`), answering GET and PATCH; PATCH
/// answers with the stored user (bodies are checked, not applied).
async fn user_server() -> MockServer {
    let server = MockServer::start().await;
    answer(&server, "GET", "/api/v2/users/auth0%7C1", 200, bon()).await;
    answer(&server, "PATCH", "/api/v2/users/auth0%7C1", 200, bon()).await;
    server
}

/// Fetch `auth0|1`, apply `change`, save, and return the PATCH bodies sent.
async fn patches_for(change: impl FnOnce(&mut User)) -> Vec<Value> {
    let server = user_server().await;
    let users = client(&server).users();
    let mut user = users.get_by_id("auth0|1").await.expect("fetched");
    change(&mut user);
    user.save().await.expect("saved");
    let seen = seen(&server).await;
    assert_eq!(seen[0].method, "GET");
    seen[1..]
        .iter()
        .map(|s| {
            assert_eq!(s.method, "PATCH");
            assert_eq!(s.path, "/api/v2/users/auth0%7C1");
            assert!(s.query.is_empty());
            assert_auth_headers(s);
            assert_eq!(s.content_type.as_deref(), Some("application/json"));
            s.body.clone().expect("a PATCH body")
        })
        .collect()
}

#[tokio::test]
async fn save_sends_only_what_changed() {
    assert_eq!(patches_for(|_| {}).await, Vec::<Value>::new());
    assert_eq!(
        patches_for(|u| u.nickname = Some("bonny".into())).await,
        [json!({"nickname": "bonny"})]
    );
    assert_eq!(
        patches_for(|u| {
            u.given_name = Some("Ronald".into());
            u.blocked = Some(true);
        })
        .await,
        [json!({"given_name": "Ronald", "blocked": true})]
    );
    // A removed root attribute is unset with null.
    assert_eq!(
        patches_for(|u| u.nickname = None).await,
        [json!({"nickname": null})]
    );
}

#[tokio::test]
async fn save_splits_patches_auth0_refuses_together() {
    assert_eq!(
        patches_for(|u| u.set_password("HighwayToHell")).await,
        [json!({"password": "HighwayToHell", "connection": "db"})]
    );
    assert_eq!(
        patches_for(|u| {
            u.set_password("HighwayToHell");
            u.email = Some("bonscott@acdc.example".into());
        })
        .await,
        [
            json!({"password": "HighwayToHell", "connection": "db"}),
            json!({"email": "bonscott@acdc.example", "connection": "db", "client_id": "cid"}),
        ]
    );
    assert_eq!(
        patches_for(|u| {
            u.set_password("pw");
            u.email = Some("bonscott@acdc.example".into());
            u.username = Some("bonscott".into());
            u.user_metadata.insert("singer".into(), json!(true));
        })
        .await,
        [
            json!({"password": "pw", "connection": "db"}),
            json!({"username": "bonscott", "connection": "db"}),
            json!({
                "email": "bonscott@acdc.example", "connection": "db", "client_id": "cid",
                "user_metadata": {"singer": true}
            }),
        ]
    );
    assert_eq!(
        patches_for(|u| {
            u.set_password("pw");
            u.email_verified = Some(true);
        })
        .await,
        [
            json!({"password": "pw", "connection": "db"}),
            json!({"email_verified": true, "connection": "db"}),
        ]
    );
    assert_eq!(
        patches_for(|u| {
            u.username = Some("bonscott".into());
            u.email_verified = Some(true);
        })
        .await,
        [
            json!({"username": "bonscott", "connection": "db"}),
            json!({"email_verified": true, "connection": "db"}),
        ]
    );
    assert_eq!(
        patches_for(|u| {
            u.set_password("pw");
            u.username = Some("bonscott".into());
        })
        .await,
        [
            json!({"password": "pw", "connection": "db"}),
            json!({"username": "bonscott", "connection": "db"}),
        ]
    );
    // Password with phone number is allowed in one request.
    assert_eq!(
        patches_for(|u| {
            u.set_password("pw");
            u.phone_number = Some("+15551234".into());
        })
        .await,
        [
            json!({"password": "pw", "phone_number": "+15551234", "connection": "db", "client_id": "cid"})
        ]
    );
}

#[tokio::test]
async fn metadata_changes_follow_the_first_level_merge() {
    // A removed key is deleted with null; other keys are not resent.
    assert_eq!(
        patches_for(|u| {
            u.user_metadata.remove("band");
        })
        .await,
        [json!({"user_metadata": {"band": null}})]
    );
    // An emptied map clears the whole object.
    assert_eq!(
        patches_for(|u| u.user_metadata.clear()).await,
        [json!({"user_metadata": {}})]
    );
    // A nested change sends the nested object whole.
    assert_eq!(
        patches_for(|u| {
            if let Some(address) = u
                .user_metadata
                .get_mut("address")
                .and_then(Value::as_object_mut)
            {
                address.insert("city".into(), json!("Sydney"));
            }
        })
        .await,
        [json!({"user_metadata": {"address": {"city": "Sydney", "zip": "5000"}}})]
    );
    // app_metadata likewise, and both in one request.
    assert_eq!(
        patches_for(|u| {
            u.app_metadata.insert("plan".into(), json!("free"));
            u.user_metadata.insert("x".into(), json!(1));
        })
        .await,
        [json!({"app_metadata": {"plan": "free"}, "user_metadata": {"x": 1}})]
    );
}

#[tokio::test]
async fn pending_changes_show_the_planned_bodies_with_the_password_redacted() {
    let server = user_server().await;
    let users = client(&server).users();
    let mut user = users.get_by_id("auth0|1").await.expect("fetched");
    assert!(user.pending_changes().is_empty());
    user.set_password("secret-pw");
    user.email = Some("new@acdc.example".into());
    let planned: Vec<Value> = user
        .pending_changes()
        .into_iter()
        .map(Value::Object)
        .collect();
    assert_eq!(
        planned,
        [
            json!({"password": "[redacted]", "connection": "db"}),
            json!({"email": "new@acdc.example", "connection": "db", "client_id": "cid"}),
        ]
    );
    // Nothing was sent by planning.
    assert_eq!(seen(&server).await.len(), 1);
}

#[tokio::test]
async fn tickets_post_their_options() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/api/v2/tickets/(email-verification|password-change)$",
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"ticket": "https://acme.auth0.com/u/t?ticket=abc#"})),
        )
        .mount(&server)
        .await;
    answer(&server, "GET", "/api/v2/users/auth0%7C1", 200, bon()).await;
    let auth0 = client(&server);
    let tickets = auth0.tickets();
    let url = tickets.email_verification("auth0|1").await.expect("ticket");
    assert_eq!(url, "https://acme.auth0.com/u/t?ticket=abc#");
    tickets
        .email_verification_with(
            EmailVerificationTicket::new("auth0|1")
                .client_id("cid")
                .ttl_sec(3600)
                .include_email_in_redirect(true)
                .identity("1", "auth0"),
        )
        .await
        .expect("ticket");
    tickets
        .password_change(
            PasswordChangeTicket::for_user("auth0|1")
                .mark_email_as_verified(true)
                .result_url("https://acdc.example/done")
                .ttl_sec(60),
        )
        .await
        .expect("ticket");
    tickets
        .password_change(PasswordChangeTicket::for_email(
            "con_0123456789abcdef",
            "bon@acdc.example",
        ))
        .await
        .expect("ticket");
    let user = auth0.users().get_by_id("auth0|1").await.expect("fetched");
    user.email_verification_ticket().await.expect("ticket");
    user.password_change_ticket().await.expect("ticket");

    let seen = seen(&server).await;
    let posts: Vec<(&str, Value)> = seen
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| (s.path.as_str(), s.body.clone().unwrap_or(Value::Null)))
        .collect();
    let ev = "/api/v2/tickets/email-verification";
    let pc = "/api/v2/tickets/password-change";
    assert_eq!(
        posts,
        [
            (ev, json!({"user_id": "auth0|1"})),
            (
                ev,
                json!({
                    "user_id": "auth0|1", "client_id": "cid", "ttl_sec": 3600,
                    "includeEmailInRedirect": true,
                    "identity": {"user_id": "1", "provider": "auth0"}
                })
            ),
            (
                pc,
                json!({
                    "user_id": "auth0|1", "mark_email_as_verified": true,
                    "result_url": "https://acdc.example/done", "ttl_sec": 60
                })
            ),
            (
                pc,
                json!({"connection_id": "con_0123456789abcdef", "email": "bon@acdc.example"})
            ),
            (ev, json!({"user_id": "auth0|1"})),
            (pc, json!({"user_id": "auth0|1"})),
        ]
    );
    for s in &seen {
        assert_auth_headers(s);
    }
}

#[tokio::test]
async fn conflicting_ticket_options_send_nothing() {
    let server = MockServer::start().await;
    let tickets = client(&server).tickets();
    assert!(matches!(
        tickets
            .password_change(PasswordChangeTicket::for_user("auth0|1").email("x@y.z"))
            .await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        tickets.email_verification("").await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(seen(&server).await.is_empty());
}

#[tokio::test]
async fn the_token_and_telemetry_headers_go_on_every_call() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(bon()))
        .mount(&server)
        .await;
    let users = client(&server).users();
    let mut user = users.get_by_id("auth0|1").await.expect("fetched");
    user.nickname = Some("x".into());
    user.save().await.expect("saved");
    users.delete("auth0|1").await.expect("deleted");
    let seen = seen(&server).await;
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_auth_headers(s);
        assert_eq!(s.authorization.as_deref(), Some("Bearer t"));
    }
}

#[tokio::test]
async fn get_by_a_mixed_case_email_retries_in_lowercase() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users-by-email"))
        .respond_with(|request: &Request| {
            let lowercase = request
                .url
                .query_pairs()
                .any(|(k, v)| k == "email" && v == "bon@acdc.example");
            ResponseTemplate::new(200).set_body_json(if lowercase {
                json!([bon()])
            } else {
                json!([])
            })
        })
        .mount(&server)
        .await;
    let users = client(&server).users();
    let found = users
        .get([("email", "Bon@ACDC.example")])
        .await
        .expect("found in lowercase");
    assert_eq!(found.id(), Some("auth0|1"));
    // The public users-by-email call stays exact, as Auth0's is.
    assert!(
        users
            .by_email("Bon@ACDC.example")
            .await
            .expect("answered")
            .is_empty()
    );
    let seen = seen(&server).await;
    let emails: Vec<&str> = seen
        .iter()
        .flat_map(|s| s.query.iter())
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        emails,
        ["Bon@ACDC.example", "bon@acdc.example", "Bon@ACDC.example"]
    );
}
