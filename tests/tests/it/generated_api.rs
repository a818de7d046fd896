//! The generated layer (`auth0plus::management::api`) run whole-stack against
//! the fake tenant over loopback HTTP: one list of each paging style, a body
//! with a secret, and path parameters written the way an attacker would.

use auth0plus::fake::FakeTenant;
use auth0plus::management::api::{Cursor, ListOperation, Paging, logs, models, roles, users};
use auth0plus::prelude::*;
use auth0plus::transport::{RetryPolicy, Secret};
use auth0plus_tests::{TestResult, builder_for};
use futures::TryStreamExt;

const PASSWORD: &str = "Correct-Horse-Battery-9";

fn client(tenant: &FakeTenant) -> Auth0 {
    builder_for(tenant)
        .client_id(tenant.client_id())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid client")
}

#[tokio::test]
async fn offset_paging_lists_and_counts_users() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(7).start().await?;
    let auth0 = client(&tenant);
    assert_eq!(users::ListUsers::PAGING, Paging::offset_capped(1000));

    let query = auth0.list(users::ListUsers::new()).per_page(3);
    assert_eq!(query.count().await?, 7);
    let all: Vec<models::UserResponseSchema> = query.fetch_all().await?;
    assert_eq!(all.len(), 7);
    let mut ids: Vec<String> = all.iter().filter_map(|u| u.user_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 7, "every user once");
    // Fields the spec names are typed; the fake's extras are kept, not lost.
    assert!(
        all.iter()
            .all(|u| u.email.is_some() && u.created_at.is_some())
    );
    Ok(())
}

#[tokio::test]
async fn checkpoint_paging_streams_a_roles_users() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(5).start().await?;
    let auth0 = client(&tenant);
    let role = auth0
        .send(roles::CreateRole::new(models::CreateRoleRequestContent {
            name: Some("auditors".into()),
            description: Some("read-only".into()),
            ..Default::default()
        }))
        .await?;
    let role_id = role.id.clone().expect("a created role has an id");
    let mut seeded: Vec<String> = auth0
        .list(users::ListUsers::new())
        .fetch_all()
        .await?
        .into_iter()
        .filter_map(|u| u.user_id)
        .collect();
    auth0
        .send(roles::AssignRoleUsers::new(
            role_id.as_str(),
            models::AssignRoleUsersRequestContent {
                users: Some(seeded.clone()),
                ..Default::default()
            },
        ))
        .await?;

    assert_eq!(roles::ListRoleUsers::PAGING.cursor, Some(Cursor::Next));
    let mut streamed: Vec<String> = auth0
        .list(roles::ListRoleUsers::new(role_id.as_str()))
        .per_page(2)
        .stream()
        .map_ok(|user: models::RoleUser| user.user_id.unwrap_or_default())
        .try_collect()
        .await?;
    streamed.sort_unstable();
    seeded.sort_unstable();
    assert_eq!(streamed, seeded);
    Ok(())
}

#[tokio::test]
async fn the_logs_cursor_walks_the_tenant_log_in_order() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1).start().await?;
    let auth0 = client(&tenant);
    // Something to log: the token exchange, and a few calls.
    for _ in 0..3 {
        auth0.send(users::ListUsers::new()).await?;
    }
    assert_eq!(logs::ListLogs::PAGING.cursor, Some(Cursor::LogId));
    let events: Vec<models::Log> = auth0
        .list(logs::ListLogs::new())
        .per_page(2)
        .stream()
        .try_collect()
        .await?;
    assert!(!events.is_empty());
    let ids: Vec<&str> = events.iter().filter_map(|e| e.log_id.as_deref()).collect();
    assert_eq!(ids.len(), events.len(), "every event has a log_id");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // One event by id, through its own operation.
    let one = auth0.send(logs::GetLog::new(ids[0])).await?;
    assert_eq!(one.log_id.as_deref(), Some(ids[0]));
    Ok(())
}

#[tokio::test]
async fn a_body_with_a_password_sends_it_and_never_prints_it() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = client(&tenant);
    let create = || {
        users::CreateUser::new(models::CreateUserRequestContent {
            connection: Some(tenant.connection().into()),
            email: Some("ada@example.com".into()),
            password: Some(Secret::new(PASSWORD)),
            ..Default::default()
        })
    };
    let op = create();
    assert!(!format!("{op:?}").contains(PASSWORD));
    let user = auth0.send(op).await?;
    assert_eq!(user.email.as_deref(), Some("ada@example.com"));
    let user_id = user.user_id.clone().expect("an id");
    // The password went over the wire (the user exists) but not into any output.
    let fetched = auth0.send(users::GetUser::new(user_id.as_str())).await?;
    assert_eq!(fetched.user_id.as_deref(), Some(user_id.as_str()));
    assert!(!format!("{user:?} {fetched:?}").contains(PASSWORD));

    // The same again is a conflict: the error keeps the status, not the password.
    let error = auth0.send(create()).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("409"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    Ok(())
}

#[tokio::test]
async fn a_path_parameter_never_changes_the_route() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(2).start().await?;
    let auth0 = client(&tenant);
    // Each value stays one segment of `/users/{id}`: a user that does not
    // exist, never the list, another user's roles or a query.
    for hostile in ["x/../../users", "?q=*", "a#b", "auth0|1/roles", "%2e%2e"] {
        let error = auth0
            .send(users::GetUser::new(hostile))
            .await
            .expect_err(hostile);
        assert!(format!("{error}").contains("404"), "{hostile}: {error}");
    }
    // `..` alone cannot be a segment at all: refused before anything is sent.
    assert!(auth0.send(users::GetUser::new("..")).await.is_err());
    Ok(())
}

/// An app that depends on the facade alone (`auth0plus` with a group
/// feature, here `full` through this crate's manifest) reaches a group the
/// resources do not stand on, through `auth0plus::api` paths only.
#[tokio::test]
async fn a_facade_only_app_sends_an_operation_of_any_group() -> TestResult {
    use auth0plus::api::tenants::GetTenantsSettings;
    let tenant = FakeTenant::start().await?;
    let auth0 = client(&tenant);
    let settings: auth0plus::api::models::GetTenantSettingsResponseContent =
        auth0.send(GetTenantsSettings::new()).await?;
    assert_eq!(
        tenant.counters().count_operation("tenant_settings_route"),
        1
    );
    let _ = settings;
    Ok(())
}
