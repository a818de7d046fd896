//! Connections, clients, resource servers and client grants against the
//! fake tenant: finders by name, identifier, audience and client id (exact,
//! values never structure), records that save only what may change, and
//! bad input refused before sending.

use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use auth0plus::{NewClientGrant, NewConnection, NewResourceServer};

use auth0plus_tests::{TestResult, fake_client};

#[tokio::test]
async fn connections_are_found_by_exact_name_and_by_strategy() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let connections = fake_client(&tenant).connections();
    assert_eq!(
        connections.id_of(tenant.connection()).await?,
        tenant.connection_id()
    );
    let db = connections.get([("name", tenant.connection())]).await?;
    assert_eq!(db.strategy.as_deref(), Some("auth0"));
    assert_eq!(
        db.to_string(),
        format!("<Connection {}>", tenant.connection_id())
    );

    let mut google = connections.build(NewConnection {
        name: Some("google".into()),
        strategy: Some("google-oauth2".into()),
        ..NewConnection::default()
    });
    google.save().await?;
    let google_id = google.id().ok_or("an id")?.to_owned();
    assert!(google_id.starts_with("con_"), "{google_id}");
    assert_eq!(connections.with_strategy("auth0").count().await?, 1);
    assert_eq!(
        connections
            .with_strategy("google-oauth2")
            .fetch_all()
            .await?,
        vec![google.clone()]
    );
    assert_eq!(connections.query().count().await?, 2);

    // The name is exact, and never query structure.
    for near in [
        "goog",
        "Google",
        "google ",
        "google&strategy=auth0",
        "x&name=google",
        "google#",
        "google\r\n",
        "gøøgle",
    ] {
        assert!(
            connections.get_opt([("name", near)]).await?.is_none(),
            "{near:?}"
        );
    }
    let missing = connections
        .get([("name", "nope")])
        .await
        .err()
        .ok_or("missing")?;
    assert_eq!(missing.to_string(), "Connection Does Not Exist");

    // `name` and `strategy` are set at creation only: changing one is refused
    // before sending, and a save sends only what may change.
    let before = tenant.counters().total();
    let mut renamed = google.clone();
    renamed.name = Some("gmail".into());
    assert!(matches!(renamed.save().await, Err(Error::InvalidArgument(m)) if m.contains("name")));
    renamed.name = google.name.clone();
    renamed.strategy = Some("auth0".into());
    assert!(
        matches!(renamed.save().await, Err(Error::InvalidArgument(m)) if m.contains("strategy"))
    );
    assert_eq!(tenant.counters().total(), before, "nothing was sent");
    google.display_name = Some("Google".into());
    google.save().await?;
    assert_eq!(
        connections
            .get_by_id(&google_id)
            .await?
            .display_name
            .as_deref(),
        Some("Google")
    );
    google.delete().await?;
    assert!(connections.get_opt([("name", "google")]).await?.is_none());
    Ok(())
}

#[tokio::test]
async fn resource_servers_are_found_by_identifier() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let apis = fake_client(&tenant).resource_servers();
    let management = apis.get([("identifier", &tenant.audience())]).await?;
    assert_eq!(management.is_system, Some(true));

    let mut music = apis.build(NewResourceServer {
        identifier: Some("https://api.acdc.example/music?x=1&y=#z".into()),
        name: Some("Music".into()),
        ..NewResourceServer::default()
    });
    music.save().await?;
    let found = apis
        .get([("identifier", "https://api.acdc.example/music?x=1&y=#z")])
        .await?;
    assert_eq!(found, music);
    for near in [
        "https://api.acdc.example/music",
        "https://api.acdc.example/music?x=1",
    ] {
        assert!(
            apis.get_opt([("identifier", near)]).await?.is_none(),
            "{near}"
        );
    }
    // The identifier is set at creation only.
    let mut moved = music.clone();
    moved.identifier = Some("https://api.acdc.example/other".into());
    assert!(matches!(moved.save().await, Err(Error::InvalidArgument(_))));
    music.name = Some("Music, louder".into());
    music.save().await?;
    assert_eq!(
        apis.get_by_id(music.id().ok_or("id")?)
            .await?
            .name
            .as_deref(),
        Some("Music, louder")
    );
    assert_eq!(apis.query().count().await?, 2);
    Ok(())
}

#[tokio::test]
async fn client_grants_filter_by_audience_and_client() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let grants = auth0.client_grants();
    let own = grants
        .get([
            ("client_id", tenant.client_id()),
            ("audience", tenant.audience().as_str()),
        ])
        .await?;
    assert!(own.scope.as_ref().is_some_and(|s| !s.is_empty()));

    let mut music = grants.build(NewClientGrant {
        client_id: Some(tenant.client_id().into()),
        audience: Some("https://api.acdc.example/music".into()),
        scope: Some(vec!["read:songs".into()]),
        ..NewClientGrant::default()
    });
    music.save().await?;
    assert_eq!(grants.for_client(tenant.client_id()).count().await?, 2);
    assert_eq!(
        grants.for_audience(&tenant.audience()).fetch_all().await?,
        vec![own]
    );
    assert_eq!(
        grants
            .for_audience("https://api.acdc.example/music")
            .fetch_all()
            .await?,
        vec![music.clone()]
    );
    assert_eq!(grants.for_client("someone-else").count().await?, 0);
    // Only the scope changes on save; the client and audience stay as created.
    let mut moved = music.clone();
    moved.audience = Some(tenant.audience());
    assert!(matches!(moved.save().await, Err(Error::InvalidArgument(_))));
    music.scope = Some(vec!["read:songs".into(), "write:songs".into()]);
    music.save().await?;
    let again = grants
        .get([
            ("client_id", tenant.client_id()),
            ("audience", "https://api.acdc.example/music"),
        ])
        .await?;
    assert_eq!(again.scope.as_ref().map(Vec::len), Some(2));
    music.delete().await?;
    assert_eq!(grants.for_client(tenant.client_id()).count().await?, 1);
    Ok(())
}

#[tokio::test]
async fn clients_are_records_and_never_show_a_secret() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let clients = fake_client(&tenant).clients();
    let own = clients.get_by_id(tenant.client_id()).await?;
    assert_eq!(own.id(), Some(tenant.client_id()));
    assert_eq!(clients.query().count().await?, 1);
    let mut with_secret = own.clone();
    with_secret.client_secret = Some("sup3r-s3cret-value".into());
    for shown in [
        format!("{with_secret:?}"),
        with_secret.to_string(),
        format!("{:?}", with_secret.data()),
    ] {
        assert!(!shown.contains("sup3r-s3cret-value"), "{shown}");
    }
    Ok(())
}

#[tokio::test]
async fn empty_filter_values_are_refused_before_sending() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let before = tenant.counters().total();
    let refusals = [
        auth0.connections().get([("name", "")]).await.err(),
        auth0.connections().id_of("").await.err(),
        auth0.connections().with_strategy("").count().await.err(),
        auth0.connections().get_by_id("").await.err(),
        auth0
            .resource_servers()
            .get([("identifier", "")])
            .await
            .err(),
        auth0.client_grants().for_audience("").count().await.err(),
        auth0.client_grants().for_client("").count().await.err(),
        auth0
            .client_grants()
            .get([("client_id", "cid"), ("audience", "")])
            .await
            .err(),
        auth0
            .client_grants()
            .get([("client_id", ""), ("audience", "aud")])
            .await
            .err(),
        auth0.client_grants().get([("scope", "x")]).await.err(),
        auth0.clients().get([("name__startswith", "x")]).await.err(),
        auth0.clients().get_by_id("..").await.err(),
    ];
    for (i, refusal) in refusals.into_iter().enumerate() {
        assert!(
            matches!(refusal, Some(Error::InvalidArgument(_))),
            "#{i}: {refusal:?}"
        );
    }
    assert_eq!(tenant.counters().total(), before, "nothing was sent");
    // A hostile id is one path segment: it finds nothing, and reaches no other route.
    for hostile in ["../users", "con_x/../../users", "a?name=x", "x#y"] {
        let missing = auth0
            .connections()
            .get_by_id(hostile)
            .await
            .err()
            .ok_or("missing")?;
        assert!(
            matches!(
                missing,
                Error::DoesNotExist {
                    kind: "Connection",
                    ..
                }
            ),
            "{missing}"
        );
    }
    Ok(())
}
