//! A record never saved has no id: every call that needs one answers
//! `Error::MissingId` before anything is sent, call by call, for every
//! record and every relation or handle hanging off one.

use auth0plus::prelude::*;
use auth0plus::{
    EnabledConnectionOptions, NewClient, NewClientGrant, NewConnection, NewInvitation,
    NewOrganization, NewResourceServer, NewRole, Permission, SecondaryAccount,
};
use auth0plus_tests::wire_client;
use wiremock::MockServer;

/// Each `(call, answer)`: the answer must be `MissingId`.
macro_rules! refusals {
    ($($call:expr),* $(,)?) => {
        vec![$((stringify!($call), $call.map(drop))),*]
    };
}

/// Every answer is `MissingId`, and `server` saw no request at all.
async fn assert_missing_id(server: &MockServer, answers: Vec<(&str, Result<(), Error>)>) {
    assert!(!answers.is_empty());
    for (call, answer) in answers {
        assert!(
            matches!(answer, Err(Error::MissingId)),
            "{call}: {answer:?}"
        );
    }
    let seen = server.received_requests().await.unwrap_or_default();
    assert!(seen.is_empty(), "sent: {seen:?}");
}

#[tokio::test]
async fn an_unsaved_user_answers_missing_id_to_every_call() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let mut user = auth0.users().new_user();
    let secondary = SecondaryAccount::new("google-oauth2", "1");
    let read = Permission::new("https://api.example", "read");
    assert_missing_id(
        &server,
        refusals![
            user.saved_id(),
            user.refresh().await,
            user.delete().await,
            user.email_verification_ticket().await,
            user.password_change_ticket().await,
            user.link(&secondary).await,
            user.unlink(&secondary).await,
            user.login_blocks().await,
            user.clear_login_blocks().await,
            user.roles().add(["rol_1"]).await,
            user.roles().remove(["rol_1"]).await,
            user.roles().query().count().await,
            user.permissions().add([read.clone()]).await,
            user.permissions().remove([read.clone()]).await,
            user.permissions().query().fetch_all().await,
            user.sessions().query().count().await,
            user.sessions().revoke("s_1").await,
            user.sessions().revoke_all().await,
            user.refresh_tokens().query().count().await,
            user.refresh_tokens().revoke("rt_1").await,
            user.refresh_tokens().revoke_all().await,
            user.authentication_methods().query().count().await,
            user.authentication_methods().delete("m_1").await,
            user.authentication_methods().delete_all().await,
            user.organizations().count().await,
            user.organizations().fetch_all().await,
            user.logs().count().await,
            user.logs().first().await,
        ],
    )
    .await;
}

#[tokio::test]
async fn an_unsaved_role_answers_missing_id_to_every_call() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let mut role = auth0.roles().build(NewRole::new("ghost"));
    let read = Permission::new("https://api.example", "read");
    assert_missing_id(
        &server,
        refusals![
            role.saved_id(),
            role.refresh().await,
            role.delete().await,
            role.users().add(["auth0|1"]).await,
            // Auth0 cannot remove a role's users from its side; unsaved, the
            // missing id is said first.
            role.users().remove(["auth0|1"]).await,
            role.users().query().count().await,
            role.permissions().add([read.clone()]).await,
            role.permissions().remove([read.clone()]).await,
            role.permissions().query().count().await,
        ],
    )
    .await;
}

#[tokio::test]
async fn an_unsaved_organization_answers_missing_id_to_every_call() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let mut org = auth0.organizations().build(NewOrganization {
        name: Some("ghost".into()),
        ..NewOrganization::default()
    });
    let options = EnabledConnectionOptions::new().show_as_button(true);
    assert_missing_id(
        &server,
        refusals![
            org.saved_id(),
            org.refresh().await,
            org.delete().await,
            org.members().add(["auth0|1"]).await,
            org.members().remove(["auth0|1"]).await,
            org.members().query().count().await,
            org.member_roles("auth0|1").add(["rol_1"]).await,
            org.member_roles("auth0|1").remove(["rol_1"]).await,
            org.member_roles("auth0|1").query().count().await,
            org.invitations()
                .create(NewInvitation::new("Ada", "a@x.example", "cid"))
                .await,
            org.invitations().get("inv_1").await,
            org.invitations().delete("inv_1").await,
            org.invitations().query().count().await,
            org.invitations().query().fetch_all().await,
            org.connections()
                .enable("con_1", EnabledConnectionOptions::new())
                .await,
            org.connections().update("con_1", options).await,
            org.connections().get("con_1").await,
            org.connections().disable("con_1").await,
            org.connections().query().count().await,
            org.connections().query().fetch_all().await,
        ],
    )
    .await;
}

#[tokio::test]
async fn an_unsaved_tenant_object_answers_missing_id_to_every_call() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let mut connection = auth0.connections().build(NewConnection::default());
    let mut client = auth0.clients().build(NewClient::default());
    let mut api = auth0.resource_servers().build(NewResourceServer::default());
    let mut grant = auth0.client_grants().build(NewClientGrant::default());
    assert_missing_id(
        &server,
        refusals![
            connection.saved_id(),
            connection.refresh().await,
            connection.delete().await,
            client.saved_id(),
            client.refresh().await,
            client.delete().await,
            api.saved_id(),
            api.refresh().await,
            api.delete().await,
            grant.saved_id(),
            grant.refresh().await,
            grant.delete().await,
        ],
    )
    .await;
}
