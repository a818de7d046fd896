//! Every `DoesNotExist` names what was looked for, for every resource and
//! every lookup that can fail: `Connection "Nope" does not exist`. The
//! looked-up values are the caller's (often a user's) input: they come back
//! quoted, escaped and bounded, never as a second log line.

use auth0plus::NewOrganization;
use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use auth0plus_tests::{TestResult, fake_client};

/// `result`'s error, which must be a `DoesNotExist` of `kind`, as a string.
fn missing<T: std::fmt::Debug>(result: Result<T, Error>, kind: &str) -> String {
    match result {
        Err(err @ Error::DoesNotExist { .. }) => {
            let Error::DoesNotExist { kind: was, .. } = &err else {
                unreachable!()
            };
            assert_eq!(*was, kind, "{err:?}");
            err.to_string()
        }
        other => panic!("expected {kind} DoesNotExist, got {other:?}"),
    }
}

#[tokio::test]
async fn every_resource_names_the_lookup() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);

    let users = auth0.users();
    assert_eq!(
        missing(users.get([("email", "x@example.com")]).await, "User"),
        r#"User with email "x@example.com" does not exist"#
    );
    assert_eq!(
        missing(users.get_by_id("auth0|nope").await, "User"),
        r#"User "auth0|nope" does not exist"#
    );
    assert_eq!(
        missing(
            users
                .get([("email__startswith", "zz"), ("email_verified", "true")])
                .await,
            "User"
        ),
        r#"User with email starting with "zz" and email_verified "true" does not exist"#
    );
    assert_eq!(
        missing(
            users
                .query()
                .filter([("email", "q@example.com")])
                .one()
                .await,
            "User"
        ),
        r#"User with email "q@example.com" does not exist"#
    );

    let roles = auth0.roles();
    assert_eq!(
        missing(roles.get([("name", "Nope")]).await, "Role"),
        r#"Role "Nope" does not exist"#
    );
    assert_eq!(
        missing(roles.get_by_id("rol_nope").await, "Role"),
        r#"Role "rol_nope" does not exist"#
    );

    let connections = auth0.connections();
    assert_eq!(
        missing(connections.id_of("Nope").await, "Connection"),
        r#"Connection "Nope" does not exist"#
    );
    assert_eq!(
        missing(connections.get_by_id("con_nope").await, "Connection"),
        r#"Connection "con_nope" does not exist"#
    );

    let clients = auth0.clients();
    assert_eq!(
        missing(clients.get([("name", "Nope")]).await, "Client"),
        r#"Client "Nope" does not exist"#
    );
    assert_eq!(
        missing(clients.get_by_id("nope").await, "Client"),
        r#"Client "nope" does not exist"#
    );

    let apis = auth0.resource_servers();
    assert_eq!(
        missing(
            apis.get([("identifier", "https://nope.example")]).await,
            "ResourceServer"
        ),
        r#"ResourceServer with identifier "https://nope.example" does not exist"#
    );
    assert_eq!(
        missing(apis.get_by_id("nope").await, "ResourceServer"),
        r#"ResourceServer "nope" does not exist"#
    );

    let grants = auth0.client_grants();
    assert_eq!(
        missing(
            grants
                .get([("client_id", "nope"), ("audience", "https://nope.example")])
                .await,
            "ClientGrant"
        ),
        r#"ClientGrant with client_id "nope" and audience "https://nope.example" does not exist"#
    );

    let orgs = auth0.organizations();
    assert_eq!(
        missing(orgs.get([("name", "nope")]).await, "Organization"),
        r#"Organization "nope" does not exist"#
    );
    assert_eq!(
        missing(orgs.get_by_id("org_nope").await, "Organization"),
        r#"Organization "org_nope" does not exist"#
    );
    let org = orgs
        .create(NewOrganization {
            name: Some("acme".into()),
            ..NewOrganization::default()
        })
        .await?;
    assert_eq!(
        missing(org.connections().get("con_nope").await, "EnabledConnection"),
        r#"EnabledConnection "con_nope" does not exist"#
    );
    assert_eq!(
        missing(org.invitations().get("uinv_nope").await, "Invitation"),
        r#"Invitation "uinv_nope" does not exist"#
    );

    assert_eq!(
        missing(auth0.logs().get_by_id("90000000").await, "Log"),
        r#"Log "90000000" does not exist"#
    );

    let user = users
        .create(
            NewUser::new()
                .email("someone@example.com")
                .password("Sw0rdfish!"),
        )
        .await?;
    let id = user.id().unwrap();
    assert_eq!(
        missing(users.sessions(id).revoke("ses_nope").await, "Session"),
        format!(r#"Session "ses_nope" of user "{id}" does not exist"#)
    );
    assert_eq!(
        missing(
            users.refresh_tokens(id).revoke("rt_nope").await,
            "RefreshToken"
        ),
        format!(r#"RefreshToken "rt_nope" of user "{id}" does not exist"#)
    );
    Ok(())
}

/// What a hostile caller might look up: the message shows it escaped (no
/// second line, no reversed text) and cut short, whatever its length.
#[tokio::test]
async fn looked_up_values_are_escaped_and_bounded() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let connections = auth0.connections();

    let forged = "Nope\"\n2026-12-06 INFO admin granted \u{202e}txt.exe";
    let message = missing(connections.id_of(forged).await, "Connection");
    assert_eq!(
        message,
        r#"Connection "Nope\"\n2026-12-06 INFO admin granted \u{202e}txt.exe" does not exist"#
    );
    assert!(!message.contains('\n') && !message.contains('\u{202e}'));

    let long = "a".repeat(2_000);
    let message = missing(auth0.roles().get([("name", long.as_str())]).await, "Role");
    assert!(message.len() < 200, "{} bytes", message.len());
    assert!(message.ends_with("aaa…\" does not exist"), "{message}");

    let many: Vec<(&str, String)> = (0..60)
        .map(|i| ("email_verified", format!("v{i}")))
        .collect();
    let message = missing(auth0.users().get(many).await, "User");
    assert!(message.chars().count() < 400, "{message}");
    Ok(())
}
