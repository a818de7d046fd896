//! `auth0.logs()` and `user.logs()` on the wire (wiremock): every call's
//! exact request, the checkpoint walked only when nothing else is asked,
//! the tail's polling, and search values written the way an attacker would.

use std::time::Duration;

use auth0plus::management::api::logs::ListLogs;
use auth0plus::management::api::models::Log;
use auth0plus::management::api::roles::ListRoles;
use auth0plus::management::{LogEvent, LogType, TailStart, Timestamp};
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use auth0plus::transport::test_util::{ManualClock, ManualSleep};
use auth0plus_tests::{TestResult, WIRE_TOKEN, answer, pairs, seen, wire_client};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The query pairs of every request the server saw, in order.
async fn queries(server: &MockServer) -> Vec<Vec<(String, String)>> {
    seen(server).await.into_iter().map(|s| s.query).collect()
}

/// Answer `GET /logs` with `from` (`None`: without one) by `status` and `body`.
async fn log_page(server: &MockServer, from: Option<&str>, status: u16, body: Value) {
    let route = Mock::given(method("GET")).and(path("/api/v2/logs"));
    let route = match from {
        Some(from) => route.and(query_param("from", from)),
        None => route.and(query_param_is_missing("from")),
    };
    route
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// How many requests the server saw.
async fn sent(server: &MockServer) -> usize {
    seen(server).await.len()
}

fn event(i: u32, kind: &str) -> Value {
    json!({
        "log_id": format!("9000{i:04}"),
        "_id": format!("9000{i:04}"),
        "date": "2026-01-02T03:04:05.678Z",
        "type": kind,
        "description": "Create a User",
        "client_id": "cid",
        "user_id": "auth0|1",
        "details": {"request": {"auth": {"credentials": {"jti": "secret-jti-value"}}}},
        "location_info": {"country_code": "FR"},
    })
}

fn events(range: std::ops::Range<u32>) -> Value {
    Value::Array(range.map(|i| event(i, "sapi")).collect())
}

#[tokio::test]
async fn a_search_sends_one_escaped_q_oldest_first_by_offset() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs",
        200,
        json!({"logs": events(0..2), "total": 2, "start": 0, "limit": 50}),
    )
    .await;
    let auth0 = wire_client(&server);
    let since: Timestamp = "2026-01-01T00:00:00Z".parse()?;
    let query = auth0
        .logs()
        .query()
        .filter([("type", LogType::FailedApiOperation)])
        .filter([("date__gte", since)]);
    let found = query.fetch_all().await?;
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].kind, LogType::SuccessApiOperation);
    assert_eq!(found[0].date, Some("2026-01-02T03:04:05.678Z".parse()?));
    assert_eq!(found[0].other["location_info"]["country_code"], "FR");
    assert_eq!(
        queries(&server).await,
        [pairs(&[
            (
                "q",
                r#"type:"fapi" AND date:[2026\-01\-01T00\:00\:00.000Z TO *]"#
            ),
            ("page", "0"),
            ("per_page", "50"),
            ("include_totals", "true"),
            ("sort", "date:1"),
        ])]
    );
    // A sort asked for replaces the default; fields are the logs' own.
    server.reset().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs",
        200,
        json!({"logs": [], "total": 0}),
    )
    .await;
    let newest = auth0
        .logs()
        .query()
        .q("type:s OR type:f")
        .sort("date", Order::Desc)
        .fields(["log_id", "type"])
        .first()
        .await?;
    assert!(newest.is_none());
    assert_eq!(
        queries(&server).await,
        [pairs(&[
            ("q", "(type:s OR type:f)"),
            ("page", "0"),
            ("per_page", "1"),
            ("include_totals", "true"),
            ("sort", "date:-1"),
            ("fields", "log_id,type"),
            ("include_fields", "true"),
        ])]
    );
    Ok(())
}

#[tokio::test]
async fn attacker_values_stay_one_quoted_term() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs",
        200,
        json!({"logs": [], "total": 0}),
    )
    .await;
    let auth0 = wire_client(&server);
    for (value, sent) in [
        ("*", r#"user_id:"*""#),
        ("x OR type:s", r#"user_id:"x OR type:s""#),
        (r#"a" OR user_id:*"#, r#"user_id:"a\" OR user_id:*""#),
        (r"back\slash\", r#"user_id:"back\\slash\\""#),
        (r#"\" OR *:* OR \""#, r#"user_id:"\\\" OR *:* OR \\\"""#),
    ] {
        server.reset().await;
        answer(
            &server,
            "GET",
            "/api/v2/logs",
            200,
            json!({"logs": [], "total": 0}),
        )
        .await;
        let query = auth0.logs().query().filter([("user_id", value)]);
        assert_eq!(query.to_query_string()?, sent, "{value}");
        // Streamed, a search never falls back to the checkpoint (which
        // would ignore it and return every event).
        let streamed: Vec<LogEvent> = query.stream().try_collect().await?;
        assert!(streamed.is_empty());
        let sent_q: Vec<Option<String>> = queries(&server)
            .await
            .iter()
            .map(|q| q.iter().find(|(k, _)| k == "q").map(|(_, v)| v.clone()))
            .collect();
        assert_eq!(sent_q, [Some(sent.to_owned())], "{value}");
    }
    // A field name is never input-shaped.
    let bad = auth0.logs().query().filter([("type:s OR user_id", "x")]);
    assert!(matches!(bad.count().await, Err(Error::InvalidArgument(_))));
    Ok(())
}

#[tokio::test]
async fn every_event_streams_by_checkpoint_with_no_search_parameter() -> TestResult {
    let server = MockServer::start().await;
    log_page(&server, None, 200, events(0..3)).await;
    log_page(&server, Some("90000002"), 200, events(3..6)).await;
    log_page(&server, Some("90000005"), 200, json!([])).await;
    let auth0 = wire_client(&server);
    let all: Vec<LogEvent> = auth0
        .logs()
        .all()
        .per_page(3)
        .stream()
        .try_collect()
        .await?;
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].log_id < w[1].log_id));
    assert_eq!(
        queries(&server).await,
        [
            pairs(&[("take", "3")]),
            pairs(&[("from", "90000002"), ("take", "3")]),
            pairs(&[("from", "90000005"), ("take", "3")]),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_parameter_on_the_generated_operation_keeps_the_stream_off_the_checkpoint() -> TestResult
{
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs",
        200,
        json!({"logs": events(0..1), "total": 1}),
    )
    .await;
    let auth0 = wire_client(&server);
    let found: Vec<Log> = auth0
        .list(ListLogs::new().search("type:f"))
        .stream()
        .try_collect()
        .await?;
    assert_eq!(found.len(), 1);
    let sent = queries(&server).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].iter().all(|(k, _)| k != "from" && k != "take"));
    assert!(sent[0].contains(&("search".to_owned(), "type:f".to_owned())));
    Ok(())
}

#[tokio::test]
async fn a_search_past_1000_says_so_instead_of_widening() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs",
        200,
        json!({"logs": events(0..50), "total": 1500}),
    )
    .await;
    let auth0 = wire_client(&server);
    let failures = auth0.logs().query().filter([("type", "fapi")]);
    let first = failures.stream().next().await;
    assert!(
        matches!(
            first,
            Some(Err(Error::SearchWindowExceeded { total: 1500 }))
        ),
        "{first:?}"
    );
    assert!(matches!(
        failures.get(1200).await,
        Err(Error::SearchWindowExceeded { total: 1500 })
    ));
    assert!(
        queries(&server)
            .await
            .iter()
            .all(|q| q.iter().all(|(k, _)| k != "from" && k != "take"))
    );
    Ok(())
}

#[tokio::test]
async fn get_by_id_encodes_the_id_and_names_a_missing_event() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/logs/90000001",
        200,
        event(1, "fapi"),
    )
    .await;
    answer(&server, "GET", "/api/v2/logs/a%2F..%2Fb", 404, json!({"statusCode": 404, "error": "Not Found", "message": "log not found", "errorCode": "inexistent_log"}),).await;
    let auth0 = wire_client(&server);
    let found = auth0.logs().get_by_id("90000001").await?;
    assert_eq!(found.kind, LogType::FailedApiOperation);
    assert!(found.is_failure());
    let missing = auth0.logs().get_by_id("a/../b").await;
    assert!(
        matches!(&missing, Err(Error::DoesNotExist { kind: "Log", lookup }) if lookup == "log_id:a/../b"),
        "{missing:?}"
    );
    assert!(matches!(
        auth0.logs().get_by_id("").await,
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(sent(&server).await, 2);
    Ok(())
}

#[tokio::test]
async fn user_logs_page_by_offset_and_refuse_a_search() -> TestResult {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1/logs",
        200,
        json!({"logs": events(0..2), "total": 2, "start": 0, "limit": 10, "length": 2}),
    )
    .await;
    let auth0 = wire_client(&server);
    let user = auth0
        .users()
        .from_dict(serde_json::from_value(json!({"user_id": "auth0|1"}))?)?;
    let theirs = user
        .logs()
        .sort("date", Order::Desc)
        .per_page(10)
        .fetch_all()
        .await?;
    assert_eq!(theirs.len(), 2);
    assert_eq!(
        queries(&server).await,
        [pairs(&[
            ("page", "0"),
            ("per_page", "10"),
            ("include_totals", "true"),
            ("sort", "date:-1"),
        ])]
    );
    // The endpoint takes no `q` and no fields: refused, nothing sent.
    for refused in [
        user.logs().filter([("type", "fapi")]),
        user.logs().q("type:fapi"),
        user.logs().fields(["type"]),
    ] {
        assert!(matches!(
            refused.fetch_all().await,
            Err(Error::InvalidArgument(_))
        ));
    }
    // A user never saved has no logs to ask for.
    let unsaved = auth0.users().new_user();
    assert!(matches!(
        unsaved.logs().count().await,
        Err(Error::MissingId)
    ));
    assert_eq!(sent(&server).await, 1);
    Ok(())
}

#[tokio::test]
async fn a_list_without_search_refuses_a_condition_before_sending() -> TestResult {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let roles = auth0.list(ListRoles::new()).filter([("name", "admin")]);
    assert!(matches!(
        roles.count().await,
        Err(Error::InvalidArgument(_))
    ));
    let sorted = auth0.list(ListRoles::new()).sort("name", Order::Asc);
    assert!(matches!(
        sorted.first().await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(sent(&server).await == 0);
    Ok(())
}

/// A wire client whose waits are recorded, not slept.
fn manual_client(server: &MockServer) -> (Auth0, ManualSleep) {
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let auth0 = Auth0::builder("acme.auth0.com")
        .token(WIRE_TOKEN)
        .base_url(server.uri())
        .clock(clock)
        .sleep(sleep.clone())
        // A manual timer finishes every race: no attempt timeouts here.
        .retry_policy(RetryPolicy::never().attempt_timeout(None))
        .throttle(false)
        .build()
        .expect("a valid client");
    (auth0, sleep)
}

#[tokio::test]
async fn a_tail_from_now_polls_after_the_newest_event_and_waits_only_when_caught_up() -> TestResult
{
    let server = MockServer::start().await;
    let route = || Mock::given(method("GET")).and(path("/api/v2/logs"));
    // "Now": the newest event, one item by date descending.
    route()
        .and(query_param("sort", "date:-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"logs": [event(9, "s")], "total": 10})),
        )
        .mount(&server)
        .await;
    // Caught up once, then two full pages of 2 and a short one.
    route()
        .and(query_param("from", "90000009"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    log_page(&server, Some("90000009"), 200, events(10..12)).await;
    log_page(&server, Some("90000011"), 200, events(12..13)).await;
    log_page(&server, Some("90000012"), 200, events(13..14)).await;
    let (auth0, sleep) = manual_client(&server);
    let tail = auth0
        .logs()
        .tail()
        .per_page(2)
        .interval(Duration::from_secs(7));
    let new: Vec<LogEvent> = tail.stream().take(4).try_collect().await?;
    assert_eq!(
        new.iter().map(|e| e.log_id.as_str()).collect::<Vec<_>>(),
        ["90000010", "90000011", "90000012", "90000013"]
    );
    assert_eq!(
        queries(&server).await,
        [
            pairs(&[
                ("page", "0"),
                ("per_page", "1"),
                ("include_totals", "true"),
                ("sort", "date:-1"),
            ]),
            pairs(&[("from", "90000009"), ("take", "2")]),
            pairs(&[("from", "90000009"), ("take", "2")]),
            pairs(&[("from", "90000011"), ("take", "2")]),
            pairs(&[("from", "90000012"), ("take", "2")]),
        ]
    );
    // Waited after the empty answer and after the short page, not after the full one.
    assert_eq!(
        sleep.sleeps(),
        [Duration::from_secs(7), Duration::from_secs(7)]
    );
    Ok(())
}

#[tokio::test]
async fn a_tail_resumes_after_the_last_log_id_and_stops_on_an_error() -> TestResult {
    let server = MockServer::start().await;
    log_page(&server, Some("90000004"), 200, events(5..7)).await;
    log_page(
        &server,
        Some("90000006"),
        500,
        json!({"statusCode": 500, "error": "Internal Server Error", "message": "boom"}),
    )
    .await;
    let (auth0, _sleep) = manual_client(&server);
    let items: Vec<Result<LogEvent, Error>> = auth0
        .logs()
        .tail()
        .from(TailStart::After("90000004".into()))
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two events, then the error ends it");
    assert!(matches!(items[2], Err(Error::Api(_))));
    // One pass only: `after` ends once caught up.
    server.reset().await;
    log_page(&server, Some("90000004"), 200, events(5..6)).await;
    let caught_up: Vec<LogEvent> = auth0.logs().after("90000004").try_collect().await?;
    assert_eq!(caught_up.len(), 1);
    // Refused before sending.
    for tail in [
        auth0.logs().tail().from(TailStart::After(String::new())),
        auth0.logs().tail().per_page(0),
        auth0.logs().tail().per_page(101),
    ] {
        let first = tail.stream().next().await;
        assert!(
            matches!(first, Some(Err(Error::InvalidArgument(_)))),
            "{first:?}"
        );
    }
    assert_eq!(sent(&server).await, 1);
    Ok(())
}

#[test]
fn debug_never_prints_what_details_carry() {
    let event: LogEvent = serde_json::from_value(event(1, "seccft")).unwrap();
    let printed = format!("{event:?}");
    assert!(!printed.contains("secret-jti-value"), "{printed}");
    assert!(printed.contains("details_keys"), "{printed}");
    // Serialised, nothing is lost.
    let back = serde_json::to_value(&event).unwrap();
    assert_eq!(
        back["details"]["request"]["auth"]["credentials"]["jti"],
        "secret-jti-value"
    );
    assert_eq!(back["type"], "seccft");
    assert_eq!(back["_id"], "90000001");
    assert_eq!(
        event.kind.meaning(),
        Some("Success Exchange (Client Credentials for Access Token)")
    );
    let unknown: LogType = "gd_enrollment_complete".parse().unwrap();
    assert_eq!(unknown, LogType::Unknown("gd_enrollment_complete".into()));
    assert_eq!(unknown.to_string(), "gd_enrollment_complete");
}

#[tokio::test]
async fn a_walk_that_may_stop_early_sends_nothing_ahead() -> TestResult {
    let server = MockServer::start().await;
    log_page(&server, None, 200, events(0..3)).await;
    log_page(&server, Some("90000002"), 200, events(3..4)).await;
    let auth0 = wire_client(&server);
    let all = auth0.logs().all().per_page(3);
    // A slice with an end reads only the page it needs.
    assert_eq!(all.slice(..3).await?.len(), 3);
    assert_eq!(sent(&server).await, 1);
    // A walk to the end asks for the next page before decoding this one,
    // and still yields every event once, in order.
    let every: Vec<LogEvent> = all.stream().try_collect().await?;
    assert_eq!(
        every.iter().map(|e| e.log_id.as_str()).collect::<Vec<_>>(),
        ["90000000", "90000001", "90000002", "90000003"]
    );
    assert_eq!(sent(&server).await, 3);
    Ok(())
}
