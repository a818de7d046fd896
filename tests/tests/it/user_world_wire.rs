//! Exact-wire tests of a user's world and the tenant objects: for every call,
//! the method, the percent-encoded path, the raw query and the JSON body that
//! reach the server (a wiremock `MockServer` standing in for Auth0).

use auth0plus::management::SecondaryAccount;
use auth0plus::prelude::*;
use auth0plus::{NewClient, NewClientGrant, NewConnection};
use auth0plus_tests::{Seen, answer, seen, wire_client};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Each request's `METHOD /raw/path?raw-query`, in order.
fn lines(seen: &[Seen]) -> Vec<String> {
    seen.iter().map(Seen::line).collect()
}

/// A server that answers anything not mounted before with `202` and no body.
async fn accepting(server: &MockServer) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(202))
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn sessions_list_by_checkpoint_and_revoke() -> Result<(), Error> {
    let server = MockServer::start().await;
    let users = wire_client(&server).users();
    Mock::given(wiremock::matchers::path("/api/v2/users/auth0%7C1/sessions"))
        .and(wiremock::matchers::query_param_is_missing("from"))
        .and(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sessions": [{"id": "s1", "user_id": "auth0|1"}], "next": "cp/1"}),
        ))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path("/api/v2/users/auth0%7C1/sessions"))
        .and(wiremock::matchers::query_param("from", "cp/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"sessions": [{"id": "s/2", "user_id": "auth0|1"}]})),
        )
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/api/v2/sessions/s%2F2",
        200,
        json!({"id": "s/2", "user_id": "auth0|1"}),
    )
    .await;
    accepting(&server).await;

    let sessions = users.sessions("auth0|1");
    let all = sessions.query().per_page(1).fetch_all().await?;
    assert_eq!(all.len(), 2);
    sessions.revoke("s/2").await?;
    sessions.revoke_all().await?;
    assert_eq!(
        lines(&seen(&server).await),
        [
            "GET /api/v2/users/auth0%7C1/sessions?take=1",
            "GET /api/v2/users/auth0%7C1/sessions?from=cp%2F1&take=1",
            "GET /api/v2/sessions/s%2F2",
            "POST /api/v2/sessions/s%2F2/revoke",
            "DELETE /api/v2/users/auth0%7C1/sessions",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn revoking_another_users_refresh_token_sends_no_delete() -> Result<(), Error> {
    let server = MockServer::start().await;
    let users = wire_client(&server).users();
    answer(
        &server,
        "GET",
        "/api/v2/refresh-tokens/rt1",
        200,
        json!({"id": "rt1", "user_id": "auth0|2"}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/refresh-tokens/rt404",
        404,
        json!({"statusCode": 404, "message": "The refresh token does not exist."}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1/refresh-tokens",
        200,
        json!({"tokens": [{"id": "rt0", "user_id": "auth0|1"}]}),
    )
    .await;
    accepting(&server).await;

    let tokens = users.refresh_tokens("auth0|1");
    assert!(matches!(
        tokens.revoke("rt1").await,
        Err(Error::DoesNotExist {
            kind: "RefreshToken",
            ..
        })
    ));
    assert!(matches!(
        tokens.revoke("rt404").await,
        Err(Error::DoesNotExist {
            kind: "RefreshToken",
            ..
        })
    ));
    assert_eq!(tokens.query().fetch_all().await?.len(), 1);
    tokens.revoke_all().await?;
    assert_eq!(
        lines(&seen(&server).await),
        [
            "GET /api/v2/refresh-tokens/rt1",
            "GET /api/v2/refresh-tokens/rt404",
            "GET /api/v2/users/auth0%7C1/refresh-tokens?take=50",
            "DELETE /api/v2/users/auth0%7C1/refresh-tokens",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn authentication_methods_page_by_offset_and_delete() -> Result<(), Error> {
    let server = MockServer::start().await;
    let users = wire_client(&server).users();
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1/authentication-methods",
        200,
        json!({"start": 0, "limit": 50, "total": 1, "authenticators": [{"id": "email|dev_1", "type": "email"}]}),
    )
    .await;
    accepting(&server).await;
    let methods = users.authentication_methods("auth0|1");
    assert_eq!(
        methods.query().fetch_all().await?[0].id.as_deref(),
        Some("email|dev_1")
    );
    methods.delete("email|dev_1").await?;
    methods.delete_all().await?;
    assert_eq!(
        lines(&seen(&server).await),
        [
            "GET /api/v2/users/auth0%7C1/authentication-methods?page=0&per_page=50&include_totals=true",
            "DELETE /api/v2/users/auth0%7C1/authentication-methods/email%7Cdev_1",
            "DELETE /api/v2/users/auth0%7C1/authentication-methods",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn link_and_unlink_send_provider_and_id_apart() -> Result<(), Error> {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let identities = json!([
        {"provider": "auth0", "user_id": "1", "connection": "db", "isSocial": false},
        {"provider": "oauth2", "user_id": "acme|42", "connection": "acme", "isSocial": true},
    ]);
    answer(
        &server,
        "POST",
        "/api/v2/users/auth0%7C1/identities",
        201,
        identities.clone(),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/api/v2/users/auth0%7C1/identities/oauth2/acme%7C42",
        200,
        json!([identities[0]]),
    )
    .await;
    let users = auth0.users();
    let custom = SecondaryAccount::parse("oauth2|acme|42")?;
    let linked = users.link("auth0|1", &custom).await?;
    assert_eq!(linked.len(), 2);
    users
        .link(
            "auth0|1",
            &SecondaryAccount::new("auth0", "2").connection_id("con_0123456789abcdef"),
        )
        .await?;
    assert_eq!(users.unlink("auth0|1", &custom).await?.len(), 1);
    let seen = seen(&server).await;
    assert_eq!(
        lines(&seen),
        [
            "POST /api/v2/users/auth0%7C1/identities",
            "POST /api/v2/users/auth0%7C1/identities",
            "DELETE /api/v2/users/auth0%7C1/identities/oauth2/acme%7C42",
        ]
    );
    assert_eq!(
        seen[0].body,
        Some(json!({"provider": "oauth2", "user_id": "acme|42"}))
    );
    assert_eq!(
        seen[1].body,
        Some(json!({"provider": "auth0", "user_id": "2", "connection_id": "con_0123456789abcdef"}))
    );
    Ok(())
}

#[tokio::test]
async fn login_blocks_by_id_and_by_identifier_as_one_query_value() -> Result<(), Error> {
    let server = MockServer::start().await;
    let users = wire_client(&server).users();
    let blocked = json!({"blocked_for": [{"identifier": "bon@acdc.example", "ip": "10.0.0.1", "connection": "db"}]});
    answer(
        &server,
        "GET",
        "/api/v2/user-blocks/auth0%7C1",
        200,
        blocked.clone(),
    )
    .await;
    answer(&server, "GET", "/api/v2/user-blocks", 200, blocked).await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .with_priority(10)
        .mount(&server)
        .await;
    assert_eq!(
        users.login_blocks("auth0|1").await?[0].ip.as_deref(),
        Some("10.0.0.1")
    );
    users.clear_login_blocks("auth0|1").await?;
    let hostile = "a&identifier=b=c#d\r\ne ï+%";
    assert_eq!(users.login_blocks_by_identifier(hostile).await?.len(), 1);
    users.clear_login_blocks_by_identifier(hostile).await?;
    let encoded = "identifier=a%26identifier%3Db%3Dc%23d%0D%0Ae%20%C3%AF%2B%25";
    assert_eq!(
        lines(&seen(&server).await),
        [
            "GET /api/v2/user-blocks/auth0%7C1".to_owned(),
            "DELETE /api/v2/user-blocks/auth0%7C1".to_owned(),
            format!("GET /api/v2/user-blocks?{encoded}"),
            format!("DELETE /api/v2/user-blocks?{encoded}"),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn tenant_object_finders_send_their_filters_as_values() -> Result<(), Error> {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let page = |key: &str, item: Value| json!({"start": 0, "limit": 2, "total": 1, key: [item]});
    answer(
        &server,
        "GET",
        "/api/v2/connections",
        200,
        page("connections", json!({"id": "con_1", "name": "a&b"})),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/resource-servers",
        200,
        page(
            "resource_servers",
            json!({"id": "rs1", "identifier": "https://x/?a=1"}),
        ),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/client-grants",
        200,
        page("client_grants", json!({"id": "cgr_1"})),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/clients/c%2F1",
        200,
        json!({"client_id": "c/1", "client_secret": "zz-not-shown-zz"}),
    )
    .await;

    assert_eq!(auth0.connections().id_of("a&b").await?, "con_1");
    auth0
        .connections()
        .with_strategy("google-oauth2")
        .first()
        .await?;
    auth0
        .resource_servers()
        .get([("identifier", "https://x/?a=1")])
        .await?;
    auth0
        .client_grants()
        .get([("client_id", "c/1"), ("audience", "https://x/")])
        .await?;
    auth0
        .client_grants()
        .for_audience("https://x/")
        .count()
        .await?;
    let client = auth0.clients().get_by_id("c/1").await?;
    assert!(!format!("{client:?}").contains("zz-not-shown-zz"));
    assert_eq!(
        lines(&seen(&server).await),
        [
            "GET /api/v2/connections?name=a%26b&page=0&per_page=2&include_totals=true",
            "GET /api/v2/connections?strategy=google-oauth2&page=0&per_page=1&include_totals=true",
            "GET /api/v2/resource-servers?identifiers=https%3A%2F%2Fx%2F%3Fa%3D1&page=0&per_page=2&include_totals=true",
            "GET /api/v2/client-grants?client_id=c%2F1&audience=https%3A%2F%2Fx%2F&page=0&per_page=2&include_totals=true",
            "GET /api/v2/client-grants?audience=https%3A%2F%2Fx%2F&page=0&per_page=1&include_totals=true",
            "GET /api/v2/clients/c%2F1",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn a_client_secret_never_reaches_debug_display_or_an_error() -> auth0plus_tests::TestResult {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    // A server that echoes what it was sent into its error.
    answer(
        &server,
        "POST",
        "/api/v2/clients",
        400,
        json!({"statusCode": 400, "error": "Bad Request", "message": "bad client_secret: zz-s3cret-zz"}),
    )
    .await;
    let mut client = auth0.clients().build(NewClient {
        name: Some("music".into()),
        ..NewClient::default()
    });
    client.client_secret = Some("zz-s3cret-zz".into());
    let error = client.save().await.err().ok_or("refused")?;
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{client:?}"),
        client.to_string(),
        format!("{:?}", auth0.clients().query()),
    ] {
        assert!(!shown.contains("zz-s3cret-zz"), "{shown}");
    }
    // What was sent carried it: it is the client's to set.
    let seen = seen(&server).await;
    assert_eq!(
        seen[0].body.as_ref().map(|b| b["client_secret"].clone()),
        Some(json!("zz-s3cret-zz"))
    );

    // A create-only field changed on a fetched record is refused before sending.
    answer(
        &server,
        "GET",
        "/api/v2/connections/con_1",
        200,
        json!({"id": "con_1", "name": "db", "strategy": "auth0"}),
    )
    .await;
    let mut db = auth0.connections().get_by_id("con_1").await?;
    db.name = Some("other".into());
    assert!(matches!(db.save().await, Err(Error::InvalidArgument(_))));
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        2
    );
    Ok(())
}

#[tokio::test]
async fn a_linked_identitys_provider_tokens_never_print() -> auth0plus_tests::TestResult {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let identities = json!([
        {"provider": "auth0", "user_id": "1", "connection": "db"},
        {"provider": "google-oauth2", "user_id": "42", "connection": "google-oauth2",
         "access_token": "zz-idp-access-zz", "refresh_token": "zz-idp-refresh-zz",
         "profileData": {"email": "bon@acdc.example"}},
    ]);
    answer(
        &server,
        "POST",
        "/api/v2/users/auth0%7C1/identities",
        201,
        identities.clone(),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/users/auth0%7C1",
        200,
        json!({"user_id": "auth0|1", "identities": identities}),
    )
    .await;
    let mut user = auth0.users().get_by_id("auth0|1").await?;
    let linked = auth0
        .users()
        .link("auth0|1", &SecondaryAccount::new("google-oauth2", "42"))
        .await?;
    user.link(&SecondaryAccount::new("google-oauth2", "42"))
        .await?;
    for shown in [
        format!("{linked:?}"),
        format!("{user:?}"),
        format!("{:?}", user.profile()),
    ] {
        assert!(!shown.contains("zz-idp-"), "{shown}");
        assert!(
            shown.contains("bon@acdc.example"),
            "the rest is shown: {shown}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn records_create_update_and_delete_on_the_wire() -> auth0plus_tests::TestResult {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    answer(
        &server,
        "POST",
        "/api/v2/connections",
        201,
        json!({"id": "con_1", "name": "google", "strategy": "google-oauth2"}),
    )
    .await;
    answer(&server, "PATCH", "/api/v2/connections/con_1", 200, json!({"id": "con_1", "name": "google", "strategy": "google-oauth2", "display_name": "Google"})).await;
    answer(
        &server,
        "POST",
        "/api/v2/client-grants",
        201,
        json!({"id": "cgr_1", "client_id": "c1", "audience": "https://x/", "scope": ["a"]}),
    )
    .await;
    answer(
        &server,
        "PATCH",
        "/api/v2/client-grants/cgr_1",
        200,
        json!({"id": "cgr_1", "client_id": "c1", "audience": "https://x/", "scope": ["a", "b"]}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/refresh-tokens/rt%7C1",
        200,
        json!({"id": "rt|1", "user_id": "auth0|1"}),
    )
    .await;
    accepting(&server).await;

    let mut google = auth0.connections().build(NewConnection {
        name: Some("google".into()),
        strategy: Some("google-oauth2".into()),
        ..NewConnection::default()
    });
    google.save().await?;
    google.display_name = Some("Google".into());
    google.save().await?;
    google.delete().await?;
    let mut grant = auth0.client_grants().build(NewClientGrant {
        client_id: Some("c1".into()),
        audience: Some("https://x/".into()),
        scope: Some(vec!["a".into()]),
        ..NewClientGrant::default()
    });
    grant.save().await?;
    grant.scope = Some(vec!["a".into(), "b".into()]);
    grant.save().await?;
    auth0
        .users()
        .refresh_tokens("auth0|1")
        .revoke("rt|1")
        .await?;

    let seen = seen(&server).await;
    assert_eq!(
        lines(&seen),
        [
            "POST /api/v2/connections",
            "PATCH /api/v2/connections/con_1",
            "DELETE /api/v2/connections/con_1",
            "POST /api/v2/client-grants",
            "PATCH /api/v2/client-grants/cgr_1",
            "GET /api/v2/refresh-tokens/rt%7C1",
            "DELETE /api/v2/refresh-tokens/rt%7C1",
        ]
    );
    let bodies: Vec<Option<Value>> = seen.into_iter().map(|s| s.body).collect();
    assert_eq!(
        bodies[0],
        Some(json!({"name": "google", "strategy": "google-oauth2"}))
    );
    assert_eq!(bodies[1], Some(json!({"display_name": "Google"})));
    assert_eq!(
        bodies[3],
        Some(json!({"client_id": "c1", "audience": "https://x/", "scope": ["a"]}))
    );
    assert_eq!(bodies[4], Some(json!({"scope": ["a", "b"]})));
    Ok(())
}
