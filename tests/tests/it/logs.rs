//! Logs against the fake tenant, whose log says what really happened on it:
//! the client's token grants, API writes and their failures, deletes. A
//! search finds them, a tail sees new ones, a stream passes the 1,000 a
//! search reaches, and search values written by an attacker find nothing.

use std::time::Duration;

use auth0plus::fake::{FakeTenant, PasswordPolicy};
use auth0plus::management::{LogEvent, LogType, TailStart};
use auth0plus::prelude::*;
use auth0plus_tests::{TestResult, fake_client};
use futures::{StreamExt, TryStreamExt};

async fn tenant() -> Result<FakeTenant, Box<dyn std::error::Error>> {
    Ok(FakeTenant::builder()
        .password_policy(PasswordPolicy::Good)
        .index_delay(Duration::ZERO)
        .start()
        .await?)
}

#[tokio::test]
async fn a_search_finds_the_clients_token_grant() -> TestResult {
    let tenant = tenant().await?;
    let auth0 = fake_client(&tenant);
    let grants = auth0
        .logs()
        .query()
        .filter([("type", LogType::SuccessClientCredentials)])
        .filter([("client_id", tenant.client_id())]);
    // The search itself needed a token: its grant is in the log.
    let found = grants.fetch_all().await?;
    assert_eq!(found.len(), 1, "{found:?}");
    let grant = &found[0];
    assert_eq!(grant.kind, LogType::SuccessClientCredentials);
    assert_eq!(grant.client_id.as_deref(), Some(tenant.client_id()));
    assert!(grant.date.is_some());
    assert_eq!(auth0.logs().get_by_id(&grant.log_id).await?, *grant);
    // A timestamp range, typed.
    let since = grant.date.ok_or("no date")?;
    assert_eq!(
        auth0
            .logs()
            .query()
            .filter([("date__gte", since)])
            .filter([("type", "seccft")])
            .count()
            .await?,
        1
    );
    // No secret reached the log.
    let everything = serde_json::to_string(&auth0.logs().all().fetch_all().await?)?;
    assert!(!everything.contains(tenant.client_secret()));
    assert!(matches!(
        auth0.logs().get_by_id("900nope").await,
        Err(Error::DoesNotExist { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn failed_calls_show_as_fapi_and_a_users_events_are_theirs() -> TestResult {
    let tenant = tenant().await?;
    let auth0 = fake_client(&tenant);
    let users = auth0.users();
    let refused = users
        .create(NewUser::new().email("weak@acdc.example").password("abc"))
        .await;
    assert!(refused.is_err());
    let elsewhere = users
        .create(
            NewUser::new()
                .email("lost@acdc.example")
                .password("Highway-To-Hell-1979")
                .connection("nope"),
        )
        .await;
    assert!(elsewhere.is_err());
    let angus = users
        .create(
            NewUser::new()
                .email("angus@acdc.example")
                .password("Highway-To-Hell-1979"),
        )
        .await?;
    let id = angus.id().ok_or("no id")?.to_owned();
    users.delete(&id).await?;

    let failures = auth0
        .logs()
        .query()
        .filter([("type", "fapi")])
        .fetch_all()
        .await?;
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures.iter().all(LogEvent::is_failure));
    let weak = &failures[0];
    assert!(
        weak.description
            .as_deref()
            .unwrap_or("")
            .contains("Password"),
        "{weak:?}"
    );
    let details = weak.details.as_ref().ok_or("no details")?;
    assert_eq!(details["request"]["method"], "post");
    assert_eq!(details["request"]["path"], "/api/v2/users");
    assert_eq!(details["response"]["statusCode"], 400);
    // The password never reaches the log, in any event.
    let everything = serde_json::to_string(&auth0.logs().all().fetch_all().await?)?;
    assert!(!everything.contains("Highway-To-Hell-1979") && !everything.contains("\"abc\""));

    // The user's own events: created, deleted (sapi, sapi, sdu), newest first.
    let theirs = angus.logs().sort("date", Order::Desc).fetch_all().await?;
    let kinds: Vec<&str> = theirs.iter().map(|e| e.kind.code()).collect();
    assert_eq!(kinds, ["sdu", "sapi", "sapi"], "{theirs:?}");
    assert!(
        theirs
            .iter()
            .all(|e| e.user_id.as_deref() == Some(id.as_str()))
    );
    assert_eq!(
        auth0.logs().of_user("auth0|nobody").count().await?,
        0,
        "another user's events are not theirs"
    );
    Ok(())
}

#[tokio::test]
async fn attacker_search_values_never_widen_the_search() -> TestResult {
    let tenant = tenant().await?;
    let auth0 = fake_client(&tenant);
    auth0.users().delete("auth0|someone").await?;
    let all = auth0.logs().all().count().await?;
    assert!(all >= 3, "a grant, a delete and its sdu");
    for value in [
        "*",
        "x OR type:s",
        "x OR type:sapi",
        r#"" OR type:"sapi"#,
        r#"\" OR type:sapi OR \""#,
        r"\",
        "(type:sapi)",
        "sapi*",
    ] {
        for field in ["type", "user_id", "description"] {
            let found = auth0
                .logs()
                .query()
                .filter([(field, value)])
                .fetch_all()
                .await?;
            assert!(found.is_empty(), "{field}={value:?} found {found:?}");
        }
    }
    // The prefix lookup escapes too: `*` is a literal character there.
    let prefixed = auth0
        .logs()
        .query()
        .filter([("type__startswith", "*")])
        .count()
        .await?;
    assert_eq!(prefixed, 0);
    Ok(())
}

#[tokio::test]
async fn a_tail_picks_up_new_events_and_resumes_after_the_last_one() -> TestResult {
    let tenant = tenant().await?;
    let auth0 = fake_client(&tenant);
    let users = auth0.users();
    // Where the log stands now.
    let newest = auth0
        .logs()
        .query()
        .sort("date", Order::Desc)
        .first()
        .await?
        .ok_or("the token grant is logged")?;
    let tail = auth0
        .logs()
        .tail()
        .from(TailStart::After(newest.log_id.clone()))
        .interval(Duration::from_millis(10));
    let mut events = tail.stream();
    for n in 0..3 {
        users.delete(&format!("auth0|gone-{n}")).await?;
    }
    let mut seen = Vec::new();
    while seen.len() < 4 {
        let event = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await?
            .ok_or("the tail ended")??;
        seen.push(event);
    }
    drop(events);
    assert!(seen.iter().all(|e| e.log_id > newest.log_id));
    assert_eq!(seen[0].kind, LogType::SuccessApiOperation);
    assert_eq!(seen[1].kind, LogType::SuccessUserDeletion);
    // Resume after the last event kept: the rest, nothing twice.
    let last = seen.last().ok_or("none")?.log_id.clone();
    let rest: Vec<LogEvent> = auth0.logs().after(last.clone()).try_collect().await?;
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(rest.iter().all(|e| e.log_id > last));
    assert_eq!(
        rest.last().and_then(|e| e.user_id.as_deref()),
        Some("auth0|gone-2")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_every_event_passes_the_1000_a_search_reaches() -> TestResult {
    let tenant = tenant().await?;
    let auth0 = fake_client(&tenant);
    let users = auth0.users();
    // Each delete writes two events (sapi and sdu): 1,100 events and a grant.
    futures::stream::iter(0..550)
        .map(|n| {
            let users = users.clone();
            async move { users.delete(&format!("auth0|bulk-{n}")).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    let all = auth0.logs().all();
    let streamed: Vec<LogEvent> = all.stream().try_collect().await?;
    assert_eq!(streamed.len(), 1101);
    assert!(streamed.windows(2).all(|w| w[0].log_id < w[1].log_id));
    // Counting and indexing agree with the stream, past the cap too.
    assert_eq!(all.count().await?, 1101);
    assert_eq!(
        all.get(1050).await?.map(|e| e.log_id),
        Some(streamed[1050].log_id.clone())
    );
    // A search reaches only its first 1,000 and says so.
    let deletions = auth0.logs().query().filter([("type__in", ["sapi", "sdu"])]);
    assert_eq!(deletions.count().await?, 1100);
    assert!(matches!(
        deletions.fetch_all().await,
        Err(Error::SearchWindowExceeded { total: 1100 })
    ));
    assert_eq!(deletions.slice(..1000).await?.len(), 1000);
    Ok(())
}
